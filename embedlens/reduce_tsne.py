"""t-SNE (openTSNE) on exact nearest neighbours that embedlens computes in bounded blocks.

openTSNE's own index (Annoy from 1,000 points) builds 50 random-projection trees over the
data and keeps them, which cost 7-16x the raw vectors' bytes at 20,000 rows. Here the
affinities come from :func:`exact_neighbors` instead (blockwise brute force, memory bounded
by the block, deterministic, exact), handed to openTSNE's ``PerplexityBasedNN`` through
:class:`ExactNeighbors`, an index whose ``query`` also answers exactly, so openTSNE's
``transform`` can place new rows against the map it was fitted on.

Distances are euclidean on the prepared rows (see :mod:`embedlens.reduce`): unit rows under
the cosine metric, so the kernel sees sqrt(2 - 2 cos), which is what openTSNE's Annoy
("angular") index gave before.

openTSNE is imported inside the functions that need it, so importing this module is cheap.
"""

from __future__ import annotations

import ctypes
import os
from typing import TYPE_CHECKING, Any

import numpy as np

from embedlens.progress import ProgressCallback, report

if TYPE_CHECKING:
    from embedlens.reduce import ProjectionParams

__all__ = [
    "TSNE_LARGE",
    "ExactNeighbors",
    "exact_neighbors",
    "fit_tsne",
    "make_tsne",
    "tsne_affinities",
]

TSNE_ITERS = (250, 500)  # openTSNE's early-exaggeration and main phase lengths (its defaults)
TSNE_CALLBACK_EVERY = 50
TSNE_LARGE = 10_000  # openTSNE's own switch from Barnes-Hut to FFT
_TSNE_THREADS = 2_000
_SCORE_BLOCK = 1 << 20  # float32 scores per exact-search block (4 MiB; 16 MiB cost 2.7x the
# raw rows of peak at 10,000 rows for 27% less CPU)
_DATA_CHUNK = 1 << 16  # data rows scored at once: all of them up to 65,536 (fewer merges)


def exact_neighbors(
    data: np.ndarray, k: int, queries: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Exact ``k`` nearest rows of ``data`` by euclidean distance, nearest first.

    Parameters
    ----------
    data : ndarray of shape (n, d), float32
        The rows searched.
    k : int
        Neighbours per query (at most ``n - 1`` without ``queries``, ``n`` with them).
    queries : ndarray of shape (q, d), optional
        Rows to find neighbours for. None: every row of ``data``, leaving the row itself out
        (by position, so a duplicate row is still found as a neighbour at distance 0).

    Returns
    -------
    indices : ndarray of shape (q, k), int32 (int64 past 2**31 rows)
    distances : ndarray of shape (q, k), float32
        Euclidean distances; ties go to the lower row index.
    """
    from embedlens.neighbors import top_k

    own = queries is None
    Q = data if queries is None else queries
    q = len(Q)
    index_type = np.int32 if len(data) < 2**31 else np.int64
    indices = np.empty((q, k), dtype=index_type)
    distances = np.empty((q, k), dtype=np.float32)
    chunk = min(len(data), _DATA_CHUNK)
    block = max(16, _SCORE_BLOCK // chunk)  # queries per search: (block x chunk) scores
    for start in range(0, q, block):
        stop = min(start + block, q)
        found = top_k(
            data,
            Q[start:stop],
            k=k,
            metric="euclidean",
            exclude=np.arange(start, stop) if own else None,
            chunk_rows=chunk,
        )
        indices[start:stop] = found.indices
        distances[start:stop] = found.scores
    return indices, distances


class ExactNeighbors:
    """An openTSNE k-NN index answered by :func:`exact_neighbors` (no index is built).

    It has the interface openTSNE's affinities use (``build``, ``query``, ``k``,
    ``n_samples``), like ``openTSNE.nearest_neighbors.PrecomputedNeighbors``, but ``query``
    works: new rows get their exact neighbours among ``data``, which it keeps for that.
    """

    VALID_METRICS = ("euclidean",)

    def __init__(self, data: np.ndarray, k: int) -> None:
        self.data = np.ascontiguousarray(data, dtype=np.float32)
        self.n_samples = len(self.data)
        self.k = int(k)
        self.metric = "euclidean"

    def build(self) -> tuple[np.ndarray, np.ndarray]:
        """Each row's ``k`` exact nearest other rows: (indices, distances)."""
        return exact_neighbors(self.data, self.k)

    def query(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` exact nearest rows of ``data`` for each new row: (indices, distances)."""
        Q = np.ascontiguousarray(query, dtype=np.float32)
        return exact_neighbors(self.data, min(int(k), self.n_samples), queries=Q)


def tsne_callbacks(on_progress: ProgressCallback | None) -> Any:
    """An openTSNE callback reporting iterations to ``on_progress`` (None without one)."""
    if on_progress is None:
        return None
    total = sum(TSNE_ITERS) // TSNE_CALLBACK_EVERY
    calls = [0]

    def callback(iteration: int, error: float, embedding: np.ndarray) -> bool:
        calls[0] += 1
        done = calls[0] * TSNE_CALLBACK_EVERY
        report(on_progress, calls[0] / total, f"t-SNE iteration {done}/{sum(TSNE_ITERS)}")
        return False

    return callback


def make_tsne(*, params: ProjectionParams, n_samples: int, callbacks: Any = None) -> Any:
    """An unfitted ``openTSNE.TSNE`` for ``n_samples`` prepared rows; fit it with fit_tsne."""
    import openTSNE

    # openTSNE's own rule: FFT interpolation (O(n)) from 10,000 points, Barnes-Hut below,
    # where FFT's fixed grid cost dominates (measured here: BH 2x faster at 2,000 points,
    # equal at 7,600). FFT is 2-D only, so 3-D always uses Barnes-Hut. Threads only pay off
    # on larger inputs (at 100 points on a busy 2-core machine they made it 7x slower).
    large = n_samples >= TSNE_LARGE
    return openTSNE.TSNE(
        n_components=params.dims,
        perplexity=params.perplexity,
        metric="euclidean",
        random_state=params.seed,
        n_jobs=-1 if n_samples >= _TSNE_THREADS else 1,
        negative_gradient_method="fft" if params.dims == 2 and large else "bh",
        callbacks=callbacks,
        callbacks_every_iters=TSNE_CALLBACK_EVERY,
    )


def tsne_affinities(X: np.ndarray, perplexity: float, n_jobs: int = 1) -> Any:
    """The perplexity affinities openTSNE uses, on the exact nearest neighbours of ``X``.

    Returns
    -------
    embedlens.reduce_tsne_affinity.ExactAffinities
        An ``openTSNE.affinity.PerplexityBasedNN`` whose ``knn_index`` is an
        :class:`ExactNeighbors`, so ``to_new`` (openTSNE's transform) works.
    """
    from embedlens.reduce_tsne_affinity import ExactAffinities

    affinities = ExactAffinities(X, perplexity, _threads(n_jobs))
    _trim_heap()
    return affinities


def fit_tsne(X: np.ndarray, estimator: Any) -> Any:
    """Fit ``estimator`` (from :func:`make_tsne`) on ``X`` with :func:`tsne_affinities`.

    The initialisation is still openTSNE's PCA of ``X`` under the estimator's seed.

    Returns
    -------
    openTSNE.TSNEEmbedding
        Its ``affinities.knn_index`` is an :class:`ExactNeighbors`, so ``transform`` works.
    """
    _trim_heap()  # the preprocessing's copies are gone: give their pages back first
    affinities = tsne_affinities(X, estimator.perplexity, estimator.n_jobs)
    embedding = estimator.fit(X, affinities=affinities)
    # Drop our callback so a later transform never reports to a stale progress bar.
    embedding.gradient_descent_params["callbacks"] = None
    return embedding


def _trim_heap() -> None:
    """Return freed heap pages to the OS (glibc ``malloc_trim``; a no-op elsewhere).

    After a large array is freed, glibc raises its mmap threshold and serves the next
    arrays from the heap, whose freed pages stay resident until trimmed.
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _threads(n_jobs: int) -> int:
    """The thread count that openTSNE reads from ``n_jobs`` (-1: all cores)."""
    cores = os.cpu_count() or 1
    return max(1, cores + n_jobs + 1 if n_jobs < 0 else n_jobs)
