"""AppTest: an English-only model chosen for Chinese text gets a visible warning (map, compare).

The English model on the map page is a tiny randomly initialised BERT with no Chinese in its
vocabulary (built here, offline); the compare page's default all-MiniLM-L6-v2 is known to be
English-only, so it is judged without loading it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from embedlens.dataset import Dataset
from tests.core.test_auto_model import ZH, _tiny_model

APP = Path(__file__).resolve().parents[2] / "app.py"


@pytest.fixture(scope="module")
def tiny_en(tmp_path_factory) -> Path:
    return _tiny_model(tmp_path_factory.mktemp("tiny") / "english-encoder", chinese=False)


def _chinese(vectors: bool) -> Dataset:
    frame = pd.DataFrame({"id": [f"r{i}" for i in range(30)], "标题": ZH * 5})
    X = np.random.default_rng(0).normal(size=(30, 8)).astype(np.float32) if vectors else None
    return Dataset(
        name="zh",
        frame=frame,
        ids=frame["id"].to_numpy(),
        text_column="标题",
        vector_column="embedding" if vectors else None,
        vectors=X,
    )


def _warnings(at: AppTest) -> str:
    return " ".join(w.value for w in at.warning)


def test_map_page_warns_about_an_english_model_on_chinese_text(tiny_en, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    at = AppTest.from_file(str(APP), default_timeout=180)
    at.session_state["data.dataset"] = _chinese(vectors=False)
    at.session_state["data.dataset_id"] = None
    at.session_state["map.method"] = "pca"
    at.session_state["map.backend"] = "sentence-transformers"
    at.session_state["map.model"] = str(tiny_en)
    at.run()
    assert not at.exception
    shown = _warnings(at)
    assert "was trained on English" in shown
    assert "BAAI/bge-small-zh-v1.5" in shown and "EMBEDLENS_MODEL_DIRS" in shown


def test_compare_page_warns_before_comparing_with_the_english_default():
    at = AppTest.from_file(str(APP), default_timeout=180)
    at.session_state["data.dataset"] = _chinese(vectors=True)
    at.session_state["data.dataset_id"] = None
    at.session_state["map.method"] = "pca"
    at.run()
    assert not at.exception
    at.session_state["compare.source"] = "backend:sentence-transformers"
    at.switch_page("app_pages/compare.py").run()
    assert not at.exception
    shown = _warnings(at)
    assert "all-MiniLM-L6-v2 was trained on English" in shown
    assert "paraphrase-multilingual-MiniLM-L12-v2" in shown
