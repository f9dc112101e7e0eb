"""Progress reporting: the core reports through an optional callback and nothing else."""

from __future__ import annotations

from collections.abc import Callable

ProgressCallback = Callable[[float, str], None]
"""``on_progress(fraction, message)`` with ``fraction`` in [0, 1]."""


def null_progress(fraction: float, message: str) -> None:
    """Ignore progress (the default callback)."""


def report(on_progress: ProgressCallback | None, fraction: float, message: str) -> None:
    """Call ``on_progress`` when one was given, clamping the fraction to [0, 1]."""
    if on_progress is not None:
        on_progress(min(max(float(fraction), 0.0), 1.0), message)


def scaled(
    on_progress: ProgressCallback | None, start: float, stop: float
) -> ProgressCallback | None:
    """Map a sub-step's progress [0, 1] onto [start, stop] of the parent's callback."""
    if on_progress is None:
        return None

    def _inner(fraction: float, message: str) -> None:
        report(on_progress, start + (stop - start) * fraction, message)

    return _inner
