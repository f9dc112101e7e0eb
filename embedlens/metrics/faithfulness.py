"""How faithfully a 2D/3D map keeps the neighbourhoods of the original space."""

from __future__ import annotations

import numpy as np
from sklearn.manifold import trustworthiness as _sk_trustworthiness
from sklearn.neighbors import NearestNeighbors

from embedlens.errors import InvalidParameterError
from embedlens.neighbors import top_k
from embedlens.progress import ProgressCallback, report, scaled
from embedlens.validation import (
    check_choice,
    check_in_range,
    check_vectors,
    parameter_error,
    unit_rows,
)

from ._common import sample_rows

_SPACE_METRICS = ("euclidean", "cosine")


def _pair(X: np.ndarray, coords: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    X = check_vectors(X, min_rows=3, name="vectors")
    C = check_vectors(coords, n_rows=X.shape[0], name="map coordinates")
    return X, C


def _spaces(
    X: np.ndarray, coords: np.ndarray, k: int, metric: str, sample_size: int, owner: str
) -> tuple[np.ndarray, np.ndarray]:
    """Checked parameters, then the original space (unit rows for cosine) and the map."""
    check_in_range("k", k, low=1, owner=owner, kind=int)
    check_choice("metric", metric, _SPACE_METRICS, owner=owner)
    check_in_range("sample_size", sample_size, low=3, owner=owner, kind=int)
    X, C = _pair(X, coords)
    return (unit_rows(X) if metric == "cosine" else X), C


def _trust(A: np.ndarray, B: np.ndarray, k: int, sample_size: int, seed: int, owner: str) -> float:
    """Trustworthiness (scikit-learn's) of B as a map of A (both euclidean), on a seeded sample."""
    rows = sample_rows(A.shape[0], sample_size, seed)
    if rows is not None:
        A, B = A[rows], B[rows]
    n = A.shape[0]
    if not k < n / 2:
        raise parameter_error(
            "k",
            k,
            f"less than half the number of points used ({n})",
            owner=owner,
            hint="lower k or use more points",
        )
    return float(_sk_trustworthiness(A, B, n_neighbors=k))


def trustworthiness(
    X: np.ndarray,
    coords: np.ndarray,
    *,
    k: int = 10,
    metric: str = "euclidean",
    sample_size: int = 5000,
    seed: int = 0,
) -> float:
    """Trustworthiness of a map: are map neighbours also neighbours in the original space?

    Uses ``sklearn.manifold.trustworthiness``; above ``sample_size`` points it is computed on a
    seeded random sample (its cost grows with n squared).

    Parameters
    ----------
    X : array-like of shape (n, d)
        Original vectors.
    coords : array-like of shape (n, m)
        Map coordinates (euclidean).
    k : int, default=10
        Neighbours per point; must be less than half the points used.
    metric : {"euclidean", "cosine"}, default="euclidean"
        Metric of the original space (cosine: rows are L2-normalised first).
    sample_size : int, default=5000
    seed : int, default=0

    Returns
    -------
    float
        0..1, higher is better.

    Examples
    --------
    >>> X = np.random.default_rng(0).normal(size=(40, 5))
    >>> trustworthiness(X, 5.0 + X / 10.0, k=5)
    1.0
    """
    X, C = _spaces(X, coords, k, metric, sample_size, "trustworthiness")
    return _trust(X, C, int(k), sample_size, seed, "trustworthiness")


def continuity(
    X: np.ndarray,
    coords: np.ndarray,
    *,
    k: int = 10,
    metric: str = "euclidean",
    sample_size: int = 5000,
    seed: int = 0,
) -> float:
    """Continuity of a map: do original-space neighbours stay neighbours on the map?

    Trustworthiness with the roles of the two spaces swapped; same parameters and sampling as
    ``trustworthiness``.

    Parameters
    ----------
    X : array-like of shape (n, d)
    coords : array-like of shape (n, m)
    k : int, default=10
    metric : {"euclidean", "cosine"}, default="euclidean"
    sample_size : int, default=5000
    seed : int, default=0

    Returns
    -------
    float
        0..1, higher is better.
    """
    X, C = _spaces(X, coords, k, metric, sample_size, "continuity")
    return _trust(C, X, int(k), sample_size, seed, "continuity")


def _map_neighbors(C: np.ndarray, rows: np.ndarray, k: int) -> np.ndarray:
    """The k nearest map neighbours of each of ``rows``, the point itself left out."""
    algorithm = "kd_tree" if C.shape[1] <= 3 else "auto"
    nn = NearestNeighbors(n_neighbors=k + 1, algorithm=algorithm).fit(C)
    ind = nn.kneighbors(C[rows])[1]
    drop = ind == rows[:, None]
    drop[~drop.any(axis=1), -1] = True  # duplicates: self not returned, drop the farthest
    return ind[~drop].reshape(len(rows), k)


def neighbor_preservation(
    X: np.ndarray,
    coords: np.ndarray,
    *,
    k: int = 10,
    metric: str = "cosine",
    rows: np.ndarray | None = None,
    on_progress: ProgressCallback | None = None,
) -> np.ndarray:
    """Per point, the share of its k original-space neighbours that are also k map neighbours.

    Original-space neighbours are exact (``neighbors.top_k``, chunked, searched among all n
    points); map neighbours use a k-d tree. Each point is left out of its own neighbours. The
    exact search costs n x len(rows) x d: for 100k points, pass a sample of ``rows``.

    Parameters
    ----------
    X : array-like of shape (n, d)
    coords : array-like of shape (n, m)
    k : int, default=10
        Clamped to n - 1.
    metric : {"cosine", "dot", "euclidean"}, default="cosine"
        Metric of the original space; the map uses euclidean distance.
    rows : array-like of int, default=None
        Row positions of the points to score (default: all).
    on_progress : callable, default=None

    Returns
    -------
    ndarray of shape (len(rows),), float32
        Values in [0, 1]; 1 means all k neighbours kept.
    """
    check_in_range("k", k, low=1, owner="neighbor_preservation", kind=int)
    X, C = _pair(X, coords)
    n = X.shape[0]
    queries = X if rows is None else None
    rows = np.arange(n) if rows is None else np.asarray(rows).astype(np.int64).reshape(-1)
    if rows.size == 0 or rows.min() < 0 or rows.max() >= n:
        got = f"{rows.size} values" + (f" in [{rows.min()}, {rows.max()}]" if rows.size else "")
        raise InvalidParameterError(
            f"The 'rows' parameter of neighbor_preservation must hold row positions in "
            f"[0, {n - 1}]. Got {got} instead."
        )
    kk = min(int(k), n - 1)
    orig = top_k(
        X,
        X[rows] if queries is None else queries,
        k=kk,
        metric=metric,
        exclude=rows,
        on_progress=scaled(on_progress, 0, 0.9),
    ).indices
    on_map = _map_neighbors(C, rows, kk)
    kept = np.empty(len(rows), dtype=np.float32)
    step = max(1, (1 << 22) // (kk * kk))
    for s in range(0, len(rows), step):
        same = orig[s : s + step, :, None] == on_map[s : s + step, None, :]
        kept[s : s + step] = same.any(axis=2).sum(axis=1) / kk
    report(on_progress, 1.0, "Neighbour preservation done")
    return kept
