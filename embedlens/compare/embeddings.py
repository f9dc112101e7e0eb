"""Compare two embeddings of the same rows: ``compare_embeddings(...) -> Comparison``."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from embedlens.compare.maps import align_procrustes
from embedlens.compare.overlap import (
    METRICS,
    chance_overlap,
    jaccard,
    linear_cka,
    match_ids,
    neighbor_sets,
    shared_counts,
)
from embedlens.errors import DataError
from embedlens.progress import ProgressCallback, report, scaled
from embedlens.validation import check_choice, check_in_range, check_vectors

HIST_BINS = 10
DEFAULT_CLUSTERS = 8


def _clean(value: Any) -> Any:
    """A JSON-able value: numpy scalars as Python ones, NaN as None."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


@dataclass(frozen=True, eq=False)
class Comparison:
    """The comparison of embedding A with embedding B over the rows they share.

    Attributes
    ----------
    name_a, name_b : str
        What each side is (model names, file names).
    k : int
        Neighbours per row used for the overlap.
    metric : str
        Similarity used in both original spaces.
    n_rows : int
        Rows compared (ids present on both sides).
    dropped_a, dropped_b : int
        Rows of A (of B) left out because the other side lacks their id.
    dims : tuple of int
        Vector dimensions of A and B.
    overlap_at_k : float
        Mean per-row Jaccard of the two k-neighbour sets (1 = the same neighbours everywhere).
    overlap_chance : float
        What that mean would be for unrelated embeddings (random neighbour sets).
    cka : float
        Centred linear CKA of the two spaces.
    ari, nmi : float
        Agreement of k-means clusterings of the two sides (same number of clusters).
    n_clusters : int
    sides : dict
        ``{"a": {...}, "b": {...}}``: ``knn_accuracy``, ``logreg_accuracy``, ``silhouette``,
        ``nmi_labels`` (None without labels) for each side, as ``embedlens evaluate`` reports.
    per_row : DataFrame
        One row per compared id: ``id``, ``overlap``, ``shared``, ``neighbors_a``,
        ``neighbors_b`` (neighbour ids, best first), ``cluster_a``, ``cluster_b``, ``norm_a``,
        ``norm_b`` and ``label`` when labels were given.
    notes : tuple of str
    """

    name_a: str
    name_b: str
    k: int
    metric: str
    n_rows: int
    dropped_a: int
    dropped_b: int
    dims: tuple[int, int]
    overlap_at_k: float
    overlap_chance: float
    cka: float
    ari: float | None
    nmi: float | None
    n_clusters: int | None
    sides: dict[str, dict[str, Any]]
    per_row: pd.DataFrame = field(repr=False)
    notes: tuple[str, ...] = ()

    def histogram(self, bins: int = HIST_BINS) -> dict[str, list]:
        """Counts of per-row overlap in ``bins`` equal bins over [0, 1]."""
        counts, edges = np.histogram(self.per_row["overlap"], bins=bins, range=(0.0, 1.0))
        return {"edges": [round(float(e), 4) for e in edges], "counts": counts.tolist()}

    def most_changed(self, n: int = 20) -> pd.DataFrame:
        """The ``n`` rows whose neighbourhoods differ most (lowest overlap first, then id order)."""
        order = np.argsort(self.per_row["overlap"].to_numpy(), kind="stable")[: int(n)]
        return self.per_row.iloc[order].reset_index(drop=True)

    def summary(self, most_changed: int = 10) -> dict[str, Any]:
        """Every figure as a JSON-able dict (the CLI prints it)."""
        ov = self.per_row["overlap"].to_numpy()
        out: dict[str, Any] = {
            "a": self.name_a,
            "b": self.name_b,
            "n_rows": self.n_rows,
            "dropped_a": self.dropped_a,
            "dropped_b": self.dropped_b,
            "dim_a": self.dims[0],
            "dim_b": self.dims[1],
            "k": self.k,
            "metric": self.metric,
            "overlap_at_k": self.overlap_at_k,
            "overlap_median": float(np.median(ov)),
            "overlap_quartiles": [float(q) for q in np.quantile(ov, [0.25, 0.75])],
            "overlap_share_zero": float(np.mean(ov == 0)),
            "overlap_chance": self.overlap_chance,
            "overlap_histogram": self.histogram(),
            "cka": self.cka,
            "ari": self.ari,
            "nmi": self.nmi,
            "n_clusters": self.n_clusters,
        }
        for side in ("a", "b"):
            for key, value in self.sides[side].items():
                out[f"{key}_{side}"] = _clean(value)
        out["most_changed"] = [
            {
                "id": _clean(r.id),
                "overlap": float(r.overlap),
                "neighbors_a": [_clean(v) for v in r.neighbors_a],
                "neighbors_b": [_clean(v) for v in r.neighbors_b],
            }
            for r in self.most_changed(most_changed).itertuples(index=False)
        ]
        out["notes"] = list(self.notes)
        return {k: _clean(v) if not isinstance(v, (dict, list)) else v for k, v in out.items()}

    def metric_table(self) -> pd.DataFrame:
        """Side-by-side figures (rows: metric; columns: ``a``, ``b``, ``both``)."""
        rows = [
            ("overlap_at_k", None, None, self.overlap_at_k),
            ("overlap_chance", None, None, self.overlap_chance),
            ("cka", None, None, self.cka),
            ("ari", None, None, self.ari),
            ("nmi", None, None, self.nmi),
            ("dim", self.dims[0], self.dims[1], None),
        ]
        for key in ("knn_accuracy", "logreg_accuracy", "silhouette", "nmi_labels"):
            a, b = self.sides["a"].get(key), self.sides["b"].get(key)
            if a is not None or b is not None:
                rows.append((key, a, b, None))
        return pd.DataFrame(rows, columns=["metric", "a", "b", "both"])


def _side_metrics(X: np.ndarray, labels: np.ndarray | None, seed: int, on_progress) -> dict:
    if labels is None:
        return {"knn_accuracy": None, "logreg_accuracy": None, "silhouette": None}
    from embedlens.metrics import evaluate

    res = evaluate(X, labels=labels, seed=seed, on_progress=on_progress)
    return {
        "knn_accuracy": res["knn_accuracy"],
        "logreg_accuracy": res["logreg_accuracy"],
        "silhouette": res["silhouette"],
        "nmi_labels": res["nmi"],
        "notes": res["notes"],
    }


KMEANS_FIT_ROWS = 20_000


def _kmeans(X: np.ndarray, k: int, seed: int) -> np.ndarray:
    """k-means (cosine: unit rows) with 3 starts, fitted on a seeded sample above 20k rows.

    The same recipe on both sides; ``embedlens.cluster``'s 10 starts cost 5x more here
    (benchmarks/bench_compare.py) and its keyword naming is not needed for ARI/NMI.
    """
    from sklearn.cluster import KMeans

    from embedlens.metrics._common import sample_rows
    from embedlens.validation import unit_rows

    U = unit_rows(X, allow_zero=True)
    rows = sample_rows(len(U), KMEANS_FIT_ROWS, seed)
    model = KMeans(n_clusters=k, n_init=3, random_state=seed)
    model.fit(U if rows is None else U[rows])
    return model.predict(U)


def compare_embeddings(
    ids_a,
    X_a: np.ndarray,
    ids_b,
    X_b: np.ndarray,
    *,
    k: int = 10,
    metric: str = "cosine",
    labels=None,
    clusters_a=None,
    clusters_b=None,
    n_clusters: int | None = None,
    name_a: str = "A",
    name_b: str = "B",
    seed: int = 0,
    on_progress: ProgressCallback | None = None,
) -> Comparison:
    """Compare two embeddings of the same rows, matched by id.

    Parameters
    ----------
    ids_a, ids_b : array-like
        A unique id per row of each side; only the ids on both sides are compared.
    X_a : array-like of shape (n_a, d_a)
    X_b : array-like of shape (n_b, d_b)
    k : int, default=10
        Neighbours per row for the overlap (clamped to rows - 1).
    metric : {"cosine", "dot", "euclidean"}, default="cosine"
    labels : array-like of shape (n_a,), default=None
        Class per row of A: enables 10-NN/logistic accuracy and silhouette per side.
    clusters_a, clusters_b : array-like, default=None
        Existing cluster ids per row of each side; missing ones are made by k-means.
    n_clusters : int, default=None
        k of those k-means fits: the number of label classes, else 8 (fewer for tiny data).
    name_a, name_b : str
    seed : int, default=0
    on_progress : callable, default=None

    Returns
    -------
    Comparison

    Raises
    ------
    DataError
        Too few shared ids, duplicate ids, bad vectors or labels.

    Examples
    --------
    >>> X = np.random.default_rng(0).normal(size=(40, 5)).astype(np.float32)
    >>> c = compare_embeddings(range(40), X, range(40), 2 * X, k=5)
    >>> c.overlap_at_k, round(c.cka, 6)
    (1.0, 1.0)
    """
    check_in_range("k", k, low=1, owner="compare_embeddings", kind=int)
    check_choice("metric", metric, METRICS, owner="compare_embeddings")
    A = check_vectors(X_a, name="vectors A")
    B = check_vectors(X_b, name="vectors B")
    if len(ids_a) != len(A) or len(ids_b) != len(B):
        raise DataError(
            f"ids and vectors disagree: A has {len(ids_a)} ids for {len(A)} vectors, "
            f"B {len(ids_b)} ids for {len(B)} vectors; give one id per vector."
        )
    m = match_ids(ids_a, ids_b)
    A = np.ascontiguousarray(A[m.rows_a])
    B = np.ascontiguousarray(B[m.rows_b])
    n = len(m.ids)
    notes = []
    if m.dropped_a or m.dropped_b:
        notes.append(
            f"{n:,} rows matched by id; left out {m.dropped_a:,} rows of {name_a} and "
            f"{m.dropped_b:,} rows of {name_b} that the other side lacks."
        )
    lab = None
    if labels is not None:
        from embedlens.metrics._common import checked_labels

        lab = checked_labels(labels, len(ids_a))[m.rows_a]
    report(on_progress, 0.0, f"Neighbours of {n:,} rows in {name_a}")
    nn_a = neighbor_sets(A, k=k, metric=metric, on_progress=scaled(on_progress, 0.0, 0.25))
    nn_b = neighbor_sets(B, k=k, metric=metric, on_progress=scaled(on_progress, 0.25, 0.5))
    kk = nn_a.shape[1]
    if kk != k:
        notes.append(f"k lowered from {k} to {kk}: only {n} rows.")
    shared = shared_counts(nn_a, nn_b)
    overlap = jaccard(shared, kk)
    report(on_progress, 0.5, "Linear CKA")
    cka = linear_cka(A, B)

    n_classes = len(set(lab.tolist())) if lab is not None else None
    kc = n_clusters or (n_classes if n_classes and n_classes >= 2 else DEFAULT_CLUSTERS)
    kc = int(min(kc, n - 1))
    ca = _given(clusters_a, m.rows_a, len(ids_a), "clusters_a")
    cb = _given(clusters_b, m.rows_b, len(ids_b), "clusters_b")
    ari = nmi = None
    if kc >= 2:
        report(on_progress, 0.55, f"k-means with {kc} clusters on both sides")
        ca = _kmeans(A, kc, seed) if ca is None else ca
        cb = _kmeans(B, kc, seed) if cb is None else cb
        from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

        ari = float(adjusted_rand_score(ca, cb))
        nmi = float(normalized_mutual_info_score(ca, cb))
    sides = {
        "a": _side_metrics(A, lab, seed, scaled(on_progress, 0.65, 0.82)),
        "b": _side_metrics(B, lab, seed, scaled(on_progress, 0.82, 1.0)),
    }
    for side in sides.values():
        notes.extend(side.pop("notes", []))
    ids = m.ids
    frame = pd.DataFrame(
        {
            "id": ids,
            "overlap": overlap,
            "shared": shared,
            "neighbors_a": [list(ids[row]) for row in nn_a],
            "neighbors_b": [list(ids[row]) for row in nn_b],
            "norm_a": np.linalg.norm(A, axis=1),
            "norm_b": np.linalg.norm(B, axis=1),
        }
    )
    if ca is not None:
        frame["cluster_a"] = np.asarray(ca)
        frame["cluster_b"] = np.asarray(cb)
    if lab is not None:
        frame["label"] = lab
    report(on_progress, 1.0, "Comparison done")
    return Comparison(
        name_a=name_a,
        name_b=name_b,
        k=kk,
        metric=metric,
        n_rows=n,
        dropped_a=m.dropped_a,
        dropped_b=m.dropped_b,
        dims=(int(A.shape[1]), int(B.shape[1])),
        overlap_at_k=float(overlap.mean()),
        overlap_chance=chance_overlap(n, kk),
        cka=cka,
        ari=ari,
        nmi=nmi,
        n_clusters=kc if kc >= 2 else None,
        sides=sides,
        per_row=frame,
        notes=tuple(notes),
    )


def _given(values, rows: np.ndarray, n: int, name: str) -> np.ndarray | None:
    if values is None:
        return None
    arr = np.asarray(values)
    if arr.shape != (n,):
        raise DataError(f"{name} has {arr.size} entries for {n} rows; give one per row.")
    return arr[rows]


def align_maps(ids_a, coords_a: np.ndarray, ids_b, coords_b: np.ndarray):
    """Side B's map Procrustes-aligned onto side A's over their shared ids.

    Returns
    -------
    matched : Matched
        The shared ids and their positions on each side.
    alignment : Alignment
        ``alignment.coords`` are B's coordinates of ``matched.ids``, in A's frame.
    """
    m = match_ids(ids_a, ids_b)
    ca = check_vectors(coords_a, n_rows=len(ids_a), name="map A")[m.rows_a]
    cb = check_vectors(coords_b, n_rows=len(ids_b), name="map B")[m.rows_b]
    return m, align_procrustes(ca, cb)
