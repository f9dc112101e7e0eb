"""One SQLite database file shared by threads and processes: WAL, busy timeout, short txns.

Each thread (and each process, checked by pid so a fork never reuses its parent's handle) gets
its own connection. Writers take the write lock up front (``BEGIN IMMEDIATE``) so two writers
queue on the busy timeout instead of failing half-way through a transaction.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from embedlens.errors import DataError

BUSY_TIMEOUT_S = 30.0


class Database:
    """A handle on one SQLite file; connections are opened lazily, one per thread."""

    def __init__(
        self,
        path: Path,
        *,
        synchronous: str = "FULL",
        init: Callable[[sqlite3.Connection], None] | None = None,
    ) -> None:
        self.path = Path(path)
        self._synchronous = synchronous
        self._local = threading.local()
        if init is not None:
            self._setup(init)

    def connection(self) -> sqlite3.Connection:
        """Return this thread's connection, opening it on first use (or after a fork)."""
        local = self._local
        conn = getattr(local, "conn", None)
        if conn is None or local.pid != os.getpid():
            conn = self._open()
            local.conn, local.pid = conn, os.getpid()
        return conn

    def close(self) -> None:
        """Close this thread's connection (other threads keep theirs)."""
        conn = getattr(self._local, "conn", None)
        if conn is not None and self._local.pid == os.getpid():
            conn.close()
        self._local.conn = None

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """Run the block in one write transaction (``BEGIN IMMEDIATE`` ... ``COMMIT``)."""
        conn = self.connection()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            _rollback(conn)
            raise
        conn.execute("COMMIT")

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """Run the block in one read transaction: every query sees the same snapshot."""
        conn = self.connection()
        conn.execute("BEGIN")
        try:
            yield conn
        finally:
            conn.execute("COMMIT")

    def integrity_check(self) -> list[str]:
        """Return SQLite's ``PRAGMA integrity_check`` lines (``["ok"]`` when healthy)."""
        return [row[0] for row in self.connection().execute("PRAGMA integrity_check")]

    def _open(self) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(
                self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=True
            )
        except sqlite3.Error as exc:
            raise DataError(
                f"Cannot open the workspace database {self.path}: {exc}. Check that the folder "
                "exists and is writable, or choose another workspace (EMBEDLENS_HOME)."
            ) from None
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        _retry_locked(lambda: conn.execute("PRAGMA journal_mode = WAL").fetchone())
        conn.execute(f"PRAGMA synchronous = {self._synchronous}")
        return conn

    def _setup(self, init: Callable[[sqlite3.Connection], None]) -> None:
        def run() -> None:
            with self.write() as conn:
                init(conn)

        _retry_locked(run)


def _rollback(conn: sqlite3.Connection) -> None:
    """Roll back after an error without hiding it.

    SQLite may already have rolled back by itself (a full disk, an I/O error, an interrupt):
    ROLLBACK then fails with "no transaction is active", and raising that would replace the
    real error the caller needs to see.
    """
    try:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
    except sqlite3.Error:
        pass


def _retry_locked(fn: Callable[[], object]) -> None:
    """Call ``fn``, retrying while another process holds a lock SQLite did not wait for.

    Switching to WAL and the first schema creation can report "database is locked" without
    going through the busy handler when several processes open a new file at the same moment.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    delay = 0.005
    while True:
        try:
            fn()
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            if time.monotonic() > deadline:
                raise DataError(
                    f"The workspace database stayed locked for {BUSY_TIMEOUT_S:.0f} s ({exc}). "
                    "Another embedlens process may be stuck; close it and try again."
                ) from None
            time.sleep(delay)
            delay = min(delay * 2, 0.2)
