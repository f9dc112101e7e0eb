"""`evaluate` says what each figure was computed on (rows, space, sample), unlike the app's."""

from __future__ import annotations

import numpy as np

from embedlens.metrics import evaluate


def test_each_figure_names_its_rows_space_and_sample():
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(c, 0.3, size=(40, 5)) for c in np.eye(5)[:3] * 3]).astype(np.float32)
    y = np.repeat(["a", "b", "c"], 40).astype(object)
    out = evaluate(X, y, X[:, :2], seed=0, sample_size=100)
    on = out["computed_on"]
    assert set(on) == {"nmi", "silhouette", "knn_accuracy", "trustworthiness"}
    assert "KMeans(k=3, the number of label classes" in on["nmi"] and "120" in on["nmi"]
    assert "not the map's clusters" in on["nmi"]
    assert "label classes (not of clusters)" in on["silhouette"]
    assert "5-dimensional original vectors" in on["silhouette"]
    assert "sample of 100 of 120 rows" in on["silhouette"]
    assert "2D map" in on["trustworthiness"] and "100 of 120" in on["trustworthiness"]
    assert evaluate(X)["computed_on"] == {}
