"""The store's transactions: a failed ROLLBACK never hides the error that caused it."""

from __future__ import annotations

import pytest

from embedlens.store import Workspace
from embedlens.store._sqlite import Database


def test_the_real_error_survives_a_rollback_that_cannot_run(tmp_path):
    db = Database(tmp_path / "x.sqlite", init=lambda c: c.execute("CREATE TABLE t (a)"))
    with pytest.raises(ValueError, match="the real error"):
        with db.write() as conn:
            conn.execute("INSERT INTO t VALUES (1)")
            conn.execute("ROLLBACK")  # SQLite rolled back by itself (full disk, I/O error)
            raise ValueError("the real error")
    with db.write() as conn:  # the connection is usable afterwards
        conn.execute("INSERT INTO t VALUES (2)")
    assert db.connection().execute("SELECT a FROM t").fetchall() == [(2,)]


def test_opening_a_workspace_removes_stale_leftovers(tmp_path):
    import os
    import time

    root = tmp_path / "ws"
    Workspace(root)
    orphan = root / "runs" / "0123456789abcdef"  # a crash between the rename and the commit
    orphan.mkdir()
    old = time.time() - 7200
    os.utime(orphan, (old, old))
    Workspace(root)
    assert not orphan.exists()
