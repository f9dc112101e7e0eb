"""Exact nearest neighbours by cosine, dot product or euclidean distance.

Brute force over float32, chunked over the data rows (and the queries) so memory stays bounded
at any size: a running top-k is kept per query with ``np.argpartition``. Ties are broken by the
lower row index, so results are deterministic and do not depend on the chunk size.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from embedlens.errors import DataError, InvalidParameterError
from embedlens.i18n import N_, _
from embedlens.progress import ProgressCallback, report
from embedlens.validation import check_choice, check_in_range, check_vectors, listed

METRICS = ("cosine", "dot", "euclidean")

_DESCRIPTIONS = {
    "cosine": N_(
        "Cosine similarity, from -1 to 1: higher means more similar (1 = same direction)."
    ),
    "dot": N_("Dot product, unbounded: higher means more similar (it grows with vector length)."),
    "euclidean": N_("Euclidean distance, 0 or more: lower means more similar (0 = identical)."),
}

# Elements of one (queries x data rows) score block; 2**24 float32 = 64 MiB.
_BLOCK_ELEMENTS = 1 << 24
SIMILARITY_MATRIX_MAX_ROWS = 200


@dataclass(frozen=True, eq=False)
class NeighborResult:
    """The k best rows for each query.

    Attributes
    ----------
    indices : ndarray of shape (q, k), int64
        Row positions in the data, best first.
    scores : ndarray of shape (q, k), float32
        In the metric's own units: cosine similarity in [-1, 1] and dot product (higher is more
        similar), euclidean distance (lower is more similar).
    metric : str
        One of ``METRICS``.
    threshold : float or None
        The threshold asked of ``top_k``, if any; ``filter_threshold(result)`` applies it.
    """

    indices: np.ndarray
    scores: np.ndarray
    metric: str
    threshold: float | None = None

    def passes(self, threshold: float | None = None) -> np.ndarray:
        """Boolean mask (q, k): results at least as good as ``threshold`` (all True if none)."""
        limit = self.threshold if threshold is None else threshold
        if limit is None:
            return np.ones(self.scores.shape, dtype=bool)
        if self.metric == "euclidean":
            return self.scores <= limit
        return self.scores >= limit


def describe_metric(metric: str) -> str:
    """One sentence on a metric's units and which direction is more similar.

    Parameters
    ----------
    metric : {"cosine", "dot", "euclidean"}

    Returns
    -------
    str
    """
    check_choice("metric", metric, METRICS, owner="describe_metric")
    return _(_DESCRIPTIONS[metric])


def _checked_data(X: np.ndarray, *, name: str, chunk_rows: int) -> np.ndarray:
    """``X`` as float32 C-contiguous 2-D, finite; no copy or n x d temporary when already so."""
    arr = X if isinstance(X, np.ndarray) else np.asarray(X)
    if not (arr.dtype == np.float32 and arr.ndim == 2 and arr.flags.c_contiguous):
        return check_vectors(arr, name=name)
    check_vectors(arr[:1], name=name)  # shape and dimension messages
    bad = []
    for start in range(0, arr.shape[0], chunk_rows):
        finite = np.isfinite(arr[start : start + chunk_rows]).all(axis=1)
        bad.extend((np.flatnonzero(~finite) + start).tolist())
    if bad:
        raise DataError(
            f"{name} contain NaN or infinite values in {len(bad)} row(s) (row index "
            f"{listed(bad)}); "
            "remove or fix those rows."
        )
    return arr


def _squared_norms(X: np.ndarray, chunk_rows: int) -> np.ndarray:
    out = np.empty(X.shape[0], dtype=np.float32)
    for start in range(0, X.shape[0], chunk_rows):
        part = X[start : start + chunk_rows]
        out[start : start + chunk_rows] = np.einsum("ij,ij->i", part, part)
    return out


def _check_no_zero_rows(sq_norms: np.ndarray, name: str) -> None:
    zero = np.flatnonzero(sq_norms == 0)
    if zero.size:
        verb = "row has a zero vector" if zero.size == 1 else "rows have zero vectors"
        raise DataError(
            f"{zero.size} {name} {verb} (norm 0; row index {listed(zero)}), so cosine "
            "similarity is undefined for them; remove them or use euclidean."
        )


def _chunk_topk(keys: np.ndarray, kk: int) -> np.ndarray:
    """Column positions of the ``kk`` smallest keys per row, sorted, ties to the lower column.

    Faster than ``argpartition`` for small ``kk``: the kk-th smallest of per-group minima bounds
    the kk-th smallest key from above, so only keys at or under that bound (about kk per row on
    real data, ties always included) are sorted.
    """
    n_rows, n_cols = keys.shape
    if kk >= n_cols:
        cols = np.broadcast_to(np.arange(n_cols), keys.shape)
        order = np.lexsort((cols, keys), axis=1)
        return np.take_along_axis(cols, order, axis=1)
    step = max(1, n_cols // max(16 * kk, 256))
    starts = np.arange(0, n_cols, step)
    group_min = np.minimum.reduceat(keys, starts, axis=1)
    bound = np.partition(group_min, kk - 1, axis=1)[:, kk - 1]
    # Only groups whose minimum is within the bound hold candidates: gather just those.
    rg, gg = np.nonzero(group_min <= bound[:, None])
    cols = starts[gg][:, None] + np.arange(step)
    inside = cols < n_cols
    cols = np.minimum(cols, n_cols - 1)
    vals = keys[rg[:, None], cols]
    ok = inside & (vals <= bound[rg][:, None])
    r, c, v = np.broadcast_to(rg[:, None], cols.shape)[ok], cols[ok], vals[ok]
    order = np.lexsort((c, v, r))
    r, c = r[order], c[order]
    counts = np.bincount(r, minlength=n_rows)
    rank = np.arange(r.size) - (np.cumsum(counts) - counts)[r]
    return c[rank < kk].reshape(n_rows, kk)


def _merge(best_k, best_i, new_k, new_i, kk):
    keys = np.concatenate([best_k, new_k], axis=1)
    idx = np.concatenate([best_i, new_i], axis=1)
    order = np.lexsort((idx, keys), axis=1)[:, :kk]
    return np.take_along_axis(keys, order, axis=1), np.take_along_axis(idx, order, axis=1)


def top_k(
    X: np.ndarray,
    queries: np.ndarray,
    *,
    k: int = 10,
    metric: str = "cosine",
    exclude: np.ndarray | None = None,
    chunk_rows: int = 65536,
    threshold: float | None = None,
    on_progress: ProgressCallback | None = None,
) -> NeighborResult:
    """Exact k nearest rows of ``X`` for each query, best first.

    Parameters
    ----------
    X : array-like of shape (n, d)
        Data vectors (used as float32 without a copy when already float32 C-contiguous).
    queries : array-like of shape (q, d) or (d,)
        Query vectors.
    k : int, default=10
        Results per query; when ``k`` exceeds the rows available, all of them are returned
        (no padding).
    metric : {"cosine", "dot", "euclidean"}, default="cosine"
        See ``describe_metric``.
    exclude : array-like of shape (q,), default=None
        A row position to leave out for each query (e.g. the query's own row), -1 for none.
        When any query excludes a row, every query gets at most ``n - 1`` results.
    chunk_rows : int, default=65536
        Data rows scored at a time; bounds memory, never changes the result.
    threshold : float, default=None
        Recorded on the result; the arrays stay rectangular. ``filter_threshold(result)`` drops
        the results worse than it (below it for cosine/dot, above it for euclidean).
    on_progress : callable, default=None
        ``on_progress(fraction, message)`` after each chunk.

    Returns
    -------
    NeighborResult

    Raises
    ------
    DataError
        Shapes disagree, values are not finite, or a vector is zero under cosine.
    InvalidParameterError
        ``k``, ``metric``, ``exclude`` or ``chunk_rows`` are out of range.

    Examples
    --------
    >>> X = np.array([[1, 0], [0, 1], [1, 1]], dtype=np.float32)
    >>> top_k(X, X[:1], k=2).indices.tolist()
    [[0, 2]]
    """
    check_choice("metric", metric, METRICS, owner="top_k")
    check_in_range("k", k, low=1, owner="top_k", kind=int)
    check_in_range("chunk_rows", chunk_rows, low=1, owner="top_k", kind=int)
    if threshold is not None:
        check_in_range("threshold", threshold, owner="top_k")
    X = _checked_data(X, name="data vectors", chunk_rows=chunk_rows)
    Q = np.asarray(queries)
    Q = check_vectors(Q[None, :] if Q.ndim == 1 else Q, name="query vectors")
    n, d = X.shape
    if Q.shape[1] != d:
        raise DataError(
            f"query vectors have {Q.shape[1]} dimensions but the data has {d}; "
            "embed the queries with the same model as the data."
        )
    q = Q.shape[0]
    excl = np.full(q, -1, dtype=np.int64)
    if exclude is not None:
        excl = np.asarray(exclude).astype(np.int64, copy=False).reshape(-1)
        if excl.shape[0] != q or excl.min(initial=0) < -1 or excl.max(initial=-1) >= n:
            raise InvalidParameterError(
                f"The 'exclude' parameter of top_k must hold one row position in [-1, {n - 1}] "
                f"per query ({q}). Got shape {excl.shape} with values in "
                f"[{excl.min(initial=0)}, {excl.max(initial=0)}] instead."
            )
    kk = min(int(k), n - int((excl >= 0).any()))
    if kk <= 0:
        raise DataError("no rows are left to return once the excluded row is left out.")

    x_sq = _squared_norms(X, chunk_rows)
    q_sq = _squared_norms(Q, chunk_rows)
    if metric == "cosine":
        _check_no_zero_rows(q_sq, "query")
        _check_no_zero_rows(x_sq, "data")
    x_norm, q_norm = np.sqrt(x_sq), np.sqrt(q_sq)

    q_block = max(1, min(q, _BLOCK_ELEMENTS // min(chunk_rows, n)))
    out_keys = np.empty((q, kk), dtype=np.float32)
    out_idx = np.empty((q, kk), dtype=np.int64)
    n_chunks = -(-n // chunk_rows) * -(-q // q_block)
    done = 0
    for qs in range(0, q, q_block):
        Qb = Q[qs : qs + q_block]
        eb = excl[qs : qs + q_block]
        best_k = np.empty((Qb.shape[0], 0), dtype=np.float32)
        best_i = np.empty((Qb.shape[0], 0), dtype=np.int64)
        for start in range(0, n, chunk_rows):
            Xc = X[start : start + chunk_rows]
            keys = Qb @ Xc.T  # (qb, c) float32, turned in place into "lower is better"
            if metric == "cosine":  # the query's own norm does not change its ranking
                np.divide(keys, x_norm[start : start + len(Xc)], out=keys)
                np.negative(keys, out=keys)
            elif metric == "dot":
                np.negative(keys, out=keys)
            else:  # squared distance less the query's own constant |q|^2
                keys *= -2.0
                keys += x_sq[start : start + len(Xc)]
            rows = np.flatnonzero((eb >= start) & (eb < start + Xc.shape[0]))
            keys[rows, eb[rows] - start] = np.inf
            cols = _chunk_topk(keys, min(kk, Xc.shape[0]))
            best_k, best_i = _merge(
                best_k, best_i, np.take_along_axis(keys, cols, axis=1), cols + start, kk
            )
            done += 1
            report(on_progress, done / n_chunks, f"Searched {min(start + chunk_rows, n):,} rows")
        if metric == "euclidean":
            best_k, best_i = _exact_distances(X, Qb, best_i)
        out_keys[qs : qs + len(Qb)] = best_k
        out_idx[qs : qs + len(Qb)] = best_i

    if metric == "euclidean":
        scores = out_keys
    elif metric == "cosine":
        scores = np.clip(-out_keys / q_norm[:, None], -1.0, 1.0)
    else:
        scores = -out_keys
    return NeighborResult(
        indices=out_idx, scores=scores.astype(np.float32), metric=metric, threshold=threshold
    )


def _exact_distances(
    X: np.ndarray, Q: np.ndarray, idx: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Exact distances of the chosen rows, re-sorted (|x|^2 - 2x.q + |q|^2 loses precision)."""
    dist = np.empty(idx.shape, dtype=np.float32)
    step = max(1, _BLOCK_ELEMENTS // max(1, idx.shape[1] * X.shape[1]))
    for s in range(0, idx.shape[0], step):
        diff = X[idx[s : s + step]] - Q[s : s + step, None, :]
        dist[s : s + step] = np.sqrt(np.einsum("qkd,qkd->qk", diff, diff))
    order = np.lexsort((idx, dist), axis=1)
    return np.take_along_axis(dist, order, axis=1), np.take_along_axis(idx, order, axis=1)


def filter_threshold(
    result: NeighborResult, threshold: float | None = None
) -> list[list[tuple[int, float]]]:
    """Per query, the ``(row, score)`` pairs at least as good as ``threshold``.

    Parameters
    ----------
    result : NeighborResult
    threshold : float, default=None
        Keeps scores ``>= threshold`` for cosine/dot, ``<= threshold`` for euclidean. None uses
        ``result.threshold``; when both are None every result is kept.

    Returns
    -------
    list of list of (int, float)
        Ragged: one list per query, best first.
    """
    if threshold is not None:
        check_in_range("threshold", threshold, owner="filter_threshold")
    keep = result.passes(threshold)
    return [
        [(int(i), float(s)) for i, s, ok in zip(idx_row, score_row, keep_row, strict=True) if ok]
        for idx_row, score_row, keep_row in zip(result.indices, result.scores, keep, strict=True)
    ]


def similarity_matrix(X: np.ndarray, *, metric: str = "cosine") -> np.ndarray:
    """All-pairs scores of a small selection (at most 200 rows), in the metric's units.

    Parameters
    ----------
    X : array-like of shape (m, d)
    metric : {"cosine", "dot", "euclidean"}, default="cosine"

    Returns
    -------
    ndarray of shape (m, m), float32
        Cosine similarity, dot product, or euclidean distance.

    Raises
    ------
    DataError
        More than 200 rows, or zero vectors under cosine.
    """
    check_choice("metric", metric, METRICS, owner="similarity_matrix")
    X = check_vectors(X, name="selected vectors")
    m = X.shape[0]
    if m > SIMILARITY_MATRIX_MAX_ROWS:
        raise DataError(
            f"similarity_matrix is for small selections: got {m} rows, at most "
            f"{SIMILARITY_MATRIX_MAX_ROWS} are allowed; select fewer points or use top_k."
        )
    X64 = X.astype(np.float64)
    sq = np.einsum("ij,ij->i", X64, X64)
    if metric == "cosine":
        _check_no_zero_rows(sq, "selected")
        U = X64 / np.sqrt(sq)[:, None]
        return np.clip(U @ U.T, -1.0, 1.0).astype(np.float32)
    if metric == "dot":
        return (X64 @ X64.T).astype(np.float32)
    d2 = np.maximum(sq[:, None] + sq[None, :] - 2.0 * (X64 @ X64.T), 0.0)
    np.fill_diagonal(d2, 0.0)
    return np.sqrt(d2).astype(np.float32)


def neighbor_overlap(
    X: np.ndarray, coords: np.ndarray, row: int, *, k: int = 10, metric: str = "cosine"
) -> tuple[np.ndarray, np.ndarray, float]:
    """Compare one point's neighbours in the original space with those on the 2D/3D map.

    Parameters
    ----------
    X : array-like of shape (n, d)
        Original vectors.
    coords : array-like of shape (n, 2 or 3)
        Map coordinates of the same rows.
    row : int
        Row position of the point.
    k : int, default=10
    metric : {"cosine", "dot", "euclidean"}, default="cosine"
        Metric of the original space; the map always uses euclidean distance.

    Returns
    -------
    orig_idx : ndarray of shape (k,)
        Neighbours in the original space, best first (the point itself left out).
    map_idx : ndarray of shape (k,)
        Neighbours on the map, nearest first.
    overlap_fraction : float
        Share of ``orig_idx`` also in ``map_idx`` (0 to 1).
    """
    X = _checked_data(X, name="vectors", chunk_rows=65536)
    C = check_vectors(coords, n_rows=X.shape[0], name="map coordinates")
    check_in_range("row", row, low=0, high=X.shape[0] - 1, owner="neighbor_overlap", kind=int)
    orig = top_k(X, X[row], k=k, metric=metric, exclude=[row]).indices[0]
    on_map = top_k(C, C[row], k=k, metric="euclidean", exclude=[row]).indices[0]
    overlap = len(set(orig.tolist()) & set(on_map.tolist())) / len(orig)
    return orig, on_map, float(overlap)
