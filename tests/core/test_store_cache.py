"""The content-addressed embedding cache."""

from __future__ import annotations

import hashlib
import math

import numpy as np
import pytest

from embedlens.errors import DataError, InvalidParameterError
from embedlens.store import EmbeddingCache, Workspace, model_key, text_key


@pytest.fixture
def cache(tmp_path) -> EmbeddingCache:
    return EmbeddingCache(tmp_path / "embeddings.sqlite")


def test_get_returns_found_vectors_in_input_order(cache, rng):
    key = model_key("sentence-transformers", "all-MiniLM-L6-v2")
    texts = ["alpha", "beta", "gamma", "δέλτα 🙂"]
    vectors = rng.random((4, 3), dtype=np.float32)
    cache.put_many(key, texts, vectors)
    query = ["gamma", "unknown", "alpha", "gamma", "δέλτα 🙂"]
    got, found = cache.get_many(key, query)
    assert found.tolist() == [True, False, True, True, True]
    np.testing.assert_array_equal(got, vectors[[2, 0, 2, 3]])
    assert got.dtype == np.float32 and got.flags.c_contiguous and got.flags.writeable
    assert cache.count(key) == 4 and cache.count() == 4


def test_nothing_found_gives_none_and_empty_input_works(cache):
    key = model_key("tfidf-svd", "default")
    got, found = cache.get_many(key, ["x", "y"])
    assert got is None and found.tolist() == [False, False]
    got, found = cache.get_many(key, [])
    assert got is None and found.shape == (0,)
    cache.put_many(key, [], np.zeros((0, 3), dtype=np.float32))
    assert cache.count() == 0


def test_keys_change_with_one_character_and_with_the_model(cache, rng):
    assert text_key("hello") != text_key("hellp") and len(text_key("hello")) == 32
    assert text_key("é") == hashlib.sha256("é".encode()).digest()
    assert text_key("\u00e9") != text_key("e\u0301")  # no unicode normalisation: exact text
    a = model_key("sentence-transformers", "all-MiniLM-L6-v2", normalize=True, dim=384)
    assert a == model_key("sentence-transformers", "all-MiniLM-L6-v2", dim=384, normalize=True)
    others = {
        model_key("sentence-transformers", "all-MiniLM-L6-v2", normalize=False, dim=384),
        model_key("sentence-transformers", "all-mpnet-base-v2", normalize=True, dim=384),
        model_key("tfidf-svd", "all-MiniLM-L6-v2", normalize=True, dim=384),
    }
    assert a not in others and len(others) == 3
    cache.put_many(a, ["hello"], rng.random((1, 4), dtype=np.float32))
    assert cache.get_many(a, ["hello", "hellp", "Hello", "hello "])[1].tolist() == [
        True,
        False,
        False,
        False,
    ]
    for other in others:
        assert not cache.get_many(other, ["hello"])[1].any()


def test_put_is_insert_or_ignore_and_persists_across_handles(tmp_path, rng):
    path = tmp_path / "embeddings.sqlite"
    key = model_key("b", "m")
    first = rng.random((2, 3), dtype=np.float32)
    EmbeddingCache(path).put_many(key, ["a", "b"], first)
    EmbeddingCache(path).put_many(key, ["b", "c"], rng.random((2, 3), dtype=np.float32))
    reopened = EmbeddingCache(path)
    got, found = reopened.get_many(key, ["a", "b", "c"])
    assert found.all() and reopened.count(key) == 3
    np.testing.assert_array_equal(got[:2], first)  # "b" kept its first vector


def test_put_validates_vectors_and_dimension(cache):
    key = model_key("b", "m")
    with pytest.raises(DataError, match="vectors to cache has 1 rows but the table has 2"):
        cache.put_many(key, ["a", "b"], np.zeros((1, 3), dtype=np.float32))
    with pytest.raises(DataError, match="NaN or infinite"):
        cache.put_many(key, ["a"], np.array([[np.nan, 1.0]]))
    cache.put_many(key, ["a"], np.zeros((1, 3)))
    with pytest.raises(InvalidParameterError, match="already holds 3-dimensional vectors"):
        cache.put_many(key, ["b"], np.zeros((1, 4)))
    assert cache.count() == 1


def test_clear_one_model_or_all(cache, rng):
    k1, k2 = model_key("b", "m1"), model_key("b", "m2")
    cache.put_many(k1, ["a", "b"], rng.random((2, 2)))
    cache.put_many(k2, ["a"], rng.random((1, 5)))
    assert cache.model_keys() == {k1: 2, k2: 1}
    cache.clear(k1)
    assert cache.count(k1) == 0 and cache.count(k2) == 1
    cache.clear()
    assert cache.count() == 0


def test_workspace_cache_lives_in_the_workspace(tmp_path, rng):
    ws = Workspace(tmp_path / "ws")
    ws.embedding_cache().put_many(model_key("b", "m"), ["x"], rng.random((1, 2)))
    assert (tmp_path / "ws" / "embeddings.sqlite").exists()
    assert ws.embedding_cache().count() == 1 and ws.check() == []


def test_hundred_thousand_keys(cache, rng):
    key = model_key("sentence-transformers", "all-MiniLM-L6-v2")
    texts = [f"text number {i}" for i in range(100_000)]
    vectors = rng.random((100_000, 8), dtype=np.float32)
    statements: list[str] = []
    cache._db.connection().set_trace_callback(statements.append)
    cache.put_many(key, texts[::2], vectors[::2])
    assert sum(s.startswith("BEGIN") for s in statements) == 1  # 50,000 rows, one transaction
    statements.clear()
    got, found = cache.get_many(key, texts)
    cache._db.connection().set_trace_callback(None)
    assert found.sum() == 50_000 and found[::2].all() and not found[1::2].any()
    np.testing.assert_array_equal(got, vectors[::2])
    # Looked up in batches of hundreds of keys, never one query per text (timings: benchmarks/
    # bench_unit_timings.py).
    selects = sum(s.startswith("SELECT") for s in statements)
    assert 1 <= selects <= math.ceil(100_000 / 500), selects
