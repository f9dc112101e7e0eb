"""Exact nearest neighbours: ``embedlens.neighbors.top_k`` for one query over 100k and 1M x 384.

For each size and metric (cosine, dot, euclidean), in a fresh process: time per query (first
call, then the median of repeats), the extra memory the search needs above the data (peak RSS
since the data was made, via the kernel's resettable VmHWM mark), and the top-10 checked
against a plain numpy brute force on the same float32 data (the baseline, also timed).

Budget: one query at 100k well under a second (taken here as <= 0.5 s); memory within
3 x the raw vector bytes + the process's footprint before the data.

    python benchmarks/bench_neighbors.py            # 100k and 1M x 384
    python benchmarks/bench_neighbors.py --quick    # 10k and 50k, smoke run
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path
from typing import Any

from _common import (
    current_rss,
    emit_json,
    gaussian_mixture,
    mib,
    peak_rss_since_reset,
    print_header,
    reset_peak_rss,
    run_worker,
    table,
    verdict,
    worker_main,
)

DIM = 384
K = 10
METRICS = ("cosine", "dot", "euclidean")
QUERY_BUDGET_S = 0.5
BUDGET_AT = 100_000
TIMEOUT_S = 1800

# ---------------------------------------------------------------- worker (fresh process)


def _numpy_topk(X: Any, q: Any, metric: str) -> tuple[Any, Any]:
    """What a user would write: score every row, argpartition, sort (ties: lower row)."""
    import numpy as np

    if metric == "cosine":
        key = -(X @ q) / (np.linalg.norm(X, axis=1) * np.linalg.norm(q))
    elif metric == "dot":
        key = -(X @ q)
    else:
        key = np.linalg.norm(X - q, axis=1)
    idx = np.argpartition(key, K)[:K]
    idx = idx[np.lexsort((idx, key[idx]))]
    return idx, key


def worker_neighbors(spec: dict[str, Any]) -> dict[str, Any]:
    import numpy as np

    from embedlens.neighbors import top_k

    n, metric, repeats = int(spec["n"]), spec["metric"], int(spec["repeats"])
    model = current_rss()
    X, _ = gaussian_mixture(n, DIM, seed=0, chunk=20_000)
    rng = np.random.default_rng(1)
    q = (X[123] + 0.5 * rng.standard_normal(DIM, dtype=np.float32)).astype(np.float32)
    data_rss = current_rss()
    resettable = reset_peak_rss()

    start = time.perf_counter()
    res = top_k(X, q, k=K, metric=metric)
    first = time.perf_counter() - start
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        top_k(X, q, k=K, metric=metric)
        times.append(time.perf_counter() - start)
    topk_peak = peak_rss_since_reset()

    reset_peak_rss()
    np_times = []
    for _ in range(max(1, repeats // 2)):
        start = time.perf_counter()
        ref_idx, key = _numpy_topk(X, q, metric)
        np_times.append(time.perf_counter() - start)
    numpy_peak = peak_rss_since_reset()

    ours = res.indices[0]
    if np.array_equal(ours, ref_idx):
        match = "identical"
    elif set(ours.tolist()) == set(ref_idx.tolist()):
        match = "same set, tie order differs"
    else:
        # Accept a different row only when its score ties the 10th within float32 rounding.
        kth = key[ref_idx[-1]]
        odd = set(ours.tolist()) ^ set(ref_idx.tolist())
        tol = 4 * np.finfo(np.float32).eps * max(1.0, abs(float(kth)))
        tied = all(abs(float(key[i]) - float(kth)) <= tol for i in odd)
        match = "equal up to float32 ties at the 10th" if tied else "DIFFERENT"
    return {
        "first_s": first,
        "times_s": times,
        "numpy_s": np_times,
        "model_rss": model,
        "data_rss": data_rss,
        "raw_bytes": X.nbytes,
        "resettable": resettable,
        "topk_peak": topk_peak,
        "numpy_peak": numpy_peak,
        "match": match,
    }


# ---------------------------------------------------------------- driver


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10k and 50k, smoke run")
    parser.add_argument("--repeats", type=int, default=5, help="timed queries after the first")
    args = parser.parse_args(argv)
    print_header("bench_neighbors: exact top-10, one query, 384-d", args.quick)
    sizes = [10_000, 50_000] if args.quick else [100_000, 1_000_000]

    results = []
    for n in sizes:
        for metric in METRICS:
            print(f"top_k n={n:,} metric={metric} ...", flush=True)
            spec = {"kind": "neighbors", "n": n, "metric": metric, "repeats": args.repeats}
            run, res = run_worker(Path(__file__), spec, timeout=TIMEOUT_S)
            run.check(f"neighbors worker n={n} metric={metric}")
            assert res is not None
            res.update(n=n, metric=metric, process_peak=run.peak_rss)
            results.append(res)
    _report(results, quick=args.quick)
    return 0


def _report(results: list[dict[str, Any]], *, quick: bool) -> None:
    print()
    rows = []
    summary_runs = []
    all_match = True
    for r in results:
        med, np_med = statistics.median(r["times_s"]), statistics.median(r["numpy_s"])
        extra = r["topk_peak"] - r["data_rss"]
        np_extra = r["numpy_peak"] - r["data_rss"]
        # The peak while top_k ran (the mark was reset once the data existed).
        mem_ok = max(r["topk_peak"], r["data_rss"]) <= 3 * r["raw_bytes"] + r["model_rss"]
        all_match &= r["match"] != "DIFFERENT"
        rows.append(
            [
                r["n"],
                r["metric"],
                r["first_s"],
                med,
                np_med,
                med / np_med,
                mib(max(extra, 0)),
                mib(max(np_extra, 0)),
                mib(max(r["topk_peak"], r["data_rss"])),
                verdict(mem_ok),
                r["match"],
            ]
        )
        summary_runs.append(
            {
                "n": r["n"],
                "metric": r["metric"],
                "first_s": round(r["first_s"], 4),
                "median_s": round(med, 4),
                "numpy_median_s": round(np_med, 4),
                "ratio_vs_numpy": round(med / np_med, 3),
                "extra_mib": round(mib(max(extra, 0)), 1),
                "numpy_extra_mib": round(mib(max(np_extra, 0)), 1),
                "peak_rss_mib": round(mib(max(r["topk_peak"], r["data_rss"]))),
                "mem_verdict": verdict(mem_ok),
                "match": r["match"],
            }
        )
    print(
        table(
            [
                "n",
                "metric",
                "first s",
                "median s",
                "numpy s",
                "ratio",
                "top_k extra MiB",
                "numpy extra MiB",
                "peak in top_k MiB",
                "mem <= 3x raw + model",
                "top-10 vs numpy",
            ],
            rows,
        )
    )
    if not results[0]["resettable"]:
        print("note: the peak-RSS mark could not be reset; 'extra' columns include data creation")
    raw = ", ".join(f"{r['n']:,} x {DIM}: {mib(r['raw_bytes']):,.0f} MiB" for r in results[::3])
    print(f"raw data: {raw}")
    at_budget = [r for r in results if r["n"] == BUDGET_AT]
    ok: bool | None = None
    if at_budget:
        worst = max(statistics.median(r["times_s"]) for r in at_budget)
        ok = worst <= QUERY_BUDGET_S
        print(
            f"slowest median query at {BUDGET_AT:,}: {worst:.3f} s; budget 'well under a "
            f"second' (<= {QUERY_BUDGET_S} s): {verdict(ok)}"
        )
    else:
        print(f"--quick: no {BUDGET_AT:,}-row run, the query budget is n/a")
    print(f"top-10 equal to numpy brute force in every run: {verdict(all_match)}")
    emit_json(
        "neighbors",
        {
            "quick": quick,
            "runs": summary_runs,
            "query_budget_s": QUERY_BUDGET_S,
            "query_verdict": verdict(ok),
            "match_verdict": verdict(all_match),
        },
    )


if __name__ == "__main__":
    if not worker_main({"neighbors": worker_neighbors}):
        raise SystemExit(main())
