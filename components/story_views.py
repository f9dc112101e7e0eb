"""Saved views: snapshot the map's state into the workspace, and restore it (also from ?view=).

A view is a JSON dict (format 1)::

    dataset_id, dataset_name, rows         which data
    embedding   {backend, model, key}      which vectors
    projection  ProjectionParams dict      and projection_run: the workspace run with the coords
    clustering  ClusterParams dict         and clustering_run: the run with labels and keyword names
    settings    {map widget key: value}    restored into session state when the view is opened
    display     colour-by, point size, opacity, labels, search, hover columns
    cluster_names / cluster_merges         the hand renames and merges ({"id": ...} JSON keys)
    highlight_ids                          rows drawn on top (a selection or one cluster)
    camera      {"x": [lo, hi], "y": [lo, hi]} or None; camera_source says which

Streamlit's plotly_chart does not report the user's zoom, so the camera is the full extent of the
map (or, when asked, the bounding box of the highlighted rows), never the on-screen zoom.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import streamlit as st

from components import clusters, datasets, state
from components.feedback import user_errors
from components.pipeline import core, home, workspace
from embedlens.i18n import _
from embedlens.store import NotFoundError, ViewInfo

VIEW_FORMAT = 1
CLUSTER_COLOR = "Cluster"  # the map's "colour by cluster" choice (components.forms.CLUSTER_COLOR)
PROJECTION_KEYS = {
    "method": state.METHOD,
    "dims": state.DIMS,
    "seed": "map.seed",
    "perplexity": "map.perplexity",
    "n_neighbors": "map.n_neighbors",
    "min_dist": "map.min_dist",
    "metric": "map.metric",
}
CLUSTER_KEYS = {
    "method": state.CLUSTER_METHOD,
    "k": state.CLUSTER_K,
    "min_cluster_size": "map.min_cluster_size",
    "eps": "map.eps",
    "space": "map.cluster_space",
}
DISPLAY_KEYS = {
    "color_by": state.COLOR_BY,
    "point_size": "map.point_size",
    "opacity": "map.opacity",
    "show_labels": "map.show_labels",
    "search": "map.search",
    "hover_columns": "map.hover_columns",
}
DISPLAY_DEFAULTS = {
    "color_by": CLUSTER_COLOR,
    "point_size": 5.0,
    "opacity": 0.8,
    "show_labels": True,
    "search": "",
    "hover_columns": [],
}
PAD = 0.05  # camera margin, as a fraction of the extent


def camera(coords: np.ndarray, rows: np.ndarray | None = None) -> dict | None:
    """Axis ranges showing all points (or only ``rows``), padded; None for 3-D maps."""
    if coords.shape[1] != 2 or len(coords) == 0:
        return None
    pts = coords if rows is None or not rows.any() else coords[rows]
    lo, hi = pts.min(axis=0).astype(float), pts.max(axis=0).astype(float)
    pad = np.maximum((hi - lo) * PAD, 1e-3)
    return {"x": [lo[0] - pad[0], hi[0] + pad[0]], "y": [lo[1] - pad[1], hi[1] + pad[1]]}


def _embedding_params(emb) -> dict:
    """Backend, model and cache key of the vectors, from the embedding's provenance."""
    prov = emb.provenance
    if prov is None:  # not made by the pipeline (cannot happen on a final map)
        return {"backend": "", "model": "", "key": emb.model_key}
    return {"backend": prov.backend, "model": prov.model, "key": prov.cache_key}


def _save_runs(dataset_id: str, emb, proj, clustering) -> tuple[str, str | None]:
    """The runs holding the coords and the cluster labels (recorded now if they are not).

    The core pipeline keys both runs, with the sample size of a sampled fit, exactly as when
    the map was computed, so a view never points at another fit of the same vectors.
    """
    pipe = core(home())
    proj_prov = proj.provenance
    if proj_prov is None or not proj_prov.run_id:
        sample = proj_prov.sample_size if proj_prov is not None else None
        proj = pipe.record_projection(emb, proj, sample_size=sample, dataset_id=dataset_id)
    if clustering is None:
        return proj.provenance.run_id, None
    cl_prov = clustering.provenance
    if cl_prov is None or not cl_prov.run_id:
        clustering = pipe.record_clustering(emb, proj, clustering, dataset_id=dataset_id)
    return proj.provenance.run_id, clustering.provenance.run_id


def capture_view(*, spotlight: str = "none", zoom: bool = False) -> dict:
    """The current map as a JSON-able view dict (see the module docstring).

    ``spotlight`` is "none", "selection" or "cluster:<id>": those rows are highlighted; with
    ``zoom`` the camera frames them instead of the whole map.
    """
    ds, emb, proj, clustering = state.require_results()
    dataset_id = st.session_state.get(state.DATASET_ID) or datasets.open_dataset(ds)
    ss = st.session_state
    proj_run, cluster_run = _save_runs(dataset_id, emb, proj, clustering)
    settings = {
        key: ss[key]
        for key in (*PROJECTION_KEYS.values(), *CLUSTER_KEYS.values(), *DISPLAY_KEYS.values())
        if key in ss
    }
    settings.update({key: getattr(proj.params, f) for f, key in PROJECTION_KEYS.items()})
    if clustering is not None:
        settings.update({key: getattr(clustering.params, f) for f, key in CLUSTER_KEYS.items()})
        settings[state.CLUSTER_K] = int(clustering.params.k or 0)
    embedding = _embedding_params(emb)
    if embedding["backend"] != "precomputed":
        settings.update({state.BACKEND: embedding["backend"], state.MODEL: embedding["model"]})
    display = {f: ss.get(key, DISPLAY_DEFAULTS[f]) for f, key in DISPLAY_KEYS.items()}
    # A search/neighbour highlight is saved only when the user chose it ("highlight").
    highlight = [*ss.get(state.HIGHLIGHT, [])] if spotlight == "highlight" else []
    if spotlight == "selection":
        highlight = [*ss.get(state.SELECTION, [])]
    elif spotlight.startswith("cluster:") and clustering is not None:
        labels, _ = clusters.effective(clustering)
        highlight = np.asarray(ds.ids)[labels == int(spotlight.split(":", 1)[1])].tolist()
    rows = np.isin(np.asarray(ds.ids).astype(str), [str(i) for i in highlight])
    zoomed = zoom and bool(rows.any()) and proj.coords.shape[1] == 2
    return {
        "format": VIEW_FORMAT,
        "dataset_id": dataset_id,
        "dataset_name": ds.name,
        "rows": len(ds),
        "embedding": embedding,
        "projection": proj.params.to_dict(),
        "projection_run": proj_run,
        "clustering": None if clustering is None else dataclasses.asdict(clustering.params),
        "clustering_run": cluster_run,
        "settings": settings,
        "display": display,
        "cluster_names": {str(k): v for k, v in ss.get(state.CLUSTER_NAMES, {}).items()},
        "cluster_merges": {str(k): int(v) for k, v in ss.get(state.CLUSTER_MERGES, {}).items()},
        "highlight_ids": highlight,
        "camera": camera(proj.coords, rows if zoomed else None),
        "camera_source": ("highlighted rows" if zoomed else "full extent")
        if proj.coords.shape[1] == 2
        else "default 3-D camera",
    }


def save_current_view(
    name: str, caption: str, *, spotlight: str = "none", zoom: bool = False
) -> str:
    """Snapshot the map and save it in the workspace; returns the view id."""
    view = capture_view(spotlight=spotlight, zoom=zoom)
    with user_errors(_("Saving the view")):
        view_id = workspace(home()).save_view(name, view, caption=caption)
    st.session_state[state.VIEW_ID] = view_id
    st.query_params["view"] = view_id
    return view_id


def apply_view(info: ViewInfo) -> bool:
    """Restore a saved view into session state (dataset, map settings, names, highlight, URL)."""
    view = info.view
    dataset_id = view.get("dataset_id")
    if dataset_id != st.session_state.get(state.DATASET_ID) or state.dataset() is None:
        if not dataset_id or not datasets.open_saved(dataset_id):
            st.error(
                _(
                    "The dataset of the view {name!r} is no longer in the workspace; delete the "
                    "view or load the data again."
                ).format(name=info.name),
                icon=":material/error:",
            )
            return False
    ss = st.session_state
    for key, value in view.get("settings", {}).items():
        if key.startswith("map."):
            ss[key] = value
    ss[state.CLUSTER_NAMES] = {int(k): str(v) for k, v in view.get("cluster_names", {}).items()}
    ss[state.CLUSTER_MERGES] = {int(k): int(v) for k, v in view.get("cluster_merges", {}).items()}
    ss[state.HIGHLIGHT] = list(view.get("highlight_ids", []))
    ss[state.VIEW_ID] = info.id
    st.query_params.update(url_params())
    return True


def url_params() -> dict[str, str]:
    """The query params that bring this session back after a refresh (dataset, view)."""
    params = {}
    for name, key in (("dataset", state.DATASET_ID), ("view", state.VIEW_ID)):
        if st.session_state.get(key):
            params[name] = str(st.session_state[key])
    return params


def sync_url() -> None:
    """Put ``?dataset=`` and ``?view=`` back in the URL (page switches clear query params)."""
    for name, value in url_params().items():
        if st.query_params.get(name) != value:
            st.query_params[name] = value


def restore_view_from_url() -> None:
    """Once per session: reopen the view named in ``?view=`` (call after ensure_dataset).

    A view of another dataset than the one the URL opened is stale: it is dropped from the URL.
    """
    if st.session_state.get(state.VIEW_URL_CHECKED):
        return
    st.session_state[state.VIEW_URL_CHECKED] = True
    view_id = st.query_params.get("view")
    if not view_id:
        return
    try:
        info = workspace(home()).load_view(view_id)
    except NotFoundError:
        st.query_params.pop("view", None)
        return
    current = st.session_state.get(state.DATASET_ID)
    if current and current != info.view.get("dataset_id"):
        st.query_params.pop("view", None)  # another dataset was opened since
        return
    apply_view(info)


def spotlight_options(clustering) -> dict[str, str]:
    """{option: label} for the save form's highlight choice."""
    options = {"none": _("Nothing")}
    n_highlighted = len(st.session_state.get(state.HIGHLIGHT, []) or [])
    if n_highlighted:
        options["highlight"] = _("The {n:,} rows highlighted now (search or neighbours)").format(
            n=n_highlighted
        )
    n_selected = len(st.session_state.get(state.SELECTION, []))
    if n_selected:
        options["selection"] = _("The {n:,} rows selected on the map").format(n=n_selected)
    if clustering is not None:
        names = clusters.effective(clustering)[1]
        label = _("Cluster: {name}")
        options.update({f"cluster:{c}": label.format(name=n) for c, n in names.items() if c >= 0})
    return options


def save_view_form(prefix: str) -> str | None:
    """A small 'Save view' form (keys ``<prefix>.save_view.*``); returns the new view id."""
    clustering = st.session_state.get(state.CLUSTERING)
    options = spotlight_options(clustering)
    with st.form(f"{prefix}.save_view", border=True, clear_on_submit=True):
        name = st.text_input(
            _("View name"),
            key=f"{prefix}.save_view.name",
            max_chars=200,
            placeholder=_("e.g. Sports and politics overlap"),
        )
        caption = st.text_area(
            _("Caption (shown under the map in the story)"),
            key=f"{prefix}.save_view.caption",
            height=80,
        )
        spotlight = st.selectbox(
            _("Highlight"),
            list(options),
            format_func=options.get,
            key=f"{prefix}.save_view.spotlight",
        )
        zoom = st.checkbox(
            _("Zoom to the highlighted rows"),
            key=f"{prefix}.save_view.zoom",
            help=_("Otherwise the view shows the whole map."),
        )
        submitted = st.form_submit_button(
            _("Save view"), icon=":material/bookmark_add:", type="primary"
        )
    if not submitted:
        return None
    if not name.strip():
        st.warning(_("Give the view a name first."), icon=":material/edit:")
        return None
    view_id = save_current_view(name, caption.strip(), spotlight=spotlight, zoom=zoom)
    st.toast(_("Saved the view {name}").format(name=name.strip()), icon=":material/bookmark_added:")
    return view_id
