"""Comparing two embeddings / maps: invariances, exact numpy references, id matching."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from embedlens.compare import (
    align_maps,
    align_procrustes,
    chance_overlap,
    compare_embeddings,
    compare_maps,
    linear_cka,
    match_ids,
    overlap_at_k,
)
from embedlens.errors import DataError, InvalidParameterError


def _orthogonal(rng, d):
    q, r = np.linalg.qr(rng.normal(size=(d, d)))
    return q * np.sign(np.diag(r))


def _brute_jaccard(A, B, k):
    """Reference: full distance matrices, argsort, Python sets."""

    def nn(X):
        U = X / np.linalg.norm(X, axis=1, keepdims=True)
        S = U @ U.T
        np.fill_diagonal(S, -np.inf)
        return np.argsort(-S, axis=1, kind="stable")[:, :k]

    na, nb = nn(A.astype(np.float64)), nn(B.astype(np.float64))
    return np.array(
        [len(set(a) & set(b)) / len(set(a) | set(b)) for a, b in zip(na, nb, strict=True)]
    )


def _cka_reference(X, Y):
    """Kornblith et al. eq.: HSIC with linear kernels on the n x n Gram matrices."""
    n = len(X)
    H = np.eye(n) - np.ones((n, n)) / n
    K, L = X @ X.T, Y @ Y.T
    hsic = lambda P, Q: np.trace(P @ H @ Q @ H)  # noqa: E731
    return hsic(K, L) / np.sqrt(hsic(K, K) * hsic(L, L))


@pytest.fixture
def data(rng):
    return rng.normal(size=(200, 16)).astype(np.float32)


def test_rotated_and_scaled_copy_has_full_overlap_and_cka(rng, data):
    B = (2.7 * data @ _orthogonal(rng, 16)).astype(np.float32)
    c = compare_embeddings(np.arange(200), data, np.arange(200), B, k=10)
    assert c.overlap_at_k == 1.0
    assert (c.per_row["shared"] == 10).all()
    assert c.cka == pytest.approx(1.0, abs=1e-9)
    assert c.ari == pytest.approx(1.0) and c.nmi == pytest.approx(1.0)


def test_shuffled_rows_overlap_is_near_chance(rng, data):
    shuffled = data[rng.permutation(len(data))]
    c = compare_embeddings(np.arange(200), data, np.arange(200), shuffled, k=10)
    chance = chance_overlap(200, 10)
    assert chance == pytest.approx(10 / 199 / (2 - 10 / 199), rel=0.1)
    assert abs(c.overlap_at_k - chance) < 0.02
    assert c.cka < 0.3


def test_overlap_matches_brute_force_reference(rng, data):
    noisy = data + rng.normal(scale=0.8, size=data.shape).astype(np.float32)
    ours, _, _ = overlap_at_k(data, noisy[:, :12], k=7)
    ref = _brute_jaccard(data, noisy[:, :12], 7)
    np.testing.assert_allclose(ours, ref)
    assert 0 < ours.mean() < 1


def test_overlap_does_not_depend_on_chunk_size(rng, data):
    noisy = data + rng.normal(scale=0.5, size=data.shape).astype(np.float32)
    whole, _, _ = overlap_at_k(data, noisy, k=5)
    chunked, _, _ = overlap_at_k(data, noisy, k=5, chunk_rows=17)
    np.testing.assert_array_equal(whole, chunked)


def test_cka_matches_the_gram_matrix_formula(rng):
    X = rng.normal(size=(60, 8))
    Y = X[:, :5] @ rng.normal(size=(5, 11)) + rng.normal(scale=0.5, size=(60, 11))
    assert linear_cka(X, Y) == pytest.approx(_cka_reference(X, Y), rel=1e-5)
    assert linear_cka(X, Y, chunk_rows=7) == pytest.approx(_cka_reference(X, Y), rel=1e-5)


def test_cka_of_a_constant_side_is_an_error(rng):
    with pytest.raises(DataError, match="no variance"):
        linear_cka(rng.normal(size=(10, 3)), np.ones((10, 3)))


def test_rows_matched_by_id_and_dropped_counted(rng, data):
    ids_a = [f"r{i}" for i in range(200)]
    order = rng.permutation(200)[:150]  # B: 150 of A's rows, shuffled, plus 5 of its own
    ids_b = [ids_a[i] for i in order] + [f"x{i}" for i in range(5)]
    B = np.vstack([data[order], rng.normal(size=(5, 16)).astype(np.float32)])
    c = compare_embeddings(ids_a, data, ids_b, B, k=5)
    assert (c.n_rows, c.dropped_a, c.dropped_b) == (150, 50, 5)
    assert c.overlap_at_k == 1.0
    assert c.per_row["id"].tolist() == [i for i in ids_a if i in set(ids_b)]
    assert any("matched by id" in note for note in c.notes)


def test_match_ids_compares_as_text_and_refuses_duplicates():
    m = match_ids([1, 2, 3, 4], ["4", "3", "2", "9"])
    assert m.rows_a.tolist() == [1, 2, 3] and m.rows_b.tolist() == [2, 1, 0]
    with pytest.raises(DataError, match="not unique"):
        match_ids(["a", "a", "b", "c"], ["a", "b", "c"])
    with pytest.raises(DataError, match="share 1 row id"):
        match_ids(["a", "b", "c"], ["c", "d", "e"])


def test_labels_give_each_side_the_evaluate_figures(rng):
    from embedlens.metrics import evaluate

    labels = np.repeat(["sport", "world", "tech"], 40)
    centres = rng.normal(size=(3, 10)) * 3
    good = (centres[np.repeat(np.arange(3), 40)] + rng.normal(size=(120, 10))).astype(np.float32)
    bad = rng.normal(size=(120, 10)).astype(np.float32)
    c = compare_embeddings(range(120), good, range(120), bad, labels=labels, k=10)
    s = c.summary()
    ref = evaluate(good, labels=labels)
    assert s["knn_accuracy_a"] == ref["knn_accuracy"]
    assert s["silhouette_a"] == ref["silhouette"]
    assert s["knn_accuracy_a"] > 0.9 > s["knn_accuracy_b"]
    assert c.n_clusters == 3 and list(c.per_row["label"][:2]) == ["sport", "sport"]


def test_summary_is_json_and_most_changed_first(rng, data):
    import json

    B = data.copy()
    B[:20] = rng.normal(size=(20, 16))  # the first 20 rows move elsewhere
    c = compare_embeddings(range(200), data, range(200), B, k=10)
    s = json.loads(json.dumps(c.summary()))
    for key in ("overlap_at_k", "cka", "ari", "nmi", "knn_accuracy_a", "knn_accuracy_b"):
        assert key in s
    assert s["knn_accuracy_a"] is None  # no labels
    worst = c.most_changed(20)
    assert worst["overlap"].is_monotonic_increasing
    assert np.mean([i < 20 for i in worst["id"]]) > 0.7
    assert len(s["most_changed"]) == 10 and len(s["most_changed"][0]["neighbors_a"]) == 10
    assert sum(s["overlap_histogram"]["counts"]) == 200
    table = c.metric_table()
    assert isinstance(table, pd.DataFrame) and "cka" in table["metric"].tolist()


def test_invalid_parameters(data):
    with pytest.raises(InvalidParameterError, match="'k'"):
        compare_embeddings(range(200), data, range(200), data, k=0)
    with pytest.raises(InvalidParameterError, match="'metric'"):
        compare_embeddings(range(200), data, range(200), data, metric="manhattan")
    with pytest.raises(DataError, match="ids and vectors disagree"):
        compare_embeddings(range(10), data, range(200), data)


def test_procrustes_undoes_rotation_reflection_scale_shift(rng):
    A = rng.normal(size=(50, 2))
    R = _orthogonal(rng, 2) @ np.diag([1, -1])
    al = align_procrustes(A, 0.3 * A @ R + [5, -2])
    np.testing.assert_allclose(al.coords, A, atol=1e-5)
    assert al.disparity == pytest.approx(0, abs=1e-9)
    # scipy's procrustes agrees on the disparity of an unrelated pair
    from scipy.spatial import procrustes

    B = rng.normal(size=(50, 2))
    assert align_procrustes(A, B).disparity == pytest.approx(procrustes(A, B)[2], rel=1e-5)


def test_align_maps_by_id(rng):
    A = rng.normal(size=(30, 2))
    m, al = align_maps(range(30), A, list(reversed(range(30))), 2 * A[::-1])
    np.testing.assert_allclose(al.coords, A, atol=1e-5)
    assert m.dropped_a == 0


def test_compare_maps_aligns_and_scores_trustworthiness(rng, data):
    from embedlens.metrics import trustworthiness

    pca = data[:, :2] * 1.0
    turned = 4 * pca @ _orthogonal(rng, 2)
    noise = rng.normal(size=(200, 2))
    mc = compare_maps(data, {"pca": pca, "turned": turned, "noise": noise}, k=5)
    np.testing.assert_allclose(mc.coords["turned"], pca, atol=1e-4)
    assert mc.trust["pca"] == pytest.approx(mc.trust["turned"])
    assert mc.trust["noise"] == pytest.approx(trustworthiness(data, noise, k=5))
    assert mc.disparity["noise"] > 0.9 and mc.disparity["pca"] == 0
    assert mc.summary()["maps"]["pca"]["disparity"] == 0


def test_map_compare_matches_compare_embeddings():
    import embedlens

    df = pd.DataFrame(
        {
            "id": [f"r{i}" for i in range(60)],
            "text": [f"{w} {i % 7} news about {w}" for i, w in
                     enumerate(["stocks", "football", "rockets"] * 20)],
            "topic": ["markets", "sport", "space"] * 20,
        }
    )
    a = embedlens.explore(df, model="tfidf-svd", method="pca", k=3, workspace=False)
    b = embedlens.explore(df.iloc[::-1], model="tfidf-char", method="pca", k=3, workspace=False)
    c = a.compare(b, label_column="topic", k=5)
    ref = compare_embeddings(
        a.dataset.ids, a.embedding.vectors, b.dataset.ids, b.embedding.vectors, k=5,
        labels=df["topic"].to_numpy(dtype=object),
    )  # fmt: skip
    assert c.n_rows == 60 and c.summary()["overlap_at_k"] == ref.summary()["overlap_at_k"]
    assert c.summary()["knn_accuracy_b"] == ref.summary()["knn_accuracy_b"]
    with pytest.raises(InvalidParameterError, match="label_column"):
        a.compare(b, label_column="nope")
