"""Neighbours page views: the small map, the similarity heatmap, original-space vs map lists."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from components import charts, state
from components.forms import CLUSTER_COLOR, Display
from components.neighbors import SCORE_NAMES, positions_of, row_label, texts_at
from embedlens.cluster import Clustering
from embedlens.dataset import Dataset
from embedlens.embedders import EmbedResult
from embedlens.i18n import _
from embedlens.neighbors import (
    SIMILARITY_MATRIX_MAX_ROWS,
    describe_metric,
    neighbor_overlap,
    similarity_matrix,
)
from embedlens.plotting import ScatterStyle, similarity_heatmap
from embedlens.reduce import Projection

MINI_MAP_HEIGHT = 460


def mini_map(
    ds: Dataset, proj: Projection, clustering: Clustering | None, frame: pd.DataFrame, query_point
) -> None:
    """The map with the matches highlighted and the query marked."""
    display = Display(
        color_by=CLUSTER_COLOR,
        point_size=7.0,
        opacity=0.9,
        show_labels=False,
        search="",
        hover_columns=(),
    )
    fig, is_density = charts.map_figure(
        ds,
        proj.coords,
        clustering,
        display,
        proj.params.method,
        highlight_ids=list(frame["id"]),
        query=query_point,
        theme=st.session_state.get(state.THEME, "light"),
    )
    # room above the plot for the query's label (a query at the top had its name cut off)
    fig.update_layout(height=MINI_MAP_HEIGHT, showlegend=False, margin={"t": 40, "b": 10})
    if is_density:
        st.caption(_("Too many points to mark single rows: this is the density view."))
    st.plotly_chart(fig, width="stretch", key="neighbors.map", config={"displaylogo": False})


def heatmap_rows(
    ds: Dataset, matches: np.ndarray, query_pos: int | None
) -> tuple[np.ndarray, bool]:
    """Rows for the heatmap: the map selection or the query and its matches (max 200).

    Returns (row positions, whether a typed query goes first).
    """
    selection = st.session_state.get(state.SELECTION) or []
    sources = ["matches"] + (["selection"] if selection else [])
    source = (
        st.radio(
            _("Rows"),
            sources,
            horizontal=True,
            key=state.NEIGHBORS_HEATMAP_SOURCE,
            format_func={
                "matches": _("The query and its matches"),
                "selection": _("The map selection ({n:,} rows)").format(n=len(selection)),
            }.get,
        )
        if len(sources) > 1
        else "matches"
    )
    if source == "selection":
        pos = positions_of(ds, selection)
        if len(pos) > SIMILARITY_MATRIX_MAX_ROWS:
            st.info(
                _(
                    "The map selection has {n:,} rows; the heatmap shows the first "
                    "{SIMILARITY_MATRIX_MAX_ROWS} of them. Select fewer points to see them "
                    "all."
                ).format(
                    n=len(pos), SIMILARITY_MATRIX_MAX_ROWS=SIMILARITY_MATRIX_MAX_ROWS
                ),
                icon=":material/info:",
            )
            pos = pos[:SIMILARITY_MATRIX_MAX_ROWS]
        return pos, False
    if query_pos is not None:
        return np.concatenate([[query_pos], matches]).astype(np.int64), False
    return np.asarray(matches, dtype=np.int64), True


def heatmap(
    ds: Dataset, emb: EmbedResult, positions: np.ndarray, metric: str, typed: tuple | None = None
) -> None:
    """Pairwise scores of a few rows (and a typed query, first), labelled by shortened text."""
    vectors = emb.vectors[positions]
    labels = [row_label(ds, int(p), 40) for p in positions]
    if typed is not None:
        vectors = np.vstack([typed[0], vectors])
        labels = [typed[1], *labels]
    if len(labels) < 2:
        st.warning(
            _("The heatmap needs at least 2 rows: lower the threshold or raise k."),
            icon=":material/grid_off:",
        )
        return
    matrix = similarity_matrix(vectors, metric=metric)
    style = ScatterStyle(
        theme=st.session_state.get(state.THEME, "light"),
        height=min(1000, max(560, 24 * len(labels) + 320)),
    )
    st.plotly_chart(
        similarity_heatmap(matrix, labels, metric=metric, style=style),
        width="stretch",
        key="neighbors.heatmap",
        config={"displaylogo": False},
    )
    st.caption(
        _(
            "Each cell is the {score_names} of two rows. {describe_metric} Blocks of strong "
            "colour are groups of rows that mean similar things."
        ).format(
            score_names=SCORE_NAMES[metric], describe_metric=describe_metric(metric)
        )
    )


def overlap_row(ds: Dataset, matches: np.ndarray, query_pos: int | None) -> int | None:
    """Choose the row whose two neighbour lists are compared (query row or a match)."""
    options = ([] if query_pos is None else [int(query_pos)]) + [int(p) for p in matches]
    if not options:
        return None
    if st.session_state.get(state.NEIGHBORS_OVERLAP_ROW) not in options:
        st.session_state[state.NEIGHBORS_OVERLAP_ROW] = options[0]
    return st.selectbox(
        _("Row to compare"),
        options,
        key=state.NEIGHBORS_OVERLAP_ROW,
        format_func=lambda p: row_label(ds, p, 70),
    )


def overlap(
    ds: Dataset, emb: EmbedResult, proj: Projection, pos: int, *, k: int, metric: str
) -> float:
    """Side by side: the row's neighbours in the original space and on the map, and overlap."""
    orig, on_map, fraction = neighbor_overlap(emb.vectors, proj.coords, pos, k=k, metric=metric)
    both = set(orig.tolist()) & set(on_map.tolist())

    def table(idx: np.ndarray) -> pd.DataFrame:
        return pd.DataFrame(
            {
                _("rank"): np.arange(1, len(idx) + 1),
                _("id"): [ds.ids[i] for i in idx],
                _("in both"): [int(i) in both for i in idx],
                _("text"): texts_at(ds, idx),
            }
        ).drop(columns=[] if ds.text_column else [_("text")])

    st.metric(
        _("Overlap"),
        f"{fraction:.0%}",
        help=_(
            "Share of the row's nearest neighbours in the original space that are also its "
            "nearest neighbours on the map (0–100 %)."
        ),
    )
    st.caption(
        _(
            "{n} of {n2} neighbours are the same. A low overlap means the map moved this row's"
            " true neighbours away (or put strangers next to it): around this point, trust the"
            " left list more than what looks close on the map."
        ).format(n=len(both), n2=len(orig))
    )
    left, right = st.columns(2)
    left.markdown(
        _("**In the original space** ({score_names})").format(score_names=SCORE_NAMES[metric])
    )
    left.dataframe(table(orig), hide_index=True, width="stretch")
    right.markdown(_("**On the map** (distance on screen)"))
    right.dataframe(table(on_map), hide_index=True, width="stretch")
    return fraction
