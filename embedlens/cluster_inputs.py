"""What a clustering checks before it runs, and the rows it clusters.

:func:`check_cluster_inputs` validates the vectors and texts, :func:`check_against_data` the
parameters against the row count (raising, or adjusting with a note), and
:func:`prepare_vectors` scales rows to unit length under cosine. The local
:func:`embedlens.cluster.cluster` and the Ray engine's k-means both call these.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from embedlens.errors import DataError, InvalidParameterError
from embedlens.i18n import N_
from embedlens.validation import check_params_vs_data, check_vectors

if TYPE_CHECKING:  # embedlens.cluster imports this module
    from embedlens.cluster import ClusterParams

__all__ = [
    "AGGLOMERATIVE_MAX_ROWS",
    "check_against_data",
    "check_cluster_inputs",
    "prepare_vectors",
]

AGGLOMERATIVE_MAX_ROWS = 20_000  # Ward needs n^2 / 2 float64 distances: 1.6 GB at 20,000


def check_cluster_inputs(X: np.ndarray, texts: Sequence[str] | None) -> np.ndarray:
    """The validated vectors: at least 3 rows, and one text per row when texts are given."""
    X = check_vectors(X)
    n = len(X)
    if n < 3:
        raise DataError(f"vectors has {n} row(s); clustering needs at least 3 rows.")
    if texts is not None and len(texts) != n:
        raise DataError(
            f"texts has {len(texts)} entries but there are {n} vectors; give one text per row."
        )
    return X


def check_against_data(params: ClusterParams, n: int) -> tuple[ClusterParams, list[str]]:
    """Data-dependent checks (raise) and adjustments (announced in notes) for ``n`` rows."""
    notes: list[str] = []
    if params.k is not None and params.method in ("kmeans", "agglomerative"):
        check_params_vs_data(
            "k", params.k, n, owner="ClusterParams", hint="lower k or load more rows"
        )
    if params.method == "hdbscan":
        check_params_vs_data(
            "min_cluster_size",
            params.min_cluster_size,
            n,
            owner="ClusterParams",
            inclusive=True,
            hint="lower it or load more rows",
        )
    if params.method in ("hdbscan", "dbscan"):
        check_params_vs_data(
            "min_samples",
            params.min_samples,
            n,
            owner="ClusterParams",
            inclusive=True,
            hint="lower it or load more rows",
        )
    if params.method == "agglomerative" and n > AGGLOMERATIVE_MAX_ROWS:
        gigabytes = n * (n - 1) / 2 * 8 / 1e9
        raise InvalidParameterError(
            f"agglomerative clustering of {n:,} rows needs about {gigabytes:.0f} GB (memory "
            f"grows with the square of the rows); use it up to {AGGLOMERATIVE_MAX_ROWS:,} rows, "
            "or choose kmeans or hdbscan."
        )
    if params.space == "map" and params.metric == "cosine":
        notes.append(
            N_(
                "Clustered the map coordinates with the euclidean metric (cosine has no "
                "meaning for positions on a map)."
            )
        )
        params = replace(params, metric="euclidean")
    return params, notes


def prepare_vectors(X: np.ndarray, params: ClusterParams) -> np.ndarray:
    """The rows to cluster: unit length under cosine (all-zero rows raise), else ``X``.

    Raises DataError when every row is the same under the chosen metric.
    """
    if params.metric == "cosine":
        norms = np.sqrt(np.einsum("ij,ij->i", X, X))  # no (n, d) temporary, unlike linalg.norm
        zero = np.flatnonzero(norms == 0)
        if zero.size:
            rows = ", ".join(str(i) for i in zero[:5]) + (" ..." if zero.size > 5 else "")
            raise DataError(
                f"vectors contain {zero.size} all-zero row(s) (row index {rows}); cosine "
                "distance is undefined for them. Remove those rows or use metric='euclidean'."
            )
        X = np.ascontiguousarray(X / norms[:, None], dtype=np.float32)
    if np.ptp(X, axis=0).max() <= (1e-6 if params.metric == "cosine" else 0.0):
        raise DataError(
            "all vectors are identical (under the chosen metric); there is nothing to cluster."
        )
    return X
