"""The embedding map: a WebGL scatter (2-D) or scatter3d (3-D) of projected points.

Every point trace carries ``customdata`` = the row's id, one flat value per point (not a list),
so ``selection["points"][i]["customdata"]`` is the id. Helper traces have no ``customdata``:
the typed-query stars (``meta="query"``) and the 3-D cluster labels (``meta="labels"``).
Point traces have ``meta="points"``, the dimmed context trace ``meta="context"``. Which
points form one legend entry, and its colour, is :mod:`embedlens.plotting.colour_groups`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from embedlens.errors import DataError
from embedlens.i18n import _
from embedlens.palettes import (
    CONTEXT_COLOR,
    DIVERGING,
    NOISE_COLOR,
    categorical_colors,
    colorscale,
)
from embedlens.plotting.clusters import cluster_annotations, cluster_display_name, labels_3d
from embedlens.plotting.colour_groups import (
    MAX_CATEGORY_TRACES,
    ColourGroup,
    categorical_groups,
    is_categorical,
)
from embedlens.plotting.inputs import cluster_array, column, highlight_mask
from embedlens.plotting.style import FOREGROUND, ScatterStyle, base_layout
from embedlens.plotting.text import format_values, hover_texts, join_lines, label
from embedlens.validation import check_choice, check_vectors

HOVERTEMPLATE = "%{text}<extra>%{fullData.name}</extra>"
def _trace(xy: np.ndarray, idx: np.ndarray | None, **kwargs: Any) -> dict:
    """A scattergl/scatter3d trace as a dict (``go.Figure`` deep-copies trace objects: slow)."""
    pts = xy if idx is None else xy[idx]
    if xy.shape[1] == 2:
        return {"type": "scattergl", "x": pts[:, 0], "y": pts[:, 1], **kwargs}
    return {"type": "scatter3d", "x": pts[:, 0], "y": pts[:, 1], "z": pts[:, 2], **kwargs}


def _marker(style: ScatterStyle, dims: int, **kwargs: Any) -> dict:
    size = style.point_size if dims == 2 else max(style.point_size * 0.6, 1.0)
    return {"size": size, "opacity": style.opacity, "line": {"width": 0}, **kwargs}


def _hover(
    n: int,
    ids: np.ndarray,
    texts: Any,
    color_line: list[str] | None,
    cluster_line: list[str] | None,
    hover_columns: dict[str, Sequence] | None,
    style: ScatterStyle,
) -> np.ndarray:
    if texts is not None:
        first = hover_texts(column("texts", texts, n), wrap=style.wrap,
                            max_chars=style.max_hover_chars)
    else:
        first = [f"<b>id</b>: {v}" for v in format_values(ids)]
    columns = [first]
    for line in (color_line, cluster_line):
        if line is not None:
            columns.append(line)
    for name, values in (hover_columns or {}).items():
        prefix = f"<b>{label(name, 40)}</b>: "
        vals = format_values(column(f"hover column {name!r}", values, n))
        columns.append([prefix + v if v else "" for v in vals])
    out = np.empty(n, dtype=object)
    out[:] = join_lines(columns)
    return out


def scatter_figure(
    coords: np.ndarray,
    *,
    ids: Sequence | np.ndarray,
    texts: Sequence[str] | None = None,
    color: Sequence | np.ndarray | None = None,
    color_name: str = "",
    hover_columns: dict[str, Sequence] | None = None,
    cluster_labels: np.ndarray | None = None,
    cluster_names: dict[int, str] | None = None,
    highlight: np.ndarray | None = None,
    query_points: np.ndarray | None = None,
    query_labels: Sequence[str] | None = None,
    style: ScatterStyle = ScatterStyle(),
    title: str = "",
    axis_prefix: str = "Dim",
    color_kind: str = "auto",
    uirevision: str | int = "embedlens",
) -> go.Figure:
    """Build the embedding map: ``scattergl`` for 2-D coords, ``scatter3d`` for 3-D.

    Parameters
    ----------
    coords : ndarray of shape (n, 2) or (n, 3)
        Projected positions.
    ids : sequence of length n
        Row ids; each point's ``customdata`` is its id (a flat value, not a list).
    texts : sequence of str or None, default=None
        Hover text per point (wrapped, shortened, escaped). Without it the hover shows the id.
    color : sequence of length n or None, default=None
        Colour values. Categories (strings, bools, integers with at most 50 values) give one
        legend entry per category, sorted by frequency, -1 grey as noise; numbers give one trace
        with a colourbar titled ``color_name``. ``None`` colours by ``cluster_labels`` if given.
    color_name : str, default=""
        Name of the colour column (legend and colourbar title, hover line).
    hover_columns : dict of str to sequence, or None, default=None
        Extra ``name: value`` lines in the hover, one value per point.
    cluster_labels : ndarray of int or None, default=None
        Cluster id per point (-1 = noise): labels at cluster medians, a hover line, and the
        colour when ``color`` is None.
    cluster_names : dict of int to str, or None, default=None
        Display names (e.g. keywords) per cluster id.
    highlight : ndarray of bool or int, or None, default=None
        Mask or row positions: matched points keep their colours on top; the rest are drawn
        grey and dimmed (kept as context, still selectable).
    query_points : ndarray of shape (q, dims) or None, default=None
        Typed-query positions, drawn as stars (diamonds in 3-D).
    query_labels : sequence of str or None, default=None
        One label per query point.
    style : ScatterStyle, default=ScatterStyle()
        Point size, opacity, theme, palette, height, hover length.
    title : str, default=""
        Figure title.
    axis_prefix : str, default="Dim"
        Axis titles are ``"{axis_prefix} 1"`` etc., e.g. "UMAP".
    color_kind : {"auto", "categorical", "numeric"}, default="auto"
        Overrides the colour-type detection.
    uirevision : str or int, default="embedlens"
        Plotly keeps zoom and legend state across reruns while this stays the same.

    Returns
    -------
    plotly.graph_objects.Figure
        The figure; point traces have ``meta="points"``.

    Raises
    ------
    DataError
        If coords are not finite 2-/3-column numbers or an argument's length differs from n.
    InvalidParameterError
        If ``color_kind`` is unknown or ``highlight`` is neither a mask nor positions.

    Examples
    --------
    >>> import numpy as np
    >>> fig = scatter_figure(np.zeros((3, 2)), ids=[7, 8, 9], color=["a", "b", "a"])
    >>> [t.name for t in fig.data]
    ['a', 'b']
    """
    check_choice("color_kind", color_kind, ("auto", "categorical", "numeric"),
                 owner="scatter_figure")
    xy = check_vectors(coords, name="coords")
    n, dims = xy.shape
    if dims not in (2, 3):
        raise DataError(f"coords must have 2 or 3 columns; got shape {xy.shape}.")
    ids_arr = column("ids", ids, n)
    clusters = None if cluster_labels is None else cluster_array(cluster_labels, n)
    by_cluster = color is None and clusters is not None
    values = clusters if by_cluster else (None if color is None else column("color", color, n))
    categorical = values is not None and (by_cluster or is_categorical(values, color_kind))

    color_line = cluster_line = None
    numeric = None
    if values is not None and not categorical:
        numeric = pd.to_numeric(pd.Series(values, copy=False), errors="coerce").to_numpy(float)
        name = label(color_name or "value", 40)
        color_line = [f"<b>{name}</b>: {v}" if v else "" for v in format_values(numeric)]
    elif values is not None and len(pd.unique(values)) > MAX_CATEGORY_TRACES:
        name = label(color_name or "value", 40)  # rare values share the "Other" trace
        color_line = [f"<b>{name}</b>: {v}" if v else "" for v in format_values(values)]
    if clusters is not None and not by_cluster:
        codes, uniques = pd.factorize(clusters)
        names = [label(cluster_display_name(int(u), cluster_names), 60) for u in uniques]
        word = _("Cluster")
        cluster_line = [f"<b>{word}</b>: {names[c]}" for c in codes]
    hover = _hover(n, ids_arr, texts, color_line, cluster_line, hover_columns, style)
    mask = None if highlight is None else highlight_mask(highlight, n)

    traces: list[Any] = []
    if mask is not None and (~mask).any():
        context = np.flatnonzero(~mask)
        traces.append(_trace(
            xy, context, mode="markers", name=_("Not matched"), meta="context",
            customdata=ids_arr[context], text=hover[context], hovertemplate=HOVERTEMPLATE,
            marker=_marker(style, dims, color=CONTEXT_COLOR[style.theme],
                           opacity=min(style.opacity, 0.35)),
            legendrank=100_000,
        ))

    def keep(idx: np.ndarray) -> np.ndarray:
        return idx if mask is None else idx[mask[idx]]

    if numeric is None:
        if values is None:
            color0, symbol0 = categorical_colors(1, style.palette, theme=style.theme)[0]
            groups = [ColourGroup(_("Points"), np.arange(n), color0, symbol0, 0)]
        else:
            from_clusters = by_cluster or _same(values, clusters)
            names_map = (cluster_names or {}) if from_clusters else None
            groups = categorical_groups(values, style, dims, names_map)
        for g in sorted(groups, key=lambda g: (g.color != NOISE_COLOR, -len(g.idx))):
            idx = keep(g.idx)
            if idx.size == 0:
                continue
            traces.append(_trace(
                xy, idx, mode="markers", name=g.name, meta="points", legendrank=1000 + g.rank,
                customdata=ids_arr[idx], text=hover[idx], hovertemplate=HOVERTEMPLATE,
                marker=_marker(style, dims, color=g.color, symbol=g.symbol),
                hoverlabel={"bordercolor": g.color},  # readable box, the group's colour framing it
            ))
    else:
        finite = np.isfinite(numeric)
        missing = keep(np.flatnonzero(~finite))
        if missing.size:
            traces.append(_trace(
                xy, missing, mode="markers", name=_("(missing)"), meta="points",
                customdata=ids_arr[missing], text=hover[missing], hovertemplate=HOVERTEMPLATE,
                marker=_marker(style, dims, color=NOISE_COLOR), legendrank=99_000,
            ))
        idx = keep(np.flatnonzero(finite))
        if idx.size:
            lo, hi = float(numeric[finite].min()), float(numeric[finite].max())
            scale = colorscale(style.palette)
            marker = _marker(
                style, dims, color=numeric[idx].astype(np.float32), colorscale=scale,
                cmin=lo, cmax=hi,
                showscale=True, colorbar={"title": {"text": label(color_name, 40)}},
            )
            if style.palette in DIVERGING and lo < 0 < hi:
                marker["cmid"] = 0.0
            traces.append(_trace(
                xy, idx, mode="markers", name=label(color_name or _("Points"), 40), meta="points",
                customdata=ids_arr[idx], text=hover[idx], hovertemplate=HOVERTEMPLATE,
                marker=marker, showlegend=False,
            ))

    if query_points is not None:
        # Above the grey context but below the matches, which a big star would otherwise hide.
        at = 1 if mask is not None and (~mask).any() else len(traces)
        traces.insert(at, _query_trace(query_points, query_labels, dims, style, xy))
    layout = _layout(xy, clusters, cluster_names, style, title=title, axis_prefix=axis_prefix,
                     legend_title="" if numeric is not None else (
                         color_name or (_("Cluster") if by_cluster else "")),
                     horizontal_legend=numeric is not None, uirevision=uirevision)
    if clusters is not None and style.show_labels and dims == 3:
        label_trace = labels_3d(xy, clusters, cluster_names, style)
        if label_trace is not None:
            traces.append(label_trace)
    return go.Figure(data=traces, layout=layout)


def _same(a: np.ndarray | None, b: np.ndarray | None) -> bool:
    return a is not None and b is not None and a.shape == b.shape and bool(np.all(a == b))


def _text_positions(q: np.ndarray, xy: np.ndarray) -> list[str]:
    """Where each query's label fits: below it near the top edge, inwards near the sides.

    Labels past the axes are cut off.
    """
    lo, hi = xy[:, :2].min(axis=0), xy[:, :2].max(axis=0)
    span = np.where(hi > lo, hi - lo, 1.0)
    rel = (q[:, :2] - lo) / span
    out = []
    for rx, ry in rel:
        vertical = "bottom" if ry > 0.85 else "top"
        horizontal = "right" if rx < 0.15 else "left" if rx > 0.85 else "center"
        out.append(f"{vertical} {horizontal}")
    return out


def _query_trace(
    points: Any, labels: Sequence[str] | None, dims: int, style: ScatterStyle, xy: np.ndarray
):
    q = check_vectors(points, name="query_points")
    if q.shape[1] != dims:
        raise DataError(
            f"query_points have {q.shape[1]} columns but coords have {dims}; "
            "place queries with the same projection as the map."
        )
    default = [_("Query {n}").format(n=i + 1) for i in range(len(q))]
    names = list(labels) if labels is not None else default
    if len(names) != len(q):
        raise DataError(f"query_labels has {len(names)} labels for {len(q)} query points.")
    text = [label(s, 60) for s in names]
    fg = FOREGROUND[style.theme]
    marker = {"size": max(14.0, style.point_size * 2.5), "color": "#FFB000", "opacity": 0.9,
              "symbol": "star" if dims == 2 else "diamond", "line": {"width": 1.5, "color": fg}}
    return _trace(q, None, mode="markers+text", name=_("Query"), meta="query", text=text,
                  textposition=_text_positions(q, xy) if dims == 2 else "top center",
                  textfont={"color": fg},
                  hovertemplate=f"<b>{_('Query')}</b>: %{{text}}<extra></extra>", marker=marker,
                  legendrank=0)


def _layout(xy, clusters, cluster_names, style, *, title, axis_prefix, legend_title,
            horizontal_legend, uirevision) -> dict:
    layout = base_layout(style, title=title)
    layout.update(uirevision=uirevision, hovermode="closest")
    prefix = label(axis_prefix, 30)
    legend = {"itemsizing": "constant", "title": {"text": label(legend_title, 40)}}
    if horizontal_legend:
        legend.update(orientation="h", yanchor="bottom", y=1.0, xanchor="left", x=0.0)
    layout["legend"] = legend
    axis = {"zeroline": False, "showgrid": True}
    if xy.shape[1] == 2:
        layout["xaxis"] = {**axis, "title": {"text": f"{prefix} 1"}}
        layout["yaxis"] = {**axis, "title": {"text": f"{prefix} 2"}, "scaleanchor": "x",
                           "scaleratio": 1}
        layout["dragmode"] = "lasso"
        if clusters is not None and style.show_labels:
            layout["annotations"] = cluster_annotations(xy, clusters, cluster_names, style)
    else:
        layout["scene"] = {
            "xaxis": {"title": {"text": f"{prefix} 1"}},
            "yaxis": {"title": {"text": f"{prefix} 2"}},
            "zaxis": {"title": {"text": f"{prefix} 3"}},
            "aspectmode": "data",
        }
    return layout
