"""Cluster quality and agreement between two labelings."""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import sparse
from scipy.spatial.distance import pdist
from sklearn.metrics import (
    adjusted_rand_score,
    calinski_harabasz_score,
    davies_bouldin_score,
    normalized_mutual_info_score,
    silhouette_score,
)
from sklearn.metrics.cluster import contingency_matrix

from embedlens.errors import DataError
from embedlens.metrics._common import checked_labels, encode, noise_mask, sample_rows
from embedlens.validation import check_in_range, check_vectors

_CHUNK = 65536


def _centroids(X: np.ndarray, codes: np.ndarray, n_clusters: int) -> np.ndarray:
    onehot = sparse.csr_matrix(
        (np.ones(len(codes)), (codes, np.arange(len(codes)))), shape=(n_clusters, len(codes))
    )
    counts = np.bincount(codes, minlength=n_clusters)[:, None]
    return np.asarray(onehot @ X.astype(np.float64)) / counts


def cluster_quality(
    X: np.ndarray, labels: Any, *, sample_size: int = 5000, seed: int = 0
) -> dict[str, Any]:
    """Internal quality of a clustering: silhouette, Davies-Bouldin, Calinski-Harabasz, spreads.

    Points labelled -1 (noise) are left out of every figure.

    Parameters
    ----------
    X : array-like of shape (n, d)
        Vectors.
    labels : array-like of shape (n,)
        Cluster id per row (ints or strings; -1 is noise).
    sample_size : int, default=5000
        Above this many points the silhouettes use a random sample of this size.
    seed : int, default=0
        Seed of that sample.

    Returns
    -------
    dict
        ``n_points``, ``n_clusters``, ``n_noise``, ``silhouette_cosine``,
        ``silhouette_euclidean``, ``davies_bouldin``, ``calinski_harabasz``,
        ``mean_intra_distance`` (point to own centroid), ``mean_inter_distance`` (between
        centroids), all euclidean, and ``notes`` (list of str: what was left out or sampled).

    Raises
    ------
    DataError
        Fewer than 2 clusters, or as many clusters as points, once noise is left out.
    """
    check_in_range("sample_size", sample_size, low=2, owner="cluster_quality", kind=int)
    X = check_vectors(X, min_rows=2)
    values = checked_labels(labels, X.shape[0])
    notes: list[str] = []
    noise = noise_mask(values)
    if noise.any():
        notes.append(f"{int(noise.sum()):,} noise points (label -1) left out.")
        X, values = X[~noise], values[~noise]
    codes, classes = encode(values)
    n, k = len(codes), len(classes)
    if k < 2:
        raise DataError(
            f"cluster quality needs at least 2 clusters (noise -1 not counted); got {k} "
            f"among {n:,} points; change the clustering parameters."
        )
    if k >= n:
        raise DataError(
            f"cluster quality needs fewer clusters than points; got {k} clusters for {n} points "
            "(noise -1 not counted); use fewer clusters."
        )
    rows = sample_rows(n, sample_size, seed)
    Xs, cs = (X, codes) if rows is None else (X[rows], codes[rows])
    if rows is not None:
        notes.append(
            f"silhouettes on a random sample of {sample_size:,} of {n:,} points (seed {seed})."
        )
    n_sampled = len(np.unique(cs))
    if 2 <= n_sampled < len(cs):
        sil_cos = float(silhouette_score(Xs, cs, metric="cosine"))
        sil_euc = float(silhouette_score(Xs, cs, metric="euclidean"))
    else:
        sil_cos = sil_euc = None
        notes.append("silhouettes skipped: the sample holds fewer than 2 clusters.")
    centroids = _centroids(X, codes, k)
    intra = 0.0
    for start in range(0, n, _CHUNK):
        diff = X[start : start + _CHUNK] - centroids[codes[start : start + _CHUNK]]
        intra += float(np.sqrt(np.einsum("ij,ij->i", diff, diff)).sum())
    return {
        "n_points": n,
        "n_clusters": k,
        "n_noise": int(noise.sum()),
        "silhouette_cosine": sil_cos,
        "silhouette_euclidean": sil_euc,
        "davies_bouldin": float(davies_bouldin_score(X, codes)),
        "calinski_harabasz": float(calinski_harabasz_score(X, codes)),
        "mean_intra_distance": intra / n,
        "mean_inter_distance": float(pdist(centroids).mean()),
        "notes": notes,
    }


def label_agreement(labels_true: Any, labels_pred: Any) -> dict[str, float]:
    """How well a clustering matches known labels: purity, NMI and adjusted Rand index.

    Parameters
    ----------
    labels_true : array-like of shape (n,)
        Known labels (strings or ints).
    labels_pred : array-like of shape (n,)
        Cluster ids; -1 (noise) counts as one more cluster.

    Returns
    -------
    dict
        ``n``, ``purity`` (0..1), ``nmi`` (0..1), ``ari`` (-0.5..1).

    Examples
    --------
    >>> label_agreement(["a", "a", "b", "b"], [1, 1, 0, 0])["ari"]
    1.0
    """
    true = checked_labels(labels_true, len(labels_true), name="labels_true")
    pred = checked_labels(labels_pred, len(true), name="labels_pred")
    if len(true) == 0:
        raise DataError("label_agreement got no labels; give at least one labelled row.")
    t, _ = encode(true)
    p, _ = encode(pred)
    table = contingency_matrix(t, p)
    return {
        "n": len(t),
        "purity": float(table.max(axis=0).sum() / len(t)),
        "nmi": float(normalized_mutual_info_score(t, p)),
        "ari": float(adjusted_rand_score(t, p)),
    }
