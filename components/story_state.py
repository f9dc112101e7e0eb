"""The Story page's state: which views the story shows, the slide, the look, a view's data.

The Story page's buttons change ``st.session_state`` through these callbacks; the widgets
are in :mod:`components.story`.
"""

from __future__ import annotations

import streamlit as st

from components import state, story_views
from components.pipeline import home, workspace
from components.story_figures import ViewData, load_view_data
from embedlens.errors import EmbedlensError
from embedlens.i18n import N_, _
from embedlens.store import NotFoundError, ViewInfo, Workspace

DEFAULT_TITLE = N_("What our embeddings show")  # shown translated: _(DEFAULT_TITLE)
RETURN_TAB = "story.return_tab"  # the tab shown after leaving presentation mode


@st.cache_resource(show_spinner=False, max_entries=8)
def _view_data(
    root: str, dataset_id: str, projection_run: str, clustering_run: str | None, _view: dict
) -> ViewData:
    return load_view_data(workspace(root), _view)


def view_data(info: ViewInfo) -> ViewData | None:
    """A view's data (cached); a warning and None when its files were deleted."""
    v = info.view
    try:
        runs = {r.id: r for r in workspace(home()).list_runs(v.get("dataset_id"))}
        for run_id in (v.get("projection_run"), v.get("clustering_run")):
            if run_id and (run_id not in runs or runs[run_id].missing):
                raise NotFoundError(
                    _("its run {run_id} was deleted from the workspace.").format(run_id=run_id)
                )
        return _view_data(
            home(), v.get("dataset_id"), v.get("projection_run"), v.get("clustering_run"), v
        )
    except (EmbedlensError, KeyError) as exc:
        st.warning(
            _(
                "The view {name!r} cannot be drawn: {exc} Open it on the map to compute it "
                "again, then save the view again."
            ).format(name=info.name, exc=exc),
            icon=":material/broken_image:",
        )
        return None


def sync_theme() -> None:
    """Share the theme picked on the Story page with the map."""
    st.session_state[state.THEME] = st.session_state.get("story.theme") or "light"


def current_look() -> tuple[str, str, str]:
    """Theme, palette and image format as last chosen (for when the controls are hidden)."""
    ss = st.session_state
    return (
        ss.get(state.THEME, "light"),
        ss.get("story.palette") or "okabe-ito",
        ss.get("story.image_format") or "png",
    )


def open_view(info: ViewInfo) -> None:
    """Apply a saved view and go to the map (nothing happens when it cannot be applied)."""
    if story_views.apply_view(info):
        st.switch_page("app_pages/map.py", query_params=story_views.url_params())


def add_chosen_view() -> None:
    """Append the view picked in the saved-views list to the story."""
    view_id = st.session_state.get("story.view")
    if view_id:
        st.session_state[state.STORY_VIEWS] = [*st.session_state[state.STORY_VIEWS], view_id]


def move_slide(i: int, step: int) -> None:
    """Move the story's ``i``-th view ``step`` places (not past either end)."""
    ids = list(st.session_state[state.STORY_VIEWS])
    j = i + step
    if 0 <= j < len(ids):
        ids[i], ids[j] = ids[j], ids[i]
        st.session_state[state.STORY_VIEWS] = ids


def remove_slide(i: int) -> None:
    """Take the ``i``-th view out of the story."""
    ids = list(st.session_state[state.STORY_VIEWS])
    del ids[i]
    st.session_state[state.STORY_VIEWS] = ids


def open_saved_story(ws: Workspace) -> None:
    """Load the story picked in the saved-stories list: its views and title."""
    story_id = st.session_state.get("story.saved_story")
    if story_id:
        info = ws.load_story(story_id)
        st.session_state[state.STORY_VIEWS] = [
            v for v in info.view_ids if v not in info.missing_views
        ]
        st.session_state["story.title"] = info.title
        st.session_state[state.STORY_ID] = info.id


def start_presenting(presenting: bool) -> None:
    """Enter (True) or leave (False) presentation mode at the first slide."""
    st.session_state[state.PRESENTING] = presenting
    st.session_state[state.STORY_SLIDE] = 0
    if not presenting:  # back where Present was pressed, not on the first tab
        st.session_state[RETURN_TAB] = "Story"


def opening_tab() -> str | None:
    """The tab the Story page opens on: the story itself after presenting, else the first."""
    tab = st.session_state.get(RETURN_TAB)
    return _(tab) if tab else None


def step_slide(step: int, n: int) -> None:
    """Go ``step`` slides on, within the ``n`` slides."""
    st.session_state[state.STORY_SLIDE] = min(
        max(st.session_state[state.STORY_SLIDE] + step, 0), n - 1
    )
