"""Checks and conversions for the per-point arguments of the figure builders."""

from __future__ import annotations

from typing import Any

import numpy as np

from embedlens.errors import DataError, InvalidParameterError


def column(name: str, values: Any, n: int) -> np.ndarray:
    """Return ``values`` as a 1-D array of length ``n`` (object dtype unless numeric)."""
    if isinstance(values, np.ndarray) or _is_numeric_seq(values):
        arr = np.asarray(values)
    else:
        arr = np.asarray(values, dtype=object)
    if arr.ndim != 1 or len(arr) != n:
        raise DataError(
            f"{name} has {len(arr) if arr.ndim else 0} values but coords has {n} rows; "
            f"pass exactly one {name} value per point."
        )
    return arr


def _is_numeric_seq(values: Any) -> bool:
    dtype = getattr(values, "dtype", None)
    try:
        return dtype is not None and np.dtype(dtype).kind in "iufb"
    except TypeError:
        return False


def highlight_mask(highlight: Any, n: int) -> np.ndarray:
    """Return a boolean mask of length ``n`` from a mask or integer row positions."""
    arr = np.asarray(highlight)
    if arr.dtype == bool:
        if arr.shape != (n,):
            raise DataError(
                f"highlight mask has shape {arr.shape} but coords has {n} rows; "
                "pass one True/False per point or a list of row positions."
            )
        return arr
    if arr.size and arr.dtype.kind not in "iu":
        raise InvalidParameterError(
            "The 'highlight' parameter must be a boolean mask or integer row positions. "
            f"Got an array of dtype {arr.dtype} instead."
        )
    pos = arr.astype(np.int64).reshape(-1)
    if pos.size and (pos.min() < -n or pos.max() >= n):
        raise DataError(
            f"highlight has row positions outside 0..{n - 1}; positions refer to rows of coords."
        )
    mask = np.zeros(n, dtype=bool)
    mask[pos] = True
    return mask


def cluster_array(cluster_labels: Any, n: int) -> np.ndarray:
    """Return cluster ids as int64 of length ``n``; raise DataError unless integral."""
    arr = column("cluster_labels", cluster_labels, n)
    if arr.dtype.kind in "iu":
        return arr.astype(np.int64)
    try:
        as_float = np.asarray(arr, dtype=float)
    except (TypeError, ValueError):
        as_float = None
    if as_float is None or not np.isfinite(as_float).all() or (as_float % 1).any():
        raise DataError("cluster_labels must be integers (-1 = noise), one per point.")
    return as_float.astype(np.int64)
