"""kill -9 in the middle of embedding, run again: it finishes and equals an uninterrupted run."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest

from tests.integration.conftest import last_json, run_cli

pytestmark = pytest.mark.slow


def _cached_rows(db) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as con:
            return con.execute("SELECT COUNT(*) FROM embeddings").fetchone()[0]
    except sqlite3.OperationalError:  # table not created yet
        return 0


def test_kill_during_embedding_then_resume_equals_uninterrupted(ag_news_csv, tmp_path):
    subset = tmp_path / "subset.csv"
    subset.write_text(
        "".join(ag_news_csv.read_text(encoding="utf-8").splitlines(True)[:1500]), encoding="utf-8"
    )
    args = ["embed", str(subset), "--no-header", "--text-column", "col2"]

    clean_home, killed_home = tmp_path / "clean", tmp_path / "killed"
    run_cli(*args, "-o", str(tmp_path / "clean.parquet"), home=clean_home)

    out = tmp_path / "resumed.parquet"
    env = {**os.environ, "EMBEDLENS_HOME": str(killed_home)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "embedlens", *args, "-o", str(out)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    db = killed_home / "embeddings.sqlite"
    deadline = time.monotonic() + 300
    while _cached_rows(db) < 256 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.2)
    assert proc.poll() is None, "the run finished before it could be killed; raise the subset size"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    done_before = _cached_rows(db)
    assert 0 < done_before < 1500 and not out.exists()

    summary = last_json(run_cli(*args, "-o", str(out), home=killed_home))
    assert summary["cached"] >= done_before and summary["embedded"] > 0
    clean = np.stack(pd.read_parquet(tmp_path / "clean.parquet")["embedding"].to_numpy())
    resumed = np.stack(pd.read_parquet(out)["embedding"].to_numpy())
    np.testing.assert_array_equal(resumed, clean)
