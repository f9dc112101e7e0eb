"""Parameter and array validation with one message shape (scikit-learn's).

``The 'perplexity' parameter of TSNEParams must be a float in the range (0, inf).
Got -1.0 instead.``
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from typing import Any

import numpy as np

from embedlens.errors import DataError, InvalidParameterError


def _fmt(value: float | None, default: str) -> str:
    return default if value is None else repr(value)


def check_in_range(
    name: str,
    value: Any,
    *,
    low: float | None = None,
    high: float | None = None,
    closed: str = "both",
    owner: str,
    kind: type = float,
) -> None:
    """Raise InvalidParameterError unless ``low <= value <= high`` (ends per ``closed``).

    ``closed`` is one of "both", "left", "right", "neither". ``kind`` is ``int`` or ``float``.
    """
    left = "[" if closed in ("both", "left") and low is not None else "("
    right = "]" if closed in ("both", "right") and high is not None else ")"
    interval = f"{left}{_fmt(low, '-inf')}, {_fmt(high, 'inf')}{right}"
    kind_name = "an int" if kind is int else "a float"
    message = (
        f"The {name!r} parameter of {owner} must be {kind_name} in the range {interval}. "
        f"Got {value!r} instead."
    )
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise InvalidParameterError(message)
    if kind is int and not float(value).is_integer():
        raise InvalidParameterError(message)
    if isinstance(value, float) and math.isnan(value):
        raise InvalidParameterError(message)
    if low is not None and (value < low or (value == low and left == "(")):
        raise InvalidParameterError(message)
    if high is not None and (value > high or (value == high and right == ")")):
        raise InvalidParameterError(message)


def check_choice(name: str, value: Any, choices: Collection[Any], *, owner: str) -> None:
    """Raise InvalidParameterError unless ``value`` is one of ``choices``."""
    if value not in choices:
        allowed = ", ".join(repr(c) for c in choices)
        raise InvalidParameterError(
            f"The {name!r} parameter of {owner} must be one of {{{allowed}}}. "
            f"Got {value!r} instead."
        )


def check_vectors(
    X: Any, *, n_rows: int | None = None, min_rows: int = 1, name: str = "vectors"
) -> np.ndarray:
    """Return ``X`` as a float32 C-contiguous 2-D array, or raise DataError saying why not.

    Checks: 2-D, numeric, finite, at least ``min_rows`` rows, and ``n_rows`` rows when given.
    """
    try:
        arr = np.asarray(X)
    except (ValueError, TypeError) as exc:
        raise DataError(f"{name} could not be read as a numeric array: {exc}.") from None
    if arr.dtype == object or not np.issubdtype(arr.dtype, np.number):
        raise DataError(f"{name} must be numeric; got values of type {arr.dtype}.")
    if arr.ndim != 2:
        raise DataError(
            f"{name} must be a 2-D array of shape (n_rows, n_dims); got shape {arr.shape}."
        )
    if arr.shape[1] == 0:
        raise DataError(f"{name} has 0 dimensions; each row needs at least one value.")
    if n_rows is not None and arr.shape[0] != n_rows:
        raise DataError(
            f"{name} has {arr.shape[0]} rows but the table has {n_rows}; "
            "each row of the table needs exactly one vector."
        )
    if arr.shape[0] < min_rows:
        raise DataError(f"{name} has {arr.shape[0]} rows; at least {min_rows} are needed.")
    arr = np.ascontiguousarray(arr, dtype=np.float32)
    finite = np.isfinite(arr).all(axis=1)
    if not finite.all():
        bad = np.flatnonzero(~finite)
        rows = ", ".join(str(i) for i in bad[:5]) + (" ..." if bad.size > 5 else "")
        raise DataError(
            f"{name} contain NaN or infinite values in {bad.size} row(s) (row index {rows}); "
            "remove or fix those rows."
        )
    return arr


def check_params_vs_data(param: str, value: float, n_samples: int, *, hint: str) -> None:
    """Raise InvalidParameterError when a data-dependent parameter is not below ``n_samples``."""
    if value >= n_samples:
        raise InvalidParameterError(
            f"{param} ({value}) must be less than the number of points ({n_samples}); {hint}"
        )


def as_object_labels(values: Sequence[Any] | np.ndarray) -> np.ndarray:
    """Labels as a plain object array (scikit-learn cannot index Arrow-backed strings)."""
    return np.asarray(list(values), dtype=object)
