"""Cluster centres and cluster labels on maps (2-D annotations, 3-D text traces)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from embedlens.i18n import _
from embedlens.plotting.style import FOREGROUND, LABEL_BACKGROUND, ScatterStyle
from embedlens.plotting.text import escape, label, shorten

MAX_CLUSTER_LABELS = 100
"""Only the largest clusters get a label on the map (the legend still lists all of them)."""
PLOT_PX = (800, 540)
"""The plot area assumed when sizing label boxes (narrower than most screens: conservative)."""
FONT_PX = 12
_LABEL_CHARS = 40


def cluster_centres(coords: np.ndarray, labels: np.ndarray) -> list[tuple[int, np.ndarray, int]]:
    """Return ``(cluster id, median position, size)`` per cluster, largest first, noise left out.

    Parameters
    ----------
    coords : ndarray of shape (n, d)
        Point positions.
    labels : ndarray of shape (n,)
        Integer cluster ids; -1 is noise.

    Returns
    -------
    list of (int, ndarray of shape (d,), int)
        One entry per non-noise cluster.
    """
    labels = np.asarray(labels)
    order = np.argsort(labels, kind="stable")
    values, starts, counts = np.unique(labels[order], return_index=True, return_counts=True)
    out = []
    for value, start, count in zip(values, starts, counts, strict=True):
        if value == -1:
            continue
        rows = order[start : start + count]
        out.append((int(value), np.median(coords[rows], axis=0), int(count)))
    out.sort(key=lambda item: -item[2])
    return out


def cluster_display_name(cluster: int, cluster_names: dict[int, str] | None) -> str:
    """Return the raw (unescaped) display name of a cluster id."""
    if cluster_names and cluster in cluster_names:
        return str(cluster_names[cluster])
    return _("Noise") if cluster == -1 else _("Cluster {n}").format(n=cluster)


def labels_3d(
    xy: np.ndarray, clusters: np.ndarray, cluster_names: dict[int, str] | None,
    style: ScatterStyle,
) -> go.Scatter3d | None:
    """Return a ``scatter3d`` text trace (``meta="labels"``) naming clusters at their medians."""
    centres = cluster_centres(xy, clusters)[:MAX_CLUSTER_LABELS]
    if not centres:
        return None
    pos = np.array([c for _, c, _ in centres])
    text = [label(cluster_display_name(k, cluster_names), 40) for k, _, _ in centres]
    return go.Scatter3d(
        x=pos[:, 0], y=pos[:, 1], z=pos[:, 2], mode="text", text=text, name=_("Cluster labels"),
        meta="labels", hoverinfo="skip", showlegend=False,
        textfont={"size": 12, "color": FOREGROUND[style.theme]},
    )


def text_px(text: str, font_px: float = FONT_PX) -> float:
    """Estimated rendered width of ``text`` in pixels (wide CJK characters count double)."""
    import unicodedata

    wide = sum(unicodedata.east_asian_width(ch) in "WF" for ch in text)
    return font_px * (0.58 * (len(text) - wide) + 1.0 * wide) + 6


def place_labels(
    centres: np.ndarray,
    widths_px: np.ndarray,
    *,
    extent: tuple[float, float, float, float],
    plot_px: tuple[int, int] = PLOT_PX,
    height_px: float = FONT_PX + 8,
) -> list[tuple[float, float] | None]:
    """Greedy collision-free label positions in data coordinates, in the order given.

    Each label tries its centre, then rings of 8 positions around it (1-3 box sizes away);
    the first that overlaps no placed label and stays inside ``extent`` wins. Labels with no
    free position are dropped (None): give the most important (largest cluster) first.
    ``extent`` is ``(x0, x1, y0, y1)``; an equal-aspect map is assumed (one data unit per
    pixel on both axes, as with ``scaleanchor``).

    Examples
    --------
    >>> pos = place_labels(np.array([[0.0, 0.0], [0.0, 0.0]]), np.array([80.0, 80.0]),
    ...                    extent=(-10, 10, -10, 10))
    >>> pos[0], pos[1] != pos[0]
    ((0.0, 0.0), True)
    """
    x0, x1, y0, y1 = extent
    unit = max((x1 - x0) / plot_px[0], (y1 - y0) / plot_px[1], 1e-12)  # data units per pixel
    h = height_px * unit
    placed: list[tuple[float, float, float, float]] = []
    out: list[tuple[float, float] | None] = []
    rings = [(0.0, 0.0)] + [
        (dx * r, dy * r)
        for r in (1.0, 2.0, 3.0)
        for dx, dy in ((0, 1), (0, -1), (1, 0), (-1, 0), (1, 1), (-1, 1), (1, -1), (-1, -1))
    ]
    for (cx, cy), wpx in zip(centres[:, :2], widths_px, strict=True):
        w = float(wpx) * unit
        spot = None
        for dx, dy in rings:
            x = float(cx) + dx * (w * 0.55 + h * 0.3)
            y = float(cy) + dy * h * 1.15
            box = (x - w / 2, x + w / 2, y - h / 2, y + h / 2)
            if box[0] < x0 or box[1] > x1 or box[2] < y0 or box[3] > y1:
                continue
            if any(b[0] < box[1] and box[0] < b[1] and b[2] < box[3] and box[2] < b[3]
                   for b in placed):  # fmt: skip
                continue
            spot = (x, y)
            placed.append(box)
            break
        out.append(spot)
    return out


def cluster_annotations(
    xy: np.ndarray, clusters: np.ndarray, cluster_names: dict[int, str] | None,
    style: ScatterStyle,
) -> list[dict]:
    """Return 2-D annotations (escaped, short, semi-opaque background), placed without overlap.

    Largest clusters are placed first; a label that cannot find a free spot near its cluster
    is left out (the legend still names it). A label moved off its centre points to it.
    """
    centres = cluster_centres(xy[:, :2], clusters)[:MAX_CLUSTER_LABELS]
    if not centres:
        return []
    raw = [shorten(cluster_display_name(k, cluster_names), _LABEL_CHARS) for k, _, _ in centres]
    pos = np.array([c for _, c, _ in centres], dtype=float)
    lo, hi = xy[:, :2].min(axis=0), xy[:, :2].max(axis=0)
    pad = (hi - lo) * 0.05 + 1e-9
    extent = (lo[0] - pad[0], hi[0] + pad[0], lo[1] - pad[1], hi[1] + pad[1])
    height_px = max(200, style.height - 90)
    spots = place_labels(
        pos, np.array([text_px(t) for t in raw]), extent=extent, plot_px=(PLOT_PX[0], height_px)
    )
    fg = FOREGROUND[style.theme]
    out = []
    for (_size, centre, _rows), text, spot in zip(centres, raw, spots, strict=True):
        if spot is None:
            continue
        ann = {
            "x": float(centre[0]), "y": float(centre[1]), "showarrow": False,
            "text": escape(text), "name": "cluster-label",
            "bgcolor": LABEL_BACKGROUND[style.theme], "borderpad": 2,
            "font": {"size": FONT_PX, "color": fg}, "captureevents": False,
        }  # fmt: skip
        if spot != (float(centre[0]), float(centre[1])):
            ann.update(
                showarrow=True, ax=spot[0], ay=spot[1], axref="x", ayref="y",
                arrowhead=0, arrowwidth=1, arrowcolor=fg, standoff=2,
            )  # fmt: skip
        out.append(ann)
    return out
