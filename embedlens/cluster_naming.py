"""A clustering's labels in size order, its names from keywords, and its noise notes.

Labels are renumbered so clusters are 0..K-1 by size, largest first; noise is -1. Clusters are
named by their first keywords (class-based TF-IDF of the texts), ``Cluster k`` without texts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from embedlens.i18n import N_
from embedlens.keywords import cluster_keywords
from embedlens.validation import as_object_labels

if TYPE_CHECKING:  # embedlens.cluster imports this module
    from embedlens.cluster import ClusterParams

__all__ = ["NAME_WORDS", "cluster_names", "name_clusters", "noise_notes", "renumber_by_size"]

NAME_WORDS = 3


def renumber_by_size(labels: np.ndarray) -> np.ndarray:
    """Clusters 0..K-1 by size (largest first, ties by first row); any negative -> -1.

    Examples
    --------
    >>> renumber_by_size(np.array([5, 7, 7, -3])).tolist()
    [1, 0, 0, -1]
    """
    labels = np.asarray(labels, dtype=np.int64)
    out = np.full(labels.shape, -1, dtype=np.int64)
    member = labels >= 0
    if not member.any():
        return out
    ids, first, inverse, counts = np.unique(
        labels[member], return_index=True, return_inverse=True, return_counts=True
    )
    order = np.lexsort((first, -counts))
    rank = np.empty(ids.size, dtype=np.int64)
    rank[order] = np.arange(ids.size)
    out[member] = rank[inverse]
    return out


def cluster_names(labels: np.ndarray, keywords: dict[int, list[str]]) -> dict[int, str]:
    """Each cluster's name: its first keywords joined, "Noise" for -1, unique by suffix."""
    names: dict[int, str] = {}
    for cid in np.unique(labels).tolist():
        words = keywords.get(cid, [])[:NAME_WORDS]
        name = "Noise" if cid == -1 else (" · ".join(words) if words else f"Cluster {cid}")
        names[cid] = f"{name} ({cid})" if name in names.values() else name
    return names


def name_clusters(
    labels: np.ndarray, texts: Sequence[str] | None
) -> tuple[dict[int, list[str]], dict[int, str]]:
    """(keywords, names) per cluster id; no keywords without texts."""
    keywords: dict[int, list[str]] = {int(c): [] for c in np.unique(labels)}
    if texts is not None:
        keywords = cluster_keywords(as_object_labels(texts), labels)
    return keywords, cluster_names(labels, keywords)


def noise_notes(labels: np.ndarray, params: ClusterParams) -> list[str]:
    """HDBSCAN/DBSCAN: how many points are noise (stored English, translated when shown)."""
    if params.method not in ("hdbscan", "dbscan"):
        return []
    label = "DBSCAN" if params.method == "dbscan" else "HDBSCAN"
    noise = int((labels == -1).sum())
    if noise == len(labels):
        if params.method == "dbscan":
            return [N_("DBSCAN found no clusters: every point is noise; raise eps or lower "
                       "min_samples.")]  # fmt: skip
        return [N_("HDBSCAN found no clusters: every point is noise; lower min_cluster_size or "
                   "lower min_samples.")]  # fmt: skip
    if noise:
        return [
            N_("{label} marked {noise:,} of {n:,} points ({share:.0%}) as noise (-1).").format(
                label=label, noise=noise, n=len(labels), share=noise / len(labels)
            )
        ]
    return []
