"""Downstream usefulness of embeddings: cross-validated classifiers, and the CLI summary."""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
from sklearn.cluster import KMeans
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    normalized_mutual_info_score,
    recall_score,
    silhouette_score,
)
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.neighbors import KNeighborsClassifier

from embedlens.errors import DataError
from embedlens.progress import ProgressCallback, report, scaled
from embedlens.validation import check_in_range, check_vectors, listed, parameter_error, unit_rows

from ._common import checked_labels, encode, sample_rows
from .faithfulness import trustworthiness


def _folds_for(codes: np.ndarray, classes: list[Any], folds: int, notes: list[str]) -> int:
    counts = Counter(codes.tolist())
    if len(classes) < 2:
        raise DataError(
            f"downstream accuracy needs at least 2 classes; the labels hold {len(classes)} "
            f"({', '.join(map(str, classes))}); choose a label column with several values."
        )
    smallest = min(counts.values())
    if smallest < 2:
        lonely = [str(classes[c]) for c, m in sorted(counts.items()) if m < 2]
        raise DataError(
            f"{len(lonely)} class(es) have a single member ({listed(lonely, fmt=repr)}), so "
            "stratified cross-validation cannot test them; drop those rows or merge those classes."
        )
    if smallest < folds:
        notes.append(
            f"folds lowered from {folds} to {smallest}: the smallest class has {smallest} members."
        )
        return smallest
    return folds


def downstream_accuracy(
    X: np.ndarray,
    labels: Any,
    *,
    folds: int = 5,
    seed: int = 0,
    k: int = 10,
    shuffle: bool = False,
    on_progress: ProgressCallback | None = None,
) -> dict[str, Any]:
    """Cross-validated k-NN (cosine) and logistic-regression accuracy of predicting the labels.

    Stratified ``folds``-fold cross-validation; by default the folds are contiguous, exactly
    as ``cross_val_score(..., cv=folds)`` makes them (the recipe of the reference figures in
    the shared datasets README). The k-NN is ``KNeighborsClassifier(n_neighbors=k,
    metric="cosine")``, the linear model ``LogisticRegression(max_iter=1000)``. Accuracies and
    macro recalls are means over folds.

    Parameters
    ----------
    X : array-like of shape (n, d)
    labels : array-like of shape (n,)
        Class per row (Arrow-backed strings are fine).
    folds : int, default=5
        Lowered to the size of the smallest class when that is smaller (said in ``notes``).
    seed : int, default=0
        Shuffles the rows before splitting when ``shuffle`` is True.
    k : int, default=10
    shuffle : bool, default=False
        Shuffled folds. On files with near-duplicate neighbouring rows (AG News) they score
        about 0.01 higher than contiguous folds.
    on_progress : callable, default=None

    Returns
    -------
    dict
        ``n``, ``folds``, ``classes`` (list of str), ``knn_accuracy``, ``knn_recall_macro``,
        ``logreg_accuracy``, ``logreg_recall_macro``, ``confusion`` (k-NN, rows = true class,
        columns = predicted, in ``classes`` order, list of lists of int) and ``notes``.

    Raises
    ------
    DataError
        Fewer than 2 classes, or a class with a single member.
    InvalidParameterError
        ``k`` not below the size of a training fold.
    """
    check_in_range("folds", folds, low=2, owner="downstream_accuracy", kind=int)
    check_in_range("k", k, low=1, owner="downstream_accuracy", kind=int)
    X = check_vectors(X, min_rows=2)
    codes, classes = encode(checked_labels(labels, X.shape[0]))
    notes: list[str] = []
    folds = _folds_for(codes, classes, int(folds), notes)
    train_size = X.shape[0] - -(-X.shape[0] // folds)
    if k > train_size:
        raise parameter_error(
            "k",
            k,
            f"at most the training-fold size ({train_size})",
            owner="downstream_accuracy",
            hint="lower k or use more rows",
        )
    cv = StratifiedKFold(n_splits=folds, shuffle=shuffle, random_state=seed if shuffle else None)
    splits = list(cv.split(X, codes))
    models = {
        "knn": KNeighborsClassifier(n_neighbors=int(k), metric="cosine"),
        "logreg": LogisticRegression(max_iter=1000),
    }
    out: dict[str, Any] = {
        "n": int(X.shape[0]),
        "folds": folds,
        "classes": [str(c) for c in classes],
    }
    for i, (name, model) in enumerate(models.items()):
        report(on_progress, i / 2, f"Cross-validating {name}")
        pred = cross_val_predict(model, X, codes, cv=splits)
        accs = [accuracy_score(codes[test], pred[test]) for _, test in splits]
        recs = [
            recall_score(codes[test], pred[test], average="macro", zero_division=0)
            for _, test in splits
        ]
        out[f"{name}_accuracy"] = float(np.mean(accs))
        out[f"{name}_recall_macro"] = float(np.mean(recs))
        if name == "knn":
            cm = confusion_matrix(codes, pred, labels=np.arange(len(classes)))
            out["confusion"] = cm.tolist()
    report(on_progress, 1.0, "Cross-validation done")
    out["notes"] = notes
    return out


def evaluate(
    X: np.ndarray,
    labels: Any = None,
    coords: np.ndarray | None = None,
    *,
    seed: int = 0,
    sample_size: int = 5000,
    on_progress: ProgressCallback | None = None,
) -> dict[str, Any]:
    """The command line's summary of an embedding: size, label accuracy, clustering, map quality.

    With labels: 10-NN (cosine) and logistic-regression accuracy by stratified 5-fold CV with
    contiguous folds (see ``downstream_accuracy``); NMI of ``KMeans(n_clusters=<number of
    labels>, n_init=10, random_state=seed)`` on L2-normalised vectors against the labels; the
    cosine silhouette of the labels (on a seeded sample above ``sample_size`` points). With
    coords: trustworthiness at k=10 (euclidean, sampled above ``sample_size`` points).

    Parameters
    ----------
    X : array-like of shape (n, d)
    labels : array-like of shape (n,), default=None
    coords : array-like of shape (n, m), default=None
    seed : int, default=0
    sample_size : int, default=5000
    on_progress : callable, default=None

    Returns
    -------
    dict
        ``n``, ``dim``, ``knn_accuracy``, ``logreg_accuracy``, ``nmi``, ``silhouette``,
        ``trustworthiness`` (None when the input needed is missing), ``notes`` and
        ``computed_on`` (for each figure: the rows, the space and any sample it used).
    """
    X = check_vectors(X, min_rows=2)
    n = X.shape[0]
    out: dict[str, Any] = {
        "n": int(n),
        "dim": int(X.shape[1]),
        "knn_accuracy": None,
        "logreg_accuracy": None,
        "nmi": None,
        "silhouette": None,
        "trustworthiness": None,
        "notes": [],
        "computed_on": {},  # what each figure was computed on (rows, space, sample)
    }
    if labels is not None:
        codes, classes = encode(checked_labels(labels, n))
        down = downstream_accuracy(X, labels, seed=seed, on_progress=scaled(on_progress, 0, 0.6))
        out["knn_accuracy"] = down["knn_accuracy"]
        out["logreg_accuracy"] = down["logreg_accuracy"]
        out["notes"].extend(down["notes"])
        report(on_progress, 0.6, "Clustering with k-means")
        km = KMeans(n_clusters=len(classes), n_init=10, random_state=seed)
        predicted = km.fit_predict(unit_rows(X, allow_zero=True))
        out["nmi"] = float(normalized_mutual_info_score(codes, predicted))
        report(on_progress, 0.8, "Silhouette of the labels")
        rows = sample_rows(n, sample_size, seed)
        Xs, cs = (X, codes) if rows is None else (X[rows], codes[rows])
        if rows is not None:
            out["notes"].append(
                f"silhouette on a random sample of {sample_size:,} of {n:,} points."
            )
        if 2 <= len(np.unique(cs)) < len(cs):
            out["silhouette"] = float(silhouette_score(Xs, cs, metric="cosine"))
        dims = f"{X.shape[1]}-dimensional original vectors"
        out["computed_on"]["nmi"] = (
            f"a fresh KMeans(k={len(classes)}, the number of label classes; n_init=10, "
            f"seed {seed}) of all {n:,} L2-normalised {dims}, against the labels (not the "
            "map's clusters)"
        )
        out["computed_on"]["silhouette"] = (
            f"cosine silhouette of the label classes (not of clusters) in the {dims}, "
            + (f"a seeded sample of {len(cs):,} of {n:,} rows" if rows is not None else
               f"all {n:,} rows")
        )  # fmt: skip
        out["computed_on"]["knn_accuracy"] = (
            f"10-NN (cosine) in the {dims}, stratified 5-fold CV over {n:,} rows"
        )
    if coords is not None and n < 3:
        out["notes"].append("trustworthiness skipped: it needs at least 3 points.")
    elif coords is not None:
        report(on_progress, 0.9, "Trustworthiness of the map")
        out["trustworthiness"] = trustworthiness(
            X, coords, k=min(10, (min(n, sample_size) - 1) // 2), sample_size=sample_size, seed=seed
        )
        if n > sample_size:
            out["notes"].append(f"trustworthiness on a random sample of {sample_size:,} points.")
        out["computed_on"]["trustworthiness"] = (
            f"k=10 neighbours of the original vectors kept on the {np.shape(coords)[1]}D map, "
            + (f"a sample of {sample_size:,} of {n:,} rows" if n > sample_size else
               f"all {n:,} rows")
        )  # fmt: skip
    report(on_progress, 1.0, "Evaluation done")
    return out
