"""The clustering methods behind :func:`embedlens.cluster.cluster`, and the automatic k.

``CLUSTERERS`` names each method's estimator factory (k-means, HDBSCAN, DBSCAN, Ward);
:class:`WardTree` is Ward linkage that can be cut at several k from one tree, and
:func:`automatic_k` picks k for k-means and Ward (the curves are kept in a ``KChoice``).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from embedlens.auto_k import KChoice, choose_k
from embedlens.i18n import N_
from embedlens.progress import ProgressCallback
from embedlens.registry import Registry

if TYPE_CHECKING:  # embedlens.cluster imports this module
    from embedlens.cluster import ClusterParams

__all__ = ["AUTO_K_MAX", "CLUSTERERS", "WardTree", "automatic_k", "make_kmeans"]

AUTO_K_MAX = 15

CLUSTERERS: Registry[Any] = Registry("clusterer")


class WardTree:
    """Ward-linkage agglomerative clustering that can be cut at several k from one tree.

    scikit-learn's AgglomerativeClustering(linkage="ward") calls scipy's ward() itself;
    calling it directly lets automatic k reuse the tree.
    """

    def __init__(self, n_clusters: int | None = None) -> None:
        self.n_clusters = n_clusters
        self.tree: np.ndarray | None = None

    def fit(self, X: np.ndarray) -> WardTree:
        """Build the linkage tree of ``X`` (float64 copy)."""
        from scipy.cluster.hierarchy import ward

        self.tree = ward(np.asarray(X, dtype=np.float64))
        return self

    def cut(self, k: int) -> np.ndarray:
        """Labels 0..k-1 of the fitted tree cut into ``k`` clusters."""
        from scipy.cluster.hierarchy import fcluster

        return fcluster(self.tree, t=k, criterion="maxclust").astype(np.int64) - 1

    def fit_predict(self, X: np.ndarray) -> np.ndarray:
        """Fit and cut at ``n_clusters`` (2 when unset)."""
        return self.fit(X).cut(int(self.n_clusters or 2))


@CLUSTERERS.register("kmeans", label="k-means")
def make_kmeans(*, params: ClusterParams, k: int, n_init: int | str = 10, **_: Any) -> Any:
    """scikit-learn KMeans with ``k`` clusters, seeded by ``params.seed``."""
    from sklearn.cluster import KMeans

    return KMeans(n_clusters=k, n_init=n_init, random_state=params.seed)


@CLUSTERERS.register("hdbscan", label="HDBSCAN")
def _make_hdbscan(*, params: ClusterParams, **_: Any) -> Any:
    from sklearn.cluster import HDBSCAN

    return HDBSCAN(
        min_cluster_size=params.min_cluster_size, min_samples=params.min_samples, copy=True
    )


@CLUSTERERS.register("dbscan", label="DBSCAN")
def _make_dbscan(*, params: ClusterParams, **_: Any) -> Any:
    from sklearn.cluster import DBSCAN

    eps = math.sqrt(2 * params.eps) if params.metric == "cosine" else params.eps
    return DBSCAN(eps=eps, min_samples=params.min_samples)


@CLUSTERERS.register("agglomerative", label="Agglomerative (Ward)")
def _make_agglomerative(*, k: int | None = None, **_: Any) -> Any:
    return WardTree(k)


def automatic_k(
    X: np.ndarray, params: ClusterParams, on_progress: ProgressCallback | None
) -> tuple[KChoice, np.ndarray | None, str]:
    """Best k in 2..min(15, n-1): the modularity knee, stability-checked (embedlens.auto_k).

    The curves are computed on a seeded sample of at most ``auto_k.SAMPLE`` rows with k-means
    probes (also for agglomerative, whose final cut is then taken from one Ward tree, returned
    as the labels; None for k-means), so the cost does not grow with the data. The note is
    stored English (``N_``), translated when shown.
    """
    n = len(X)
    ks = list(range(2, min(AUTO_K_MAX, n - 1) + 1))
    choice = choose_k(X, ks, seed=params.seed, on_progress=on_progress)
    span = f"{ks[0]}..{ks[-1]}" if len(ks) > 1 else str(ks[0])
    note = N_(
        "Chose k={k} over k={span} at the knee of the modularity curve on {sample:,} rows "
        "(stability {stability:.2f})."
    )  # N_: stored English
    note = note.format(k=choice.k, span=span, sample=choice.sample, stability=choice.stability)
    labels = WardTree().fit(X).cut(choice.k) if params.method == "agglomerative" else None
    return choice, labels, note
