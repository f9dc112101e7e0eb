"""The issue's checks through the real command line: ``--engine ray`` against ``--engine local``.

Each command is its own process that starts a local Ray (all CPUs, here 2) and closes it.
AG News test, first 3,000 rows, titles (short texts keep the run near two minutes on 2 cores).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.integration.conftest import last_json, run_cli

pytest.importorskip("ray")
pytestmark = [pytest.mark.slow, pytest.mark.external]


@pytest.fixture(scope="module")
def ag3k(ag_news_csv, tmp_path_factory):
    path = tmp_path_factory.mktemp("ag3k") / "ag3k.csv"
    frame = pd.read_csv(ag_news_csv, header=None, nrows=3000)
    frame.columns = ["label", "title", "description"]
    frame.to_csv(path, index=False)
    return path


def _vectors(path) -> np.ndarray:
    return np.stack(pd.read_parquet(path)["embedding"].to_numpy()).astype(np.float32)


def test_embed_and_project_on_ray_equal_local(ag3k, tmp_path):
    common = ["embed", str(ag3k), "--text-column", "title", "--precision", "float32"]
    local = run_cli(*common, "-o", str(tmp_path / "local.parquet"), home=tmp_path / "h1")
    ray_run = run_cli(
        *common, "--engine", "ray", "--workers", "2", "-o", str(tmp_path / "ray.parquet"),
        home=tmp_path / "h2",
    )  # fmt: skip
    summary = last_json(ray_run)
    assert summary["engine"] == "ray" and summary["workers"] == 2
    assert summary["embedded"] == last_json(local)["embedded"]
    a, b = _vectors(tmp_path / "local.parquet"), _vectors(tmp_path / "ray.parquet")
    cos = (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
    assert a.shape == (3000, 384) and cos.min() >= 0.999

    proj = run_cli(
        "project", str(tmp_path / "ray.parquet"), "--engine", "ray", "--sample", "1000",
        "-o", str(tmp_path / "map.parquet"), home=tmp_path / "h2",
    )  # fmt: skip
    info = last_json(proj)
    assert info["engine"] == "ray" and info["rows"] == 3000 and info["sample_size"] == 1000
    coords = pd.read_parquet(tmp_path / "map.parquet")[["x", "y"]].to_numpy()
    assert coords.shape == (3000, 2) and np.isfinite(coords).all()
    assert len(np.unique(coords, axis=0)) > 2900  # every row placed, not piled up
    assert any("placed the rest" in n for n in info["notes"])
