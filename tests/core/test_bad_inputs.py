"""The bad-input corpus through the loader and the CLI: one clear message each, no traceback."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from embedlens.cli import EXIT_BAD_INPUT, main
from embedlens.errors import DataError
from embedlens.io import load_table
from tests.bad_inputs import (
    HOSTILE_COLUMN,
    HOSTILE_TEXTS,
    bad_files,
    bad_sts_pairs,
    bad_word_vectors,
    hostile_csv,
)

CORPUS = bad_files()


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_loader_names_the_problem_from_bytes_and_from_a_path(name, tmp_path):
    content, fragment = CORPUS[name]
    with pytest.raises(DataError, match="^" + name.replace(".", r"\.")) as from_bytes:
        load_table(content, name=name)
    assert fragment in str(from_bytes.value)
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DataError) as from_path:
        load_table(path)
    assert str(from_path.value) == str(from_bytes.value)


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_cli_prints_one_error_line_and_exits_2(name, tmp_path, capsys):
    content, fragment = CORPUS[name]
    path, out = tmp_path / name, tmp_path / "out.parquet"
    path.write_bytes(content)
    status = main(["embed", str(path), "--backend", "tfidf-svd", "-o", str(out)])
    err = capsys.readouterr().err
    assert status == EXIT_BAD_INPUT, err
    assert err.startswith("error: ") and fragment in err and "Traceback" not in err
    assert not out.exists()


@pytest.mark.parametrize("name", sorted(bad_word_vectors()))
def test_word_vector_files_name_the_problem(name):
    from embedlens.wordvecs import load_word_vectors

    content, fragment = bad_word_vectors()[name]
    with pytest.raises(DataError, match=re.escape(fragment)):
        load_word_vectors(content, name=name)


@pytest.mark.parametrize("name", sorted(bad_sts_pairs()))
def test_sts_files_name_the_problem(name):
    import numpy as np

    from embedlens.sts import load_sts_pairs, score_sts

    content, fragment = bad_sts_pairs()[name]
    with pytest.raises(DataError, match=re.escape(fragment)):
        pairs = load_sts_pairs(content, name=name)
        rng = np.random.default_rng(0)
        score_sts(pairs, rng.normal(size=(len(pairs), 4)), rng.normal(size=(len(pairs), 4)))


def test_cli_json_summary_is_valid_json_even_with_nan(capsys):
    import json

    import numpy as np

    from embedlens.cli import emit

    emit({"spearman": float("nan"), "scores": np.array([1.0, np.inf]), "n": np.int64(3)})
    line = capsys.readouterr().out
    assert json.loads(line) == {"spearman": None, "scores": [1.0, None], "n": 3}
    assert "NaN" not in line and "Infinity" not in line


def test_hostile_file_loads_with_its_content_kept_as_typed():
    ds = load_table(hostile_csv(), name="hostile.csv")
    assert ds.text_column == "text" and ds.label_column == HOSTILE_COLUMN
    assert list(ds.texts[: len(HOSTILE_TEXTS)]) == HOSTILE_TEXTS


def test_an_unforeseen_failure_is_one_error_line_unless_debugging(tmp_path, capsys, monkeypatch):
    import embedlens.io as io_module

    def broken(*args, **kwargs):
        raise ValueError("something nobody foresaw")

    monkeypatch.setattr(io_module, "load_table", broken)
    path = tmp_path / "t.csv"
    path.write_text("text\na\nb\nc\n")
    argv = ["embed", str(path), "--backend", "tfidf-svd", "-o", str(tmp_path / "o.parquet")]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "ValueError: something nobody foresaw" in err
    monkeypatch.setenv("EMBEDLENS_DEBUG", "1")
    with pytest.raises(ValueError, match="nobody foresaw"):
        main(argv)


def test_no_code_path_unpickles_or_evaluates_input():
    """pickle, joblib, torch.load, eval/exec or allow_pickle=True would run code from a file."""
    root = Path(__file__).resolve().parents[2]
    sources = [root / "app.py", *root.glob("embedlens/**/*.py"), *root.glob("components/*.py")]
    sources += list(root.glob("app_pages/*.py"))
    banned = re.compile(
        r"^\s*(import pickle|from pickle|import joblib)|pickle\.loads?\(|read_pickle\(|"
        r"joblib\.load\(|torch\.load\(|allow_pickle\s*=\s*True|(?<![.\w])(eval|exec)\(",
        re.MULTILINE,
    )
    found = [f"{p.relative_to(root)}: {m.group(0).strip()}" for p in sources
             for m in banned.finditer(p.read_text(encoding="utf-8"))]  # fmt: skip
    assert len(sources) > 40 and found == []
