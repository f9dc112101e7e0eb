"""AG News through the real command line with the real all-MiniLM-L6-v2 model (shared fixtures)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SHARED_DATASETS, run_lock, run_root


def run_cli(*args: str, home: Path, check: bool = True) -> subprocess.CompletedProcess:
    """Run ``python -m embedlens ARGS`` with its own workspace; returns the finished process."""
    env = {**os.environ, "EMBEDLENS_HOME": str(home), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "embedlens", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=1200,
    )
    if check and proc.returncode != 0:
        raise AssertionError(
            f"embedlens {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr}"
        )
    return proc


def last_json(proc: subprocess.CompletedProcess):
    """The JSON object on the last line of stdout."""
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="session")
def ag_news_csv() -> Path:
    path = SHARED_DATASETS / "ag_news_test.csv"
    if not path.is_file():
        pytest.skip(f"AG News test file not found at {path}")
    return path


@pytest.fixture(scope="session")
def ag_home(tmp_path_factory) -> Path:
    """One workspace shared by the AG News tests (its embedding cache is the point), and by
    every pytest-xdist worker of the run."""
    home = run_root(tmp_path_factory) / "ag_home"
    home.mkdir(exist_ok=True)
    return home


@pytest.fixture(scope="session")
def ag_embedded(ag_news_csv, ag_home, tmp_path_factory) -> tuple[Path, dict, float]:
    """AG News test embedded once per run: (parquet path, the CLI summary, seconds).

    Under pytest-xdist the first worker that needs it embeds it while holding a lock; the
    others wait and read the same file and summary.
    """
    import time

    with run_lock(tmp_path_factory, "ag_embedded") as root:
        out, record = root / "ag_embedded.parquet", root / "ag_embedded.json"
        if record.is_file():
            saved = json.loads(record.read_text())
            return out, saved["summary"], saved["seconds"]
        started = time.perf_counter()
        proc = run_cli(
            "embed",
            str(ag_news_csv),
            "--no-header",
            "--text-column",
            "col2",
            "-o",
            str(out),
            home=ag_home,
        )
        summary, seconds = last_json(proc), time.perf_counter() - started
        record.write_text(json.dumps({"summary": summary, "seconds": seconds}))
        return out, summary, seconds
