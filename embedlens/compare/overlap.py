"""Neighbour overlap between two embeddings of the same rows, linear CKA, id matching.

Pure numpy: exact top-k neighbours in each space (``embedlens.neighbors.top_k``, chunked), the
Jaccard index of the two k-sets per row, and the centred linear CKA accumulated over row chunks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from embedlens.errors import DataError
from embedlens.neighbors import top_k
from embedlens.progress import ProgressCallback, report, scaled
from embedlens.validation import check_choice, check_in_range, check_vectors

METRICS = ("cosine", "dot", "euclidean")
_CHUNK = 65536


@dataclass(frozen=True, eq=False)
class Matched:
    """Row positions of the ids both sides share, in side A's order.

    Attributes
    ----------
    ids : ndarray of shape (m,), object
        The shared ids (side A's values).
    rows_a, rows_b : ndarray of shape (m,), int64
        Positions of those ids in A and in B.
    dropped_a, dropped_b : int
        Rows of A (of B) whose id the other side lacks.
    """

    ids: np.ndarray
    rows_a: np.ndarray
    rows_b: np.ndarray
    dropped_a: int
    dropped_b: int


def _id_keys(ids, side: str) -> list[str]:
    keys = [str(v.item() if hasattr(v, "item") else v) for v in np.asarray(ids, dtype=object)]
    if len(set(keys)) != len(keys):
        seen: set[str] = set()
        dup = next(k for k in keys if k in seen or seen.add(k))
        raise DataError(
            f"the ids of embedding {side} are not unique (e.g. {dup!r} appears more than once); "
            "give each row a unique id so the two sides can be matched."
        )
    return keys


def match_ids(ids_a, ids_b) -> Matched:
    """Match rows of two tables by id (compared as text), keeping A's order.

    Parameters
    ----------
    ids_a, ids_b : array-like
        One unique id per row of each side.

    Returns
    -------
    Matched

    Raises
    ------
    DataError
        Duplicate ids on a side, or fewer than 3 shared ids.

    Examples
    --------
    >>> m = match_ids([1, 2, 3, 4], ["4", "3", "2", "9"])
    >>> m.rows_a.tolist(), m.rows_b.tolist(), m.dropped_a, m.dropped_b
    ([1, 2, 3], [2, 1, 0], 1, 1)
    """
    keys_a, keys_b = _id_keys(ids_a, "A"), _id_keys(ids_b, "B")
    where_b = {k: i for i, k in enumerate(keys_b)}
    rows_a = np.fromiter((i for i, k in enumerate(keys_a) if k in where_b), np.int64)
    rows_b = np.fromiter((where_b[keys_a[i]] for i in rows_a), np.int64, len(rows_a))
    if len(rows_a) < 3:
        raise DataError(
            f"the two embeddings share {len(rows_a)} row id(s) ({len(keys_a):,} rows in A, "
            f"{len(keys_b):,} in B); comparing needs at least 3 rows with the same ids on both "
            "sides: check that both files come from the same table."
        )
    plain = [v.item() if hasattr(v, "item") else v for v in np.asarray(ids_a, dtype=object)]
    ids = np.asarray(plain, dtype=object)[rows_a]
    return Matched(
        ids=ids,
        rows_a=rows_a,
        rows_b=rows_b,
        dropped_a=len(keys_a) - len(rows_a),
        dropped_b=len(keys_b) - len(rows_b),
    )


def neighbor_sets(
    X: np.ndarray,
    *,
    k: int = 10,
    metric: str = "cosine",
    chunk_rows: int = _CHUNK,
    on_progress: ProgressCallback | None = None,
) -> np.ndarray:
    """Exact k nearest rows of every row (itself left out), best first.

    Parameters
    ----------
    X : array-like of shape (n, d)
    k : int, default=10
        Clamped to n - 1.
    metric : {"cosine", "dot", "euclidean"}, default="cosine"
    chunk_rows : int, default=65536
        Rows queried (and scored) at a time; bounds memory, never changes the result.
    on_progress : callable, default=None

    Returns
    -------
    ndarray of shape (n, min(k, n - 1)), int64
    """
    X = check_vectors(X, min_rows=2)
    n = X.shape[0]
    kk = min(int(k), n - 1)
    out = np.empty((n, kk), dtype=np.int64)
    for start in range(0, n, chunk_rows):
        rows = np.arange(start, min(start + chunk_rows, n))
        out[rows] = top_k(
            X, X[rows], k=kk, metric=metric, exclude=rows, chunk_rows=chunk_rows
        ).indices
        report(on_progress, rows[-1] / n, f"Neighbours of {rows[-1] + 1:,} of {n:,} rows")
    return out


def shared_counts(nn_a: np.ndarray, nn_b: np.ndarray) -> np.ndarray:
    """Per row, how many of the neighbours in ``nn_a`` are also in ``nn_b`` (int64)."""
    n, k = nn_a.shape
    shared = np.empty(n, dtype=np.int64)
    step = max(1, (1 << 22) // max(1, k * nn_b.shape[1]))
    for s in range(0, n, step):
        same = nn_a[s : s + step, :, None] == nn_b[s : s + step, None, :]
        shared[s : s + step] = same.any(axis=2).sum(axis=1)
    return shared


def jaccard(shared: np.ndarray, k: int) -> np.ndarray:
    """Jaccard index of two k-sets that have ``shared`` members in common (float64)."""
    shared = np.asarray(shared, dtype=np.float64)
    return shared / (2.0 * k - shared)


def chance_overlap(n: int, k: int) -> float:
    """Expected Jaccard of two independent random k-subsets of the other ``n - 1`` rows.

    The intersection is hypergeometric with mean k²/(n-1); this returns E[s / (2k - s)],
    computed exactly from that distribution.
    """
    from scipy.stats import hypergeom

    pool = n - 1
    k = min(k, pool)
    s = np.arange(0, k + 1)
    p = hypergeom(pool, k, k).pmf(s)
    return float(np.sum(p * s / (2.0 * k - s)))


def overlap_at_k(
    X_a: np.ndarray,
    X_b: np.ndarray,
    *,
    k: int = 10,
    metric: str = "cosine",
    metric_b: str | None = None,
    chunk_rows: int = _CHUNK,
    on_progress: ProgressCallback | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-row Jaccard overlap of the exact k-neighbour sets in two spaces of the same rows.

    Parameters
    ----------
    X_a : array-like of shape (n, d_a)
    X_b : array-like of shape (n, d_b)
        Row i of both is the same item; the dimensions may differ.
    k : int, default=10
        Clamped to n - 1.
    metric : {"cosine", "dot", "euclidean"}, default="cosine"
    metric_b : str, default=None
        Metric of side B (default: ``metric``).
    chunk_rows : int, default=65536
    on_progress : callable, default=None

    Returns
    -------
    overlap : ndarray of shape (n,), float64
        |N_a ∩ N_b| / |N_a ∪ N_b|, 1 = same neighbours.
    nn_a, nn_b : ndarray of shape (n, k), int64
        The neighbours on each side, best first.

    Examples
    --------
    >>> X = np.random.default_rng(0).normal(size=(30, 4))
    >>> float(overlap_at_k(X, 3 * X, k=5)[0].mean())
    1.0
    """
    check_in_range("k", k, low=1, owner="overlap_at_k", kind=int)
    check_choice("metric", metric, METRICS, owner="overlap_at_k")
    metric_b = metric if metric_b is None else metric_b
    check_choice("metric_b", metric_b, METRICS, owner="overlap_at_k")
    X_a = check_vectors(X_a, min_rows=3, name="vectors A")
    X_b = check_vectors(X_b, n_rows=X_a.shape[0], name="vectors B")
    nn_a = neighbor_sets(
        X_a, k=k, metric=metric, chunk_rows=chunk_rows, on_progress=scaled(on_progress, 0, 0.5)
    )
    nn_b = neighbor_sets(
        X_b, k=k, metric=metric_b, chunk_rows=chunk_rows, on_progress=scaled(on_progress, 0.5, 1)
    )
    return jaccard(shared_counts(nn_a, nn_b), nn_a.shape[1]), nn_a, nn_b


def linear_cka(X: np.ndarray, Y: np.ndarray, *, chunk_rows: int = _CHUNK) -> float:
    """Centred linear CKA (Kornblith et al., 2019) of two representations of the same rows.

    ``||Yc' Xc||_F² / (||Xc' Xc||_F ||Yc' Yc||_F)`` with column-centred Xc, Yc, accumulated in
    float64 over row chunks (memory d², not n²). Invariant to orthogonal transforms and
    isotropic scaling of either side; 1 means the same geometry up to those.

    Parameters
    ----------
    X : array-like of shape (n, d_x)
    Y : array-like of shape (n, d_y)
    chunk_rows : int, default=65536

    Returns
    -------
    float
        0..1.

    Raises
    ------
    DataError
        Different row counts, or a side with no variance.

    Examples
    --------
    >>> X = np.random.default_rng(0).normal(size=(50, 6))
    >>> round(linear_cka(X, -2.5 * X), 6)
    1.0
    """
    X = check_vectors(X, min_rows=2, name="vectors A")
    Y = check_vectors(Y, n_rows=X.shape[0], name="vectors B")
    mx = X.mean(axis=0, dtype=np.float64)
    my = Y.mean(axis=0, dtype=np.float64)
    xx = np.zeros((X.shape[1], X.shape[1]))
    yy = np.zeros((Y.shape[1], Y.shape[1]))
    yx = np.zeros((Y.shape[1], X.shape[1]))
    for s in range(0, X.shape[0], chunk_rows):
        xc = X[s : s + chunk_rows].astype(np.float64) - mx
        yc = Y[s : s + chunk_rows].astype(np.float64) - my
        xx += xc.T @ xc
        yy += yc.T @ yc
        yx += yc.T @ xc
    denom = np.linalg.norm(xx) * np.linalg.norm(yy)
    if denom == 0:
        raise DataError(
            "linear CKA is undefined: one side has no variance (all its vectors are the same)."
        )
    return float(min(1.0, np.sum(yx * yx) / denom))
