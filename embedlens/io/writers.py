"""Write tables atomically, export spreadsheet-safe CSV, and attach vectors to a frame."""

from __future__ import annotations

import glob
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

from embedlens.cells import as_texts, is_missing
from embedlens.dataset import Dataset
from embedlens.errors import InvalidParameterError
from embedlens.validation import check_vectors

WRITE_EXTENSIONS = (".parquet", ".csv", ".tsv", ".jsonl")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_TMP_SUFFIX = ".tmp"
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
    if is_missing(value):
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
        CSV/TSV/JSONL. Object columns of mixed types are stored as text in Parquet. CSV/TSV
        text cells a spreadsheet would run as formulas get a leading ``'`` (as
        :func:`to_safe_csv`). Temporary files left by a killed earlier write are removed.
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
    remove_stale_temp_files(path)
    fd, tmp_name = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.{os.getpid()}.", suffix=_TMP_SUFFIX
    )
    try:
        with os.fdopen(fd, "wb") as handle:
            if ext == ".parquet":
                pq.write_table(_arrow_table(frame), handle)
            elif ext == ".jsonl":
                text = _lists_as_python(frame).to_json(
                    orient="records", lines=True, force_ascii=False
                )
                handle.write(text.encode("utf-8"))
            else:
                sep = "\t" if ext == ".tsv" else ","
                safe = _neutralise_frame(_lists_as_json(frame))
                text = safe.to_csv(index=False, sep=sep, lineterminator="\n")
                handle.write(text.encode("utf-8"))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def _arrow_table(frame: pd.DataFrame) -> pa.Table:
    """The frame as Arrow; object columns of mixed types (JSONL ``1`` and ``"two"``) as text."""
    try:
        table = pa.Table.from_pandas(frame, preserve_index=False)
    except (pa.ArrowException, TypeError, ValueError):
        frame = frame.copy()
        for col in frame.columns:
            if frame[col].dtype != object or _is_list_column(frame[col]):
                continue
            try:
                pa.array(frame[col].tolist(), from_pandas=True)
            except (pa.ArrowException, TypeError, ValueError):
                texts = as_texts(frame[col], missing=None)
                frame[col] = pd.Series(texts, index=frame.index, dtype=object)
        table = pa.Table.from_pandas(frame, preserve_index=False)
    if any(isinstance(t, pd.ArrowDtype) for t in frame.dtypes):
        # pandas cannot read back its own metadata for Arrow list dtypes
        table = table.replace_schema_metadata(None)
    return table


def remove_stale_temp_files(path: str | os.PathLike[str]) -> int:
    """Remove ``.<name>.<pid>.*.tmp`` files left next to ``path`` by a killed writer.

    Only files whose writing process is gone are removed (a live writer's file is kept), so a
    write interrupted by ``kill -9`` leaves nothing behind after the next write. Returns the
    number removed.
    """
    path = Path(path)
    removed = 0
    try:
        candidates = list(path.parent.glob(f".{glob.escape(path.name)}.*{_TMP_SUFFIX}"))
    except OSError:
        return 0
    for tmp in candidates:
        pid_text = tmp.name[len(path.name) + 2 :].split(".", 1)[0]
        if pid_text.isdigit() and _process_alive(int(pid_text)):
            continue
        try:
            tmp.unlink()
            removed += 1
        except OSError:
            continue
    return removed


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def _neutralise(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula, with a leading quote.

    Also catches formulas behind leading spaces and the full-width ``＝＋－＠`` that some
    spreadsheets read as their ASCII forms; numbers such as ``-1.5`` stay as they are.
    """
    if not isinstance(value, str) or not value:
        return value
    if value.startswith(("\t", "\r")):
        return "'" + value
    stripped = value.lstrip(" \u3000")
    if stripped.startswith(_FORMULA_START) and not _NUMBER.match(stripped):
        return "'" + value
    return value


def _neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for col in out.columns:
        series = out[col]
        if series.dtype == object or pd.api.types.is_string_dtype(series.dtype):
            out[col] = pd.Series(
                [_neutralise(v) for v in series.tolist()], index=out.index, dtype=object
            )
    out.columns = [_neutralise(str(c)) for c in out.columns]
    return out


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
    out = _neutralise_frame(_lists_as_json(frame))
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
