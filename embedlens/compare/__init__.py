"""Compare embeddings and maps of the same rows.

``compare_embeddings`` matches two embeddings by row id and reports per-row neighbour overlap
(Jaccard of the exact top-k sets), linear CKA, agreement of their clusterings and, with labels,
each side's k-NN / logistic accuracy and silhouette. ``compare_maps`` aligns several 2-D maps of
one set of vectors (Procrustes) and scores each map's trustworthiness.
"""

from __future__ import annotations

from .embeddings import Comparison, align_maps, compare_embeddings
from .maps import Alignment, MapComparison, align_procrustes, compare_maps
from .overlap import (
    Matched,
    chance_overlap,
    jaccard,
    linear_cka,
    match_ids,
    neighbor_sets,
    overlap_at_k,
    shared_counts,
)

__all__ = [
    "Alignment",
    "Comparison",
    "MapComparison",
    "Matched",
    "align_maps",
    "align_procrustes",
    "chance_overlap",
    "compare_embeddings",
    "compare_maps",
    "jaccard",
    "linear_cka",
    "match_ids",
    "neighbor_sets",
    "overlap_at_k",
    "shared_counts",
]
