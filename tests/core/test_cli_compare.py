"""`embedlens compare`: the JSON contract, rows matched by id, per-row output, bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "embedlens", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ},
        timeout=300,
    )


@pytest.fixture
def pair(tmp_path, rng):
    """A: 120 labelled rows; B: the same rows rotated, 10 left out, 3 extra, shuffled."""
    labels = np.repeat(["体育", "world", "tech"], 40)
    centres = rng.normal(size=(3, 12)) * 3
    X = (centres[np.repeat(np.arange(3), 40)] + rng.normal(size=(120, 12))).astype(np.float32)
    q, _ = np.linalg.qr(rng.normal(size=(12, 12)))
    a = pd.DataFrame({"id": [f"r{i}" for i in range(120)], "topic": labels})
    a["embedding"] = list(X)
    keep = rng.permutation(120)[:110]
    b = pd.DataFrame({"id": [f"r{i}" for i in keep] + ["x1", "x2", "x3"]})
    b["embedding"] = list(np.vstack([X[keep] @ q * 5, rng.normal(size=(3, 12))]).astype("f4"))
    pa, pb = tmp_path / "a.parquet", tmp_path / "b.parquet"
    a.to_parquet(pa)
    b.to_parquet(pb)
    return pa, pb


def test_compare_json_contract_and_per_row_output(tmp_path, pair):
    pa, pb = pair
    out = tmp_path / "per_row.parquet"
    proc = cli(
        "compare",
        str(pa),
        str(pb),
        "--k",
        "10",
        "--label-column",
        "topic",
        "-o",
        str(out),
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    s = json.loads(proc.stdout.strip().splitlines()[-1])
    for key in ("overlap_at_k", "cka", "ari", "nmi", "knn_accuracy_a", "knn_accuracy_b"):
        assert isinstance(s[key], float), key
    assert s["overlap_at_k"] == 1.0 and s["cka"] == pytest.approx(1.0)
    assert (s["n_rows"], s["dropped_a"], s["dropped_b"]) == (110, 10, 3)
    assert s["knn_accuracy_a"] == s["knn_accuracy_b"] > 0.9
    assert "110 rows matched by id" in proc.stderr
    rows = pd.read_parquet(out)
    assert len(rows) == 110 and {"id", "overlap", "neighbors_a", "neighbors_b"} <= set(rows)
    assert len(rows["neighbors_a"].iloc[0]) == 10 and set(rows["label"]) == {
        "体育",
        "world",
        "tech",
    }


def test_compare_without_labels_gives_null_accuracy(tmp_path, pair):
    pa, pb = pair
    proc = cli("compare", str(pa), str(pb), "--k", "5", cwd=tmp_path)
    s = json.loads(proc.stdout.strip().splitlines()[-1])
    assert s["knn_accuracy_a"] is None and s["k"] == 5


@pytest.mark.parametrize(
    "extra, fragment",
    [
        (["--k", "0"], "'k' parameter"),
        (["--label-column", "nope"], "no column 'nope'"),
        (["--vector-column", "vec"], "no column named 'vec'"),
        (["-o", "out.xlsx"], "must end in .parquet"),
    ],
)
def test_compare_bad_input_exits_2_without_output(tmp_path, pair, extra, fragment):
    pa, pb = pair
    proc = cli("compare", str(pa), str(pb), *extra, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("error: ") or "\nerror: " in proc.stderr
    assert fragment in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "out.xlsx").exists()


def test_compare_disjoint_ids_is_an_error(tmp_path, pair, rng):
    pa, _ = pair
    other = pd.DataFrame({"id": ["q1", "q2", "q3", "q4"]})
    other["embedding"] = list(rng.normal(size=(4, 12)).astype("f4"))
    other.to_parquet(tmp_path / "c.parquet")
    proc = cli("compare", str(pa), str(tmp_path / "c.parquet"), cwd=tmp_path)
    assert proc.returncode == 2 and "share 0 row id" in proc.stderr
