"""Dataset: typed errors, the one row normaliser, and ids that include column names and types."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from embedlens.cells import as_texts, is_missing
from embedlens.dataset import Dataset
from embedlens.errors import DataError
from embedlens.io import load_table
from embedlens.store import Workspace


def _write(path, text: str):
    path.write_text(text, encoding="utf-8")
    return path


def test_two_files_with_the_same_cells_but_other_headers_get_different_ids(tmp_path):
    rows = "the cat sat,pets\nstocks fell,money\nrain,weather\n"
    a = _write(tmp_path / "a.csv", "text,topic\n" + rows)
    b = _write(tmp_path / "b.csv", "title,genre\n" + rows)
    da, db = load_table(a), load_table(b)
    assert da.texts == db.texts  # the same cell text ...
    assert da.fingerprint() != db.fingerprint()  # ... but not the same dataset


def test_same_cells_as_numbers_or_as_text_get_different_ids():
    ids = np.arange(3)
    numbers = Dataset("n", pd.DataFrame({"text": ["a", "b", "c"], "score": [1, 2, 3]}), ids)
    words = Dataset("w", pd.DataFrame({"text": ["a", "b", "c"], "score": ["1", "2", "3"]}), ids)
    assert numbers.frame.astype(str).equals(words.frame.astype(str))  # old id: one and the same
    assert numbers.fingerprint() != words.fingerprint()


def test_the_same_file_loaded_twice_gets_the_same_id(tmp_path):
    path = _write(tmp_path / "a.csv", "text,n\nthe cat sat,1\nstocks fell,2\nrain,3\n")
    again = load_table(path.read_bytes(), name="a.csv")
    assert load_table(path).fingerprint() == again.fingerprint()


def test_the_id_survives_a_workspace_round_trip_with_mixed_and_nullable_columns(tmp_path):
    frame = pd.DataFrame(
        {
            "text": ["a", "b", "c"],
            "mixed": [1, "two", None],  # object of mixed types: stored as text
            "count": pd.array([1, None, 3], dtype="Int64"),
            "flag": [True, False, True],
        }
    )
    ds = Dataset("d", frame, np.arange(3), text_column="text")
    ws = Workspace(tmp_path / "ws")
    dataset_id = ws.save_dataset(ds)
    assert ws.load_dataset(dataset_id).fingerprint() == ds.fingerprint() == dataset_id


def test_mismatched_ids_or_vectors_are_data_errors_that_stay_value_errors():
    frame = pd.DataFrame({"text": ["a", "b"]})
    with pytest.raises(DataError, match="ids has 1 entries for 2 rows"):
        Dataset("d", frame, np.arange(1))
    with pytest.raises(ValueError, match="vectors has 3 rows for 2 table rows"):
        Dataset("d", frame, np.arange(2), vectors=np.zeros((3, 2), dtype=np.float32))


def test_one_normaliser_for_missing_cells_and_text():
    cells = ["漂亮的猫", None, float("nan"), pd.NA, 7, " x ", [1, 2]]
    assert as_texts(cells) == ["漂亮的猫", "", "", "", "7", " x ", "[1, 2]"]
    stripped = as_texts(cells, strip=True, missing=None)
    assert stripped == ["漂亮的猫", None, None, None, "7", "x", "[1, 2]"]
    assert as_texts(pd.Series(["a", None], dtype="str")) == ["a", ""]
    assert [is_missing(v) for v in cells] == [False, True, True, True, False, False, False]
    ds = Dataset("d", pd.DataFrame({"t": ["猫", None], "l": [None, "b"]}), np.arange(2), "t", "l")
    assert ds.texts == ["猫", ""]
    assert ds.labels.tolist() == ["", "b"]
