"""Density view for very large maps: a 2-D histogram drawn as a heatmap with log colour.

Used instead of :func:`~embedlens.plotting.scatter.scatter_figure` above about 200k points
(see :func:`~embedlens.plotting.scatter.use_density`). Nothing is sampled: every point is
counted, and each bin's hover says how many points it holds, its most common cluster and one
example text.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from embedlens.errors import DataError
from embedlens.i18n import _
from embedlens.palettes import colorscale
from embedlens.plotting.clusters import cluster_annotations, cluster_display_name
from embedlens.plotting.inputs import cluster_array, column
from embedlens.plotting.style import ScatterStyle, base_layout
from embedlens.plotting.text import hover_texts, join_lines, label
from embedlens.validation import check_in_range, check_vectors


def _bin_index(values: np.ndarray, bins: int) -> tuple[np.ndarray, float, float]:
    lo, hi = float(values.min()), float(values.max())
    if hi - lo <= 0:
        lo, hi = lo - 0.5, hi + 0.5
    idx = ((values.astype(np.float64) - lo) * (bins / (hi - lo))).astype(np.int64)
    np.minimum(idx, bins - 1, out=idx)
    return idx, lo, hi


def _top_cluster(flat: np.ndarray, clusters: np.ndarray):
    """Most common cluster and its share per non-empty bin (one sort, no per-bin loop)."""
    codes, uniques = pd.factorize(clusters)
    k = max(len(uniques), 1)
    keys, counts = np.unique(flat * k + codes, return_counts=True)
    bins_of, code_of = keys // k, keys % k
    order = np.lexsort((-counts, bins_of))
    first = np.ones(order.size, dtype=bool)
    first[1:] = bins_of[order][1:] != bins_of[order][:-1]
    chosen = order[first]
    # chosen follows ascending bin order, the order of the non-empty bins
    return np.asarray(uniques)[code_of[chosen]], counts[chosen]


def _count_text(count: int) -> str:
    for div, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if count >= div:
            return f"{count / div:g}{suffix}"
    return str(count)


def density_figure(
    coords: np.ndarray,
    *,
    bins: int = 256,
    style: ScatterStyle = ScatterStyle(),
    cluster_labels: np.ndarray | None = None,
    cluster_names: dict[int, str] | None = None,
    texts: Sequence[str] | None = None,
    title: str = "",
    axis_prefix: str = "Dim",
    uirevision: str | int = "embedlens",
) -> go.Figure:
    """Aggregate points into a ``bins`` x ``bins`` grid and draw it as a log-coloured heatmap.

    Parameters
    ----------
    coords : ndarray of shape (n, 2) or (n, 3)
        Projected positions; with 3 columns only the first two are used (the title says so).
    bins : int, default=256
        Bins per axis, in [2, 2048].
    style : ScatterStyle, default=ScatterStyle()
        Theme, palette (continuous scales apply; categorical ones fall back to viridis),
        height, cluster labels on/off.
    cluster_labels : ndarray of int or None, default=None
        Cluster per point: each bin's hover names its most common cluster, and labels are
        drawn at cluster medians.
    cluster_names : dict of int to str, or None, default=None
        Display names per cluster id.
    texts : sequence of str or None, default=None
        Each bin's hover shows one example text (escaped, shortened).
    title : str, default=""
        Shown before "density of N points".
    axis_prefix : str, default="Dim"
        Axis titles are ``"{axis_prefix} 1"`` and ``"{axis_prefix} 2"``.
    uirevision : str or int, default="embedlens"
        Plotly keeps zoom across reruns while this stays the same.

    Returns
    -------
    plotly.graph_objects.Figure
        One ``heatmap`` trace: ``z`` = log10(count) (NaN for empty bins), ``customdata`` = the
        counts (they sum to n).

    Raises
    ------
    DataError
        If coords are not finite numbers with 2 or 3 columns, or lengths differ.

    Examples
    --------
    >>> import numpy as np
    >>> fig = density_figure(np.random.default_rng(0).normal(size=(1000, 2)), bins=16)
    >>> int(fig.data[0].customdata.sum())
    1000
    """
    check_in_range("bins", bins, low=2, high=2048, owner="density_figure", kind=int)
    bins = int(bins)
    xy = check_vectors(coords, name="coords")
    n, dims = xy.shape
    if dims not in (2, 3):
        raise DataError(f"coords must have 2 or 3 columns; got shape {xy.shape}.")
    clusters = None if cluster_labels is None else cluster_array(cluster_labels, n)
    text_arr = None if texts is None else column("texts", texts, n)

    ix, x0, x1 = _bin_index(xy[:, 0], bins)
    iy, y0, y1 = _bin_index(xy[:, 1], bins)
    flat = iy * bins + ix
    counts = np.bincount(flat, minlength=bins * bins)
    nonempty = np.flatnonzero(counts)

    points = _("<b>Points</b>: {n:,}")
    lines = [[points.format(n=c) for c in counts[nonempty].tolist()]]
    if clusters is not None:
        top, top_counts = _top_cluster(flat, clusters)
        names = {int(c): label(cluster_display_name(int(c), cluster_names), 60)
                 for c in np.unique(top)}
        share = top_counts / counts[nonempty]
        common = _("<b>Most common cluster</b>: {name} ({share:.0%})")
        lines.append([common.format(name=names[int(c)], share=s)
                      for c, s in zip(top.tolist(), share.tolist(), strict=True)])
    if text_arr is not None:
        example = np.empty(bins * bins, dtype=np.int64)
        example[flat] = np.arange(n)  # any point of the bin (the last one written)
        shown = hover_texts(text_arr[example[nonempty]], wrap=style.wrap, max_chars=120)
        example_line = _("<b>Example</b>: {text}")
        lines.append([example_line.format(text=t) for t in shown])
    text = np.full(bins * bins, "", dtype=object)
    text[nonempty] = join_lines(lines)

    z = np.full(bins * bins, np.nan)
    z[nonempty] = np.log10(counts[nonempty])
    zmax = max(float(np.nanmax(z)) if nonempty.size else 1.0, 1.0)
    ticks = list(range(int(math.floor(zmax)) + 1))
    dx, dy = (x1 - x0) / bins, (y1 - y0) / bins
    heat = go.Heatmap(
        x=x0 + dx * (np.arange(bins) + 0.5), y=y0 + dy * (np.arange(bins) + 0.5),
        z=z.reshape(bins, bins), customdata=counts.reshape(bins, bins),
        text=text.reshape(bins, bins), hovertemplate="%{text}<extra></extra>", hoverongaps=False,
        colorscale=colorscale(style.palette), zmin=0.0, zmax=zmax, name=_("Density"),
        colorbar={"title": {"text": _("Points per bin")}, "tickvals": ticks,
                  "ticktext": [_count_text(10**t) for t in ticks]},
    )

    note = _("density of {n:,} points in {bins}×{bins} bins (log colour)").format(n=n, bins=bins)
    if dims == 3:
        note += _(", first two of 3 dimensions")
    layout = base_layout(style, title=f"{title} — {note}" if title else note[0].upper() + note[1:])
    prefix = label(axis_prefix, 30)
    layout.update(
        uirevision=uirevision, dragmode="zoom",
        xaxis={"title": {"text": f"{prefix} 1"}, "zeroline": False, "showgrid": False},
        yaxis={"title": {"text": f"{prefix} 2"}, "zeroline": False, "showgrid": False,
               "scaleanchor": "x", "scaleratio": 1},
    )
    if clusters is not None and style.show_labels:
        layout["annotations"] = cluster_annotations(xy[:, :2], clusters, cluster_names, style)
    return go.Figure(data=[heat], layout=layout)
