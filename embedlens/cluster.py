"""Cluster vectors (or map coordinates): k-means, HDBSCAN, DBSCAN, agglomerative (Ward).

``metric="cosine"`` scales rows to unit length and then clusters with the euclidean metric,
which on unit vectors orders distances exactly as cosine does (k-means becomes spherical
k-means, Ward works on directions). For DBSCAN ``eps`` stays a cosine distance: it is
converted to the equivalent euclidean radius ``sqrt(2 * eps)``. All-zero rows have no
direction, so under cosine they raise DataError naming them.

Labels are renumbered so clusters are 0..K-1 by size, largest first; noise is -1.

This module holds the parameters, the result and :func:`cluster`, with the k-means
fit-on-sample (:func:`fit_kmeans`); the methods and the automatic k are in
:mod:`embedlens.cluster_methods`, the input checks in :mod:`embedlens.cluster_inputs`, the
renumbering and naming in :mod:`embedlens.cluster_naming`. The Ray engine's k-means calls the
same pieces.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

import numpy as np

from embedlens.auto_k import KChoice
from embedlens.cluster_inputs import check_against_data, check_cluster_inputs, prepare_vectors
from embedlens.cluster_methods import CLUSTERERS, automatic_k, make_kmeans
from embedlens.cluster_naming import name_clusters, noise_notes, renumber_by_size
from embedlens.errors import BackendUnavailable
from embedlens.i18n import N_
from embedlens.progress import ProgressCallback, report
from embedlens.validation import as_object_labels, check_choice, check_in_range

__all__ = [
    "CLUSTERERS",
    "ClusterParams",
    "Clustering",
    "check_cluster_inputs",
    "cluster",
    "fit_kmeans",
    "kmeans_fit_rows",
]

METHODS = ("kmeans", "hdbscan", "dbscan", "agglomerative")
METRICS = ("cosine", "euclidean")
SPACES = ("vectors", "map")
AUTO_K_FIT_ROWS = 20_000  # above this, k-means is fitted on a seeded sample of this many rows


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


def kmeans_fit_rows(n: int, params: ClusterParams) -> np.ndarray | None:
    """The seeded sample k-means is fitted on above AUTO_K_FIT_ROWS rows (None: all rows)."""
    if params.method != "kmeans" or n <= AUTO_K_FIT_ROWS:
        return None
    return np.sort(np.random.default_rng(params.seed).choice(n, AUTO_K_FIT_ROWS, replace=False))


def fit_kmeans(
    Z: np.ndarray, params: ClusterParams, fit_rows: np.ndarray | None
) -> tuple[Any, list[str]]:
    """k-means (``params.k`` clusters) fitted on ``Z[fit_rows]`` (all rows: None), its notes.

    ``fit_rows`` is :func:`kmeans_fit_rows`'s seeded sample; a note then says so, and the
    caller assigns every row to its nearest centre (``model.predict``), here or on Ray. On
    1M x 384 rows a full fit (n_init=10) took most of an hour on 2 cores and sklearn's
    tolerance check alone allocates another copy of X; assigning rows to the centres is one
    chunked pass.
    """
    model = make_kmeans(params=params, k=int(params.k or 2))
    model.fit(Z if fit_rows is None else Z[fit_rows])
    if fit_rows is None:
        return model, []
    note = N_(
        "k-means fitted on a random sample of {sample:,} of {n:,} rows (seed {seed}); "
        "every row is assigned to its nearest centre."
    ).format(sample=fit_rows.size, n=len(Z), seed=params.seed)
    return model, [note]


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
    params, notes = check_against_data(params, n)
    report(on_progress, 0.0, f"Clustering {n:,} points with {params.method}…")
    Z = prepare_vectors(X, params)
    labels, k_choice = None, None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        if params.method in ("kmeans", "agglomerative") and params.k is None:
            k_choice, labels, note = automatic_k(Z, params, on_progress)
            params = replace(params, k=k_choice.k)
            notes.append(note)
        fit_rows = kmeans_fit_rows(n, params)
        if labels is None and fit_rows is not None:
            model, fit_notes = fit_kmeans(Z, params, fit_rows)
            labels = model.predict(Z)
            notes += fit_notes
        elif labels is None:
            labels = CLUSTERERS.create(params.method, params=params, k=params.k).fit_predict(Z)
    for w in caught:  # ConvergenceWarnings become notes; anything else is passed on
        if issubclass(w.category, ConvergenceWarning):
            notes.append(str(w.message))
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    labels = renumber_by_size(labels)
    notes += noise_notes(labels, params)
    report(on_progress, 0.9, "Finding keywords…")
    keywords, names = name_clusters(labels, texts)
    seconds = time.perf_counter() - start
    report(on_progress, 1.0, f"Clustering done in {seconds:.1f} s")
    return Clustering(labels, params, names, keywords, tuple(notes), seconds, k_choice=k_choice)
