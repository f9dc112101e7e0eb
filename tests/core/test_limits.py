"""Server limits: one place to set them, refused early with a message, long texts cut."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from embedlens import limits as limits_module
from embedlens.embedders import embed_texts
from embedlens.errors import DataError, InvalidParameterError
from embedlens.io import load_table
from embedlens.limits import Limits, header_columns, limits, reload


@pytest.fixture(autouse=True)
def fresh_limits(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # no .streamlit/embedlens.toml of the checkout
    for var in limits_module._ENV.values():
        monkeypatch.delenv(var, raising=False)
    monkeypatch.delenv("EMBEDLENS_CONFIG", raising=False)
    reload()
    yield
    monkeypatch.undo()
    reload()


def test_defaults_env_and_toml_file(monkeypatch, tmp_path):
    assert limits() == Limits()
    cfg = tmp_path / "embedlens.toml"
    cfg.write_text(
        "[embedlens]\nmax_upload_mb = 50\nmax_columns = 300\n"
        'allowed_models = ["all-MiniLM-L6-v2"]\n'
    )
    monkeypatch.setenv("EMBEDLENS_CONFIG", str(cfg))
    monkeypatch.setenv("EMBEDLENS_MAX_COLUMNS", "200")  # the environment wins over the file
    lim = reload()
    assert (lim.max_file_mb, lim.max_columns) == (50.0, 200)
    assert lim.allowed_models == ("all-MiniLM-L6-v2",)
    monkeypatch.setenv("EMBEDLENS_MAX_ROWS", "lots")
    with pytest.raises(InvalidParameterError, match="max_rows must be a positive number"):
        reload()


def test_a_wide_csv_is_refused_on_its_header_line(monkeypatch):
    header = ",".join(f"c{i}" for i in range(200_000)).encode()
    assert header_columns(header + b"\n1,2\n") == 200_000
    with pytest.raises(DataError, match="about 200,000 columns; this server accepts up to 10,000"):
        load_table(header + b"\n" + b"1," * 199_999 + b"1\n", name="wide.csv")
    monkeypatch.setenv("EMBEDLENS_MAX_COLUMNS", "2")
    reload()
    with pytest.raises(DataError, match="about 3 columns"):
        load_table(b"a,b,c\n1,2,3\n", name="t.csv")


def test_file_size_rows_and_parquet_metadata_are_checked_before_parsing(monkeypatch):
    buf = io.BytesIO()
    pd.DataFrame({"text": [f"row {i} " * 50 for i in range(2000)]}).to_parquet(buf)
    data = buf.getvalue()
    monkeypatch.setenv("EMBEDLENS_MAX_DECOMPRESSED_MB", "0.05")
    reload()
    with pytest.raises(DataError, match="once decompressed; this server accepts up to"):
        load_table(data, name="bomb.parquet")
    monkeypatch.setenv("EMBEDLENS_MAX_DECOMPRESSED_MB", "8192")
    monkeypatch.setenv("EMBEDLENS_MAX_ROWS", "100")
    reload()
    with pytest.raises(DataError, match="has 2,000 rows; this server accepts up to 100"):
        load_table(data, name="rows.parquet")
    with pytest.raises(DataError, match="has 101 rows"):
        load_table(b"text\n" + b"hello there\n" * 101, name="rows.csv")
    monkeypatch.setenv("EMBEDLENS_MAX_UPLOAD_MB", "0.001")
    reload()
    with pytest.raises(DataError, match="accepts files up to"):
        load_table(b"text\n" + b"x" * 2000 + b"\n", name="big.csv")


class _Recorder:
    """A per-text embedder with a 4-token window that records what it was given."""

    model_key = "recorder"
    per_text = True
    max_tokens = 4

    def __init__(self) -> None:
        self.seen: list[str] = []

    def embed(self, texts, *, batch_size=32):
        self.seen += list(texts)
        return np.ones((len(texts), 3), dtype=np.float32)

    def count_truncated(self, texts):
        return sum(len(t.split()) > self.max_tokens for t in texts)


def test_long_texts_are_cut_to_what_the_model_reads_and_counted():
    model = _Recorder()
    huge = "北京" * 1_000_000  # 2 million characters, never tokenised whole
    result = embed_texts([huge, "one two three four five six", "short"], embedder=model)
    assert max(len(t) for t in model.seen) == 4 * 8  # max_tokens x 8 characters
    assert result.truncated == 2 and result.summary()["truncated"] == 2
    assert result.vectors.shape == (3, 3)


def test_model_allow_list_accepts_names_and_folders(tmp_path):
    folder = tmp_path / "my-model"
    folder.mkdir()
    lim = Limits(allowed_models=("sentence-transformers/all-MiniLM-L6-v2", str(folder)))
    lim.check_model("all-MiniLM-L6-v2")
    lim.check_model(str(folder))
    lim.check_model("auto")
    with pytest.raises(InvalidParameterError, match="'BAAI/bge-m3' is not allowed"):
        lim.check_model("BAAI/bge-m3")
    Limits().check_model("anything")  # no allow-list: every local model


def test_models_load_offline_unless_downloads_are_allowed(monkeypatch):
    for var in limits_module.OFFLINE_ENV:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("EMBEDLENS_ALLOW_DOWNLOADS", "1")
    reload()
    assert limits_module.apply_offline() is False
    assert "HF_HUB_OFFLINE" not in __import__("os").environ
    monkeypatch.delenv("EMBEDLENS_ALLOW_DOWNLOADS")
    reload()
    assert limits_module.apply_offline() is True
    assert __import__("os").environ["HF_HUB_OFFLINE"] == "1"


def test_an_unknown_model_fails_at_once_offline(monkeypatch):
    pytest.importorskip("sentence_transformers")
    with pytest.raises(DataError, match="not on this machine .* loaded offline"):
        embed_texts(["a", "b"], backend="sentence-transformers", model="no-such/model-xyz")


def test_a_zip_that_would_decompress_past_the_limit_is_refused(monkeypatch, tmp_path):
    import zipfile

    from embedlens.io.images import load_images

    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a.png", b"\0" * 3_000_000)  # 3 MB of zeros: a few kB compressed
    monkeypatch.setenv("EMBEDLENS_MAX_DECOMPRESSED_MB", "1")
    reload()
    with pytest.raises(DataError, match="bomb.zip would take 3 MB once decompressed"):
        load_images(path)
