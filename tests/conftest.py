"""Shared fixtures: seeded data, the shared datasets folder, an isolated workspace."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app.py"
SHARED_DATASETS = ROOT.parent / "shared" / "datasets"


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
