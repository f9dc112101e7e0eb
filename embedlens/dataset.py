"""The in-memory dataset every step works on, and its load report."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from embedlens.cells import as_texts
from embedlens.errors import DataError
from embedlens.i18n import N_

CACHE_VERSION = "1"


@dataclass(frozen=True, eq=False)
class LoadReport:
    """What loading did: rows read and kept, rows dropped and why, choices made."""

    source: str
    rows_read: int
    rows_kept: int
    dropped: dict[str, int] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    encoding: str | None = None

    def summary(self) -> str:
        """One human sentence, e.g. ``Kept 398 of 400 rows (2 empty text).``"""
        text = f"Kept {self.rows_kept:,} of {self.rows_read:,} rows"
        if self.dropped:
            reasons = ", ".join(f"{n:,} {why}" for why, n in self.dropped.items())
            text += f" (dropped: {reasons})"
        return text + "."


@dataclass(frozen=True, eq=False)
class Dataset:
    """A loaded table: metadata frame, stable row ids, the chosen columns and optional vectors.

    ``ids`` speak for rows from load to export: the value of a unique ``id`` column when the
    file has one, else the row's 0-based position among the file's data rows (so ids survive
    dropped rows).
    """

    name: str
    frame: pd.DataFrame
    ids: np.ndarray
    text_column: str | None = None
    label_column: str | None = None
    vector_column: str | None = None
    vectors: np.ndarray | None = None
    report: LoadReport | None = None

    def __post_init__(self) -> None:
        if len(self.ids) != len(self.frame):
            raise DataError(
                N_(
                    "Dataset {name!r}: ids has {n} entries for {rows} rows; give exactly one id "
                    "per row."
                ).format(name=self.name, n=len(self.ids), rows=len(self.frame))
            )
        if self.vectors is not None and len(self.vectors) != len(self.frame):
            raise DataError(
                N_(
                    "Dataset {name!r}: vectors has {n} rows for {rows} table rows; give exactly "
                    "one vector per row."
                ).format(name=self.name, n=len(self.vectors), rows=len(self.frame))
            )

    def __len__(self) -> int:
        return len(self.frame)

    @property
    def texts(self) -> list[str]:
        """The text column as plain Python strings ('' for missing values)."""
        if self.text_column is None:
            return []
        return as_texts(self.frame[self.text_column])

    @property
    def labels(self) -> np.ndarray | None:
        """The label column as an object array, or None when there is none."""
        if self.label_column is None:
            return None
        return np.asarray(as_texts(self.frame[self.label_column]), dtype=object)

    def fingerprint(self) -> str:
        """A content hash of the rows, chosen columns and vectors (cache keys, workspace ids).

        Column names and their kinds of values are part of it, so two files whose cells read
        the same but whose headers or types differ get different ids:

        >>> a = Dataset("a", pd.DataFrame({"text": ["1", "2"]}), np.arange(2))
        >>> b = Dataset("b", pd.DataFrame({"title": ["1", "2"]}), np.arange(2))
        >>> c = Dataset("c", pd.DataFrame({"text": [1, 2]}), np.arange(2))
        >>> len({a.fingerprint(), b.fingerprint(), c.fingerprint()})
        3
        """
        h = hashlib.sha1(CACHE_VERSION.encode())
        h.update(repr(column_schema(self.frame)).encode())
        h.update(pd.util.hash_pandas_object(self.frame.astype(str), index=False).values.tobytes())
        h.update(np.asarray(self.ids).astype(str).astype("U").tobytes())
        h.update(repr((self.text_column, self.label_column, self.vector_column)).encode())
        if self.vectors is not None:
            h.update(np.ascontiguousarray(self.vectors))  # the buffer itself: no 1.5 GB copy
        return h.hexdigest()[:16]


def column_schema(frame: pd.DataFrame) -> list[tuple[str, str]]:
    """``(name, kind)`` per column; kind: bool, int, float, complex, datetime, timedelta, text.

    Kinds, not exact dtypes: a workspace round trip through Parquet may turn ``object`` into
    ``str`` or ``int64`` into ``Int64``, and the dataset must keep its id.
    """
    pairs = zip(frame.columns, frame.dtypes, strict=True)
    return [(str(name), _kind(dtype)) for name, dtype in pairs]


_KINDS = (  # first match wins: bool before int, since pandas counts bool as integer-like
    ("bool", pd.api.types.is_bool_dtype),
    ("int", pd.api.types.is_integer_dtype),
    ("float", pd.api.types.is_float_dtype),
    ("complex", pd.api.types.is_complex_dtype),
    ("datetime", pd.api.types.is_datetime64_any_dtype),
    ("timedelta", pd.api.types.is_timedelta64_dtype),
)


def _kind(dtype: object) -> str:
    return next((kind for kind, test in _KINDS if test(dtype)), "text")


def array_fingerprint(X: np.ndarray) -> str:
    """sha1 of an array's shape, dtype and bytes (16 hex chars)."""
    arr = np.ascontiguousarray(X)
    h = hashlib.sha1(f"{CACHE_VERSION}|{arr.shape}|{arr.dtype}".encode())
    h.update(arr)  # same bytes as arr.tobytes(), without copying them
    return h.hexdigest()[:16]
