"""Timings that used to be wall-clock assertions in the unit tests, printed as figures here.

The unit tests now assert what makes these steps fast (one transaction, batched lookups, no
per-row parsing, WebGL typed arrays, one hover text per density bin); this script measures how
fast they are, with the old test limits as budgets, and a same-script baseline where there is
one (``json.loads`` per row for the vector column), so the ratio survives a busy machine.

    python benchmarks/bench_unit_timings.py            # the unit tests' sizes
    python benchmarks/bench_unit_timings.py --quick    # a tenth of them
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from _common import emit_json, print_header, table, verdict


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def _cache(n: int, rng: np.random.Generator) -> list[list[Any]]:
    from embedlens.store import EmbeddingCache, model_key

    key = model_key("sentence-transformers", "all-MiniLM-L6-v2")
    texts = [f"text number {i}" for i in range(n)]
    vectors = rng.random((n, 8), dtype=np.float32)
    with tempfile.TemporaryDirectory() as tmp:
        cache = EmbeddingCache(Path(tmp) / "embeddings.sqlite")
        put_s, _ = _timed(lambda: cache.put_many(key, texts[::2], vectors[::2]))
        get_s, _ = _timed(lambda: cache.get_many(key, texts))
        cache.close()
    return [
        [f"cache put_many {n // 2:,} x 8", put_s, 20.0, verdict(put_s < 20.0)],
        [f"cache get_many {n:,} (half found)", get_s, 20.0, verdict(get_s < 20.0)],
    ]


def _vector_column(n: int, rng: np.random.Generator) -> list[list[Any]]:
    from embedlens.io import parse_vector_column

    X = (rng.integers(-999, 999, size=(n, 128)) / 8).astype(np.float32)
    strings = pd.Series([json.dumps(r) for r in X.tolist()])
    fast_s, out = _timed(lambda: parse_vector_column(strings, column="e", source="big.csv"))
    assert np.array_equal(out, X)
    base_s, _ = _timed(lambda: np.array([json.loads(s) for s in strings], dtype=np.float32))
    return [
        [f"parse_vector_column {n:,} x 128 JSON", fast_s, 5.0, verdict(fast_s < 5.0)],
        [f"  baseline json.loads per row (x{base_s / fast_s:.1f})", base_s, None, "n/a"],
    ]


def _figures(n_scatter: int, n_density: int, rng: np.random.Generator) -> list[list[Any]]:
    from embedlens.plotting import density_figure, scatter_figure

    xy = rng.normal(size=(n_scatter, 2)).astype(np.float32)
    color = rng.integers(-1, 15, n_scatter)
    s_s, _ = _timed(lambda: scatter_figure(xy, ids=np.arange(n_scatter), color=color))
    big = rng.normal(size=(n_density, 2)).astype(np.float32)
    labels = (big[:, 0] > 0).astype(np.int64)
    names = {0: "west", 1: "east"}
    d_s, _ = _timed(
        lambda: density_figure(big, bins=128, cluster_labels=labels, cluster_names=names)
    )
    return [
        [f"scatter_figure {n_scatter:,} points", s_s, 5.0, verdict(s_s < 5.0)],
        [f"density_figure {n_density:,} points, 128 bins", d_s, 10.0, verdict(d_s < 10.0)],
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of the sizes")
    args = parser.parse_args(argv)
    scale = 10 if args.quick else 1
    print_header("Former unit-test timings", args.quick)
    rng = np.random.default_rng(0)
    rows = (
        _cache(100_000 // scale, rng)
        + _vector_column(10_000 // scale, rng)
        + _figures(100_000 // scale, 1_000_000 // scale, rng)
    )
    print(table(["step", "seconds", "old test limit (s)", "verdict"], rows))
    print(f"   load average at the end {os.getloadavg()}")
    emit_json(
        "unit_timings",
        {
            "quick": args.quick,
            "loadavg": os.getloadavg(),
            "seconds": {r[0].strip(): round(r[1], 4) for r in rows},
        },
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
