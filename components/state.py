"""The only place that knows session-state key names, plus guards for missing prerequisites."""

from __future__ import annotations

import streamlit as st

from embedlens.dataset import Dataset
from embedlens.i18n import _

# Data
DATASET = "data.dataset"  # embedlens Dataset
DATASET_ID = "data.dataset_id"  # its workspace id
# Pipeline settings chosen on the map page (widget keys double as settings)
BACKEND = "map.backend"
MODEL = "map.model"
METHOD = "map.method"
DIMS = "map.dims"
CLUSTER_METHOD = "map.cluster_method"
CLUSTER_K = "map.cluster_k"
COLOR_BY = "map.color_by"
# Results of the current pipeline (set by components.pipeline)
EMBEDDING = "map.embedding"  # EmbedResult
PROJECTION = "map.projection"  # Projection
CLUSTERING = "map.clustering"  # Clustering
SELECTION = "map.selection_ids"  # list of row ids selected on the map
HIGHLIGHT = "map.highlight_ids"  # ids highlighted by another page (neighbours)
QUERY_POINT = "map.query_point"  # (coords, label) of a typed query placed on the map
CLUSTER_NAMES = "map.cluster_names"  # {cluster id: user-given name}
CLUSTER_MERGES = "map.cluster_merges"  # {cluster id: cluster id it was merged into}
THEME = "app.theme"

RANGE_DEPENDENT = ("map.perplexity", "map.n_neighbors", CLUSTER_K, "map.min_cluster_size")

DEFAULTS = {
    BACKEND: "auto",
    MODEL: "all-MiniLM-L6-v2",
    METHOD: "umap",
    DIMS: 2,
    CLUSTER_METHOD: "kmeans",
    CLUSTER_K: 0,
    SELECTION: [],
    HIGHLIGHT: [],
    CLUSTER_NAMES: {},
    CLUSTER_MERGES: {},
    THEME: "light",
}


def init() -> None:
    """Fill in defaults once per session."""
    for key, value in DEFAULTS.items():
        st.session_state.setdefault(key, value.copy() if isinstance(value, (dict, list)) else value)


def dataset() -> Dataset | None:
    """The current dataset, if any."""
    return st.session_state.get(DATASET)


def set_dataset(ds: Dataset, dataset_id: str | None) -> None:
    """Make ``ds`` current and forget results computed for the previous one."""
    switching = st.session_state.get(DATASET) is not None
    st.session_state[DATASET] = ds
    st.session_state[DATASET_ID] = dataset_id
    for key in (EMBEDDING, PROJECTION, CLUSTERING, QUERY_POINT):
        st.session_state.pop(key, None)
    for key in (SELECTION, HIGHLIGHT):
        st.session_state[key] = []
    st.session_state[CLUSTER_NAMES] = {}
    st.session_state[CLUSTER_MERGES] = {}
    if switching:  # these widgets' limits follow the row count: back to their defaults
        for key in RANGE_DEPENDENT:
            st.session_state.pop(key, None)
    if dataset_id:
        st.query_params["dataset"] = dataset_id


def require_dataset() -> Dataset:
    """Return the current dataset or stop the page with a pointer to the Data page."""
    ds = dataset()
    if ds is None:
        st.info(_("Load a dataset first."), icon=":material/info:")
        st.page_link("app_pages/data.py", label=_("Go to Data"), icon=":material/table:")
        st.stop()
    return ds


def require_results() -> tuple:
    """Return (dataset, embedding, projection, clustering) or stop with a pointer to the Map."""
    ds = require_dataset()
    emb = st.session_state.get(EMBEDDING)
    proj = st.session_state.get(PROJECTION)
    if emb is None or proj is None:
        st.info(_("Open the map first: it embeds and projects the data."), icon=":material/info:")
        st.page_link("app_pages/map.py", label=_("Go to Map"), icon=":material/scatter_plot:")
        st.stop()
    return ds, emb, proj, st.session_state.get(CLUSTERING)


# Neighbours page (widget keys and what it shares)
NEIGHBORS_MODE = "neighbors.mode"  # "text" (typed query) or "row"
NEIGHBORS_QUERY = "neighbors.query"  # the typed text
NEIGHBORS_ROW = "neighbors.row"  # row position of the row query
NEIGHBORS_ROW_ID = "neighbors.row_id"  # typed row id (tables above 10,000 rows)
NEIGHBORS_K = "neighbors.k"
NEIGHBORS_METRIC = "neighbors.metric"
NEIGHBORS_THRESHOLD = "neighbors.threshold"  # prefix: one slider per metric, ".cosine" etc.
NEIGHBORS_HEATMAP_SOURCE = "neighbors.heatmap_source"
NEIGHBORS_OVERLAP_ROW = "neighbors.overlap_row"
NEIGHBORS_SEEN_SELECTION = "neighbors.seen_selection"  # first map-selected id already applied
NEIGHBORS_RESULT = "neighbors.result"  # DataFrame of the matches shown (rank, id, score, ...)
# Evaluate page
EVALUATE_TAB = "evaluate.tab"
EVALUATE_RESULTS = "evaluate.results"  # {"clusters": {...}, "faithfulness": {...}, ...}
EVALUATE_CLUSTER_LABELS = "evaluate.cluster_labels"  # label column compared with the clusters
EVALUATE_FAITH_K = "evaluate.faith_k"
EVALUATE_PRESERVATION = "evaluate.preservation"  # button: colour the map by preservation
EVALUATE_PRESERVATION_ON = "evaluate.preservation_on"
EVALUATE_DOWNSTREAM_LABELS = "evaluate.downstream_labels"
EVALUATE_STS_FILE = "evaluate.sts_file"
EVALUATE_WV_FILE = "evaluate.wv_file"
EVALUATE_ANALOGY_A = "evaluate.analogy_a"
EVALUATE_ANALOGY_B = "evaluate.analogy_b"
EVALUATE_ANALOGY_C = "evaluate.analogy_c"
EVALUATE_ANALOGY_FILE = "evaluate.analogy_file"
EVALUATE_WORDSIM_FILE = "evaluate.wordsim_file"
EVALUATE_DIV_MODE = "evaluate.div_mode"  # "values" (two values of a column) or "selection"
EVALUATE_DIV_COLUMN = "evaluate.div_column"
EVALUATE_DIV_A = "evaluate.div_a"
EVALUATE_DIV_B = "evaluate.div_b"

# Workspace and Story pages (saved views, the story being edited, presentation mode)
VIEW_ID = "story.view_id"  # id of the saved view opened last (mirrored in ?view=)
VIEW_URL_CHECKED = "story.view_url_checked"  # True once ?view= was looked at this session
STORY_VIEWS = "story.view_ids"  # ordered view ids of the story being edited
STORY_ID = "story.story_id"  # workspace id of the story opened or saved last
STORY_SLIDE = "story.slide"  # 0-based slide shown in presentation mode
PRESENTING = "story.presenting"  # True while the story is shown full-screen
DEFAULTS.update({STORY_VIEWS: [], STORY_SLIDE: 0, PRESENTING: False})
EVALUATE_FAITH_METRIC = "evaluate.faith_metric"  # original-space distance for faithfulness
