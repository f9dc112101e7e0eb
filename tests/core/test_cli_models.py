"""``embedlens models``: local sentence-transformers models with language hints, table or JSON."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from embedlens.cli import main
from tests.core.test_auto_model import ENV_VARS, _hub_cache, _tiny_model


@pytest.fixture
def bare_machine(tmp_path, monkeypatch) -> Path:
    """No model caches (HOME is an empty folder), English output."""
    for var in ENV_VARS:
        monkeypatch.delenv(var, raising=False)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    return home


@pytest.fixture(scope="module")
def tiny_zh(tmp_path_factory) -> Path:
    return _tiny_model(tmp_path_factory.mktemp("tiny") / "zh-model", chinese=True)


def _json(capsys) -> dict:
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def test_a_bare_machine_lists_the_bundled_model_baselines_and_how_to_add_one(bare_machine, capsys):
    assert main(["models", "--json"]) == 0
    summary = _json(capsys)
    assert [m["name"] for m in summary["models"]] == ["all-MiniLM-L6-v2"]
    assert summary["models"][0]["languages"] == ["en"]
    assert [b["backend"] for b in summary["baselines"]] == ["tfidf-char", "tfidf-svd"]
    assert "BAAI/bge-small-zh-v1.5" in summary["hint"] and "huggingface/hub" in summary["hint"]
    assert str(bare_machine / ".cache" / "huggingface" / "hub") in summary["searched"]


def test_models_in_the_hf_cache_and_the_models_dir_are_listed_with_languages(
    bare_machine, tiny_zh, tmp_path, monkeypatch, capsys
):
    cache = tmp_path / "hub"
    snapshot = _hub_cache(cache, "BAAI/bge-small-zh-v1.5", tiny_zh)
    models_dir = tmp_path / "models"
    models_dir.mkdir()
    shutil.copytree(tiny_zh, models_dir / "our-news-encoder")
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    monkeypatch.setenv("EMBEDLENS_MODEL_DIRS", str(models_dir))

    assert main(["models", "--json"]) == 0
    summary = _json(capsys)
    found = {Path(m["name"]).name: m for m in summary["models"]}
    bge = found["bge-small-zh-v1.5"]
    assert bge["name"] == "BAAI/bge-small-zh-v1.5" and bge["path"] == str(snapshot)
    assert bge["languages"] == ["zh"] and bge["reads"] == "Chinese" and bge["known"]
    ours = found["our-news-encoder"]  # unknown name: languages from its vocabulary
    assert ours["languages"] == ["zh", "en"] and ours["source"] == "EMBEDLENS_MODEL_DIRS"
    assert summary["hint"] == "" and str(models_dir) in summary["searched"]

    assert main(["models"]) == 0
    table = capsys.readouterr().out
    assert re.search(r"BAAI/bge-small-zh-v1\.5 +Chinese: Chinese, small \(512-d\), fast", table)
    assert "tfidf-char" in table and not table.lstrip().startswith("{")


def test_the_table_follows_embedlens_lang(bare_machine, capsys):
    from embedlens.i18n import set_language

    set_language("zh-CN")
    try:
        assert main(["models"]) == 0
    finally:
        set_language("en")
    table = capsys.readouterr().out
    assert "embedlens 在本机可用的" in table and "本机没有中文或多语言模型" in table
