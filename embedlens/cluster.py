"""Cluster vectors (or map coordinates): k-means, HDBSCAN, DBSCAN, agglomerative (Ward).

``metric="cosine"`` scales rows to unit length and then clusters with the euclidean metric,
which on unit vectors orders distances exactly as cosine does (k-means becomes spherical
k-means, Ward works on directions). For DBSCAN ``eps`` stays a cosine distance: it is
converted to the equivalent euclidean radius ``sqrt(2 * eps)``. All-zero rows have no
direction, so under cosine they raise DataError naming them.

Labels are renumbered so clusters are 0..K-1 by size, largest first; noise is -1.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

import numpy as np

from embedlens.auto_k import KChoice, choose_k
from embedlens.errors import BackendUnavailable, DataError, InvalidParameterError
from embedlens.i18n import N_
from embedlens.keywords import cluster_keywords
from embedlens.progress import ProgressCallback, report
from embedlens.registry import Registry
from embedlens.validation import (
    as_object_labels,
    check_choice,
    check_in_range,
    check_params_vs_data,
    check_vectors,
)

__all__ = ["CLUSTERERS", "ClusterParams", "Clustering", "cluster"]

METHODS = ("kmeans", "hdbscan", "dbscan", "agglomerative")
METRICS = ("cosine", "euclidean")
SPACES = ("vectors", "map")
AUTO_K_MAX = 15
AUTO_K_FIT_ROWS = 20_000  # above this, k-means is fitted on a seeded sample of this many rows
AGGLOMERATIVE_MAX_ROWS = 20_000  # Ward needs n^2 / 2 float64 distances: 1.6 GB at 20,000
NAME_WORDS = 3

CLUSTERERS: Registry[Any] = Registry("clusterer")


@dataclass(frozen=True, kw_only=True)
class ClusterParams:
    """Parameters of one clustering; validated on construction.

    ``k`` (None = chosen automatically) is for kmeans and agglomerative;
    ``min_cluster_size`` for hdbscan; ``eps`` for dbscan (a cosine distance in [0, 2] when
    ``metric="cosine"``); ``min_samples`` for dbscan and hdbscan. ``space`` records what the
    caller passes to :func:`cluster`: the full vectors, or the map coordinates (always euclidean).
    """

    method: str = "kmeans"
    k: int | None = None
    min_cluster_size: int = 10
    eps: float = 0.5
    min_samples: int = 5
    metric: str = "cosine"
    space: str = "vectors"
    seed: int = 0

    def __post_init__(self) -> None:
        owner = "ClusterParams"
        check_choice("method", self.method, METHODS, owner=owner)
        if self.k is not None:
            check_in_range("k", self.k, low=2, owner=owner, kind=int)
        check_in_range("min_cluster_size", self.min_cluster_size, low=2, owner=owner, kind=int)
        check_in_range("eps", self.eps, low=0, closed="neither", owner=owner)
        check_in_range("min_samples", self.min_samples, low=1, owner=owner, kind=int)
        check_choice("metric", self.metric, METRICS, owner=owner)
        check_choice("space", self.space, SPACES, owner=owner)
        check_in_range("seed", self.seed, low=0, high=2**32 - 1, owner=owner, kind=int)
        # Plain Python numbers (2.0 from a form, np.int64 from a frame) so to_dict is JSON-able.
        for name in ("k", "min_cluster_size", "min_samples", "seed"):
            value = getattr(self, name)
            object.__setattr__(self, name, None if value is None else int(value))
        object.__setattr__(self, "eps", float(self.eps))

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able dict of the parameters."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ClusterParams:
        """Build from a dict, ignoring unknown keys (results saved by other versions)."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass(frozen=True, eq=False)
class Clustering:
    """Cluster ids per row (-1 = noise), names, keywords, the params used and notes."""

    labels: np.ndarray
    params: ClusterParams
    names: dict[int, str]
    keywords: dict[int, list[str]]
    notes: tuple[str, ...]
    seconds: float
    provenance: Any = None  # embedlens.pipeline.Provenance, set by the pipeline
    k_choice: KChoice | None = None  # the curves behind an automatic k

    @property
    def n_clusters(self) -> int:
        """Number of clusters, noise not counted."""
        return int(np.unique(self.labels[self.labels >= 0]).size)

    def label_for_rows(self) -> np.ndarray:
        """Object array with the cluster name of every row."""
        ids = sorted(self.names)
        lookup = as_object_labels([self.names[i] for i in ids])
        return lookup[np.searchsorted(ids, self.labels)]


class _Ward:
    """Ward-linkage agglomerative clustering that can be cut at several k from one tree.

    scikit-learn's AgglomerativeClustering(linkage="ward") calls scipy's ward() itself;
    calling it directly lets automatic k reuse the tree.
    """

    def __init__(self, n_clusters: int | None = None) -> None:
        self.n_clusters = n_clusters
        self.tree: np.ndarray | None = None

    def fit(self, X: np.ndarray) -> _Ward:
        from scipy.cluster.hierarchy import ward

        self.tree = ward(np.asarray(X, dtype=np.float64))
        return self

    def cut(self, k: int) -> np.ndarray:
        from scipy.cluster.hierarchy import fcluster

        return fcluster(self.tree, t=k, criterion="maxclust").astype(np.int64) - 1

    def fit_predict(self, X: np.ndarray) -> np.ndarray:
        return self.fit(X).cut(int(self.n_clusters or 2))


@CLUSTERERS.register("kmeans", label="k-means")
def _make_kmeans(*, params: ClusterParams, k: int, n_init: int | str = 10, **_: Any) -> Any:
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
    return _Ward(k)


def _check_vs_data(params: ClusterParams, n: int) -> tuple[ClusterParams, list[str]]:
    """Data-dependent checks (raise) and adjustments (announced in notes)."""
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


def _prepare(X: np.ndarray, params: ClusterParams) -> np.ndarray:
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


def _fit_rows(n: int, params: ClusterParams) -> np.ndarray | None:
    """The seeded sample k-means is fitted on above AUTO_K_FIT_ROWS rows (None: all rows)."""
    if params.method != "kmeans" or n <= AUTO_K_FIT_ROWS:
        return None
    return np.sort(np.random.default_rng(params.seed).choice(n, AUTO_K_FIT_ROWS, replace=False))


def _kmeans_on_sample(X: np.ndarray, params: ClusterParams, fit_rows: np.ndarray) -> np.ndarray:
    """k-means fitted on ``X[fit_rows]``; every row gets its nearest centre.

    On 1M x 384 rows a full fit (n_init=10) took most of an hour on 2 cores and sklearn's
    tolerance check alone allocates another copy of X; assigning rows to the centres is
    one chunked pass.
    """
    model = _make_kmeans(params=params, k=int(params.k or 2)).fit(X[fit_rows])
    return model.predict(X)


def _auto_k(
    X: np.ndarray, params: ClusterParams, on_progress: ProgressCallback | None
) -> tuple[int, Any, str]:
    """(k, labels or None, note): :func:`_choose_k` for callers that need no curves."""
    choice, labels, note = _choose_k(X, params, on_progress)
    return choice.k, labels, note


def _choose_k(
    X: np.ndarray, params: ClusterParams, on_progress: ProgressCallback | None
) -> tuple[KChoice, Any, str]:
    """Best k in 2..min(15, n-1): the modularity knee, stability-checked (embedlens.auto_k).

    The curves are computed on a seeded sample of at most ``auto_k.SAMPLE`` rows with k-means
    probes (also for agglomerative, whose final cut is then taken from one Ward tree), so the
    cost does not grow with the data.
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
    labels = _Ward().fit(X).cut(choice.k) if params.method == "agglomerative" else None
    return choice, labels, note


def _renumber(labels: np.ndarray) -> np.ndarray:
    """Clusters 0..K-1 by size (largest first, ties by first row); any negative -> -1."""
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


def _names(labels: np.ndarray, keywords: dict[int, list[str]]) -> dict[int, str]:
    names: dict[int, str] = {}
    for cid in np.unique(labels).tolist():
        words = keywords.get(cid, [])[:NAME_WORDS]
        name = "Noise" if cid == -1 else (" · ".join(words) if words else f"Cluster {cid}")
        names[cid] = f"{name} ({cid})" if name in names.values() else name
    return names


def _noise_notes(labels: np.ndarray, params: ClusterParams) -> list[str]:
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


def cluster(
    X: np.ndarray,
    params: ClusterParams = ClusterParams(),
    *,
    texts: Sequence[str] | None = None,
    on_progress: ProgressCallback | None = None,
) -> Clustering:
    """Cluster rows and name the clusters by their keywords.

    Parameters
    ----------
    X : array-like of shape (n, d)
        Vectors (``params.space="vectors"``) or map coordinates (``"map"``), at least 3 rows.
    params : ClusterParams, default=ClusterParams()
        Method and parameters; ``k=None`` picks k (:mod:`embedlens.auto_k`)
        (``Clustering.k_choice`` holds the curves).
    texts : sequence of str, optional
        One text per row; clusters are then named by class-based TF-IDF keywords.
    on_progress : callable, optional
        ``on_progress(fraction, message)``.

    Returns
    -------
    Clustering
        int64 labels (0..K-1 by size, -1 noise), names, keywords, params used (k filled in).

    Raises
    ------
    DataError
        Fewer than 3 rows, non-finite values, texts of the wrong length, all rows identical,
        all-zero rows under cosine.
    InvalidParameterError
        k, min_cluster_size or min_samples too large for the data; agglomerative on too
        many rows.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0, 1], [0, 1.1], [5, 0], [5.2, 0]])
    >>> cluster(X, ClusterParams(k=2, metric="euclidean")).labels.tolist()
    [0, 0, 1, 1]
    """
    from sklearn.exceptions import ConvergenceWarning

    start = time.perf_counter()
    X = check_cluster_inputs(X, texts)
    n = len(X)
    reason = CLUSTERERS.unavailable_reason(params.method)
    if reason is not None:
        raise BackendUnavailable(reason)
    params, notes = _check_vs_data(params, n)
    report(on_progress, 0.0, f"Clustering {n:,} points with {params.method}…")
    Z = _prepare(X, params)
    labels, k_choice = None, None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        if params.method in ("kmeans", "agglomerative") and params.k is None:
            k_choice, labels, note = _choose_k(Z, params, on_progress)
            params = replace(params, k=k_choice.k)
            notes.append(note)
        fit_rows = _fit_rows(n, params)
        if labels is None and fit_rows is not None:
            labels = _kmeans_on_sample(Z, params, fit_rows)
            notes.append(
                N_(
                    "k-means fitted on a random sample of {sample:,} of {n:,} rows (seed {seed}); "
                    "every row is assigned to its nearest centre."
                ).format(sample=fit_rows.size, n=n, seed=params.seed)
            )
        elif labels is None:
            labels = CLUSTERERS.create(params.method, params=params, k=params.k).fit_predict(Z)
    for w in caught:  # ConvergenceWarnings become notes; anything else is passed on
        if issubclass(w.category, ConvergenceWarning):
            notes.append(str(w.message))
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    labels = _renumber(labels)
    notes += _noise_notes(labels, params)
    report(on_progress, 0.9, "Finding keywords…")
    keywords: dict[int, list[str]] = {int(c): [] for c in np.unique(labels)}
    if texts is not None:
        keywords = cluster_keywords(as_object_labels(texts), labels)
    seconds = time.perf_counter() - start
    report(on_progress, 1.0, f"Clustering done in {seconds:.1f} s")
    names = _names(labels, keywords)
    return Clustering(labels, params, names, keywords, tuple(notes), seconds, k_choice=k_choice)
