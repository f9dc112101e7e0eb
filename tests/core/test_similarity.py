"""Similarity lab: cosine, dot, euclidean and spherized neighbours against numpy references."""

from __future__ import annotations

import numpy as np
import pytest

from embedlens.errors import DataError
from embedlens.similarity import LAB_METHODS, similarity_lab, spherize


@pytest.fixture
def X(rng):
    base = rng.normal(size=(80, 6)).astype(np.float32) + 4.0  # a shared direction
    return base * rng.uniform(0.2, 3.0, size=(80, 1)).astype(np.float32)  # varied lengths


def _reference(X, q, method, exclude, k):
    X64, q64 = X.astype(np.float64), q.astype(np.float64)
    if method == "spherized":
        mu = X64.mean(axis=0)
        X64, q64 = X64 - mu, q64 - mu
        method = "cosine"
    if method == "cosine":
        s = X64 @ q64 / np.linalg.norm(X64, axis=1) / np.linalg.norm(q64)
    elif method == "dot":
        s = X64 @ q64
    else:
        s = -np.linalg.norm(X64 - q64, axis=1)
    s[exclude] = -np.inf
    return np.argsort(-s, kind="stable")[:k]


@pytest.mark.parametrize("method", LAB_METHODS)
def test_each_list_matches_numpy(X, method):
    lab = similarity_lab(X, row=3, k=8)
    np.testing.assert_array_equal(lab.lists[method].rows, _reference(X, X[3], method, 3, 8))
    np.testing.assert_allclose(
        lab.lists[method].norms, np.linalg.norm(X[lab.lists[method].rows], axis=1), rtol=1e-5
    )


def test_dot_prefers_long_vectors_and_lists_differ(X):
    lab = similarity_lab(X, row=0, k=10)
    assert lab.lists["dot"].norms.mean() > lab.lists["cosine"].norms.mean()
    assert lab.lists["cosine"].shared_with_cosine == 10
    assert not lab.equal_length and lab.mean_norm > 0.8
    entered, left = lab.entered("dot"), lab.left("dot")
    assert len(entered) == len(left) == 10 - lab.lists["dot"].shared_with_cosine


def test_unit_vectors_rank_the_same_under_cosine_dot_euclidean(X):
    U = X / np.linalg.norm(X, axis=1, keepdims=True)
    lab = similarity_lab(U, query=U[5] * 1.0, k=10)
    assert lab.equal_length
    rounded = similarity_lab(U * (1 + 0.004 * np.sign(U[:, :1])), row=5, k=10)  # bfloat16-ish
    assert rounded.equal_length
    for m in ("dot", "euclidean"):
        np.testing.assert_array_equal(lab.lists[m].rows, lab.lists["cosine"].rows)


def test_spherize_centres_and_normalises(X):
    S = spherize(X)
    np.testing.assert_allclose(np.linalg.norm(S, axis=1), 1, rtol=1e-5)
    assert np.abs(spherize(X - X.mean(axis=0)) - S).max() < 1e-4


def test_bad_queries(X):
    with pytest.raises(DataError, match="exactly one"):
        similarity_lab(X, k=3)
    with pytest.raises(DataError, match="dimensions"):
        similarity_lab(X, query=np.ones(4), k=3)
