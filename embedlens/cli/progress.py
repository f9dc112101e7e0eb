"""Progress on stderr for the command line (throttled; one line per update when not a tty)."""

from __future__ import annotations

import sys
import time


class StderrProgress:
    """A ``ProgressCallback`` writing ``[ 42%] message`` to stderr at most every ``interval`` s."""

    def __init__(self, step: str, *, quiet: bool = False, interval: float = 1.0) -> None:
        self.step = step
        self.quiet = quiet
        self.interval = interval
        self._last = 0.0
        self._tty = sys.stderr.isatty()

    def __call__(self, fraction: float, message: str) -> None:
        now = time.monotonic()
        if self.quiet or (now - self._last < self.interval and fraction < 1.0):
            return
        self._last = now
        line = f"[{fraction * 100:3.0f}%] {self.step}: {message}"
        sys.stderr.write(("\r" + line + " " * 8) if self._tty else line + "\n")
        if self._tty and fraction >= 1.0:
            sys.stderr.write("\n")
        sys.stderr.flush()

    def info(self, message: str) -> None:
        """A plain note line (detected columns, automatic adjustments)."""
        if not self.quiet:
            sys.stderr.write(f"{self.step}: {message}\n")
            sys.stderr.flush()
