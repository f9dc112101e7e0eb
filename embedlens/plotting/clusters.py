"""Cluster centres and cluster labels on maps (2-D annotations, 3-D text traces)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from embedlens.plotting.style import FOREGROUND, LABEL_BACKGROUND, ScatterStyle
from embedlens.plotting.text import label

MAX_CLUSTER_LABELS = 100
"""Only the largest clusters get a label on the map (the legend still lists all of them)."""


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
    return "Noise" if cluster == -1 else f"Cluster {cluster}"


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
        x=pos[:, 0], y=pos[:, 1], z=pos[:, 2], mode="text", text=text, name="Cluster labels",
        meta="labels", hoverinfo="skip", showlegend=False,
        textfont={"size": 12, "color": FOREGROUND[style.theme]},
    )


def cluster_annotations(
    xy: np.ndarray, clusters: np.ndarray, cluster_names: dict[int, str] | None,
    style: ScatterStyle,
) -> list[dict]:
    """Return 2-D annotations (escaped, short, semi-opaque background) at cluster medians."""
    out = []
    for k, centre, _ in cluster_centres(xy[:, :2], clusters)[:MAX_CLUSTER_LABELS]:
        out.append({
            "x": float(centre[0]), "y": float(centre[1]), "showarrow": False,
            "text": label(cluster_display_name(k, cluster_names), 40), "name": "cluster-label",
            "bgcolor": LABEL_BACKGROUND[style.theme], "borderpad": 2,
            "font": {"size": 12, "color": FOREGROUND[style.theme]}, "captureevents": False,
        })
    return out
