"""Projection at scale: PCA, t-SNE (openTSNE) and UMAP on 10k / 50k / 100k x 384 vectors.

Synthetic data: a seeded float32 Gaussian mixture (20 components, 384 dims). Every run is
its own subprocess. Reported per run: wall and CPU seconds of the fit (UMAP after a small
warm-up call that pays the numba JIT, timed separately), peak RSS and the memory budget: peak
RSS <= 3 x the raw float32 vector bytes + model, where "model" is the process's RSS after its
imports and warm-up, before the data exists. The peak is the kernel's VmHWM mark, reset right
after the warm-up (so it covers making the data and the fit); where the mark cannot be reset
it falls back to the whole process's ``ru_maxrss`` from ``wait4``.

Baselines in the same script: scikit-learn TSNE at 20k against openTSNE at 20k (DESIGN.md:
openTSNE 35.7 s vs scikit-learn 84 s measured before), plain sklearn PCA at every size, plain
umap-learn at the smallest size, and the full 100k fit against fit-on-a-20k-sample + transform
(``embedlens.reduce.fit_sample_transform``). ``--million`` adds 1M x 384 (1.5 GB) with a 50k
sample (UMAP) and PCA on all of it.

    python benchmarks/bench_scale.py                 # 10k / 50k / 100k (~30 min on 2 cores)
    python benchmarks/bench_scale.py --quick         # 2k / 5k, smoke run
    python benchmarks/bench_scale.py --only tsne,sklearn
"""

from __future__ import annotations

import argparse
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
TIMEOUT_S = 3600
PARTS = ("pca", "umap", "tsne", "sklearn", "sample", "million")

# ---------------------------------------------------------------- worker (fresh process)


def _umap_warmup(rows: int) -> float:
    """One small project() call so the timed call does not pay the numba JIT."""
    from embedlens.reduce import ProjectionParams, project

    X, _ = gaussian_mixture(rows, DIM, seed=99)
    start = time.perf_counter()
    project(X, ProjectionParams(method="umap"))
    return time.perf_counter() - start


def worker_project(spec: dict[str, Any]) -> dict[str, Any]:
    """embedlens.reduce.project or fit_sample_transform on synthetic data."""
    import sklearn.decomposition  # noqa: F401  (import costs stay outside the timed call)

    from embedlens.reduce import ProjectionParams, project
    from embedlens.reduce_scale import estimate_cost, fit_sample_transform

    method, n, sample = spec["method"], int(spec["n"]), int(spec.get("sample") or 0)
    params = ProjectionParams(method=method)
    if method == "tsne":
        import openTSNE  # noqa: F401
    if method == "umap":
        import umap  # noqa: F401
    jit_s = _umap_warmup(int(spec["warmup_rows"])) if method == "umap" else 0.0
    reset_peak_rss()  # the high-water mark from here on: data + fit only
    base = current_rss()
    X, _ = gaussian_mixture(n, DIM, seed=0)
    fit_n = sample if sample and sample < n else n
    estimate_s, estimate_bytes = estimate_cost(fit_n, DIM, params)
    start, cpu0 = time.perf_counter(), time.process_time()
    if sample:
        proj = fit_sample_transform(X, params, sample_size=sample)
    else:
        proj = project(X, params)
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "cpu_s": time.process_time() - cpu0,
        "jit_s": jit_s,
        "base_rss": base,
        "peak_since_base": peak_rss_since_reset(),
        "raw_bytes": X.nbytes,
        "estimate_s": estimate_s,
        "estimate_bytes": estimate_bytes,
        "shape": list(proj.coords.shape),
        "notes": list(proj.notes),
    }


def worker_sklearn_tsne(spec: dict[str, Any]) -> dict[str, Any]:
    """scikit-learn TSNE with the same preprocessing embedlens does (unit rows, PCA to 50)."""
    import numpy as np
    from sklearn.decomposition import PCA
    from sklearn.manifold import TSNE

    reset_peak_rss()  # the high-water mark from here on: data + fit only
    base = current_rss()
    X, _ = gaussian_mixture(int(spec["n"]), DIM, seed=0)
    start, cpu0 = time.perf_counter(), time.process_time()
    U = X / np.linalg.norm(X, axis=1, keepdims=True)
    U = PCA(n_components=50, random_state=0).fit_transform(U).astype(np.float32)
    coords = TSNE(n_components=2, perplexity=30.0, random_state=0, n_jobs=-1).fit_transform(U)
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "cpu_s": time.process_time() - cpu0,
        "jit_s": 0.0,
        "base_rss": base,
        "peak_since_base": peak_rss_since_reset(),
        "raw_bytes": X.nbytes,
        "shape": list(coords.shape),
    }


def worker_plain(spec: dict[str, Any]) -> dict[str, Any]:
    """The library call a user would write: sklearn PCA(2) or umap.UMAP(cosine) on raw 384-d."""
    method = spec["method"]
    jit_s = 0.0
    if method == "umap":
        import umap

        Xw, _ = gaussian_mixture(int(spec["warmup_rows"]), DIM, seed=99)
        start = time.perf_counter()
        umap.UMAP(metric="cosine", random_state=0).fit_transform(Xw)
        jit_s = time.perf_counter() - start
        del Xw
        model = umap.UMAP(n_neighbors=15, min_dist=0.1, metric="cosine", random_state=0)
    else:
        from sklearn.decomposition import PCA

        model = PCA(n_components=2, random_state=0)
    reset_peak_rss()  # the high-water mark from here on: data + fit only
    base = current_rss()
    X, _ = gaussian_mixture(int(spec["n"]), DIM, seed=0)
    start, cpu0 = time.perf_counter(), time.process_time()
    coords = model.fit_transform(X)
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "cpu_s": time.process_time() - cpu0,
        "jit_s": jit_s,
        "base_rss": base,
        "peak_since_base": peak_rss_since_reset(),
        "raw_bytes": X.nbytes,
        "shape": list(coords.shape),
    }


# ---------------------------------------------------------------- driver


def _plan(quick: bool, parts: set[str]) -> list[dict[str, Any]]:
    sizes = [2_000, 5_000] if quick else [10_000, 50_000, 100_000]
    tsne_cmp = 2_000 if quick else 20_000
    big, sample = sizes[-1], (2_000 if quick else 20_000)
    warm = 500 if quick else 5_000
    plan: list[dict[str, Any]] = []
    if "pca" in parts:
        for n in sizes:
            plan.append({"kind": "project", "label": "embedlens PCA", "method": "pca", "n": n})
            plan.append({"kind": "plain", "label": "plain sklearn PCA", "method": "pca", "n": n})
    if "umap" in parts:
        for n in sizes:
            plan.append(
                {
                    "kind": "project",
                    "label": "embedlens UMAP",
                    "method": "umap",
                    "n": n,
                    "warmup_rows": warm,
                }
            )
        plan.append(
            {
                "kind": "plain",
                "label": "plain umap-learn (cosine, 384-d)",
                "method": "umap",
                "n": sizes[0],
                "warmup_rows": warm,
            }
        )
    if "tsne" in parts:
        for n in sorted(set(sizes) | {tsne_cmp}):
            plan.append(
                {"kind": "project", "label": "embedlens t-SNE (openTSNE)", "method": "tsne", "n": n}
            )
    if "sklearn" in parts:
        plan.append(
            {"kind": "sklearn_tsne", "label": "scikit-learn TSNE", "method": "tsne", "n": tsne_cmp}
        )
    if "sample" in parts:
        for method in ("umap", "tsne"):
            plan.append(
                {
                    "kind": "project",
                    "label": f"embedlens {method} sample+transform",
                    "method": method,
                    "n": big,
                    "sample": sample,
                    "warmup_rows": warm,
                }
            )
    if "million" in parts:
        n_m, s_m = (200_000, 10_000) if quick else (1_000_000, 50_000)
        plan.append({"kind": "project", "label": "embedlens PCA", "method": "pca", "n": n_m})
        plan.append(
            {
                "kind": "project",
                "label": "embedlens umap sample+transform",
                "method": "umap",
                "n": n_m,
                "sample": s_m,
                "warmup_rows": warm,
            }
        )
    return plan


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2k / 5k points, smoke run")
    parser.add_argument("--million", action="store_true", help="add 1M x 384 (50k sample)")
    parser.add_argument(
        "--only", default="", help=f"comma-separated subset of {','.join(PARTS[:-1])}"
    )
    args = parser.parse_args(argv)
    parts = set(args.only.split(",")) if args.only else set(PARTS[:-1])
    if args.million:
        parts.add("million")
    unknown = parts - set(PARTS)
    if unknown:
        parser.error(f"unknown --only part(s): {', '.join(sorted(unknown))}")
    print_header("bench_scale: PCA / t-SNE / UMAP at scale, 384-d synthetic", args.quick)

    results = []
    for spec in _plan(args.quick, parts):
        sample = f" (fit on {spec['sample']:,})" if spec.get("sample") else ""
        print(f"{spec['label']} n={spec['n']:,}{sample} ...", flush=True)
        run, res = run_worker(Path(__file__), spec, timeout=TIMEOUT_S)
        if res is None:
            why = "timed out" if run.timed_out else f"failed (exit {run.rc})"
            print(f"   {why}: " + " | ".join(run.stderr.strip().splitlines()[-3:]))
            results.append({**spec, "error": why, "peak_rss": run.peak_rss})
            continue
        # Peak from the reset mark (after imports and warm-up); wait4's covers the whole process.
        peak = max(res["peak_since_base"], res["base_rss"]) or run.peak_rss
        res.update(spec, peak_rss=peak, process_peak=run.peak_rss, load=run.load_at_start)
        print(f"   {res['seconds']:.1f} s, peak RSS {mib(peak):,.0f} MiB", flush=True)
        results.append(res)
    _report(results, quick=args.quick)
    return 0


def _mem_ok(r: dict[str, Any]) -> bool:
    return r["peak_rss"] <= 3 * r["raw_bytes"] + r["base_rss"]


def _find(results: list[dict[str, Any]], **match: Any) -> dict[str, Any] | None:
    """The first successful run whose fields equal ``match`` (a missing field counts as None)."""
    for r in results:
        if "error" not in r and all(r.get(k) == v for k, v in match.items()):
            return r
    return None


def _row(r: dict[str, Any]) -> list[Any]:
    path = f"sample {r['sample']:,}" if r.get("sample") else "all"
    if "error" in r:
        return [r["label"], r["n"], path, r["error"]] + [None] * 8
    ratio = (r["peak_rss"] - r["base_rss"]) / r["raw_bytes"]
    return [r["label"], r["n"], path, r["seconds"], r["cpu_s"], r["jit_s"] or None,
            r.get("estimate_s"), mib(r["peak_rss"]), mib(r["raw_bytes"]), ratio,
            verdict(_mem_ok(r)), r["load"]]  # fmt: skip


def _summary(r: dict[str, Any]) -> dict[str, Any]:
    keys = ("label", "method", "n", "sample", "seconds", "cpu_s", "jit_s", "load", "error")
    out = {k: (round(v, 3) if isinstance(v, float) else v) for k, v in r.items() if k in keys}
    if "error" not in r:
        out["peak_rss_mib"] = round(mib(r["peak_rss"]))
        out["mem_ratio"] = round((r["peak_rss"] - r["base_rss"]) / r["raw_bytes"], 2)
        out["mem_verdict"] = verdict(_mem_ok(r))
    return out


def _report(results: list[dict[str, Any]], *, quick: bool) -> None:
    print()
    headers = [
        "run",
        "n",
        "fit on",
        "wall s",
        "CPU s",
        "JIT warm-up s",
        "estimate s (fit)",
        "peak RSS MiB",
        "raw MiB",
        "(peak-model)/raw",
        "mem <= 3x raw + model",
        "load",
    ]
    print(table(headers, [_row(r) for r in results]))  # fmt: skip
    print(
        "model = RSS after imports (and the UMAP warm-up) before the data was made; "
        "estimate = embedlens.reduce.estimate_cost; load = 1-minute load average at start"
    )
    print()
    summary: dict[str, Any] = {"quick": quick, "runs": [_summary(r) for r in results]}

    sk = _find(results, kind="sklearn_tsne")
    ot = _find(results, kind="project", method="tsne", n=sk["n"], sample=None) if sk else None
    if sk and ot:
        ratio, ok = ot["seconds"] / sk["seconds"], ot["seconds"] < sk["seconds"]
        ref = "" if quick else "  (measured here before: openTSNE 35.7 s, scikit-learn 84 s)"
        print(
            f"t-SNE at {sk['n']:,}: openTSNE {ot['seconds']:.1f} s vs scikit-learn "
            f"{sk['seconds']:.1f} s = {ratio:.2f}x; budget 'openTSNE, not scikit-learn' "
            f"(faster): {verdict(ok)}{ref}"
        )
        summary["tsne_vs_sklearn"] = {"n": sk["n"], "openTSNE_s": round(ot["seconds"], 2),
                                      "sklearn_s": round(sk["seconds"], 2),
                                      "ratio": round(ratio, 3), "verdict": verdict(ok)}  # fmt: skip

    for plain in (r for r in results if r["kind"] == "plain" and "error" not in r):
        ours = _find(results, kind="project", method=plain["method"], n=plain["n"], sample=None)
        if ours:
            ratio = ours["seconds"] / plain["seconds"]
            print(
                f"{plain['method'].upper()} at {plain['n']:,}: embedlens {ours['seconds']:.2f} s "
                f"vs {plain['label']} {plain['seconds']:.2f} s = {ratio:.2f}x"
            )
            summary.setdefault("vs_plain", []).append(
                {"method": plain["method"], "n": plain["n"], "ratio": round(ratio, 3)}
            )

    for r in results:
        if not r.get("sample") or "error" in r:
            continue
        full = _find(results, kind="project", method=r["method"], n=r["n"], sample=None)
        line = (
            f"{r['method']} at {r['n']:,}: fit on {r['sample']:,} + transform {r['seconds']:.1f} s"
        )
        if full:
            ratio = r["seconds"] / full["seconds"]
            print(f"{line} vs full fit {full['seconds']:.1f} s = {ratio:.2f}x")
            summary.setdefault("sample_vs_full", []).append(
                {"method": r["method"], "n": r["n"], "ratio": round(ratio, 3)}
            )
        else:
            print(f"{line} (no full fit at this size to compare)")

    mem_all = [_mem_ok(r) for r in results if "error" not in r]
    print(f"memory budget held in {sum(mem_all)}/{len(mem_all)} runs: {verdict(all(mem_all))}")
    summary["memory_verdict"] = verdict(all(mem_all))
    emit_json("scale", summary)


if __name__ == "__main__":
    if not worker_main(
        {"project": worker_project, "sklearn_tsne": worker_sklearn_tsne, "plain": worker_plain}
    ):
        raise SystemExit(main())
