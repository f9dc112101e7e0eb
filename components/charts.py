"""The map: the core's one map figure, drawn with selection; the density fallback announced."""

from __future__ import annotations

import numpy as np
import streamlit as st

from components import clusters, scale, stable_colours, state
from components.forms import Display
from embedlens.cluster import Clustering
from embedlens.dataset import Dataset
from embedlens.plotting.maps import map_figure as plotting_map_figure


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
    """The map (embedlens.plotting.map_figure) with this session's cluster edits and limits."""
    labels, names = clusters.effective(clustering) if clustering is not None else (None, None)
    if labels is not None:  # colours follow the preview's clusters (components.stable_colours)
        labels, names = stable_colours.recolour(
            labels, names, stable_colours.alignment(clustering)
        )
    out = plotting_map_figure(
        ds,
        coords,
        labels=labels,
        names=names,
        display=display,
        method=method,
        highlight_ids=highlight_ids,
        query=query,
        theme=theme,
        title=title,
        max_points=scale.SCATTER_MAX_POINTS,
        max_bytes=scale.message_limit_bytes(),
    )
    return out.figure, out.is_density


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
