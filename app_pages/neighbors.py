"""Neighbours: the rows most similar to a typed text or to a chosen row, listed and on the map."""

import streamlit as st

from components import feedback, state
from components import neighbors as nb
from components import neighbors_views as views
from components.feedback import user_errors
from embedlens.i18n import _
from embedlens.neighbors import METRICS, describe_metric

ds, emb, proj, clustering = state.require_results()
top = min(100, len(ds) - 1)
nb.restore_widgets(
    "neighbors",
    {
        state.NEIGHBORS_MODE: nb.TYPED,
        state.NEIGHBORS_QUERY: "",
        state.NEIGHBORS_ROW: None,
        state.NEIGHBORS_ROW_ID: None,
        state.NEIGHBORS_K: min(10, top),
        state.NEIGHBORS_METRIC: "cosine",
        **{f"{state.NEIGHBORS_THRESHOLD}.{m}": None for m in METRICS},
        state.NEIGHBORS_HEATMAP_SOURCE: None,
        state.NEIGHBORS_OVERLAP_ROW: None,
    },
)
st.session_state[state.NEIGHBORS_K] = min(max(1, st.session_state[state.NEIGHBORS_K]), top)
nb.sync_row_default(ds)
typed_reason = nb.typed_query_reason(emb)

with st.sidebar:
    st.markdown(_("**{name}** · {n:,} rows").format(name=feedback.md_escape(ds.name), n=len(ds)))
    if typed_reason:
        st.caption(f":material/info: {typed_reason}")
        mode = nb.ROW
    else:
        mode = (
            st.segmented_control(
                _("Query"),
                [nb.TYPED, nb.ROW],
                key=state.NEIGHBORS_MODE,
                selection_mode="single",
                format_func={nb.TYPED: _("Typed text"), nb.ROW: _("A row")}.get,
            )
            or nb.TYPED
        )
    if mode == nb.TYPED:
        text = st.text_input(
            _("Find rows that mean something like"),
            key=state.NEIGHBORS_QUERY,
            placeholder=_("e.g. a new phone with a better camera"),
        ).strip()
        row = None
    else:
        text, row = "", nb.row_picker(ds)
    k = st.slider(_("Matches (k)"), 1, top, key=state.NEIGHBORS_K)
    metric = (
        st.segmented_control(
            _("Similarity"),
            list(METRICS),
            key=state.NEIGHBORS_METRIC,
            selection_mode="single",
            format_func=nb.METRIC_LABELS.get,
        )
        or "cosine"
    )
    st.caption(describe_metric(metric))

st.markdown(_("### Nearest neighbours"))
st.caption(
    _(
        "The rows whose vectors are closest to the query, by exact search over all {n:,} rows "
        "in the original {shape}-dimensional space (not on the map)."
    ).format(
        n=len(ds), shape=emb.vectors.shape[1]
    )
)
if mode == nb.TYPED and not text:
    st.info(_(
            "Type a text in the sidebar, or switch the query to a row."
        ), icon=":material/search:")
    st.session_state[state.HIGHLIGHT] = []
    st.session_state.pop(state.QUERY_POINT, None)
    st.stop()
if row is None and mode == nb.ROW:
    st.stop()

with user_errors(_("Searching neighbours")):
    found = nb.run_query(
        ds,
        emb,
        proj,
        clustering,
        text=text,
        row=row,
        k=k,
        metric=metric,
        backend=emb.provenance.backend,
        model=emb.provenance.model,
    )
frame, matches = found.frame, found.matches
nb.publish(ds, frame, found.query_point)

hidden = _(" (of {k}; weaker ones hidden)").format(k=k) if len(frame) < k else ""
st.markdown(_("**{n} matches**{hidden}").format(n=len(frame), hidden=hidden))
if frame.empty:
    st.warning(_("No match passes the threshold; move the slider to show weaker matches."))
else:
    nb.results_table(frame, metric)

left, right = st.columns([2, 3], gap="medium")
with left:
    st.markdown(_("#### Where they sit on the map"))
    views.mini_map(ds, proj, clustering, frame, found.query_point)
    st.caption(_(
            "Matches keep their colours, other rows are grey. {placed}"
        ).format(
            placed=found.placed
        ))
    st.page_link(
        "app_pages/map.py", label=_("See them on the full map"), icon=":material/scatter_plot:"
    )
with right:
    st.markdown(_("#### How similar they are to each other"))
    with user_errors(_("Drawing the heatmap")):
        positions, with_query = views.heatmap_rows(ds, matches, row)
        views.heatmap(ds, emb, positions, metric, found.typed if with_query else None)

st.markdown(_("#### Neighbours in the original space vs on the map"))
st.caption(
    _(
        "The map squeezes {shape} dimensions into {shape2}: some rows that look close on it "
        "are not, and the other way round."
    ).format(
        shape=emb.vectors.shape[1], shape2=proj.coords.shape[1]
    )
)
chosen = views.overlap_row(ds, matches, row)
if chosen is not None:
    with user_errors(_("Comparing neighbours")):
        views.overlap(ds, emb, proj, chosen, k=k, metric=metric)
