"""Sidebar forms of the map page -> frozen parameter objects."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components import state
from embedlens.cluster import CLUSTERERS, ClusterParams
from embedlens.dataset import Dataset
from embedlens.embedders import EMBEDDERS
from embedlens.i18n import _
from embedlens.plotting.maps import CLUSTER_COLOR, METHOD_LABELS, MapDisplay
from embedlens.reduce import REDUCERS, ProjectionParams

Display = MapDisplay  # how the map is drawn (the core's one map figure reads it)
AUTO = "auto"  # the embedder chosen by the core from the texts' language and this machine


def embedding_form(ds: Dataset) -> tuple[str, str]:
    """Backend and model; precomputed vectors need neither."""
    if ds.vectors is not None:
        own = _("Using the file's own vectors ({shape} dimensions).")
        st.caption(own.format(shape=ds.vectors.shape[1]))
        return "precomputed", ds.vector_column or "vectors"
    available = {n: r for n, r in EMBEDDERS.available().items() if r is None}
    backend = st.selectbox(
        _("Embedding model backend"),
        [AUTO, *available],
        key=state.BACKEND,
        persist_state="session",
        format_func=lambda n: _("Automatic (by language)")
        if n == AUTO
        else _(EMBEDDERS.entry(n).label),
        help=_(
            "Automatic: by the language of the texts and the models on this machine "
            "(all-MiniLM-L6-v2 for English; a Chinese or multilingual model you have, else "
            "character TF-IDF, for Chinese, Japanese and Korean)."
        ),
    )
    if backend == AUTO:
        return AUTO, AUTO
    model = ""
    if backend == "sentence-transformers":
        model = st.text_input(
            _("Model name or local path"),
            key=state.MODEL,
            persist_state="session",
            help=_(
                "all-MiniLM-L6-v2 ships with embedlens and works offline; any other "
                "sentence-transformers model folder works too."
            ),
        )
    return backend, model


def projection_form(n_rows: int) -> ProjectionParams:
    """Method, dimensions and the advanced parameters of the projection."""
    methods = [n for n, r in REDUCERS.available().items() if r is None]
    method = (
        st.segmented_control(
            _("Projection"),
            methods,
            key=state.METHOD,
            persist_state="session",
            format_func=METHOD_LABELS.get,
            selection_mode="single",
        )
        or "pca"
    )
    dims = (
        st.segmented_control(
            _("Dimensions"),
            [2, 3],
            key=state.DIMS,
            persist_state="session",
            format_func=lambda d: f"{d}D",
        )
        or 2
    )
    with st.expander(_("Advanced projection settings")):
        # Slider ends stay valid on tiny data; the core lowers values that do not fit (with a note).
        max_perp = max(3.0, min(100.0, (n_rows - 1) / 3))
        perplexity = st.slider(
            _("t-SNE perplexity"),
            2.0,
            max_perp,
            min(30.0, max_perp),
            key="map.perplexity",
            persist_state="session",
        )
        max_nn = max(3, min(200, n_rows - 1))
        n_neighbors = st.slider(
            _("UMAP neighbours"),
            2,
            max_nn,
            min(15, max_nn),
            key="map.n_neighbors",
            persist_state="session",
        )
        min_dist = st.slider(
            _("UMAP min_dist"), 0.0, 0.99, 0.1, key="map.min_dist", persist_state="session"
        )
        metric = st.selectbox(
            _("Distance"),
            ["cosine", "euclidean"],
            key="map.metric",
            persist_state="session",
            format_func=lambda m: {"cosine": _("cosine"), "euclidean": _("euclidean")}[m],
        )
        seed = st.number_input(_("Seed"), 0, 2**31 - 1, 0, key="map.seed", persist_state="session")
    return ProjectionParams(
        method=method,
        dims=int(dims),
        seed=int(seed),
        perplexity=float(perplexity),
        n_neighbors=int(n_neighbors),
        min_dist=float(min_dist),
        metric=metric,
    )


def cluster_form(n_rows: int) -> ClusterParams:
    """Clustering method and its main parameter."""
    methods = [n for n, r in CLUSTERERS.available().items() if r is None]
    method = st.selectbox(
        _("Clustering"),
        methods,
        key=state.CLUSTER_METHOD,
        persist_state="session",
        format_func=lambda n: _(CLUSTERERS.entry(n).label),
    )
    k, min_cluster_size, eps = None, 10, 0.5
    if method in ("kmeans", "agglomerative"):
        k = st.number_input(
            _("Clusters (0 = automatic)"),
            0,
            max(2, min(100, n_rows - 1)),
            key=state.CLUSTER_K,
            persist_state="session",
        )
        k = int(k) or None
    elif method == "hdbscan":
        min_cluster_size = st.number_input(
            _("Minimum cluster size"),
            2,
            max(3, n_rows),
            min(10, max(3, n_rows)),
            key="map.min_cluster_size",
            persist_state="session",
        )
    else:
        eps = st.number_input(
            _("eps (neighbourhood radius)"),
            0.01,
            10.0,
            0.5,
            step=0.05,
            key="map.eps",
            persist_state="session",
        )
    space = st.radio(
        _("Cluster on"),
        ["vectors", "map"],
        horizontal=True,
        key="map.cluster_space",
        persist_state="session",
        format_func={"vectors": _("full vectors"), "map": _("map coordinates")}.get,
    )
    return ClusterParams(
        method=method, k=k, min_cluster_size=int(min_cluster_size), eps=float(eps), space=space
    )


def display_form(ds: Dataset) -> Display:
    """Colour, point size, opacity, labels and text search."""
    columns = [
        c for c in ds.frame.columns if c != ds.text_column and not _is_list_column(ds.frame[c])
    ]
    options = [CLUSTER_COLOR, *columns]
    default = st.session_state.get(state.COLOR_BY)
    if default not in options:
        st.session_state[state.COLOR_BY] = CLUSTER_COLOR
    color_by = st.selectbox(
        _("Colour by"),
        options,
        key=state.COLOR_BY,
        persist_state="session",
        format_func=lambda c: _("Cluster") if c == CLUSTER_COLOR else c,
    )
    size = st.slider(
        _("Point size"), 1.0, 20.0, 5.0, 0.5, key="map.point_size", persist_state="session"
    )
    opacity = st.slider(
        _("Opacity"), 0.1, 1.0, 0.8, 0.05, key="map.opacity", persist_state="session"
    )
    labels = st.toggle(
        _("Cluster labels on the map"), True, key="map.show_labels", persist_state="session"
    )
    search = st.text_input(
        _("Highlight rows whose text contains"),
        key="map.search",
        persist_state="session",
        placeholder=_("e.g. election"),
    )
    hover = st.multiselect(
        _("Show in hover"),
        columns,
        default=[c for c in columns[:3]],
        key="map.hover_columns",
        persist_state="session",
    )
    return Display(
        color_by=color_by,
        point_size=float(size),
        opacity=float(opacity),
        show_labels=bool(labels),
        search=search.strip(),
        hover_columns=tuple(hover),
    )


def _is_list_column(col: pd.Series) -> bool:
    return (
        len(col) > 0 and isinstance(col.iloc[0], (list, tuple)) or str(col.dtype).startswith("list")
    )
