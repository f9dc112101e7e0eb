"""The Story page's widgets: saved views, the story (ordered views), presentation mode, exports.

What they read and change in the session (the story's views, the slide, the look, a view's
data) is :mod:`components.story_state`.
"""

from __future__ import annotations

import streamlit as st

from components import i18n, images, state, story_state
from components.feedback import md_escape
from components.story_figures import SLIDE_HEIGHT, image_config, story_html, view_figure
from components.story_state import current_look, opening_tab, view_data
from components.workspace_ui import confirm_delete, pick, when
from embedlens.i18n import N_, _
from embedlens.palettes import CATEGORICAL
from embedlens.store import ViewInfo, Workspace, safe_name

__all__ = [
    "current_look",
    "image_note",
    "look_controls",
    "opening_tab",
    "present",
    "story_editor",
    "view_data",
    "views_section",
]

CAMERA_SOURCES = (N_("highlighted rows"), N_("full extent"), N_("default 3-D camera"))
# Constant stylesheets (never user data): hide Streamlit's chrome, large type for projectors.
PRESENT_CSS = """<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
[data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"],
[data-testid="stTopNavigation"], header { display: none !important; }
[data-testid="stMainBlockContainer"], .block-container {
  padding: 0.8rem 1.5rem 0.5rem !important; max-width: 100% !important; }
.st-key-story-caption p { font-size: 1.7rem !important; line-height: 1.35; margin: 0; }
.st-key-story-caption { text-align: center; }
.st-key-story-nav p { font-size: 1.2rem; }
.st-key-story-nav button p { font-size: 1.1rem; }
</style>"""
DARK_CSS = """<style>
.stApp, [data-testid="stAppViewContainer"], [data-testid="stMain"] {
  background: #111111 !important; color: #EEEEEE !important; }
.stApp p, .stApp span, .stApp h1, .stApp h2, .stApp h3 { color: #EEEEEE !important; }
.stApp button { background: #222222 !important; border-color: #555555 !important; }
</style>"""


def look_controls() -> tuple[str, str, str]:
    """Theme (shared with the map), colour-blind-safe palette, and the toolbar image format."""
    # re-assigned every run so the control shows the shared theme after presentation mode
    st.session_state["story.theme"] = st.session_state.get(state.THEME, "light")
    cols = st.columns(3)
    theme = (
        cols[0].segmented_control(
            _("Theme"),
            ["light", "dark"],
            key="story.theme",
            format_func={"light": _("Light"), "dark": _("Dark")}.get,
            on_change=story_state.sync_theme,
            help=_("Also used by the map."),
        )
        or "light"
    )
    palette = cols[1].selectbox(
        _("Colours (all colour-blind safe)"),
        list(CATEGORICAL),
        key="story.palette",
        format_func=lambda p: {
            "okabe-ito": "Okabe-Ito",
            "tol-muted": _("Tol muted"),
            "tol-bright": _("Tol bright"),
            "ibm": "IBM",
        }.get(p, p),
        persist_state="session",
    )
    fmt = (
        cols[2].segmented_control(
            _("Chart camera button saves"),
            ["png", "svg"],
            key="story.image_format",
            format_func=str.upper,
            default="png",
            persist_state="session",
        )
        or "png"
    )
    return theme, palette, fmt


def views_section(ws: Workspace, infos: list[ViewInfo], theme: str, palette: str, fmt: str) -> None:
    """The saved views: pick one, preview it, open it on the map, add it to the story, delete."""
    if not infos:
        st.info(
            _(
                "No saved views yet. Save the current map above, or with the Save view form on"
                " the Map page."
            ),
            icon=":material/bookmark:",
        )
        return
    by_id = {i.id: i for i in infos}
    chosen = pick(
        _("Saved view"),
        {i.id: f"{i.name} · {i.view.get('dataset_name', '?')} · {when(i.created)}" for i in infos},
        key="story.view",
        current=st.session_state.get(state.VIEW_ID),
    )
    info = by_id[chosen]
    cols = st.columns(3)
    if cols[0].button(
        _("Open on the map"),
        key="story.open_view",
        icon=":material/scatter_plot:",
        type="primary",
        width="stretch",
    ):
        story_state.open_view(info)
    cols[1].button(
        _("Add to the story"),
        key="story.add_view",
        icon=":material/playlist_add:",
        on_click=story_state.add_chosen_view,
        width="stretch",
    )
    with cols[2]:
        if confirm_delete(
            "view",
            info.id,
            _("Delete this saved view? Stories that show it skip it from now on."),
            key="story.view",
        ):
            ws.delete_view(info.id)
            st.session_state[state.STORY_VIEWS] = [
                v for v in st.session_state[state.STORY_VIEWS] if v != info.id
            ]
            st.rerun()
    data = view_data(info)
    if data is not None:
        fig = view_figure(
            data, info.view, title=info.name, theme=theme, palette=palette, height=480
        )
        st.plotly_chart(
            fig,
            key="story.preview",
            width="stretch",
            theme=None,
            config=image_config(info.name, fmt),
        )
    if info.caption:
        st.markdown(md_escape(info.caption))
    st.caption(
        _("Camera: {source} (the chart's own zoom is not saved).").format(
            source=_(info.view.get("camera_source", "full extent"))
        )
    )


def story_editor(ws: Workspace, by_id: dict[str, ViewInfo], theme: str, palette: str) -> None:
    """The ordered list of slides: reorder, remove, save/open, present, download as HTML."""
    stories = ws.list_stories()
    if stories:
        left, right = st.columns([4, 1], vertical_alignment="bottom")
        left.selectbox(
            _("Saved stories"),
            [s.id for s in stories],
            key="story.saved_story",
            format_func={s.id: f"{s.title} ({len(s.view_ids)} views)" for s in stories}.get,
        )
        right.button(
            _("Open"),
            key="story.open_story",
            on_click=story_state.open_saved_story,
            args=(ws,),
            width="stretch",
        )
    ids = [v for v in st.session_state[state.STORY_VIEWS] if v in by_id]
    st.session_state[state.STORY_VIEWS] = ids
    if "story.title" not in st.session_state:
        st.session_state["story.title"] = _(story_state.DEFAULT_TITLE)
    # persisted: presentation mode hides this input; Streamlit drops unrendered widget values
    title = st.text_input(
        _("Story title"), key="story.title", max_chars=200, persist_state="session"
    )
    if not ids:
        st.caption(_("The story is empty: pick a saved view above and press Add to the story."))
        return
    for i, view_id in enumerate(ids):
        info = by_id[view_id]
        text, up, down, drop = st.columns([8, 1, 1, 1], vertical_alignment="center")
        text.markdown(f"**{i + 1}. {md_escape(info.name)}**  \n{md_escape(info.caption) or '—'}")
        up.button(
            "",
            key=f"story.up.{i}",
            icon=":material/arrow_upward:",
            on_click=story_state.move_slide,
            args=(i, -1),
            disabled=i == 0,
            help=_("Move up"),
        )
        down.button(
            "",
            key=f"story.down.{i}",
            icon=":material/arrow_downward:",
            on_click=story_state.move_slide,
            args=(i, 1),
            disabled=i == len(ids) - 1,
            help=_("Move down"),
        )
        drop.button(
            "",
            key=f"story.remove.{i}",
            icon=":material/close:",
            on_click=story_state.remove_slide,
            args=(i,),
            help=_("Remove from the story"),
        )
    cols = st.columns(3)
    cols[0].button(
        _("Present full screen"),
        key="story.present",
        type="primary",
        on_click=story_state.start_presenting,
        args=(True,),
        icon=":material/slideshow:",
        width="stretch",
    )
    if cols[1].button(
        _("Save the story"), key="story.save", icon=":material/save:", width="stretch"
    ):
        st.session_state[state.STORY_ID] = ws.save_story(
            title.strip() or _(story_state.DEFAULT_TITLE), ids
        )
        st.toast(_("Story saved in the workspace"), icon=":material/save:")
    slides = [(by_id[v].name, by_id[v].caption, by_id[v].view) for v in ids]
    root, story_title = str(ws.root), title.strip() or _(story_state.DEFAULT_TITLE)
    cols[2].download_button(
        _("Download as one HTML file"),
        i18n.deferred(
            lambda: story_html(
                Workspace(root), slides, title=story_title, theme=theme, palette=palette
            )
        ),
        f"{safe_name(story_title) or 'story'}.html",
        "text/html",
        key="story.download",
        on_click="ignore",
        icon=":material/download:",
        width="stretch",
        help=_("Opens offline in any browser: interactive maps, captions, ← → to step."),
    )


def present(by_id: dict[str, ViewInfo], theme: str, palette: str, fmt: str) -> None:
    """One slide full-screen: title, map, big caption; Prev/Next buttons and ← → keys."""
    ids = [v for v in st.session_state[state.STORY_VIEWS] if v in by_id]
    if not ids:
        st.session_state[state.PRESENTING] = False
        st.rerun()
    st.markdown(PRESENT_CSS + (DARK_CSS if theme == "dark" else ""), unsafe_allow_html=True)
    i = min(max(int(st.session_state.get(state.STORY_SLIDE, 0)), 0), len(ids) - 1)
    st.session_state[state.STORY_SLIDE] = i
    info = by_id[ids[i]]
    with st.container(key="story-nav", horizontal=True, vertical_alignment="center"):
        st.button(
            _("Prev"),
            key="story.prev",
            icon=":material/arrow_back:",
            on_click=story_state.step_slide,
            args=(-1, len(ids)),
            disabled=i == 0,
            shortcut="Left",
        )
        st.markdown(f"**{i + 1} / {len(ids)}**")
        st.button(
            _("Next"),
            key="story.next",
            icon=":material/arrow_forward:",
            on_click=story_state.step_slide,
            args=(1, len(ids)),
            disabled=i == len(ids) - 1,
            shortcut="Right",
        )
        st.space("stretch")
        st.button(
            _("Exit"),
            key="story.exit",
            icon=":material/close_fullscreen:",
            on_click=story_state.start_presenting,
            args=(False,),
            shortcut="Esc",
        )
    data = view_data(info)
    if data is not None:
        fig = view_figure(
            data,
            info.view,
            title=info.name,
            theme=theme,
            palette=palette,
            height=SLIDE_HEIGHT,
            large=True,
        )
        fig.update_layout(uirevision=info.id)
        st.plotly_chart(
            fig, key="story.slide", width="stretch", theme=None, config=image_config(info.name, fmt)
        )
        images.slide_strip(data)  # images only: representatives of the largest clusters
    with st.container(key="story-caption"):
        st.markdown(md_escape(info.caption) if info.caption else " ")


def image_note(fmt: str) -> None:
    """Say how PNG/SVG export works here."""
    st.caption(
        _(
            "PNG / SVG: the camera button in each chart's toolbar saves it as {upper} "
            "(1280×720); the map page's export panel also renders a PNG on the server."
        ).format(upper=fmt.upper())
    )
