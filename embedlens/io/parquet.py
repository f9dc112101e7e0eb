"""Parquet to a DataFrame, with number-list (vector) columns streamed into float32 arrays.

From a path, the file is read in row batches through a small read buffer (never the whole
file or a whole column chunk in memory), and each list-of-numbers column is copied batch by
batch into one preallocated C-contiguous float32 array: peak memory is about the vectors
once, not the file plus an Arrow table plus the array. The frame keeps such a column as a
zero-copy Arrow view of that array, so column-role detection sees what it always saw, and
:func:`parse_parquet_path` hands the arrays over so that nobody parses them again.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from embedlens.errors import DataError
from embedlens.i18n import N_

PARQUET_BATCH_ROWS = 16_384
PATH_BATCH_ROWS = 4_096  # from disk: Arrow's working memory is ~4 batches (100 MB at 16k x 384)
READ_BUFFER_BYTES = 1 << 22  # buffered column-chunk reads: 4 MiB at a time, not a whole chunk


def numeric_lists(dtype: pa.DataType) -> pd.ArrowDtype | None:
    """Keep list-of-number columns (vectors) in Arrow: no Python object per row."""
    is_list = pa.types.is_list(dtype) or pa.types.is_large_list(dtype)
    if (is_list or pa.types.is_fixed_size_list(dtype)) and (
        pa.types.is_floating(dtype.value_type) or pa.types.is_integer(dtype.value_type)
    ):
        return pd.ArrowDtype(dtype)
    return None


def _unreadable(source: str, exc: Exception) -> DataError:
    return DataError(
        N_(
            "{file} could not be read as Parquet ({error}); check that the file is complete."
        ).format(file=source, error=exc)
    )


def _check_unique(names: list[str], source: str) -> None:
    dup = next((c for c in names if names.count(c) > 1), None)
    if dup is not None:
        raise DataError(
            N_(
                "{file}: the column name {name!r} appears {n} times; rename them so every "
                "column has a unique name."
            ).format(file=source, name=dup, n=names.count(dup))
        )


def _to_pandas(table: pa.Table, source: str) -> pd.DataFrame:
    try:
        return table.to_pandas(types_mapper=numeric_lists)
    except (pa.ArrowException, ValueError, TypeError):
        pass  # stale pandas metadata (e.g. Arrow list dtypes): use the Arrow schema alone
    try:
        return table.to_pandas(ignore_metadata=True, types_mapper=numeric_lists)
    except (pa.ArrowException, ValueError, TypeError) as exc:
        raise DataError(
            N_("{file}: a column type could not be converted ({error}).").format(
                file=source, error=exc
            )
        ) from None


def parse_parquet(data: bytes, *, source: str) -> pd.DataFrame:
    """A Parquet file's table (from bytes) as a DataFrame (list columns stay arrays).

    Lists of numbers stay Arrow-backed (``pd.ArrowDtype``): converting 1M x 384 vectors to
    one NumPy array per row took ~90 s and 4x the file's size in memory.
    """
    try:
        # Batches, not read_table: decoding a whole row group at once (pandas writes one of up
        # to 1M rows) peaks at ~3.3x the column; 16k-row batches at ~1.3x. BufferReader: no
        # copy of the upload bytes.
        pf = pq.ParquetFile(pa.BufferReader(data))
        batches = list(pf.iter_batches(batch_size=PARQUET_BATCH_ROWS))
        table = pa.Table.from_batches(batches, schema=pf.schema_arrow)
        del batches
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise _unreadable(source, exc) from None
    _check_unique(table.column_names, source)
    return _to_pandas(table, source)


class _VectorSink:
    """One list-of-numbers column copied batch by batch into a float32 ``(n, d)`` array.

    ``failed`` turns True at the first batch it cannot take as is (nulls, rows of different
    lengths, values that are not finite in float32); the caller then reads that column the
    ordinary way, whose parser names the bad row.
    """

    def __init__(self, name: str, dtype: pa.DataType, rows: int) -> None:
        self.name = name
        self.rows = rows
        self.out: np.ndarray | None = None
        self.dim = dtype.list_size if pa.types.is_fixed_size_list(dtype) else -1
        self.start = 0
        self.failed = False

    def take(self, chunk: pa.Array) -> None:
        if self.failed or len(chunk) == 0:
            return
        if chunk.null_count:
            self.failed = True
            return
        if self.dim < 0 or not pa.types.is_fixed_size_list(chunk.type):
            lengths = pc.list_value_length(chunk).to_numpy(zero_copy_only=False)
            dim = int(lengths[0]) if self.dim < 0 else self.dim
            if dim <= 0 or (lengths != dim).any():
                self.failed = True
                return
            self.dim = dim
        if self.dim <= 0:
            self.failed = True
            return
        flat = pc.list_flatten(chunk)
        if flat.null_count:
            self.failed = True
            return
        try:
            values = pc.cast(flat, pa.float32()).to_numpy(zero_copy_only=False)
        except (pa.ArrowException, ValueError):
            self.failed = True
            return
        if self.out is None:
            self.out = np.empty((self.rows, self.dim), dtype=np.float32)
        block = self.out[self.start : self.start + len(chunk)]
        block[...] = values.reshape(len(chunk), self.dim)
        if not np.isfinite(block).all():  # per batch: a small temporary
            self.failed = True
            return
        self.start += len(chunk)

    def result(self) -> np.ndarray | None:
        ok = not self.failed and self.out is not None and self.start == self.rows
        return self.out if ok else None


def _arrow_view(vectors: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """A fixed-size-list Arrow column over ``vectors`` (no copy: the array stays the owner)."""
    flat = pa.array(vectors.reshape(-1), type=pa.float32())
    lists = pa.FixedSizeListArray.from_arrays(flat, vectors.shape[1])
    return pd.arrays.ArrowExtensionArray(lists)


def parse_parquet_path(path: Path, *, source: str) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Read a Parquet file from disk; returns the frame and the vector columns already parsed.

    Parameters
    ----------
    path : Path
        The file (read in batches through a 4 MiB buffer; never all at once).
    source : str
        The file name for messages.

    Returns
    -------
    frame : DataFrame
        Every column, list-of-number columns as Arrow lists (like :func:`parse_parquet`).
    vectors : dict of str to ndarray
        float32 C-contiguous ``(n, d)`` arrays of the list columns that are clean vectors
        (same length, no nulls, finite); the frame's column is a view of the same memory.
    """
    try:
        pf = pq.ParquetFile(
            str(path), memory_map=False, buffer_size=READ_BUFFER_BYTES, pre_buffer=False
        )
        schema = pf.schema_arrow
        _check_unique(schema.names, source)
        rows = pf.metadata.num_rows
        sinks = {
            f.name: _VectorSink(f.name, f.type, rows)
            for f in schema
            if numeric_lists(f.type) is not None
        }
        others = [n for n in schema.names if n not in sinks]
        kept: list[pa.RecordBatch] = []
        for batch in pf.iter_batches(batch_size=PATH_BATCH_ROWS):
            for name, sink in sinks.items():
                sink.take(batch.column(name))
            kept.append(pa.RecordBatch.from_arrays([batch.column(n) for n in others], others))
            del batch
        results = {name: sink.result() for name, sink in sinks.items()}
        del sinks
        failed = [name for name, out in results.items() if out is None]
        table = pa.Table.from_batches(kept, schema=pa.schema([schema.field(n) for n in others]))
        del kept
        if failed:  # rare: damaged vectors, read plainly so that the parser can name the row
            extra = pf.read(columns=failed)
            for name in failed:
                table = table.append_column(schema.field(name), extra.column(name))
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise _unreadable(source, exc) from None
    table = table.replace_schema_metadata(schema.metadata)
    frame = _to_pandas(table, source)
    del table
    vectors = {name: out for name, out in results.items() if out is not None}
    for name, out in vectors.items():
        frame[name] = _arrow_view(out)
    order = [n for n in schema.names if n in frame.columns]
    order += [c for c in frame.columns if c not in order]
    return (frame if list(frame.columns) == order else frame[order]), vectors
