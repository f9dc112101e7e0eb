from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import entropy
from sklearn.cluster import KMeans
from sklearn.datasets import make_blobs
from sklearn.manifold import trustworthiness as sk_trustworthiness
from sklearn.metrics import (
    adjusted_rand_score,
    calinski_harabasz_score,
    davies_bouldin_score,
    normalized_mutual_info_score,
    silhouette_score,
)
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.neighbors import KNeighborsClassifier
from sklearn.preprocessing import normalize

from embedlens.errors import DataError, InvalidParameterError
from embedlens.metrics import (
    METRIC_INFO,
    cluster_quality,
    continuity,
    downstream_accuracy,
    evaluate,
    group_divergence,
    label_agreement,
    neighbor_preservation,
    trustworthiness,
)
from embedlens.metrics.divergence import EPSILON


@pytest.fixture
def blobs():
    X, y = make_blobs(n_samples=120, n_features=6, centers=3, cluster_std=0.5, random_state=0)
    return X.astype(np.float32), y


def numeric_keys(d):
    return {k for k, v in d.items() if isinstance(v, float) or v is None}


# ---------------------------------------------------------------- cluster quality


def test_cluster_quality_matches_sklearn(blobs):
    X, y = blobs
    q = cluster_quality(X, y)
    assert q["n_clusters"] == 3 and q["n_noise"] == 0 and q["notes"] == []
    assert q["silhouette_cosine"] == pytest.approx(
        silhouette_score(X, y, metric="cosine"), abs=1e-6
    )
    assert q["silhouette_euclidean"] == pytest.approx(silhouette_score(X, y), abs=1e-6)
    assert q["davies_bouldin"] == pytest.approx(davies_bouldin_score(X, y), rel=1e-6)
    assert q["calinski_harabasz"] == pytest.approx(calinski_harabasz_score(X, y), rel=1e-6)


def test_cluster_distances_by_hand():
    X = np.array([[0, 0], [2, 0], [10, 0], [10, 2]], dtype=np.float32)
    q = cluster_quality(X, ["a", "a", "b", "b"])
    assert q["mean_intra_distance"] == pytest.approx(1.0)  # each point 1 from its centroid
    assert q["mean_inter_distance"] == pytest.approx(math.sqrt(9**2 + 1))  # (1,0) to (10,1)


def test_cluster_quality_leaves_out_noise_and_samples(blobs):
    X, y = blobs
    noisy = y.copy()
    noisy[::10] = -1
    q = cluster_quality(X, noisy, sample_size=50, seed=3)
    assert q["n_noise"] == 12 and q["n_points"] == 108
    assert any("12 noise points" in note for note in q["notes"])
    assert any("sample of 50 of 108" in note for note in q["notes"])
    keep = noisy != -1
    assert q["davies_bouldin"] == pytest.approx(davies_bouldin_score(X[keep], y[keep]), rel=1e-6)
    assert q == cluster_quality(X, noisy, sample_size=50, seed=3)  # seeded


def test_cluster_quality_needs_two_clusters(blobs):
    X, _ = blobs
    with pytest.raises(DataError, match="at least 2 clusters.*got 1"):
        cluster_quality(X, np.zeros(len(X), dtype=int))
    labels = np.full(len(X), -1)
    labels[:5] = 0
    with pytest.raises(DataError, match="at least 2 clusters"):
        cluster_quality(X, labels)
    with pytest.raises(DataError, match="has 3 entries for 120 rows"):
        cluster_quality(X, [0, 1, 2])
    missing = pd.Series(["a", "b"] * 59 + [None, "a"], dtype="string")
    with pytest.raises(DataError, match=r"1 missing value\(s\) \(row index 118\)"):
        cluster_quality(X, missing)


def test_label_agreement_by_hand_and_against_sklearn():
    same = label_agreement(["a", "a", "b", "b"], [7, 7, 3, 3])
    assert same == {"n": 4, "purity": 1.0, "nmi": 1.0, "ari": 1.0}
    true, pred = ["a", "a", "b", "b"], [0, 0, 0, 1]
    got = label_agreement(pd.Series(true, dtype="string"), pred)
    assert got["purity"] == pytest.approx(0.75)  # cluster 0: 2 of 3 'a', cluster 1: 1 of 1
    assert got["nmi"] == pytest.approx(normalized_mutual_info_score(true, pred))
    assert got["ari"] == pytest.approx(adjusted_rand_score(true, pred))


# ---------------------------------------------------------------- faithfulness


def test_trustworthiness_of_a_scaled_copy_is_one(rng):
    X = rng.normal(size=(60, 5))
    assert trustworthiness(X, 5.0 + X / 10.0, k=5) == 1.0
    assert continuity(X, X, k=5) == 1.0
    # cosine in the original space ranks like euclidean distance between unit vectors
    assert trustworthiness(X, 3.0 * normalize(X), k=5, metric="cosine") == 1.0
    assert trustworthiness(X, X, k=5, metric="cosine") < 1.0


def test_continuity_is_trustworthiness_with_roles_swapped(rng):
    X = rng.normal(size=(60, 6)).astype(np.float32)
    C = rng.normal(size=(60, 2)).astype(np.float32)
    assert trustworthiness(X, C, k=5) == pytest.approx(sk_trustworthiness(X, C, n_neighbors=5))
    assert continuity(X, C, k=5) == pytest.approx(sk_trustworthiness(C, X, n_neighbors=5))
    assert trustworthiness(X, C, k=5) < 1.0


def test_trustworthiness_samples_with_a_seed(rng):
    X = rng.normal(size=(300, 4)).astype(np.float32)
    C = X[:, :2]
    a = trustworthiness(X, C, k=5, sample_size=100, seed=1)
    assert a == trustworthiness(X, C, k=5, sample_size=100, seed=1)
    assert 0.5 < a < 1.0
    with pytest.raises(InvalidParameterError, match="less than half the number of points used"):
        trustworthiness(X, C, k=50, sample_size=100)


def test_neighbor_preservation(rng):
    X = rng.normal(size=(80, 2)).astype(np.float32)
    same = neighbor_preservation(X, X * 2.0, k=5, metric="euclidean")
    assert same.shape == (80,) and (same == 1.0).all()
    X8 = rng.normal(size=(80, 8)).astype(np.float32)
    C = rng.normal(size=(80, 2)).astype(np.float32)
    kept = neighbor_preservation(X8, C, k=5)
    assert ((kept >= 0) & (kept <= 1)).all() and kept.mean() < 0.5
    # by hand for one point: cosine neighbours vs map neighbours
    cos = normalize(X8) @ normalize(X8).T
    np.fill_diagonal(cos, -np.inf)
    dist = np.linalg.norm(C[:, None] - C[None], axis=-1)
    np.fill_diagonal(dist, np.inf)
    for row in (0, 17):
        expected = len(set(np.argsort(-cos[row])[:5]) & set(np.argsort(dist[row])[:5])) / 5
        assert kept[row] == pytest.approx(expected)
    np.testing.assert_array_equal(neighbor_preservation(X8, C, k=5, rows=[17, 0]), kept[[17, 0]])
    with pytest.raises(InvalidParameterError, match="'rows' parameter"):
        neighbor_preservation(X8, C, rows=[80])


# ---------------------------------------------------------------- downstream


def test_downstream_accuracy_matches_cross_val_score(rng):
    X, y = make_blobs(n_samples=150, n_features=8, centers=3, cluster_std=4.0, random_state=1)
    names = np.array(["World", "Sports", "Business"], dtype=object)[y]
    got = downstream_accuracy(X, pd.Series(names, dtype="string"), seed=0)
    knn = KNeighborsClassifier(n_neighbors=10, metric="cosine")
    expected = cross_val_score(knn, X.astype(np.float32), names, cv=5).mean()
    assert got["knn_accuracy"] == pytest.approx(expected)
    shuffled = downstream_accuracy(X, names, seed=3, shuffle=True)
    cv = StratifiedKFold(n_splits=5, shuffle=True, random_state=3)
    expected = cross_val_score(knn, X.astype(np.float32), names, cv=cv).mean()
    assert shuffled["knn_accuracy"] == pytest.approx(expected)
    assert got["classes"] == ["Business", "Sports", "World"]
    cm = np.array(got["confusion"])
    assert cm.shape == (3, 3) and cm.sum() == 150 and cm.sum(axis=1).tolist() == [50, 50, 50]
    assert 0.3 < got["logreg_accuracy"] <= 1.0 and 0.3 < got["knn_recall_macro"] <= 1.0


def test_downstream_accuracy_small_classes(blobs):
    X, y = blobs
    labels = y.astype(object)
    labels[:3] = "rare"  # 3 members: folds lowered from 5 to 3
    got = downstream_accuracy(X, labels, k=3)
    assert got["folds"] == 3 and "lowered from 5 to 3" in got["notes"][0]
    labels[:2] = 0
    with pytest.raises(DataError, match=r"1 class\(es\) have a single member \('rare'\)"):
        downstream_accuracy(X, labels)
    with pytest.raises(DataError, match="at least 2 classes"):
        downstream_accuracy(X, ["x"] * len(X))


def test_evaluate_summary(blobs):
    X, y = blobs
    out = evaluate(X, y.astype(str), X[:, :2], seed=0)
    assert out["n"] == 120 and out["dim"] == 6
    assert out["knn_accuracy"] == 1.0 and out["logreg_accuracy"] == 1.0
    km = KMeans(n_clusters=3, n_init=10, random_state=0).fit_predict(normalize(X))
    assert out["nmi"] == pytest.approx(normalized_mutual_info_score(y, km))
    assert out["silhouette"] == pytest.approx(silhouette_score(X, y, metric="cosine"), abs=1e-6)
    assert 0 < out["trustworthiness"] <= 1
    bare = evaluate(X)
    assert bare["knn_accuracy"] is None and bare["nmi"] is None and bare["trustworthiness"] is None


# ---------------------------------------------------------------- divergence


def test_identical_groups_have_zero_divergence(rng):
    X = rng.normal(size=(50, 4)).astype(np.float32) + 3
    mask = np.arange(50) < 30
    out = group_divergence(X, mask, mask.copy(), coords=X[:, :2], bins=10)
    for part in [out["similarity"], *out["axes"]]:
        assert part["js"] == 0.0 and part["kl_ab"] == 0.0 and part["kl_ba"] == 0.0
    assert len(out["axes"]) == 2 and out["n_a"] == out["n_b"] == 30
    assert len(out["similarity"]["edges"]) == 11 and sum(out["similarity"]["hist_a"]) == 1.0


def test_disjoint_supports_have_js_one_and_kl_matches_scipy(rng):
    X = rng.normal(size=(40, 3)).astype(np.float32) + 5
    coords = np.concatenate([rng.uniform(0, 1, 20), rng.uniform(10, 11, 20)])[:, None]
    a = np.arange(40) < 20
    out = group_divergence(X, a, ~a, coords=coords, bins=8)
    axis = out["axes"][0]
    assert axis["js"] == pytest.approx(1.0, abs=1e-6)
    sim = out["similarity"]
    p = np.asarray(sim["hist_a"]) + EPSILON
    q = np.asarray(sim["hist_b"]) + EPSILON
    p, q = p / p.sum(), q / q.sum()
    assert sim["kl_ab"] == pytest.approx(entropy(p, q, base=2))
    assert sim["kl_ba"] == pytest.approx(entropy(q, p, base=2))
    assert 0.0 <= sim["js"] <= 1.0


def test_group_divergence_mask_errors(rng):
    X = rng.normal(size=(10, 3)).astype(np.float32)
    ok = np.arange(10) < 5
    with pytest.raises(DataError, match="mask_a must be a boolean array with one entry per row"):
        group_divergence(X, np.arange(10), ok)
    with pytest.raises(DataError, match="mask_b selects no rows"):
        group_divergence(X, ok, np.zeros(10, dtype=bool))


def test_every_reported_figure_has_a_meaning(blobs):
    X, y = blobs
    keys = numeric_keys(cluster_quality(X, y)) | numeric_keys(label_agreement(y, y))
    keys |= numeric_keys(downstream_accuracy(X, y)) | numeric_keys(evaluate(X, y, X[:, :2]))
    keys |= numeric_keys(group_divergence(X, y == 0, y == 1)["similarity"])
    keys |= {"trustworthiness", "continuity", "neighbor_preservation"}
    assert keys <= set(METRIC_INFO)
    assert all(len(text) < 200 and ":" in text for text in METRIC_INFO.values())
