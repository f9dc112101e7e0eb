"""Automatic k on real data: AG News (4 topics, all-MiniLM-L6-v2) and THUCNews (10, tfidf-char)."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from embedlens.auto_k import choose_k
from tests.conftest import SHARED_DATASETS

pytestmark = pytest.mark.slow


def _units(X: np.ndarray) -> np.ndarray:
    X = np.asarray(X, dtype=np.float32)
    return X / np.linalg.norm(X, axis=1, keepdims=True)


def test_ag_news_lands_near_its_four_topics(ag_embedded):
    out, _, _ = ag_embedded
    X = _units(np.stack(pd.read_parquet(out)["embedding"].to_numpy()))
    started = time.perf_counter()
    choice = choose_k(X, range(2, 16))
    seconds = time.perf_counter() - started
    print(f"AG News: k={choice.k} ({choice.confidence}, stability {choice.stability:.2f}) "
          f"in {seconds:.1f} s")  # fmt: skip
    assert 3 <= choice.k <= 5, choice
    assert choice.confidence != "unsure"


def test_thucnews_lands_near_its_ten_topics():
    path = SHARED_DATASETS / "chinese_thucnews_titles_test.txt"
    if not path.is_file():
        pytest.skip(f"THUCNews test titles not found at {path}")
    from embedlens.embedders import embed_texts

    titles = pd.read_csv(path, sep="\t", header=None, quoting=3)[0].astype(str).tolist()
    X = _units(embed_texts(titles, backend="tfidf-char").vectors)
    started = time.perf_counter()
    choice = choose_k(X, range(2, 16))
    seconds = time.perf_counter() - started
    print(f"THUCNews: k={choice.k} ({choice.confidence}, stability {choice.stability:.2f}) "
          f"in {seconds:.1f} s")  # fmt: skip
    assert 8 <= choice.k <= 12, choice
