"""The one map figure: the app's map, the neighbours mini-map, story slides and the HTML export.

:func:`map_figure` draws a dataset's projection as a WebGL scatter, or as the density view when
:func:`density_needed` says the scatter would be too big (point count or message size: the only
place that decides). Every front end passes what it shows (colour, labels, highlight, query,
camera); nothing here reads session state.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from embedlens.dataset import Dataset
from embedlens.i18n import _
from embedlens.plotting.density import density_figure
from embedlens.plotting.payload import DENSITY_POINTS, MESSAGE_LIMIT_BYTES, use_density
from embedlens.plotting.scatter import scatter_figure
from embedlens.plotting.style import ScatterStyle
from embedlens.zh_text import has_han, simplify_table, to_simplified

CLUSTER_COLOR = "Cluster"  # "colour by cluster" (the other choices are column names)
METHOD_LABELS = {"pca": "PCA", "tsne": "t-SNE", "umap": "UMAP"}
HOVER_LINE_BYTES = 62  # one extra hover line per point (a column, or the colour value)


@dataclass(frozen=True)
class MapDisplay:
    """How the map is drawn (never part of a computation)."""

    color_by: str = CLUSTER_COLOR
    point_size: float = 5.0
    opacity: float = 0.8
    show_labels: bool = True
    search: str = ""
    hover_columns: tuple[str, ...] = ()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MapDisplay:
        """From a saved view's ``display`` dict (unknown keys ignored, missing ones default)."""
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        if "hover_columns" in values:
            values["hover_columns"] = tuple(values["hover_columns"] or ())
        return cls(**values)


@dataclass(frozen=True, eq=False)
class MapFigure:
    """The figure and whether it is the density view (no selection there)."""

    figure: go.Figure
    is_density: bool


def mean_hover_length(ds: Dataset, max_chars: int) -> float:
    """Mean length of the hover texts (shortened to ``max_chars``); 0 without a text column."""
    if not ds.text_column or len(ds) == 0:
        return 0.0
    lengths = ds.frame[ds.text_column].astype("string").str.len().fillna(0)
    return float(np.minimum(lengths.to_numpy(dtype=np.float64), max_chars).mean())


def density_needed(
    ds: Dataset,
    n_points: int,
    dims: int,
    display: MapDisplay = MapDisplay(),
    *,
    max_points: int = DENSITY_POINTS,
    max_bytes: int = MESSAGE_LIMIT_BYTES,
) -> bool:
    """Density view above ``max_points`` points, or when the scatter would pass ``max_bytes``."""
    if n_points > max_points:
        return True
    extra = len(display.hover_columns) + int(display.color_by != CLUSTER_COLOR)
    return use_density(
        n_points,
        mean_text_len=mean_hover_length(ds, ScatterStyle().max_hover_chars)
        + HOVER_LINE_BYTES * extra,
        dims=dims,
        max_points=max_points,
        max_bytes=max_bytes,
    )


def highlight_mask(ds: Dataset, search: str, ids: Sequence | None) -> np.ndarray | None:
    """Rows whose text contains ``search`` plus rows whose id is in ``ids``; None if neither.

    Chinese search text matches across scripts: 电脑 finds 電腦 and 電腦 finds 电脑.
    """
    mask = np.zeros(len(ds), dtype=bool)
    if search and ds.text_column:
        col = ds.frame[ds.text_column].astype(str)
        if has_han(search):
            col, search = col.str.translate(simplify_table()), to_simplified(search)
        mask |= col.str.contains(search, case=False, regex=False).to_numpy()
    if ids:
        mask |= pd.Series(ds.ids).astype(str).isin({str(i) for i in ids}).to_numpy()
    return mask if mask.any() or search else None


def map_figure(
    ds: Dataset,
    coords: np.ndarray,
    *,
    labels: np.ndarray | None = None,
    names: dict[int, str] | None = None,
    display: MapDisplay = MapDisplay(),
    method: str = "pca",
    highlight_ids: Sequence | None = None,
    query: tuple[np.ndarray, str] | None = None,
    theme: str = "light",
    palette: str = "okabe-ito",
    height: int | None = None,
    title: str = "",
    camera: Mapping[str, Sequence[float]] | None = None,
    large: bool = False,
    max_points: int = DENSITY_POINTS,
    max_bytes: int = MESSAGE_LIMIT_BYTES,
) -> MapFigure:
    """The map of ``ds`` at ``coords``: scatter, or density when the scatter would be too big.

    Parameters
    ----------
    ds : Dataset
        The rows (ids, texts, columns for colour and hover).
    coords : ndarray of shape (n, 2) or (n, 3)
        The projection.
    labels, names : cluster id per row (-1 noise) and cluster names, optional
        Cluster colours and labels (after any merges and renames).
    display : MapDisplay
        Colour column, point size, opacity, labels, search text, hover columns.
    method : str
        The projection method (axis titles).
    highlight_ids : sequence, optional
        Rows drawn on top, the rest dimmed (with the search matches).
    query : (coords of shape (q, dims), label), optional
        A typed query placed on the map.
    theme, palette, height, title
        Appearance.
    camera : {"x": [lo, hi], "y": [lo, hi]}, optional
        Axis ranges of a 2-D map (saved views).
    large : bool, default=False
        Larger fonts (story slides).
    max_points, max_bytes : int
        The scatter budget: more points, or a bigger message, draw the density view.

    Returns
    -------
    MapFigure
    """
    extra = {} if height is None else {"height": height}
    style = ScatterStyle(
        point_size=float(display.point_size),
        opacity=float(display.opacity),
        show_labels=bool(display.show_labels),
        theme=theme,
        palette=palette,
        **extra,
    )
    axis = METHOD_LABELS.get(method, method)
    dims = coords.shape[1]
    if density_needed(ds, len(coords), dims, display, max_points=max_points, max_bytes=max_bytes):
        fig = density_figure(
            coords,
            style=style,
            cluster_labels=labels,
            cluster_names=names,
            texts=ds.texts or None,
            title=title,
            axis_prefix=axis,
        )
        is_density = True
    else:
        if display.color_by == CLUSTER_COLOR:
            color, color_name = None, _("Cluster")  # scatter_figure colours by the clusters
        elif display.color_by in ds.frame.columns:
            color, color_name = ds.frame[display.color_by].to_numpy(), str(display.color_by)
        else:
            color, color_name = None, ""
        hover = [c for c in display.hover_columns if c in ds.frame.columns]
        fig = scatter_figure(
            coords,
            ids=list(ds.ids),
            texts=ds.texts or None,
            color=color,
            color_name=color_name,
            hover_columns={c: ds.frame[c].tolist() for c in hover},
            cluster_labels=labels,
            cluster_names=names,
            highlight=highlight_mask(ds, display.search, highlight_ids),
            query_points=None if query is None else query[0],
            query_labels=None if query is None else [query[1]],
            style=style,
            title=title,
            axis_prefix=axis,
        )
        is_density = False
    if camera and dims == 2:
        fig.update_layout(
            xaxis_range=list(camera["x"]),
            yaxis_range=list(camera["y"]),
            xaxis_autorange=False,
            yaxis_autorange=False,
        )
    if large:
        fig.update_layout(
            font_size=16,
            title_font_size=24,
            legend_font_size=15,
            margin_t=100,
            legend_title_font_size=16,
        )
    return MapFigure(fig, is_density)
