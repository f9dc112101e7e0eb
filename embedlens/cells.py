"""The one row normaliser: how a table cell becomes text, and when a cell counts as missing.

The core's readers and writers that turn cells into strings (dataset texts and labels, the
loader's blank-cell check, vector cells, hover text, keywords, label checks, the workspace's
Parquet fallback) go through these two functions, so ``None``, ``NaN``, ``pd.NA`` and ``NaT``
mean the same thing everywhere.

>>> import numpy as np
>>> as_texts(["a", None, float("nan"), 3, " b "])
['a', '', '', '3', ' b ']
>>> as_texts([" b ", None], strip=True, missing=None)
['b', None]
>>> is_missing(np.nan), is_missing([1, 2]), is_missing("")
(True, False, False)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, overload

import numpy as np
import pandas as pd


def is_missing(value: Any) -> bool:
    """True for ``None``, ``NaN``, ``pd.NA`` and ``NaT``; lists and arrays are values."""
    if not pd.api.types.is_scalar(value):  # lists and arrays (vector cells) are values
        return False
    return bool(pd.isna(value))


@overload
def as_texts(
    values: Sequence[Any] | np.ndarray | pd.Series, *, strip: bool = ..., missing: str = ...
) -> list[str]: ...


@overload
def as_texts(
    values: Sequence[Any] | np.ndarray | pd.Series, *, strip: bool = ..., missing: None
) -> list[str | None]: ...


def as_texts(
    values: Sequence[Any] | np.ndarray | pd.Series,
    *,
    strip: bool = False,
    missing: str | None = "",
) -> list[str] | list[str | None]:
    """Each cell as a plain Python ``str``; missing cells become ``missing`` ("" by default).

    Parameters
    ----------
    values : sequence, numpy array or pandas Series
        One value per row (any dtype, Arrow-backed strings included).
    strip : bool
        Strip surrounding whitespace from every text.
    missing : str or None
        What a missing cell becomes (``None`` keeps it missing).
    """
    if isinstance(values, (pd.Series, pd.Index, np.ndarray)):
        arr = np.asarray(values, dtype=object).reshape(-1)
    else:
        items = list(values)
        arr = np.empty(len(items), dtype=object)  # lists stay one cell each, never a 2-D array
        arr[:] = items
    gone = pd.isna(arr)
    out: list[Any] = [v if type(v) is str else str(v) for v in arr.tolist()]
    if strip:
        out = [s.strip() for s in out]
    if gone.any():
        for i in np.flatnonzero(gone).tolist():
            out[i] = missing
    return out
