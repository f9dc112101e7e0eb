"""Time ``compare_embeddings`` (exact overlap@10 both sides, CKA, k-means) on synthetic vectors.

Prints one line per size: rows, dims, seconds per step and in all, and the load average (the
machine is shared: compare ratios taken in the same run, not absolute figures across runs).

    .venv/bin/python benchmarks/bench_compare.py [N ...]   # default 5000 10000 20000
"""

from __future__ import annotations

import os
import sys
import time

import numpy as np

from embedlens.compare import linear_cka, neighbor_sets
from embedlens.compare.embeddings import _kmeans


def main(sizes: list[int]) -> None:
    rng = np.random.default_rng(0)
    print(f"{'rows':>7} {'dims':>9} {'nn A':>7} {'nn B':>7} {'cka':>6} {'kmeans':>7}  load")
    for n in sizes:
        A = rng.normal(size=(n, 384)).astype(np.float32)
        B = (A[:, :128] + rng.normal(scale=0.5, size=(n, 128))).astype(np.float32)
        t = [time.perf_counter()]
        neighbor_sets(A, k=10)
        t.append(time.perf_counter())
        neighbor_sets(B, k=10)
        t.append(time.perf_counter())
        linear_cka(A, B)
        t.append(time.perf_counter())
        _kmeans(A, 8, 0), _kmeans(B, 8, 0)
        t.append(time.perf_counter())
        steps = np.diff(t)
        load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
        print(f"{n:>7} {'384/128':>9} " + " ".join(f"{s:>7.1f}" for s in steps) + f"  {load}")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [5000, 10000, 20000])
