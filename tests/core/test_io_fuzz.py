"""Fuzz the loader: any input gives a Dataset or a DataError, never another exception."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from embedlens.dataset import Dataset
from embedlens.errors import DataError
from embedlens.io import load_table

NAMES = st.sampled_from(
    ["f.csv", "f.tsv", "f.txt", "f.jsonl", "f.json", "f.parquet", "f.npy", "f.dat", None]
)
FUZZ = settings(
    max_examples=200,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

# CSV-ish text: delimiters, quotes, brackets, numbers, blanks, CJK and control characters.
CELL_CHARS = st.sampled_from(
    list("abc xyz019.-+eE[]{}\"',;\t|\\:=@#") + ["\n", "\r", "\x00", "\x01", "é", "中", "\ufeff"]
)
CELL = st.one_of(
    st.text(CELL_CHARS, max_size=12),
    st.integers(-5, 5).map(str),
    st.lists(st.floats(allow_nan=True, allow_infinity=True, width=32), max_size=4).map(str),
)
ROWS = st.lists(st.lists(CELL, min_size=1, max_size=5), min_size=0, max_size=8)
SEP = st.sampled_from([",", "\t", ";", "|"])
CODEC = st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "gb18030", "latin-1"])


def _check(result_or_error) -> None:
    if isinstance(result_or_error, Dataset):
        ds = result_or_error
        assert len(ds.ids) == len(ds.frame) >= 1
        if ds.vectors is not None:
            assert ds.vectors.dtype == np.float32 and ds.vectors.flags.c_contiguous
            assert np.isfinite(ds.vectors).all()
        assert ds.report is not None and ds.report.rows_kept == len(ds)


def _load(data: bytes, name: str | None, **kwargs):
    try:
        return load_table(data, name=name, **kwargs)
    except DataError as exc:
        assert str(exc)  # every error has a message
        return exc


@FUZZ
@given(data=st.binary(max_size=300), name=NAMES, header=st.booleans())
def test_random_bytes_give_a_dataset_or_a_data_error(data, name, header):
    _check(_load(data, name, header=header))


@FUZZ
@given(rows=ROWS, sep=SEP, name=NAMES, codec=CODEC, header=st.booleans())
def test_csvish_text_gives_a_dataset_or_a_data_error(rows, sep, name, codec, header):
    text = "\n".join(sep.join(r) for r in rows)
    data = text.encode(codec, errors="replace")
    _check(_load(data, name, header=header))
