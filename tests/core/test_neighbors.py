from __future__ import annotations

import math

import numpy as np
import pytest

from embedlens import neighbors
from embedlens.errors import DataError, InvalidParameterError
from embedlens.neighbors import (
    METRICS,
    describe_metric,
    filter_threshold,
    neighbor_overlap,
    similarity_matrix,
    top_k,
)

# Five tiny vectors whose scores against [1, 0] are easy to work out by hand.
TINY = np.array([[1, 0], [0, 1], [1, 1], [-1, 0], [2, 0]], dtype=np.float32)
QUERY = np.array([1, 0], dtype=np.float32)


def brute_force(X, Q, k, metric, exclude=None):
    """Reference: float64 scores, full stable sort (ties to the lower row)."""
    X64, Q64 = X.astype(np.float64), Q.astype(np.float64)
    if metric == "cosine":
        Xn = X64 / np.linalg.norm(X64, axis=1, keepdims=True)
        Qn = Q64 / np.linalg.norm(Q64, axis=1, keepdims=True)
        keys = -(Qn @ Xn.T)
    elif metric == "dot":
        keys = -(Q64 @ X64.T)
    else:
        keys = np.sqrt(((Q64[:, None, :] - X64[None, :, :]) ** 2).sum(-1))
    if exclude is not None:
        for qi, row in enumerate(exclude):
            if row >= 0:
                keys[qi, row] = np.inf
    order = np.argsort(keys, axis=1, kind="stable")[:, :k]
    scores = np.take_along_axis(keys, order, axis=1)
    return order, (scores if metric == "euclidean" else -scores)


@pytest.mark.parametrize(
    ("metric", "indices", "scores"),
    [
        ("cosine", [0, 4, 2, 1, 3], [1.0, 1.0, 1 / math.sqrt(2), 0.0, -1.0]),
        ("dot", [4, 0, 2, 1, 3], [2.0, 1.0, 1.0, 0.0, -1.0]),
        ("euclidean", [0, 2, 4, 1, 3], [0.0, 1.0, 1.0, math.sqrt(2), 2.0]),
    ],
)
def test_each_metric_matches_hand_computed_values(metric, indices, scores):
    result = top_k(TINY, QUERY, k=5, metric=metric)
    assert result.metric == metric
    assert result.indices.dtype == np.int64 and result.scores.dtype == np.float32
    assert result.indices.tolist() == [indices]
    np.testing.assert_allclose(result.scores[0], scores, atol=1e-6)


@pytest.mark.parametrize("metric", METRICS)
@pytest.mark.parametrize("chunk_rows", [1, 3, 7, 100])
def test_ties_go_to_the_lower_row_whatever_the_chunking(metric, chunk_rows):
    X = np.tile(np.array([[3, 4, 0]], dtype=np.float32), (20, 1))
    X[[2, 11]] = [0, 0, 5]  # two rows that differ from the 18 identical ones
    result = top_k(X, X[0], k=6, metric=metric, chunk_rows=chunk_rows)
    assert result.indices.tolist() == [[0, 1, 3, 4, 5, 6]]
    assert len(set(result.scores[0].tolist())) == 1


def test_k_larger_than_n_returns_every_row_without_padding():
    result = top_k(TINY, QUERY, k=50, metric="euclidean")
    assert result.indices.shape == (1, 5) and result.scores.shape == (1, 5)
    assert sorted(result.indices[0].tolist()) == [0, 1, 2, 3, 4]


def test_zero_vectors_under_cosine_raise_and_say_how_many():
    X = np.vstack([TINY, np.zeros((3, 2), dtype=np.float32)])
    with pytest.raises(DataError, match=r"3 data rows have zero vectors \(norm 0"):
        top_k(X, QUERY, metric="cosine")
    with pytest.raises(DataError, match="1 query row has a zero vector.*use euclidean"):
        top_k(TINY, np.zeros(2, dtype=np.float32), metric="cosine")
    # euclidean and dot are defined for zero vectors
    assert top_k(X, QUERY, k=8, metric="euclidean").indices.shape == (1, 8)


@pytest.mark.parametrize("metric", METRICS)
def test_chunked_equals_unchunked_equals_numpy(rng, metric, monkeypatch):
    X = rng.normal(size=(100, 8)).astype(np.float32)
    Q = rng.normal(size=(12, 8)).astype(np.float32)
    whole = top_k(X, Q, k=9, metric=metric)
    chunked = top_k(X, Q, k=9, metric=metric, chunk_rows=7)
    # also split the queries into several blocks
    monkeypatch.setattr(neighbors, "_BLOCK_ELEMENTS", 30)
    blocked = top_k(X, Q, k=9, metric=metric, chunk_rows=7)
    ref_idx, ref_scores = brute_force(X, Q, 9, metric)
    for result in (whole, chunked, blocked):
        np.testing.assert_array_equal(result.indices, ref_idx)
        np.testing.assert_allclose(result.scores, ref_scores, rtol=1e-5, atol=1e-5)


def test_exclude_leaves_out_each_querys_own_row(rng):
    X = rng.normal(size=(40, 5)).astype(np.float32)
    exclude = np.arange(40)
    exclude[5] = -1  # query 5 keeps itself
    result = top_k(X, X, k=39, metric="euclidean", exclude=exclude, chunk_rows=9)
    assert result.indices.shape == (40, 39)  # n - 1 once any row is excluded
    for q in range(40):
        assert (q in result.indices[q]) == (q == 5)
    assert result.indices[5, 0] == 5 and result.scores[5, 0] == 0.0
    ref_idx, _ = brute_force(X, X, 39, "euclidean", exclude=exclude)
    np.testing.assert_array_equal(result.indices, ref_idx)


def test_each_point_is_its_own_nearest_neighbour_at_distance_zero(rng):
    X = (rng.normal(size=(50, 16)) * 30).astype(np.float32)
    result = top_k(X, X, k=1, metric="euclidean")
    assert result.indices[:, 0].tolist() == list(range(50))
    assert (result.scores[:, 0] == 0).all()


def test_threshold_filters_per_metric():
    cos = top_k(TINY, QUERY, k=5, metric="cosine", threshold=0.5)
    assert cos.threshold == 0.5 and cos.indices.shape == (1, 5)  # arrays stay rectangular
    assert [i for i, _ in filter_threshold(cos)[0]] == [0, 4, 2]
    assert filter_threshold(cos, 0.99)[0] == [(0, 1.0), (4, 1.0)]
    euc = top_k(TINY, QUERY, k=5, metric="euclidean")
    assert [i for i, _ in filter_threshold(euc, 1.0)[0]] == [0, 2, 4]
    assert len(filter_threshold(euc)[0]) == 5  # no threshold: everything


def test_similarity_matrix_hand_values():
    X = TINY[:3]
    np.testing.assert_allclose(
        similarity_matrix(X, metric="cosine"),
        [
            [1, 0, 1 / math.sqrt(2)],
            [0, 1, 1 / math.sqrt(2)],
            [1 / math.sqrt(2), 1 / math.sqrt(2), 1],
        ],
        atol=1e-6,
    )
    np.testing.assert_allclose(
        similarity_matrix(X, metric="dot"), [[1, 0, 1], [0, 1, 1], [1, 1, 2]]
    )
    np.testing.assert_allclose(
        similarity_matrix(X, metric="euclidean"),
        [[0, math.sqrt(2), 1], [math.sqrt(2), 0, 1], [1, 1, 0]],
        atol=1e-6,
    )


def test_similarity_matrix_refuses_large_selections(rng):
    with pytest.raises(DataError, match="got 201 rows, at most 200"):
        similarity_matrix(rng.normal(size=(201, 3)), metric="dot")


def test_neighbor_overlap_is_one_when_the_map_is_the_space(rng):
    X = rng.normal(size=(30, 2)).astype(np.float32)
    orig, on_map, frac = neighbor_overlap(X, X * 3 + 1, 4, k=5, metric="euclidean")
    assert 4 not in orig and len(orig) == 5
    np.testing.assert_array_equal(orig, on_map)
    assert frac == 1.0
    X8 = rng.normal(size=(30, 8)).astype(np.float32)
    _, _, frac = neighbor_overlap(X8, rng.normal(size=(30, 2)), 0, k=5)
    assert 0.0 <= frac < 1.0


def test_describe_metric_says_the_direction():
    assert "higher" in describe_metric("cosine") and "-1" in describe_metric("cosine")
    assert "higher" in describe_metric("dot")
    assert "lower" in describe_metric("euclidean")
    with pytest.raises(InvalidParameterError, match="'metric' parameter of describe_metric"):
        describe_metric("manhattan")


def test_parameter_and_shape_errors(rng):
    X = rng.normal(size=(10, 4)).astype(np.float32)
    with pytest.raises(InvalidParameterError, match="'k' parameter of top_k"):
        top_k(X, X[0], k=0)
    with pytest.raises(InvalidParameterError, match="'metric' parameter of top_k"):
        top_k(X, X[0], metric="l1")
    with pytest.raises(DataError, match="query vectors have 3 dimensions but the data has 4"):
        top_k(X, X[0, :3])
    with pytest.raises(InvalidParameterError, match="'exclude' parameter of top_k"):
        top_k(X, X[:2], exclude=[0])
    X[3, 1] = np.nan
    with pytest.raises(DataError, match=r"NaN or infinite values in 1 row\(s\) \(row index 3\)"):
        top_k(X, X[0])
