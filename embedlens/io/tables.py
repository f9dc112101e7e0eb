"""``load_table``: a user's file (path, upload bytes or stream) to a Dataset."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pandas as pd
import pyarrow as pa

from embedlens.dataset import Dataset, LoadReport
from embedlens.errors import DataError, InvalidParameterError
from embedlens.i18n import N_
from embedlens.io.bundle import sniff_path_or_bytes
from embedlens.io.columns import assemble
from embedlens.io.encoding import binary_kind, read_text_file
from embedlens.io.npy import load_npy
from embedlens.io.parquet import parse_parquet, parse_parquet_path
from embedlens.io.parsers import parse_delimited, parse_jsonl, sniff_delimiter
from embedlens.io.sniff import first_row_is_numbers, numeric_lines, whitespace_numbers
from embedlens.limits import check_input, limits
from embedlens.progress import ProgressCallback, report
from embedlens.validation import check_choice

FORMATS = ("csv", "tsv", "parquet", "jsonl", "npy")
_EXTENSIONS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".txt": "txt",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".npy": "npy",
    ".vec": "txt",
    ".bytes": "bytes",
}
SUPPORTED_EXTENSIONS: tuple[str, ...] = tuple(_EXTENSIONS)
_DEFAULT_SEP = {"csv": ",", "tsv": "\t", "txt": None}


def read_source(
    source: str | os.PathLike[str] | bytes | bytearray | memoryview | BinaryIO,
    name: str | None,
) -> tuple[bytes, str]:
    """Return ``(bytes, display name)`` for a path, bytes or a binary stream."""
    if isinstance(source, bytes | bytearray | memoryview):
        return bytes(source), name or "<upload>"
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        return _read_path(path, None), name or path.name
    read = getattr(source, "read", None)
    if callable(read):
        data: Any = read()
        if isinstance(data, str):
            data = data.encode("utf-8")
        label = name or Path(str(getattr(source, "name", "") or "<upload>")).name
        return bytes(data), label
    raise InvalidParameterError(
        N_(
            "The 'source' parameter of load_table must be a path, bytes or a binary file "
            "object. Got {kind} instead."
        ).format(kind=type(source).__name__)
    )


def _read_path(path: Path, size: int | None) -> bytes:
    """The file's bytes (``size=None``: all; else the first ``size``), or a DataError."""
    if path.is_dir():
        raise DataError(N_("{path} is a folder; choose a data file inside it.").format(path=path))
    try:
        if size is None:
            return path.read_bytes()
        with path.open("rb") as fh:
            return fh.read(size)
    except FileNotFoundError:
        raise DataError(N_("{path}: file not found; check the path.").format(path=path)) from None
    except OSError as exc:
        raise DataError(
            N_("{path} could not be read ({error}).").format(path=path, error=exc.strerror or exc)
        ) from None


def _format_for(data: bytes, label: str, fmt: str | None) -> str:
    if fmt is not None:
        check_choice("fmt", fmt, FORMATS, owner="load_table")
        return fmt
    ext = Path(label).suffix.lower()
    if ext in _EXTENSIONS:
        return _EXTENSIONS[ext]
    if data.startswith(b"PAR1"):
        return "parquet"
    if data.startswith(b"\x93NUMPY"):
        return "npy"
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith((b"{", b"[")):
        return "jsonl"
    return "txt"


def _vectors_only(vectors: np.ndarray, *, name: str, source: str) -> Dataset:
    n = len(vectors)
    frame = pd.DataFrame({"id": np.arange(n, dtype=np.int64)})
    note = N_("Vectors only: {n:,} rows x {d} dimensions, no text column.").format(
        n=n, d=vectors.shape[1]
    )
    return Dataset(
        name=name,
        frame=frame,
        ids=np.arange(n, dtype=np.int64),
        vectors=vectors,
        report=LoadReport(source=source, rows_read=n, rows_kept=n, notes=(note,)),
    )


def load_table(
    source: str | os.PathLike[str] | bytes | BinaryIO,
    *,
    name: str | None = None,
    fmt: str | None = None,
    header: bool = True,
    text_column: str | None = None,
    vector_column: str | None = None,
    label_column: str | None = None,
    vectors_file: str | os.PathLike[str] | bytes | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    on_progress: ProgressCallback | None = None,
) -> Dataset:
    r"""Load a CSV, TSV, Parquet, JSONL or ``.npy`` file into a Dataset.

    Parameters
    ----------
    source : str, Path, bytes or binary file object
        The file. Uploads (bytes) need ``name`` for the extension, else the format is sniffed.
        A Parquet or ``.npy`` path is read in batches, never whole (1M x 384: peak ~1.2x the
        vectors).
    name : str, optional
        Display name and extension (``"data.csv"``); defaults to the file name.
    fmt : {"csv", "tsv", "parquet", "jsonl", "npy"}, optional
        Force the format; by default the extension decides (``.txt`` and unknown: sniffed).
    header : bool, default=True
        Whether delimited text has a header row; False names the columns col0, col1, ...
        A first row that is all numbers is always data (TensorFlow Projector ``vectors.tsv``).
        Word-vector text (word2vec/GloVe/fastText) and Projector files are sniffed from the
        content: words become rows of a ``word`` column.
    text_column, vector_column, label_column : str, optional
        Column roles; detected when None (see the notes in ``Dataset.report``).
        ``vector_column="*"`` uses every numeric column as one vector dimension.
    vectors_file : str, Path or bytes, optional
        A ``.npy`` of row vectors, one per data row of the table (never unpickled).
    encoding : str, optional
        Text encoding; detected when None (UTF-8/BOM, UTF-16, GB18030, Big5, EUC-KR,
        Shift-JIS, Latin-1; see :mod:`embedlens.io.encoding`).
    delimiter : str, optional
        Field delimiter; by default from the extension, else sniffed, with one retry when a
        "CSV" turns out to be tab- or semicolon-separated.
    on_progress : callable, optional
        ``on_progress(fraction, message)``.

    Returns
    -------
    Dataset
        Rows whose text is empty are dropped (counted in ``report.dropped``); ids are the
        unique ``id`` column when present, else 0-based data-row positions.

    Raises
    ------
    DataError
        Empty, header-only, binary or undecodable files, duplicate column names, unknown
        columns, bad vectors; the message names the file, row and column.

    Examples
    --------
    >>> ds = load_table(b"text,topic\nhello world,a\nbye now,b\n", name="d.csv")
    >>> ds.text_column, len(ds)
    ('text', 2)
    """
    if delimiter is not None and (not isinstance(delimiter, str) or not delimiter):
        raise InvalidParameterError(
            N_(
                "The 'delimiter' parameter of load_table must be a non-empty string. Got "
                "{value!r} instead."
            ).format(value=delimiter)
        )
    report(on_progress, 0.0, "Reading the file")
    path = Path(source) if isinstance(source, str | os.PathLike) else None
    streamed = None  # Parquet and .npy on disk: read from the path, never all into memory
    if path is not None:
        label = name or path.name
        kind = _format_for(_read_path(path, 4096), label, fmt)
        if kind in ("parquet", "npy"):
            streamed = path
    if streamed is None:
        data, label = read_source(source, name)
        kind = _format_for(data, label, fmt)
        size = len(data)
    else:
        data, size = b"", streamed.stat().st_size
    ds_name = Path(label).stem or label
    # size, columns, decompressed size: refused before parsing
    check_input(data if streamed is None else streamed, kind, label)
    notes: list[str] = []
    text_encoding: str | None = None
    external = None
    if vectors_file is not None:
        vlabel = "<vectors upload>" if isinstance(vectors_file, bytes) else Path(vectors_file).name
        external = load_npy(vectors_file, source=vlabel)
    report(on_progress, 0.2, f"Parsing {label}")
    decoded: str | None = None
    sniffable = kind in ("bytes", "jsonl") or (kind in ("txt", "tsv", "csv") and not delimiter)
    if external is None and encoding is None and sniffable and len(data):
        path = Path(source) if isinstance(source, str | os.PathLike) else None
        found, decoded, text_encoding = sniff_path_or_bytes(
            data,
            label=label,
            path=path,
            kind=kind,
            name=ds_name,
            header=header,
            text_column=text_column,
            label_column=label_column,
        )
        if found is not None:
            report(on_progress, 1.0, f"Loaded {len(found):,} rows")
            return found
    parsed: dict[str, np.ndarray] = {}
    if kind == "npy":
        if size == 0:
            raise DataError(
                N_("{file} is empty (0 bytes); save an array with numpy.save.").format(file=label)
            )
        vectors = load_npy(data if streamed is None else streamed, source=label)
        report(on_progress, 1.0, f"Loaded {len(vectors):,} vectors")
        return _vectors_only(vectors, name=ds_name, source=label)
    if kind == "parquet":
        if size == 0:
            raise DataError(
                N_("{file} is empty (0 bytes); choose a complete Parquet file.").format(file=label)
            )
        if streamed is None:
            frame = parse_parquet(data, source=label)
        else:
            frame, parsed = parse_parquet_path(streamed, source=label)
        if frame.shape[1] == 0:
            raise DataError(
                N_("{file} has no columns; choose a Parquet file with data.").format(file=label)
            )
        if len(frame) == 0:
            raise DataError(
                N_("{file} has columns ({names}) but no rows.").format(
                    file=label, names=_names(frame)
                )
            )
    else:
        if encoding is not None:
            text = _decode_as(data, encoding, label)
            text_encoding = encoding
        elif decoded is not None:
            text = decoded
        else:
            if len(data) == 0:
                raise DataError(
                    N_(
                        "{file} is empty (0 bytes); choose a file with a header row and at least "
                        "one data row."
                    ).format(file=label)
                )
            text, text_encoding = read_text_file(data, source=label)
        del data  # the decoded text replaces the file's bytes (they stay only if passed in)
        if kind == "jsonl":
            frame = parse_jsonl(text, source=label)
        else:
            sep = delimiter if delimiter is not None else _DEFAULT_SEP[kind]
            probe = sep if sep is not None else sniff_delimiter(text)
            if probe is None and whitespace_numbers(text):
                vectors = numeric_lines(text, source=label)
                report(on_progress, 1.0, f"Loaded {len(vectors):,} vectors")
                return _vectors_only(vectors, name=ds_name, source=label)
            if header and first_row_is_numbers(text, probe):
                header = False
                notes.append(
                    N_("The first row is all numbers, so it is read as data, not as a header row.")
                )
            frame = parse_delimited(
                text,
                source=label,
                sep=sep,
                header=header,
                fixed=delimiter is not None,
                notes=notes,
            )
            if len(frame) == 0:
                raise DataError(
                    N_(
                        "{file} has a header row ({names}) but no data rows; add at least one "
                        "row, or pass header=False if that line is data."
                    ).format(file=label, names=_names(frame))
                )
    report(on_progress, 0.7, "Checking columns")
    limits().check_rows(len(frame), label)
    if external is not None and len(external) != len(frame):
        raise DataError(
            N_(
                "{vectors_file} has {n_vectors:,} vectors but {file} has {n_rows:,} data rows; "
                "each row of the table needs exactly one vector, in the same order."
            ).format(vectors_file=vlabel, n_vectors=len(external), file=label, n_rows=len(frame))
        )
    if external is not None:
        notes.append(
            N_("Vectors read from {file} ({d} dimensions).").format(
                file=vlabel, d=external.shape[1]
            )
        )
    if (
        external is None
        and vector_column not in (None, "*")
        and vector_column not in frame.columns
        and _all_numeric(frame)
    ):
        notes.append(
            N_(
                "No column named {col!r}: every column holds numbers, so each column is one "
                "vector dimension."
            ).format(col=vector_column)
        )
        vector_column = "*"
    ds = assemble(
        frame,
        name=ds_name,
        source=label,
        text_column=text_column,
        vector_column=vector_column,
        label_column=label_column,
        vectors=external,
        encoding=text_encoding,
        notes=notes,
        parsed=parsed,
    )
    del parsed
    if kind == "parquet":  # hand the Arrow table's memory (1.5 GB at 1M x 384) back to the OS now
        del frame
        pa.default_memory_pool().release_unused()
    report(on_progress, 1.0, f"Loaded {len(ds):,} rows")
    return ds


def _all_numeric(frame: pd.DataFrame) -> bool:
    cols = [c for c in frame.columns if str(c).strip().lower() != "id"]
    return len(cols) >= 1 and all(
        pd.api.types.is_numeric_dtype(frame[c].dtype)
        and not pd.api.types.is_bool_dtype(frame[c].dtype)
        for c in cols
    )


def _names(frame: pd.DataFrame) -> str:
    names = [str(c) for c in frame.columns]
    return ", ".join(names[:10]) + (", ..." if len(names) > 10 else "")


def _decode_as(data: bytes, encoding: str, label: str) -> str:
    kind = binary_kind(data)
    if kind is not None:
        raise DataError(
            N_("{file} looks like {what}, not a text table; {hint}.").format(
                file=label, what=kind[0], hint=kind[1]
            )
        )
    if len(data) == 0:
        raise DataError(
            N_("{file} is empty (0 bytes); choose a file with at least one row.").format(file=label)
        )
    try:
        return data.decode(encoding).removeprefix("\ufeff")
    except LookupError:
        raise InvalidParameterError(
            N_(
                "The 'encoding' parameter of load_table must be a known codec. Got {value!r} "
                "instead."
            ).format(value=encoding)
        ) from None
    except UnicodeDecodeError as exc:
        raise DataError(
            N_(
                "{file} is not valid {encoding} (byte {byte}); leave encoding unset to detect it."
            ).format(file=label, encoding=encoding, byte=exc.start)
        ) from None
