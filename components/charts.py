"""The map: figure from embedlens.plotting, drawn with selection, large-N fallback announced."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from components import clusters, scale, state
from components.forms import CLUSTER_COLOR, METHOD_LABELS, Display
from embedlens.cluster import Clustering
from embedlens.dataset import Dataset
from embedlens.plotting import ScatterStyle, density_figure, scatter_figure


def map_figure(
    ds: Dataset,
    coords: np.ndarray,
    clustering: Clustering | None,
    display: Display,
    method: str,
    *,
    highlight_ids=None,
    query=None,
    theme: str = "light",
    title: str = "",
):
    """The scatter, or the density view when it is too big (see scale.use_density_view)."""
    style = ScatterStyle(
        point_size=display.point_size,
        opacity=display.opacity,
        show_labels=display.show_labels,
        theme=theme,
    )
    labels, names = clusters.effective(clustering) if clustering is not None else (None, None)
    if scale.use_density_view(ds, len(coords), coords.shape[1], display):
        return density_figure(
            coords,
            style=style,
            cluster_labels=labels,
            cluster_names=names,
            texts=ds.texts or None,
            title=title,
            axis_prefix=METHOD_LABELS.get(method, method),
        ), True
    if display.color_by == CLUSTER_COLOR:
        color, color_name = None, "Cluster"  # scatter_figure colours by cluster_labels
    elif display.color_by in ds.frame.columns:
        color, color_name = ds.frame[display.color_by].to_numpy(), display.color_by
    else:
        color, color_name = None, ""
    highlight = highlight_mask(ds, display.search, highlight_ids)
    fig = scatter_figure(
        coords,
        ids=list(ds.ids),
        texts=ds.texts or None,
        color=color,
        color_name=color_name,
        hover_columns={c: ds.frame[c].tolist() for c in display.hover_columns},
        cluster_labels=labels,
        cluster_names=names,
        highlight=highlight,
        query_points=None if query is None else query[0],
        query_labels=None if query is None else [query[1]],
        style=style,
        title=title,
        axis_prefix=METHOD_LABELS.get(method, method),
    )
    return fig, False


def highlight_mask(ds: Dataset, search: str, ids) -> np.ndarray | None:
    """Rows matching the search text, plus rows highlighted by other pages."""
    mask = np.zeros(len(ds), dtype=bool)
    if search and ds.text_column:
        mask |= (
            ds.frame[ds.text_column]
            .astype(str)
            .str.contains(search, case=False, regex=False)
            .to_numpy()
        )
    if ids:
        mask |= pd.Series(ds.ids).astype(str).isin({str(i) for i in ids}).to_numpy()
    return mask if mask.any() or search else None


def draw_map(fig, *, is_density: bool, key: str = "map.chart") -> list:
    """Draw the figure; returns the ids of the points selected with box or lasso."""
    if is_density:
        st.warning(
            "Too many points (or too much hover text) for an interactive scatter: showing a "
            "density view of every point (hover a bin for its count and most common cluster). "
            "No rows were dropped.",
            icon=":material/blur_on:",
        )
        st.plotly_chart(fig, width="stretch", key=key + ".density")
        return []
    event = st.plotly_chart(
        fig,
        width="stretch",
        key=key,
        on_select="rerun",
        selection_mode=("points", "box", "lasso"),
        config={"displaylogo": False, "toImageButtonOptions": {"format": "png", "scale": 2}},
    )
    points = (event or {}).get("selection", {}).get("points", []) if event else []
    ids = []
    for p in points:
        cd = p.get("customdata")
        if isinstance(cd, (list, tuple)):
            cd = cd[0] if cd else None
        if cd is not None:
            ids.append(cd)
    st.session_state[state.SELECTION] = ids
    return ids
