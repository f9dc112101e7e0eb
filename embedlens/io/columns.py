"""Decide which columns are the ids, vectors, text and labels, then build the Dataset.

Detection order: id column, vector column (named like ``embedding`` or holding lists), text
column (longest mean string length), per-dimension numeric vectors (only when there is no
text column, or on request with ``vector_column="*"``), then a low-cardinality label column.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from embedlens.dataset import Dataset, LoadReport
from embedlens.errors import DataError, InvalidParameterError
from embedlens.i18n import N_
from embedlens.io.column_kinds import (
    LABEL_NAMES,
    MISSING_MARKERS,
    NUMBER,
    blank,
    columns_list,
    distinct,
    is_id_name,
    is_integer_like,
    is_numeric,
    is_stringish,
    label_like,
    label_named_int,
    mean_length,
    numeric_enough,
    numeric_note,
    stripped,
)
from embedlens.io.vectors import (
    looks_like_vector_column,
    looks_like_vector_name,
    numeric_block,
    parse_vector_column,
)


@dataclass
class _Roles:
    """The working state while columns are assigned (mutable, internal)."""

    ids: np.ndarray
    id_column: str | None = None
    text: str | None = None
    label: str | None = None
    vector: str | None = None
    vector_columns: list[str] = field(default_factory=list)
    vectors: np.ndarray | None = None
    notes: list[str] = field(default_factory=list)


# One whole sentence per role of the column that is not there.
_NO_SUCH_COLUMN = {
    "text": N_(
        "{file}: there is no column named {column!r} (asked for as the text column). "
        "Available columns: {columns}; choose one of them."
    ),
    "label": N_(
        "{file}: there is no column named {column!r} (asked for as the label column). "
        "Available columns: {columns}; choose one of them."
    ),
    "vector": N_(
        "{file}: there is no column named {column!r} (asked for as the vector column). "
        "Available columns: {columns}; choose one of them."
    ),
}


def _require(frame: pd.DataFrame, column: str, role: str, source: str) -> None:
    if column not in frame.columns:
        raise DataError(
            _NO_SUCH_COLUMN[role].format(file=source, column=column, columns=columns_list(frame))
        )


def _find_ids(frame: pd.DataFrame, notes: list[str]) -> tuple[np.ndarray, str | None]:
    positions = np.arange(len(frame), dtype=np.int64)
    col = next((c for c in frame.columns if is_id_name(c)), None)
    if col is None:
        return positions, None
    values = frame[col]
    if values.isna().any():
        notes.append(
            N_("Column {col!r} has empty cells; using row numbers as ids.").format(col=col)
        )
        return positions, None
    try:
        unique = bool(values.is_unique)
    except TypeError:  # unhashable cells (lists, objects)
        notes.append(
            N_("Column {col!r} holds lists or objects, not ids; using row numbers as ids.").format(
                col=col
            )
        )
        return positions, None
    if not unique:
        notes.append(
            N_("Column {col!r} has repeated values; using row numbers as ids.").format(col=col)
        )
        return positions, None
    if is_integer_like(values):
        return values.to_numpy(dtype=np.int64), col
    if pd.api.types.is_float_dtype(values.dtype) and np.all(np.mod(values.to_numpy(), 1) == 0):
        return values.to_numpy(dtype=np.int64), col
    return np.asarray(values.tolist(), dtype=object), col


def _vectors_of(
    frame: pd.DataFrame, col: str, parsed: Mapping[str, np.ndarray], source: str
) -> np.ndarray:
    """Column ``col`` as float32 vectors: the reader's own array when it made one, else parsed."""
    done = parsed.get(col)
    if done is not None:
        return done
    return parse_vector_column(frame[col], column=col, source=source)


def _pick_vectors(
    frame: pd.DataFrame,
    roles: _Roles,
    vector_column: str | None,
    label_column: str | None,
    source: str,
    parsed: Mapping[str, np.ndarray],
) -> None:
    """Resolve an explicit vector column, or detect a list/JSON-list one."""
    if roles.vectors is not None:
        return
    if vector_column == "*":
        skip = {roles.id_column, label_column}
        cols = [c for c in frame.columns if c not in skip and numeric_enough(frame[c])]
        cols = [c for c in cols if not label_named_int(frame[c], c)]
        if len(cols) < 2:
            raise DataError(
                N_(
                    "{file}: vector_column='*' needs at least 2 numeric columns; found {n} "
                    "among {columns}."
                ).format(file=source, n=len(cols), columns=columns_list(frame))
            )
        roles.vectors = numeric_block(frame, cols, source=source)
        roles.vector, roles.vector_columns = "*", cols
        roles.notes.append(numeric_note(cols))
        return
    if vector_column is not None:
        roles.vectors = _vectors_of(frame, vector_column, parsed, source)
        roles.vector, roles.vector_columns = vector_column, [vector_column]
        return
    for col in frame.columns:
        if col in (roles.id_column, label_column) or is_id_name(col):
            continue
        if looks_like_vector_column(frame[col], name_hint=looks_like_vector_name(col)):
            roles.vectors = _vectors_of(frame, col, parsed, source)
            roles.vector, roles.vector_columns = col, [col]
            roles.notes.append(
                N_("Vector column {col!r} detected ({d} dimensions).").format(
                    col=col, d=roles.vectors.shape[1]
                )
            )
            return


def _pick_text(frame: pd.DataFrame, roles: _Roles, text_column: str | None, source: str) -> None:
    n = len(frame)
    taken = {roles.id_column, roles.label, *roles.vector_columns}
    if text_column is not None:
        if blank(frame[text_column]).all():
            raise DataError(
                N_(
                    "{file}, column {column!r}: every cell is empty; choose a column that "
                    "holds text. Available columns: {columns}."
                ).format(file=source, column=text_column, columns=columns_list(frame))
            )
        roles.text = text_column
        return
    numeric = [
        c
        for c in frame.columns
        if c not in taken and numeric_enough(frame[c]) and not label_named_int(frame[c], c)
    ]
    # A column of numbers with a stray bad cell, beside other numbers, is a damaged dimension.
    damaged = {c for c in numeric if not is_numeric(frame[c])} if len(numeric) >= 2 else set()
    strings = [
        c
        for c in frame.columns
        if c not in taken | damaged and not is_id_name(c) and is_stringish(frame[c])
    ]
    scored = [(c, mean_length(frame[c])) for c in strings]
    scored = [(c, m) for c, m in scored if m > 0]
    texty = [(c, m) for c, m in scored if not label_like(frame[c], n)]
    if texty:
        roles.text = max(texty, key=lambda cm: cm[1])[0]
        roles.notes.append(
            N_("Text column {col!r} detected (longest text).").format(col=roles.text)
        )
        return
    if roles.vectors is None:
        if len(numeric) >= 2:
            roles.vectors = numeric_block(frame, numeric, source=source)
            roles.vector, roles.vector_columns = "*", numeric
            roles.notes.append(numeric_note(numeric))
            return
    if scored and roles.vectors is None:
        roles.text = max(scored, key=lambda cm: cm[1])[0]
        roles.notes.append(
            N_("Text column {col!r} detected (longest text).").format(col=roles.text)
        )
        return
    if roles.vectors is None:
        raise DataError(
            N_(
                "{file}: found no text column (a column of strings) and no vectors. Columns: "
                "{columns}; name the text column with text_column=..., or the vectors with "
                "vector_column=... ('*' for one numeric column per dimension)."
            ).format(file=source, columns=columns_list(frame))
        )


def _pick_label(frame: pd.DataFrame, roles: _Roles, label_column: str | None) -> None:
    if label_column is not None:
        roles.label = label_column
        return
    n = len(frame)
    taken = {roles.id_column, roles.text, *roles.vector_columns}
    candidates = [
        c for c in frame.columns if c not in taken and not is_id_name(c) and label_like(frame[c], n)
    ]
    if not candidates:
        return

    def rank(col: str) -> tuple[int, int]:
        name = str(col).strip().lower()
        pref = LABEL_NAMES.index(name) if name in LABEL_NAMES else len(LABEL_NAMES)
        return pref, list(frame.columns).index(col)

    roles.label = min(candidates, key=rank)
    k = distinct(frame[roles.label])
    roles.notes.append(
        N_("Label column {col!r} detected ({k} distinct values).").format(col=roles.label, k=k)
    )


def assemble(
    frame: pd.DataFrame,
    *,
    name: str,
    source: str,
    text_column: str | None = None,
    vector_column: str | None = None,
    label_column: str | None = None,
    vectors: np.ndarray | None = None,
    encoding: str | None = None,
    notes: list[str] | None = None,
    parsed: Mapping[str, np.ndarray] | None = None,
) -> Dataset:
    """Assign column roles, drop rows without text and return the Dataset.

    ``vectors`` (from a ``.npy`` beside the table) must already have one row per frame row.
    ``parsed`` maps list columns the reader already turned into float32 ``(n, d)`` arrays
    (:func:`embedlens.io.parquet.parse_parquet_path`) to them: used as they are, not copied.
    Vector columns are removed from the frame (the vectors live in ``Dataset.vectors``).
    """
    frame = frame.reset_index(drop=True)
    frame.columns = [str(c) for c in frame.columns]
    for col, role in ((text_column, "text"), (label_column, "label")):
        if col is not None:
            _require(frame, col, role, source)
    if vector_column not in (None, "*"):
        _require(frame, vector_column, "vector", source)
    if vectors is not None and vector_column is not None:
        raise InvalidParameterError(
            N_(
                "The 'vector_column' parameter must be None when a vectors file is given. Got "
                "{value!r} instead; give either vectors_file or vector_column, not both."
            ).format(value=vector_column)
        )
    all_notes = list(notes or [])
    ids, id_column = _find_ids(frame, all_notes)
    roles = _Roles(ids=ids, id_column=id_column, vectors=vectors, notes=all_notes)
    if len(frame.columns) and all(NUMBER.match(str(c)) for c in frame.columns):
        roles.notes.append(
            N_(
                "Every column name is a number: the first row may be data. Pass header=False "
                "if the file has no header row."
            )
        )
    elif any(len(str(c)) > 60 for c in frame.columns):
        roles.notes.append(
            N_(
                "A column name is longer than 60 characters: the first row may be data. Pass "
                "header=False if the file has no header row."
            )
        )
    _pick_vectors(frame, roles, vector_column, label_column, source, parsed or {})
    roles.label = label_column
    _pick_text(frame, roles, text_column, source)
    _pick_label(frame, roles, label_column)

    n = len(frame)
    keep = np.ones(n, dtype=bool)
    dropped: dict[str, int] = {}
    if roles.text is not None:
        cells = stripped(frame[roles.text])
        keep = np.array([bool(text) for text in cells], dtype=bool)
        if not keep.any():
            raise DataError(
                N_(
                    "{file}, column {column!r}: every cell is empty; choose a column that holds "
                    "text."
                ).format(file=source, column=roles.text)
            )
        if (~keep).any():
            dropped["empty text"] = int((~keep).sum())
        # How pandas, Python, SQL and JavaScript write a missing value: not a text to embed.
        markers = np.array([text in MISSING_MARKERS for text in cells], dtype=bool)
        if markers.any():
            keep &= ~markers
            dropped["missing-value text (NaN, None, null)"] = int(markers.sum())
            if not keep.any():
                raise DataError(
                    N_(
                        "{file}, column {column!r}: every cell is empty or a missing-value "
                        "marker such as NaN or None; choose a column that holds text."
                    ).format(file=source, column=roles.text)
                )

    out = frame.drop(columns=roles.vector_columns)
    vecs = roles.vectors
    if not keep.all():
        out = out.loc[keep].reset_index(drop=True)
        roles.ids = roles.ids[keep]
        vecs = None if vecs is None else np.ascontiguousarray(vecs[keep])
    if roles.text is not None:
        dups = int(out[roles.text].astype(str).duplicated().sum())
        if dups:
            many = N_("{n:,} duplicate texts (kept).")
            one = N_("{n:,} duplicate text (kept).")
            roles.notes.append((one if dups == 1 else many).format(n=dups))
    report = LoadReport(
        source=source,
        rows_read=n,
        rows_kept=len(out),
        dropped=dropped,
        notes=tuple(roles.notes),
        encoding=encoding,
    )
    return Dataset(
        name=name,
        frame=out,
        ids=roles.ids,
        text_column=roles.text,
        label_column=roles.label,
        vector_column=roles.vector if vecs is not None and roles.vector else None,
        vectors=vecs,
        report=report,
    )
