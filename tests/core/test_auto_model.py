"""``model="auto"``: language detection, offline model discovery and the choice it makes."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from embedlens.embedders import EMBEDDERS, embed_texts
from embedlens.embedders.auto import ModelChoice, choose_model, detect_language
from embedlens.embedders.local_models import find_local_models, local_model_path
from embedlens.errors import InvalidParameterError
from embedlens.store import EmbeddingCache

ZH = [
    "央行宣布下调存款准备金率",
    "股市今日大幅上涨，银行股领涨",
    "房价连续三个月下跌",
    "国足客场战平对手",
    "新款手机发布会定于下周举行",
    "高考报名人数再创新高",
]
ZH_TRADITIONAL = ["臺灣的電腦與資訊產業發展", "這個週末將舉辦籃球聯賽", "銀行調整貸款利率"]
JA = ["東京で新しい会議が開かれました", "これは日本語のテストです", "株価が大きく上がった"]
KO = ["서울에서 회의가 열렸습니다", "주식 시장이 크게 올랐다", "새로운 휴대폰이 출시되었다"]
EN = ["The striker scored twice in the final.", "Shares fell as the bank raised rates."]
FR = ["Le chat est sur la table et le chien dans la maison.", "Les prix sont en hausse."]

ENV_VARS = (
    "HF_HUB_CACHE",
    "HUGGINGFACE_HUB_CACHE",
    "HF_HOME",
    "XDG_CACHE_HOME",
    "TRANSFORMERS_CACHE",
    "SENTENCE_TRANSFORMERS_HOME",
    "EMBEDLENS_MODEL_DIRS",
)


@pytest.fixture
def no_models(tmp_path, monkeypatch) -> Path:
    """A machine with no model caches at all (HOME points at an empty folder)."""
    for var in ENV_VARS:
        monkeypatch.delenv(var, raising=False)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    return home


def _vocab(chinese: bool) -> list[str]:
    special = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    words = "the of and to in is for on that with bank rates shares final".split()
    words += ["w" + chr(97 + i // 26) + chr(97 + i % 26) for i in range(676)]
    words += ["x" + chr(97 + i // 26) + chr(97 + i % 26) for i in range(676)]  # 1,000+ Latin
    han = [chr(c) for c in range(0x4E00, 0x4E00 + 2500)] if chinese else ["中", "国"]
    return special + words + han


def _tiny_model(folder: Path, *, chinese: bool = True) -> Path:
    """A randomly initialised 1-layer BERT sentence-transformers model saved in ``folder``."""
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Pooling, Transformer
    from transformers import BertConfig, BertModel, BertTokenizerFast

    work = folder.parent / f"{folder.name}-hf"
    work.mkdir(parents=True)
    tokenizer = BertTokenizerFast(vocab={t: i for i, t in enumerate(_vocab(chinese))})
    config = BertConfig(
        vocab_size=len(_vocab(chinese)),
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=64,
    )
    BertModel(config).save_pretrained(work)
    tokenizer.save_pretrained(work)
    transformer = Transformer(str(work), max_seq_length=32)
    pooling = Pooling(transformer.get_embedding_dimension(), pooling_mode="mean")
    SentenceTransformer(modules=[transformer, pooling], device="cpu").save(str(folder))
    shutil.rmtree(work)
    return folder


@pytest.fixture(scope="module")
def tiny_zh_model(tmp_path_factory) -> Path:
    return _tiny_model(tmp_path_factory.mktemp("tiny") / "zh-model", chinese=True)


@pytest.fixture(scope="module")
def tiny_en_model(tmp_path_factory) -> Path:
    return _tiny_model(tmp_path_factory.mktemp("tiny") / "en-model", chinese=False)


def _hub_cache(root: Path, repo_id: str, model: Path) -> Path:
    """Lay ``model`` out as the Hugging Face hub cache stores ``repo_id`` (refs + snapshot)."""
    repo = root / ("models--" + repo_id.replace("/", "--"))
    snapshot = repo / "snapshots" / "0123456789abcdef"
    shutil.copytree(model, snapshot)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("0123456789abcdef", encoding="utf-8")
    return snapshot


@pytest.mark.parametrize(
    ("texts", "language"),
    [(ZH, "zh"), (ZH_TRADITIONAL, "zh"), (JA, "ja"), (KO, "ko"), (EN, "en"), (FR, "fr")],
)
def test_detect_language_by_script(texts, language):
    assert detect_language(texts).language == language


def test_traditional_chinese_is_noticed_and_simplified_is_not():
    assert detect_language(ZH_TRADITIONAL).traditional
    assert not detect_language(ZH).traditional
    assert "Traditional" in detect_language(ZH_TRADITIONAL).describe()


def test_half_chinese_half_english_rows_are_mixed():
    assert detect_language(ZH[:3] + EN + ["Investors sold bonds."]).language == "mixed"


def test_no_letters_is_unknown():
    assert detect_language(["123", "4.5", ""]).language == "unknown"


def test_chinese_without_a_model_gets_the_character_baseline(no_models):
    choice = choose_model(ZH)
    assert isinstance(choice, ModelChoice)
    assert (choice.backend, choice.model, choice.language) == ("tfidf-char", "", "zh")
    assert "0.76" in choice.reason and not choice.warning
    assert choose_model(JA).backend == choose_model(KO).backend == "tfidf-char"


def test_english_keeps_the_packaged_model(no_models):
    choice = choose_model(EN)
    assert (choice.backend, choice.model, choice.language) == (
        "sentence-transformers",
        "all-MiniLM-L6-v2",
        "en",
    )


def test_a_chinese_model_in_the_hf_cache_is_found_chosen_and_loaded_offline(
    no_models, tiny_zh_model, tmp_path, monkeypatch
):
    cache = tmp_path / "hub"
    snapshot = _hub_cache(cache, "BAAI/bge-small-zh-v1.5", tiny_zh_model)
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    found = {m.name: m for m in find_local_models()}
    assert found["BAAI/bge-small-zh-v1.5"].path == str(snapshot)
    assert local_model_path("bge-small-zh-v1.5") == str(snapshot)

    choice = choose_model(ZH)
    assert (choice.backend, choice.model) == ("sentence-transformers", "BAAI/bge-small-zh-v1.5")
    assert "Hugging Face cache" in choice.reason
    # English text still gets the English default even with a Chinese model around.
    assert choose_model(EN).model == "all-MiniLM-L6-v2"

    store = EmbeddingCache(tmp_path / "cache")
    result = embed_texts(
        ZH, backend=choice.backend, model=choice.model, precision="float32", cache=store
    )
    assert result.vectors.shape == (len(ZH), 16)
    assert result.model_key == "sentence-transformers:BAAI/bge-small-zh-v1.5"
    again = embed_texts(
        ZH, backend=choice.backend, model="bge-small-zh-v1.5", precision="float32", cache=store
    )
    assert again.cached == len(ZH)  # the short name is the same model, the same key


def test_an_unknown_local_folder_is_judged_by_its_vocabulary(
    no_models, tiny_zh_model, tiny_en_model, tmp_path, monkeypatch
):
    models = tmp_path / "models"
    models.mkdir()
    shutil.copytree(tiny_zh_model, models / "our-news-encoder")
    shutil.copytree(tiny_en_model, models / "english-encoder")
    monkeypatch.setenv("EMBEDLENS_MODEL_DIRS", str(models))
    found = {Path(m.name).name: m for m in find_local_models() if m.source != "bundled"}
    assert found["our-news-encoder"].languages == {"zh", "en"}
    assert found["english-encoder"].languages == {"en"}
    assert "vocabulary" in found["our-news-encoder"].note

    choice = choose_model(ZH)
    assert choice.model == str(models / "our-news-encoder")
    # An explicitly chosen English-only folder on Chinese text is warned about.
    warned = choose_model(ZH, "sentence-transformers", str(models / "english-encoder"))
    assert warned.warning and "our-news-encoder" in warned.warning


def test_explicit_english_model_on_chinese_warns_with_offline_instructions(no_models):
    choice = choose_model(ZH, model="all-MiniLM-L6-v2")
    assert (choice.backend, choice.model) == ("sentence-transformers", "all-MiniLM-L6-v2")
    for needle in ("BAAI/bge-small-zh-v1.5", "paraphrase-multilingual-MiniLM-L12-v2", "--model"):
        assert needle in choice.warning
    assert "huggingface/hub" in choice.warning
    assert not choose_model(EN, model="all-MiniLM-L6-v2").warning


def test_explicit_backends_and_bad_names(no_models):
    assert choose_model(ZH, "tfidf-svd").backend == "tfidf-svd"
    assert choose_model(ZH, model="tfidf-char").backend == "tfidf-char"
    with pytest.raises(InvalidParameterError, match="'backend' parameter of choose_model.*'auto'"):
        choose_model(ZH, "nope")
    with pytest.raises(InvalidParameterError, match="'model' parameter of backend 'tfidf-svd'"):
        choose_model(ZH, "tfidf-svd", "bge-m3")


def test_tfidf_char_is_registered_unit_and_cached_per_corpus(tmp_path):
    assert EMBEDDERS.available()["tfidf-char"] is None
    store = EmbeddingCache(tmp_path / "cache")
    texts = ZH * 3
    first = embed_texts(texts, backend="tfidf-char", cache=store)
    assert first.vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(first.vectors, axis=1), 1.0, atol=1e-5)
    assert first.model_key.startswith("tfidf-char:v1:") and "|corpus=" in first.model_key
    again = embed_texts(texts, backend="tfidf-char", cache=store)
    assert again.embedded == 0
    other = embed_texts(ZH[:4], backend="tfidf-char", cache=store)
    assert other.embedded == 4 and other.model_key != first.model_key
