"""Shared fixtures: seeded data, the shared datasets folder, an isolated workspace."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app.py"
SHARED_DATASETS = ROOT.parent / "shared" / "datasets"
# No resident worker (embedlens.engines.resident) outlives a test: CLI commands, in this process
# or in subprocesses (which inherit it), neither start nor use one unless a test turns it on.
os.environ["EMBEDLENS_RESIDENT"] = "0"


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)


@pytest.fixture
def shared_datasets() -> Path:
    """The third-party datasets folder; skips the test when it is absent."""
    if not SHARED_DATASETS.is_dir():
        pytest.skip(f"shared datasets folder not found at {SHARED_DATASETS}")
    return SHARED_DATASETS


@pytest.fixture(autouse=True)
def isolated_workspace(tmp_path_factory, monkeypatch) -> Path:
    """Every test gets its own EMBEDLENS_HOME so nothing touches ~/.embedlens."""
    home = tmp_path_factory.mktemp("workspace")
    monkeypatch.setenv("EMBEDLENS_HOME", str(home))
    return home


def run_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder shared by every pytest-xdist worker of this run (the run's own without xdist)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@contextmanager
def run_lock(tmp_path_factory: pytest.TempPathFactory, name: str) -> Iterator[Path]:
    """Hold the exclusive lock ``name`` across this run's pytest-xdist workers; yields the shared
    folder. Work built once per run (a session fixture) is built under it and read by the others.
    """
    root = run_root(tmp_path_factory)
    with open(root / f"{name}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield root
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@pytest.fixture(scope="module", autouse=True)
def one_ray_at_a_time(request: pytest.FixtureRequest, tmp_path_factory) -> Iterator[None]:
    """Test files with "ray" in their name start a local Ray of all the machine's CPUs; under
    ``make test`` (pytest-xdist, one process per core) two at once would only contend, so each
    such file holds one lock for its whole module (its Ray may live across its tests)."""
    if "ray" not in request.path.stem.split("_"):
        yield
        return
    with run_lock(tmp_path_factory, "ray"):
        yield
