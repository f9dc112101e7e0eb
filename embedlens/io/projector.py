"""TensorFlow Embedding Projector files: tensors (TSV or raw float32 ``.bytes``) + metadata TSV."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import numpy as np
import pandas as pd

from embedlens.dataset import Dataset
from embedlens.errors import DataError, InvalidParameterError
from embedlens.i18n import N_
from embedlens.io.columns import assemble
from embedlens.io.encoding import read_text_file
from embedlens.io.tables import read_source
from embedlens.io.vectors import location
from embedlens.validation import check_in_range

_TSV_BYTES = frozenset(b"0123456789.-+eEinfINFaAN \t\r\n,")


def _tensors_from_tsv(text: str, *, source: str) -> np.ndarray:
    rows: list[list[str]] = []
    lines: list[int] = []
    for lineno, line in enumerate(text.splitlines(), 1):
        if line.strip():
            rows.append(line.rstrip("\r").split("\t"))
            lines.append(lineno)
    if not rows:
        raise DataError(
            N_("{file} has no rows; write one tab-separated vector per line.").format(file=source)
        )
    width = len(rows[0])
    for row, lineno in zip(rows, lines, strict=True):
        if len(row) != width:
            raise DataError(
                N_(
                    "{file}, line {line}: vector has {n} values but the first line has {width}; "
                    "every line needs the same number of tab-separated values."
                ).format(file=source, line=lineno, n=len(row), width=width)
            )
    try:
        arr = np.array(rows, dtype=np.float32)
    except ValueError:
        for row, lineno in zip(rows, lines, strict=True):
            try:
                np.array(row, dtype=np.float32)
            except ValueError:
                shown = "\t".join(row)[:40]
                raise DataError(
                    N_(
                        "{file}, line {line}: {cell!r} is not tab-separated numbers; tensors TSV "
                        "has no header and one vector per line."
                    ).format(file=source, line=lineno, cell=shown)
                ) from None
        raise
    bad = ~np.isfinite(arr).all(axis=1)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise DataError(
            N_(
                "{file}, line {line}: the vector contains NaN or infinite values; fix or remove "
                "that line."
            ).format(file=source, line=lines[i])
        )
    return np.ascontiguousarray(arr)


def _read_metadata(data: bytes, *, source: str) -> tuple[pd.DataFrame, str, bool]:
    """Metadata TSV by TFP's rule: a header row only when there is more than one column."""
    text, encoding = read_text_file(data, source=source)
    lines = text.splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        raise DataError(N_("{file} has no rows; write one label per line.").format(file=source))
    reader = csv.reader(io.StringIO("\n".join(lines)), delimiter="\t", quoting=csv.QUOTE_NONE)
    rows = [row for row in reader]
    has_header = len(rows[0]) > 1
    if has_header:
        names, body = [c.strip() or f"col{i}" for i, c in enumerate(rows[0])], rows[1:]
        width = len(names)
        for i, row in enumerate(body):
            if len(row) > width:
                raise DataError(
                    N_(
                        "{file}, line {line}: {n} fields but the header has {width}; every line "
                        "needs the same number of tab-separated fields."
                    ).format(file=source, line=i + 2, n=len(row), width=width)
                )
        body = [row + [""] * (width - len(row)) for row in body]
    else:
        names, body = ["label"], [[row[0] if row else ""] for row in rows]
    frame = pd.DataFrame(body, columns=names, dtype="str")
    for col in frame.columns:
        converted = pd.to_numeric(frame[col], errors="coerce")
        if converted.notna().all():
            frame[col] = converted
    return frame, encoding, has_header


def _mismatch(n_meta: int, n_vec: int, has_header: bool, meta: str, tensors: str) -> DataError:
    if n_meta == n_vec + 1 and not has_header:
        text = N_(
            "{metadata} has {n_meta:,} data rows but {tensors} has {n_vec:,} vectors; each "
            "vector needs one metadata row, in the same order. The metadata has a single "
            "column, so (TensorFlow Projector's rule) it has no header row: if its first line "
            "is a column name, remove that line."
        )
    elif n_meta + 1 == n_vec and has_header:
        text = N_(
            "{metadata} has {n_meta:,} data rows but {tensors} has {n_vec:,} vectors; each "
            "vector needs one metadata row, in the same order. The metadata has several "
            "columns, so (TensorFlow Projector's rule) its first line is read as the header: "
            "add a header line if the first line is data."
        )
    else:
        text = N_(
            "{metadata} has {n_meta:,} data rows but {tensors} has {n_vec:,} vectors; each "
            "vector needs one metadata row, in the same order."
        )
    return DataError(text.format(metadata=meta, n_meta=n_meta, tensors=tensors, n_vec=n_vec))


def load_projector(
    tensors: str | os.PathLike[str] | bytes,
    metadata: str | os.PathLike[str] | bytes | None = None,
    *,
    dim: int | None = None,
    name: str | None = None,
    tensors_name: str | None = None,
    metadata_name: str | None = None,
    text_column: str | None = None,
    label_column: str | None = None,
) -> Dataset:
    r"""Load TensorFlow Embedding Projector files.

    Parameters
    ----------
    tensors : str, Path or bytes
        Tab-separated floats, one vector per line and no header; or raw little-endian float32
        (a ``.bytes`` file, or bytes that are not numeric text).
    metadata : str, Path or bytes, optional
        Metadata TSV: a header row when it has more than one column, none when it has one.
    dim : int, optional
        Dimensions of raw float32 tensors; inferred from the metadata row count when None.
    name : str, optional
        Dataset name; defaults to the tensors file's stem.
    tensors_name, metadata_name : str, optional
        File names of uploaded bytes (for messages and the ``.bytes`` extension).
    text_column, label_column : str, optional
        Column roles in the metadata; detected when None.

    Returns
    -------
    Dataset
        Vectors plus the metadata frame (or an ``id`` column when there is no metadata).

    Raises
    ------
    DataError
        Unreadable tensors, a size that does not split into rows, or metadata rows that do not
        match the vectors (the header trap is explained when they differ by one).

    Examples
    --------
    >>> ds = load_projector(b"1\t2\n3\t4\n", b"a\nb\n", name="toy")
    >>> ds.vectors.shape, ds.text_column
    ((2, 2), 'label')
    """
    if dim is not None:
        check_in_range("dim", dim, low=1, owner="load_projector", kind=int)
    default_t = "tensors" if isinstance(tensors, bytes) else None
    raw, tlabel = read_source(tensors, tensors_name or default_t)
    meta = None
    mlabel = "metadata"
    has_header = False
    encoding = None
    if metadata is not None:
        default_m = mlabel if isinstance(metadata, bytes) else None
        mdata, mlabel = read_source(metadata, metadata_name or default_m)
        meta, encoding, has_header = _read_metadata(mdata, source=mlabel)
    if len(raw) == 0:
        raise DataError(N_("{file} is empty (0 bytes).").format(file=tlabel))
    is_bytes = Path(tlabel).suffix.lower() == ".bytes" or dim is not None
    if not is_bytes and isinstance(tensors, bytes):
        is_bytes = not set(raw[:65536]) <= _TSV_BYTES
    if is_bytes:
        vectors = _tensors_from_bytes(raw, dim, meta, has_header, tlabel, mlabel)
    else:
        vectors = _tensors_from_tsv(read_text_file(raw, source=tlabel)[0], source=tlabel)
    if meta is None:
        meta = pd.DataFrame({"id": np.arange(len(vectors), dtype=np.int64)})
    elif len(meta) != len(vectors):
        raise _mismatch(len(meta), len(vectors), has_header, mlabel, tlabel)
    notes = [
        N_("TensorFlow Projector tensors: {n:,} x {d}.").format(n=len(vectors), d=vectors.shape[1])
    ]
    return assemble(
        meta,
        name=name or Path(tlabel).stem,
        source=mlabel if metadata is not None else tlabel,
        text_column=text_column,
        label_column=label_column,
        vectors=vectors,
        encoding=encoding,
        notes=notes,
    )


def _tensors_from_bytes(
    raw: bytes,
    dim: int | None,
    meta: pd.DataFrame | None,
    has_header: bool,
    tlabel: str,
    mlabel: str,
) -> np.ndarray:
    if len(raw) % 4:
        raise DataError(
            N_(
                "{file} has {n:,} bytes, not a multiple of 4: it is not raw float32 tensors (or "
                "it is truncated)."
            ).format(file=tlabel, n=len(raw))
        )
    total = len(raw) // 4
    if dim is None:
        if meta is None:
            raise InvalidParameterError(
                N_(
                    "The 'dim' parameter of load_projector must be the number of dimensions for "
                    "raw .bytes tensors when no metadata file gives the row count. Got None "
                    "instead; load_projector needs dim, or a metadata file."
                )
            )
        n = len(meta)
        if total % n:
            alt = n - 1 if not has_header else n + 1
            if alt > 0 and total % alt == 0:
                raise _mismatch(n, alt, has_header, mlabel, tlabel)
            raise DataError(
                N_(
                    "{file} holds {total:,} float32 values, which do not split into {n:,} rows "
                    "(the {metadata} rows); pass dim=... or check the files belong together."
                ).format(file=tlabel, total=total, n=n, metadata=mlabel)
            )
        dim = total // n
    if total % dim:
        raise DataError(
            N_(
                "{file} holds {total:,} float32 values, which do not split into rows of {dim}; "
                "check dim."
            ).format(file=tlabel, total=total, dim=dim)
        )
    arr = np.frombuffer(raw, dtype="<f4").reshape(-1, dim).astype(np.float32, copy=True)
    bad = ~np.isfinite(arr).all(axis=1)
    if bad.any():
        raise DataError(
            N_(
                "{where}: the vector contains NaN or infinite values; fix or remove that row."
            ).format(where=location(tlabel, int(np.flatnonzero(bad)[0]) + 1))
        )

    return np.ascontiguousarray(arr)
