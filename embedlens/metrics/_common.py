"""Helpers shared by the metrics modules: label checks and encoding, safe row normalisation."""

from __future__ import annotations

from typing import Any

import numpy as np

from embedlens.cells import is_missing
from embedlens.errors import DataError
from embedlens.validation import as_object_labels, listed


def checked_labels(labels: Any, n_rows: int, *, name: str = "labels") -> np.ndarray:
    """Labels as an object array of length ``n_rows`` without missing values."""
    values = as_object_labels(labels)
    if values.ndim != 1 or values.shape[0] != n_rows:
        got = values.shape[0] if values.ndim == 1 else values.size
        raise DataError(
            f"{name} has {got} entries for {n_rows} rows; give exactly one label per row."
        )
    missing = [i for i, v in enumerate(values) if is_missing(v)]
    if missing:
        raise DataError(
            f"{name} has {len(missing)} missing value(s) (row index {listed(missing)}); "
            "fill them in or drop those rows."
        )
    return values


def _sort_key(value: Any) -> tuple[int, float, str]:
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return (0, float(value), "")
    return (1, 0.0, str(value))


def encode(values: np.ndarray) -> tuple[np.ndarray, list[Any]]:
    """Integer codes (int64) and the sorted distinct values they stand for."""
    classes = sorted(set(values.tolist()), key=_sort_key)
    lookup = {c: i for i, c in enumerate(classes)}
    return np.fromiter((lookup[v] for v in values.tolist()), np.int64, len(values)), classes


def noise_mask(values: np.ndarray) -> np.ndarray:
    """True where a label is the noise marker -1 (HDBSCAN/DBSCAN)."""
    return np.fromiter(
        (
            isinstance(v, (int, float, np.integer, np.floating))
            and not isinstance(v, bool)
            and v == -1
            for v in values.tolist()
        ),
        bool,
        len(values),
    )


def sample_rows(n: int, sample_size: int, seed: int) -> np.ndarray | None:
    """Sorted random row positions when ``n > sample_size``, else None."""
    if n <= sample_size:
        return None
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(n, size=sample_size, replace=False))
