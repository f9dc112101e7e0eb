"""Write tables atomically, export spreadsheet-safe CSV, and attach vectors to a frame."""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from embedlens.dataset import Dataset
from embedlens.errors import InvalidParameterError
from embedlens.validation import check_vectors

WRITE_EXTENSIONS = (".parquet", ".csv", ".tsv", ".jsonl")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")


def _is_list_column(series: pd.Series) -> bool:
    if isinstance(series.dtype, pd.ArrowDtype):
        t = series.dtype.pyarrow_dtype
        return pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t)
    if series.dtype != object:
        return False
    first = next((v for v in series.head(20).tolist() if v is not None), None)
    return isinstance(first, list | tuple | np.ndarray)


def _json_cell(value: Any) -> Any:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return value
    return json.dumps(np.asarray(value).tolist())


def _lists_as_json(frame: pd.DataFrame) -> pd.DataFrame:
    """List/array cells as JSON strings (CSV cannot hold lists; repr would truncate arrays)."""
    out = frame
    for col in frame.columns:
        if _is_list_column(frame[col]):
            if out is frame:
                out = frame.copy()
            out[col] = pd.Series(
                [_json_cell(v) for v in frame[col].tolist()], index=frame.index, dtype=object
            )
    return out


def _lists_as_python(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame
    for col in frame.columns:
        if _is_list_column(frame[col]):
            if out is frame:
                out = frame.copy()
            out[col] = pd.Series(
                [None if v is None else np.asarray(v).tolist() for v in frame[col].tolist()],
                index=frame.index,
                dtype=object,
            )
    return out


def write_table(frame: pd.DataFrame, path: str | os.PathLike[str]) -> None:
    r"""Write a frame atomically (temporary file in the same folder, then ``os.replace``).

    Parameters
    ----------
    frame : pandas.DataFrame
        The table; list/array columns become list columns in Parquet and JSON lists in
        CSV/TSV/JSONL.
    path : str or Path
        Destination; the format follows the extension: .parquet, .csv, .tsv or .jsonl.

    Raises
    ------
    InvalidParameterError
        For any other extension.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> write_table(pd.DataFrame({"a": [1, 2]}), out)
    >>> out.read_text()
    'a\n1\n2\n'
    """
    path = Path(path)
    ext = path.suffix.lower()
    if ext not in WRITE_EXTENSIONS:
        raise InvalidParameterError(
            "The extension of 'path' in write_table must be one of "
            f"{{{', '.join(WRITE_EXTENSIONS)}}}. Got {ext or '(none)'!r} instead."
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            if ext == ".parquet":
                table = pa.Table.from_pandas(frame, preserve_index=False)
                if any(isinstance(t, pd.ArrowDtype) for t in frame.dtypes):
                    # pandas cannot read back its own metadata for Arrow list dtypes
                    table = table.replace_schema_metadata(None)
                pq.write_table(table, handle)
            elif ext == ".jsonl":
                text = _lists_as_python(frame).to_json(
                    orient="records", lines=True, force_ascii=False
                )
                handle.write(text.encode("utf-8"))
            else:
                sep = "\t" if ext == ".tsv" else ","
                text = _lists_as_json(frame).to_csv(index=False, sep=sep, lineterminator="\n")
                handle.write(text.encode("utf-8"))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def _neutralise(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _NUMBER.match(value):
        return "'" + value
    return value


def to_safe_csv(frame: pd.DataFrame) -> bytes:
    r"""CSV bytes that spreadsheets will not run as formulas.

    Text cells (and column names) starting with ``= + - @``, tab or CR get a leading single
    quote; numbers, including text such as ``"-1.5"``, stay as they are. The bytes are UTF-8
    with a BOM so that Excel shows non-ASCII (e.g. Chinese) text correctly.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table to export; list/array cells are written as JSON lists.

    Returns
    -------
    bytes
        The CSV file contents.

    Examples
    --------
    >>> to_safe_csv(pd.DataFrame({"t": ["=1+1", "-1.5"]})).decode("utf-8-sig")
    "t\n'=1+1\n-1.5\n"
    """
    out = _lists_as_json(frame).copy()
    for col in out.columns:
        series = out[col]
        if series.dtype == object or pd.api.types.is_string_dtype(series.dtype):
            out[col] = pd.Series(
                [_neutralise(v) for v in series.tolist()], index=out.index, dtype=object
            )
    out.columns = [_neutralise(str(c)) for c in out.columns]
    return out.to_csv(index=False, lineterminator="\n").encode("utf-8-sig")


def frame_with_vectors(ds: Dataset, vectors: np.ndarray, column: str = "embedding") -> pd.DataFrame:
    """The dataset's frame plus a vector column (float32 arrays), ready for Parquet.

    Each cell holds one row's float32 array; Parquet stores the column as ``list<float>``
    (float32) and ``load_table`` / ``pandas.read_parquet`` read it back.

    An ``id`` column holding ``ds.ids`` is inserted first when the frame has none, so that
    ids survive an export and re-import.

    Parameters
    ----------
    ds : Dataset
        The rows.
    vectors : numpy.ndarray
        One vector per row, shape ``(len(ds), d)``.
    column : str, default="embedding"
        Name of the new column; must not exist yet.

    Returns
    -------
    pandas.DataFrame
        A new frame (the dataset's frame is not modified).

    Raises
    ------
    DataError
        When ``vectors`` does not have one finite row per dataset row.
    InvalidParameterError
        When ``column`` already exists.

    Examples
    --------
    >>> ds = Dataset(name="d", frame=pd.DataFrame({"t": ["a", "b"]}), ids=np.arange(2))
    >>> frame_with_vectors(ds, np.eye(2, dtype=np.float32)).columns.tolist()
    ['id', 't', 'embedding']
    """
    X = check_vectors(vectors, n_rows=len(ds))
    frame = ds.frame.copy()
    if column in frame.columns:
        raise InvalidParameterError(
            f"The 'column' parameter of frame_with_vectors must be a new column name. Got "
            f"{column!r}, which the frame already has; choose another name."
        )
    if not any(str(c).strip().lower() == "id" for c in frame.columns):
        frame.insert(0, "id", np.asarray(ds.ids))
    rows = np.array(X, dtype=np.float32, copy=True)  # never alias the caller's array
    cells = np.empty(len(rows), dtype=object)
    cells[:] = list(rows)
    frame[column] = pd.Series(cells, index=frame.index, name=column, dtype=object)
    return frame
