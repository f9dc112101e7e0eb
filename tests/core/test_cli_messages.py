"""CLI/embedding messages say what really happens."""

from __future__ import annotations

import logging

import pytest

from embedlens.embedders import embed_texts

TEXTS = ["stocks fall sharply", "football match tonight", "election results", "rain tomorrow"]


def test_tfidf_backend_does_not_name_a_sentence_transformers_model():
    msgs: list[str] = []
    embed_texts(TEXTS, backend="tfidf-svd", model="all-MiniLM-L6-v2",
                on_progress=lambda f, m: msgs.append(m))  # fmt: skip
    loading = [m for m in msgs if m.startswith("Loading")]
    assert loading and not any("MiniLM" in m for m in loading)


def test_counting_long_texts_gives_no_indexing_warning(caplog, capfd):
    from embedlens.embedders import EMBEDDERS

    if EMBEDDERS.unavailable_reason("sentence-transformers") is not None:
        pytest.skip("sentence-transformers model not available")
    from embedlens.embedders.sentence_transformers import make_sentence_transformer

    model = make_sentence_transformer(device="cpu", precision="float32")
    with caplog.at_level(logging.WARNING):
        assert model.count_truncated(["word " * 2000, "short"]) == 1
    assert not any("indexing errors" in r.getMessage() for r in caplog.records)
    assert "indexing errors" not in capfd.readouterr().err  # transformers logs to stderr
