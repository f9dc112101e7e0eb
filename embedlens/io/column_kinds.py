"""What a column holds: ids, text, labels or numbers (the predicates role detection uses)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from embedlens.cells import as_texts
from embedlens.i18n import N_

LABEL_NAMES = (
    "label",
    "labels",
    "class",
    "category",
    "topic",
    "target",
    "genre",
    "tag",
    "sentiment",
    "cluster",
    "group",
    "y",
    "class_index",
    "label_id",
)
# Integer columns with these names are labels, never vector dimensions.
LABEL_INT_NAMES = frozenset(
    {"label", "labels", "class", "category", "topic", "target", "class_index", "label_id"}
)
MAX_LABELS = 50
# Exact cell values (stripped) that tools write for a missing value.
MISSING_MARKERS = frozenset({"nan", "NaN", "NAN", "None", "null", "NULL", "<NA>", "NaT"})
NUMBER = re.compile(r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$")


def is_id_name(name: object) -> bool:
    """A column named ``id`` (any case, spaces ignored)."""
    return str(name).strip().lower() == "id"


def columns_list(frame: pd.DataFrame) -> str:
    """The column names for messages (the first 30)."""
    names = [repr(str(c)) for c in frame.columns]
    shown = ", ".join(names[:30]) + (f", ... ({len(names)} in all)" if len(names) > 30 else "")
    return shown


def is_stringish(series: pd.Series) -> bool:
    """A column of strings (a string dtype, or mostly str objects)."""
    if isinstance(series.dtype, pd.ArrowDtype):
        return False
    if pd.api.types.is_string_dtype(series.dtype) and series.dtype != object:
        return True
    if series.dtype != object:
        return False
    sample = series.dropna().head(50).tolist()
    return bool(sample) and sum(isinstance(v, str) for v in sample) > len(sample) / 2


def is_numeric(series: pd.Series) -> bool:
    """A numeric dtype other than bool."""
    return pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(
        series.dtype
    )


def is_integer_like(series: pd.Series) -> bool:
    """An integer dtype other than bool."""
    if pd.api.types.is_integer_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype):
        return True
    return False


def stripped(series: pd.Series) -> list[str]:
    """Each cell as stripped text; "" for a missing cell."""
    return as_texts(series, strip=True)


def blank(series: pd.Series) -> np.ndarray:
    """True where a cell has no text: missing, empty or whitespace only."""
    return np.array([not text for text in stripped(series)], dtype=bool)


def distinct(series: pd.Series) -> int:
    """How many distinct non-missing values (as text when cells are unhashable)."""
    try:
        return int(series.dropna().nunique())
    except TypeError:  # unhashable cells (lists, dicts)
        return int(series.dropna().astype(str).nunique())


def label_like(series: pd.Series, n: int) -> bool:
    """Strings or integers with 2-50 distinct values, fewer than half the rows."""
    if not (is_stringish(series) or is_integer_like(series)):
        return False
    k = distinct(series)
    return 2 <= k <= MAX_LABELS and k < n / 2


def mean_length(series: pd.Series) -> float:
    """Mean length of the non-missing cells as text."""
    values = series.dropna()
    if values.empty:
        return 0.0
    return float(values.astype(str).str.len().mean())


def numeric_enough(series: pd.Series) -> bool:
    """Numeric dtype, or text cells that are numbers but for a few bad ones (one, or 10%)."""
    if is_numeric(series):
        return True
    if not is_stringish(series):
        return False
    numbers = series.dropna().astype(str).str.match(NUMBER)
    return bool(numbers.any()) and int((~numbers).sum()) <= max(1, len(numbers) // 10)


def label_named_int(series: pd.Series, name: str) -> bool:
    """An integer column named like a label (``label``, ``class``, ...)."""
    return is_integer_like(series) and str(name).strip().lower() in LABEL_INT_NAMES


def numeric_note(cols: list[str]) -> str:
    """The load-report note for vectors taken from numeric columns."""
    shown = ", ".join(repr(str(c)) for c in cols[:4])
    more = f", ... {cols[-1]!r}" if len(cols) > 4 else ""
    return N_("Vectors from {n} numeric columns ({names}).").format(n=len(cols), names=shown + more)
