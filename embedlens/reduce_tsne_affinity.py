"""openTSNE perplexity affinities on exact neighbours, built with few copies of the graph.

Imported only when a t-SNE is fitted (it imports openTSNE); :mod:`embedlens.reduce_tsne`
holds the neighbour search. The matrix is openTSNE's own, ``(P_cond + P_cond.T) / (2n)``
with ``P_cond`` the Gaussian conditional probabilities at the given perplexity over each
row's ``k = min(n - 1, int(3 * perplexity))`` nearest neighbours, but built from float32
pieces in row blocks: openTSNE's ``PerplexityBasedNN`` keeps the neighbours and their float64
distances and makes the matrix, its transpose, their sum and a halved copy all at once.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from openTSNE import _tsne
from openTSNE.affinity import Affinities, PerplexityBasedNN

from embedlens.reduce_tsne import ExactNeighbors, _trim_heap

__all__ = ["ExactAffinities"]

_ROW_BLOCK = 8_192  # rows per float64 perplexity search (6 MiB of distances at k = 90)


class ExactAffinities(PerplexityBasedNN):
    """``PerplexityBasedNN`` whose neighbours are exact and whose matrix is built frugally.

    ``to_new`` (openTSNE's ``transform``) is inherited: new rows get their exact neighbours
    among the fitted rows from :class:`~embedlens.reduce_tsne.ExactNeighbors`.
    """

    def __init__(self, X: np.ndarray, perplexity: float, n_jobs: int = 1) -> None:
        Affinities.__init__(self, verbose=False)
        n = len(X)
        k = min(n - 1, int(3 * perplexity))
        self.knn_index = ExactNeighbors(X, k)
        self.perplexity = float(perplexity)
        self.effective_perplexity_ = self.check_perplexity(perplexity, k)
        self.symmetrize = True
        self.n_jobs = int(n_jobs)
        self.knn_kwargs = None
        neighbors, distances = self.knn_index.build()
        _trim_heap()  # each step's freed blocks go back before the next allocates its own
        conditional = _conditional(distances, self.effective_perplexity_, self.n_jobs)
        del distances
        _trim_heap()
        self.P = _joint(neighbors, conditional)

    def set_perplexity(self, new_perplexity: float) -> None:
        """Not kept possible: the neighbour graph is dropped once the matrix is built."""
        raise NotImplementedError(
            "ExactAffinities does not keep its neighbour graph; build a new one with "
            f"perplexity={new_perplexity!r}."
        )


def _conditional(distances: np.ndarray, perplexity: float, n_jobs: int) -> np.ndarray:
    """Row-normalised Gaussian affinities at ``perplexity`` (openTSNE's search), float32."""
    out = np.empty(distances.shape, dtype=np.float32)
    target = np.array([perplexity], dtype=np.float64)
    for start in range(0, len(distances), _ROW_BLOCK):
        block = np.array(distances[start : start + _ROW_BLOCK], dtype=np.float64)
        out[start : start + len(block)] = np.asarray(
            _tsne.compute_gaussian_perplexity(block, target, num_threads=n_jobs)
        )
    return out


def _joint(neighbors: np.ndarray, conditional: np.ndarray) -> sp.csr_matrix:
    """``(C + C.T) / sum`` as float64 CSR, from C's neighbour indices and float32 values."""
    n, k = neighbors.shape
    index_type = neighbors.dtype if n * k < 2**31 else np.int64
    indptr = np.arange(0, n * k + 1, k, dtype=index_type)
    forward = sp.csr_matrix((conditional.ravel(), neighbors.ravel(), indptr), shape=(n, n))
    backward = forward.T.tocsr()
    both = forward + backward  # float32; the sum of each mutual pair once
    del forward, backward
    _trim_heap()
    nnz = both.nnz
    data = both.data[:nnz].astype(np.float64)
    data /= data.sum()
    indices = np.array(both.indices[:nnz])  # drop the sum's spare capacity
    indptr = both.indptr
    del both
    return sp.csr_matrix((data, indices, indptr), shape=(n, n))
