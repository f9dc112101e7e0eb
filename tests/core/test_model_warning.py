"""An English-only model chosen explicitly for Chinese text is warned about: CLI and API.

The English model is a tiny randomly initialised BERT whose vocabulary has no Chinese (built
here, offline); the warning names better models and how to use them without a download.
"""

from __future__ import annotations

import json
import warnings

import pandas as pd
import pytest

import embedlens
from embedlens.cli import main
from embedlens.errors import ModelLanguageWarning
from tests.core.test_auto_model import ENV_VARS, ZH, _tiny_model

ZH_ROWS = ZH * 3  # 18 titles


@pytest.fixture
def bare_machine(tmp_path, monkeypatch):
    for var in ENV_VARS:
        monkeypatch.delenv(var, raising=False)
    (tmp_path / "home").mkdir()
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


@pytest.fixture(scope="module")
def tiny_en(tmp_path_factory):
    return _tiny_model(tmp_path_factory.mktemp("tiny") / "english-encoder", chinese=False)


def _needles(text: str) -> None:
    for needle in ("BAAI/bge-small-zh-v1.5", "paraphrase-multilingual-MiniLM-L12-v2"):
        assert needle in text
    assert "huggingface/hub" in text and "EMBEDLENS_MODEL_DIRS" in text


def test_cli_embed_warns_on_stderr_even_when_quiet_and_in_the_json(
    bare_machine, tiny_en, tmp_path, capsys
):
    data = tmp_path / "zh.csv"
    pd.DataFrame({"标题": ZH_ROWS}).to_csv(data, index=False)
    out = tmp_path / "out.parquet"
    argv = ["--quiet", "embed", str(data), "--model", str(tiny_en), "-o", str(out)]
    assert main(argv) == 0
    captured = capsys.readouterr()
    summary = json.loads(captured.out.strip().splitlines()[-1])
    warned = [line for line in captured.err.splitlines() if line.startswith("warning: ")]
    assert len(warned) == 1 and "embed:" not in captured.err  # quiet, yet warned once
    _needles(warned[0])
    assert summary["model_warning"] in captured.err and summary["model"] == str(tiny_en)


def test_cli_embed_of_english_text_has_no_warning(bare_machine, tiny_en, tmp_path, capsys):
    data = tmp_path / "en.csv"
    pd.DataFrame({"text": ["Shares fell as the bank raised rates."] * 4}).to_csv(data)
    assert (
        main(["embed", str(data), "--model", str(tiny_en), "-o", str(tmp_path / "o.parquet")]) == 0
    )
    captured = capsys.readouterr()
    assert "warning:" not in captured.err
    assert json.loads(captured.out.strip().splitlines()[-1])["model_warning"] == ""


def test_api_explore_warns_with_a_model_language_warning(bare_machine, tiny_en):
    frame = pd.DataFrame({"text": ZH_ROWS})
    with pytest.warns(ModelLanguageWarning) as caught:
        m = embedlens.explore(frame, model=str(tiny_en), method="pca", k=2, workspace=False)
    _needles(str(caught[0].message))
    assert m.embedding.provenance.model == str(tiny_en)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ModelLanguageWarning)  # auto picks tfidf-char: silent
        embedlens.explore(frame, method="pca", k=2, workspace=False)
