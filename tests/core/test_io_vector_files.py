"""Vector files reach a dataset with no flags: word vectors, Projector files, headerless tables."""

from __future__ import annotations

import json

import numpy as np
import pytest

from embedlens.errors import DataError
from embedlens.io import load_table
from embedlens.io.bundle import load_files
from embedlens.io.sniff import first_row_is_numbers, word_vector_layout


def _projector_tsv(X: np.ndarray) -> bytes:
    # TensorFlow's own writer: tab-separated, repr floats (often scientific notation)
    return "".join("\t".join(f"{v:.6e}" for v in row) + "\n" for row in X).encode()


@pytest.fixture
def X(rng) -> np.ndarray:
    return rng.normal(size=(40, 768)).astype(np.float32)


def test_projector_vectors_tsv_alone_reads_every_row_no_flags(tmp_path, X):
    path = tmp_path / "vectors.tsv"
    path.write_bytes(_projector_tsv(X))
    ds = load_table(path)
    assert ds.vectors.shape == (40, 768)  # the first row is data, not 768 column names
    np.testing.assert_allclose(ds.vectors, X, rtol=1e-5)
    # the CLI asks for a column named "embedding" by default: a numeric table satisfies it
    ds = load_table(path, vector_column="embedding", text_column=None)
    assert ds.vectors.shape == (40, 768)


@pytest.mark.parametrize("end", ["\t\n", "\t\r\n", "\r\n"])
def test_projector_vectors_tsv_line_endings_and_trailing_tabs(tmp_path, X, end):
    # hand-written exporters often end each line with a tab, or with CRLF
    text = "".join("\t".join(f"{v:.3e}" for v in row) + end for row in X[:, :16])
    path = tmp_path / "vectors.tsv"
    path.write_bytes(text.encode())
    ds = load_table(path)
    assert ds.vectors.shape == (40, 16)
    np.testing.assert_allclose(ds.vectors, X[:, :16], rtol=1e-3)


def test_projector_vectors_tsv_with_sibling_metadata(tmp_path, X):
    (tmp_path / "vectors.tsv").write_bytes(_projector_tsv(X))
    words = [f"词{i}" for i in range(40)]
    (tmp_path / "metadata.tsv").write_text("\n".join(words) + "\n", encoding="utf-8")
    ds = load_table(tmp_path / "vectors.tsv")
    assert ds.vectors.shape == (40, 768)
    assert ds.frame["label"].tolist() == words  # one column: no header (Projector's rule)
    assert any("metadata.tsv" in n for n in ds.report.notes)


def test_projector_pair_uploaded_together_many_metadata_columns(X):
    meta = "word\ttopic\n" + "".join(f"w{i}\t{'ab'[i % 2]}\n" for i in range(40))
    files = [("metadata.tsv", meta.encode()), ("vectors.tsv", _projector_tsv(X))]
    ds = load_files(files)
    assert ds.vectors.shape == (40, 768)
    assert list(ds.frame.columns) == ["word", "topic"]
    assert ds.label_column == "topic"


def test_projector_bytes_with_config_and_metadata(rng):
    X = rng.normal(size=(12, 5)).astype("<f4")
    config = {
        "embeddings": [
            {
                "tensorName": "toy",
                "tensorShape": [12, 5],
                "tensorPath": "oss_data/toy_tensors.bytes",
                "metadataPath": "oss_data/toy_labels.tsv",
            }
        ]
    }
    labels = "".join(f"n{i}\n" for i in range(12)).encode()
    files = [
        ("projector_config.json", json.dumps(config).encode()),
        ("toy_tensors.bytes", X.tobytes()),
        ("toy_labels.tsv", labels),
    ]
    ds = load_files(files)
    np.testing.assert_array_equal(ds.vectors, X)
    assert ds.frame["label"].tolist()[:2] == ["n0", "n1"]
    # the config alone names the shape even with no metadata
    ds = load_files(files[:2])
    assert ds.vectors.shape == (12, 5)


def test_config_path_resolves_its_files(tmp_path, rng):
    X = rng.normal(size=(6, 3)).astype("<f4")
    (tmp_path / "t.bytes").write_bytes(X.tobytes())
    cfg = {"embeddings": [{"tensorPath": "t.bytes", "tensorShape": [6, 3]}]}
    (tmp_path / "projector_config.json").write_text(json.dumps(cfg))
    assert load_table(tmp_path / "projector_config.json").vectors.shape == (6, 3)
    assert load_table(tmp_path / "t.bytes").vectors.shape == (6, 3)  # config found beside it


def test_shared_iris_bytes_and_labels(shared_datasets):
    tensors = shared_datasets / "projector_iris_tensors.bytes"
    labels = shared_datasets / "projector_iris_labels.tsv"
    ds = load_files([(tensors.name, tensors.read_bytes()), (labels.name, labels.read_bytes())])
    assert ds.vectors.shape == (150, 4) and ds.label_column == "class"
    assert load_table(tensors).vectors.shape == (150, 4)  # labels found beside it
    with pytest.raises(DataError, match="metadata"):
        load_table(tensors.read_bytes(), name=tensors.name)  # alone: say what else it needs


def test_word_vector_files_become_word_rows(shared_datasets):
    glove = load_table(shared_datasets / "gensim_test_glove.txt")
    assert list(glove.frame.columns) == ["word"] and glove.vectors.shape == (76, 50)
    assert glove.text_column == "word" and glove.frame["word"].iloc[0] == "the"
    fast = load_table(shared_datasets / "gensim_lee_fasttext.vec")
    assert fast.vectors.shape == (1762, 10) and len(fast.frame) == 1762
    # sniffed from content, not the extension
    renamed = load_table((shared_datasets / "gensim_lee_fasttext.vec").read_bytes(), name="x.csv")
    assert renamed.vectors.shape == (1762, 10)


def test_sniffers_do_not_take_text_or_headed_tables():
    assert word_vector_layout("hello world foo\nbye now again\n") is None
    assert word_vector_layout("a,b\n1,2\n") is None
    assert word_vector_layout("北京 0.1 0.2\n上海 0.3 0.4\n") == (False, 2)
    assert not first_row_is_numbers("text,label\n1,2\n", ",")
    ds = load_table(b"text,score\nhello there,1\nbye now,2\n", name="d.csv")
    assert ds.text_column == "text" and len(ds) == 2


def test_numeric_first_row_is_data_and_header_can_still_be_forced_off():
    ds = load_table(b"0.1,0.2\n0.3,0.4\n0.5,0.6\n", name="v.csv")
    assert ds.vectors.shape == (3, 2)
    ds = load_table(b"1.5e-03 2\n3 4\n", name="v.txt")  # numpy.savetxt: spaces
    assert ds.vectors.shape == (2, 2)
    ds = load_table(b"1\t2\n3\t4\n", name="v.tsv", header=False)
    assert ds.vectors.shape == (2, 2)


@pytest.mark.parametrize("name", ["gensim_test_glove.txt", "gensim_lee_fasttext.vec"])
def test_cli_project_maps_every_word(tmp_path, shared_datasets, name, capsys):
    import pandas as pd

    from embedlens.cli import main

    out = tmp_path / "map.parquet"
    src = shared_datasets / name
    assert main(["--quiet", "project", str(src), "--method", "pca", "-o", str(out)]) == 0
    frame = pd.read_parquet(out)
    assert len(frame) == len(load_table(src)) and frame["word"].notna().all()
    assert {"x", "y"} <= set(frame.columns)


def test_cli_project_reads_projector_vectors_tsv_with_no_flags(tmp_path, X, capsys):
    import pandas as pd

    from embedlens.cli import main

    src = tmp_path / "vectors.tsv"
    src.write_bytes(_projector_tsv(X))
    out = tmp_path / "map.csv"
    assert main(["--quiet", "project", str(src), "--method", "pca", "-o", str(out)]) == 0
    assert len(pd.read_csv(out)) == 40
