"""Where a bad value is (file, row, column) and whether float32 can hold a value."""

from __future__ import annotations

import numpy as np

from embedlens.i18n import N_

F32_MAX = float(np.finfo(np.float32).max)


def location(source: str, row: int, column: str | None = None) -> str:
    """The place of a row or cell in messages (a ``{where}`` piece, translated inside them)."""
    if column is None:
        return N_("{file}, row {row}").format(file=source, row=row)
    return N_("{file}, row {row}, column {column!r}").format(file=source, row=row, column=column)


def too_big(arr: np.ndarray) -> int | None:
    """Index of the first finite value that float32 cannot hold (it would become inf)."""
    big = np.isfinite(arr) & (np.abs(arr) > F32_MAX)
    return int(np.flatnonzero(big.ravel())[0]) if big.any() else None


def overflow_message(where: str, value: float) -> str:
    """The message for a value too large for float32 at ``where``."""
    return N_(
        "{where}: {value:g} is too large for a float32 vector (the largest is ±3.4e38) and "
        "would become infinite; rescale the vectors or fix that value."
    ).format(where=where, value=value)
