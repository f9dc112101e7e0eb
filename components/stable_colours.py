"""Colours and names that stay from the preview map to the final one.

While the model embeds (or UMAP runs) the map page shows a preview with its own clusters; when
the final map arrives its clusters are matched to the preview's by row overlap (Hungarian
assignment on the contingency table), so a matched cluster keeps the preview's colour and, when
the two share most rows (Jaccard >= :data:`SAME_NAME_JACCARD`), its name. Display only: the
recorded clustering keeps its ids (0..K-1 by size).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

from embedlens.cluster import Clustering

PREVIEW_KEY = "map.preview_clusters"
CURRENT_KEY = "map.preview_current"
SAME_NAME_JACCARD = 0.6


@dataclass(frozen=True)
class Alignment:
    """Cluster id -> colour slot (the matched preview cluster's id), and names kept."""

    slots: dict[int, int]
    names: dict[int, str]


def remember(source: str, clustering: Clustering | None, *, preview: bool) -> None:
    """Keep a preview's clusters of data ``source``; note which data the final map shows."""
    if clustering is None:
        return
    st.session_state[CURRENT_KEY] = source
    if preview:
        st.session_state[PREVIEW_KEY] = {
            "source": source,
            "labels": np.asarray(clustering.labels, dtype=np.int64).copy(),
            "names": dict(clustering.names),
        }


def match(final: np.ndarray, preview: np.ndarray, preview_names: dict[int, str]) -> Alignment:
    """Match final clusters to preview clusters by overlap (noise, -1, is never matched).

    Examples
    --------
    >>> a = match(np.array([0, 0, 1, 1, 2]), np.array([1, 1, 0, 0, 0]), {0: "x", 1: "y"})
    >>> a.slots, a.names
    ({0: 1, 1: 0, 2: 2}, {0: 'y', 1: 'x'})
    """
    from scipy.optimize import linear_sum_assignment

    final, preview = np.asarray(final), np.asarray(preview)
    f_ids = [int(c) for c in np.unique(final) if c >= 0]
    p_ids = [int(c) for c in np.unique(preview) if c >= 0]
    if not f_ids:
        return Alignment({}, {})
    both = (final >= 0) & (preview >= 0)
    f_pos = {c: i for i, c in enumerate(f_ids)}
    p_pos = {c: i for i, c in enumerate(p_ids)}
    table = np.zeros((len(f_ids), max(1, len(p_ids))), dtype=np.int64)
    if p_ids:
        fi = np.array([f_pos[int(c)] for c in final[both]], dtype=np.int64)
        pi = np.array([p_pos[int(c)] for c in preview[both]], dtype=np.int64)
        np.add.at(table, (fi, pi), 1)
    rows, cols = linear_sum_assignment(-table) if p_ids else ([], [])
    f_size = {c: int((final == c).sum()) for c in f_ids}
    p_size = {c: int((preview == c).sum()) for c in p_ids}
    slots: dict[int, int] = {}
    names: dict[int, str] = {}
    for r, c in zip(rows, cols, strict=True):
        if table[r, c] == 0:
            continue
        f, p = f_ids[r], p_ids[c]
        slots[f] = p
        union = f_size[f] + p_size[p] - table[r, c]
        if table[r, c] / union >= SAME_NAME_JACCARD and p in preview_names:
            names[f] = preview_names[p]
    free = iter(s for s in range(len(f_ids) + len(p_ids)) if s not in set(slots.values()))
    for f in f_ids:  # unmatched final clusters: the next free colours, largest first
        if f not in slots:
            slots[f] = next(free)
    return Alignment(slots, names)


def alignment(clustering: Clustering | None) -> Alignment | None:
    """How the final ``clustering`` lines up with the preview shown before it (None: no preview)."""
    stored = st.session_state.get(PREVIEW_KEY)
    if clustering is None or not stored:
        return None
    if stored["source"] != st.session_state.get(CURRENT_KEY):
        return None
    if len(stored["labels"]) != len(clustering.labels):
        return None
    if np.array_equal(stored["labels"], clustering.labels):
        return None  # this is the preview itself
    return match(clustering.labels, stored["labels"], stored["names"])


def recolour(labels: np.ndarray, names: dict[int, str], align: Alignment | None):
    """(labels, names) with cluster ids replaced by their colour slots, for drawing."""
    if align is None or not align.slots:
        return labels, names
    lookup = np.vectorize(lambda c: align.slots.get(int(c), int(c)) if c >= 0 else int(c))
    out = lookup(labels).astype(np.int64) if len(labels) else labels
    return out, {align.slots.get(c, c) if c >= 0 else c: n for c, n in names.items()}
