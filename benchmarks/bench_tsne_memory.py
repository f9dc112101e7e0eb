"""t-SNE peak memory at 20,000 x 384: openTSNE's own neighbour index against exact neighbours.

Issue 18 / DESIGN.md budget: "t-SNE at 20k points: openTSNE on precomputed neighbours; peak
<= 3 x raw", raw being the float32 vectors' bytes (20,000 x 384 x 4 = 30.7 MB).

Variants, each in its own fresh process (seeded float32 Gaussian mixture, 20 components):

- ``old``: what ``embedlens.reduce`` did before: unit rows, sklearn PCA to 50 dims, then
  ``openTSNE.TSNE(...).fit`` with openTSNE's own neighbour search (Annoy from 1,000 rows),
  FFT gradients, ``n_jobs=-1``. Reachable here only, by calling openTSNE directly.
- ``new``: ``embedlens.reduce.project(X, ProjectionParams(method="tsne"))``: the same
  preprocessing, then exact neighbours from embedlens in bounded blocks handed to openTSNE.
- ``prep``: the preprocessing alone (unit rows + PCA), to show its share of either peak.

Memory: the process's RSS after its imports and a 500-row warm-up run of the same variant
(lazy imports, BLAS and OpenMP thread pools) is the baseline; the kernel's peak-RSS mark
(VmHWM) is reset there, so the peak covers making the data and the fit. Two ratios to raw:
``(peak - baseline) / raw`` (what the work costs; it includes the input itself, 1x) and
``peak / raw`` (the whole process, interpreter and libraries included).

Quality on the same data: 10-NN preservation (share of each row's 10 cosine neighbours that
are among its 10 nearest on the map) of both maps, and on scikit-learn's digits (1,797 x 64)
trustworthiness(10) and 10-NN preservation of both paths, computed in this process.

    flock /work/team/heavy.lock .venv/bin/python benchmarks/bench_tsne_memory.py
    .venv/bin/python benchmarks/bench_tsne_memory.py --quick     # 3,000 rows, smoke run
"""

from __future__ import annotations

import argparse
import tempfile
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
BUDGET = 3.0
TIMEOUT_S = 900
VARIANTS = ("prep", "old", "new")
WARMUP_ROWS = 500
DATA_CHUNK = 1_000  # the data is built in blocks: its own peak is the array plus one block


def _prepare_old(X: Any, seed: int) -> Any:
    """reduce.py's preprocessing before the change: unit rows, then PCA to 50 dims."""
    import numpy as np
    from sklearn.decomposition import PCA

    U = X / np.linalg.norm(X, axis=1, keepdims=True)
    U = np.ascontiguousarray(U, dtype=np.float32)
    pca = PCA(n_components=50, random_state=seed).fit(U)
    return np.ascontiguousarray(pca.transform(U), dtype=np.float32)


def _old_tsne(Xp: Any, seed: int) -> Any:
    """openTSNE with its own neighbour index, as reduce._make_tsne built it before."""
    import numpy as np
    import openTSNE

    large = len(Xp) >= 10_000
    tsne = openTSNE.TSNE(
        n_components=2,
        perplexity=30.0,
        metric="euclidean",
        random_state=seed,
        n_jobs=-1 if len(Xp) >= 2_000 else 1,
        negative_gradient_method="fft" if large else "bh",
        callbacks_every_iters=50,
    )
    return np.asarray(tsne.fit(Xp), dtype=np.float32)


def _run(variant: str, X: Any) -> Any:
    """The variant's map of ``X`` (prep: the first two PCA components)."""
    from embedlens.reduce import ProjectionParams, project

    if variant == "prep":
        return _prepare_old(X, 0)[:, :2]
    if variant == "old":
        return _old_tsne(_prepare_old(X, 0), 0)
    return project(X, ProjectionParams(method="tsne")).coords


def worker(spec: dict[str, Any]) -> dict[str, Any]:
    """One variant on synthetic data in this fresh process; coords saved for the parent."""
    import numpy as np
    import openTSNE  # noqa: F401  (imports stay in the baseline)
    import sklearn.decomposition  # noqa: F401

    variant, n = spec["variant"], int(spec["n"])
    _run(variant, gaussian_mixture(WARMUP_ROWS, DIM, seed=1)[0])  # lazy imports, thread pools
    reset_peak_rss()
    base = current_rss()
    X, _ = gaussian_mixture(n, DIM, seed=0, chunk=DATA_CHUNK)
    start = time.perf_counter()
    coords = _run(variant, X)
    seconds = time.perf_counter() - start
    peak = peak_rss_since_reset()
    np.save(spec["out"], np.ascontiguousarray(coords, dtype=np.float32), allow_pickle=False)
    return {"seconds": seconds, "base_rss": base, "peak_rss": peak, "raw_bytes": X.nbytes}


def knn_preservation(X: Any, coords: Any, k: int = 10) -> float:
    """Mean share of each row's k cosine neighbours among its k nearest on the map."""
    import numpy as np

    from embedlens.neighbors import top_k

    n, hits = len(X), 0
    for s in range(0, n, 2_000):
        rows = np.arange(s, min(s + 2_000, n))
        orig = top_k(X, X[rows], k=k, metric="cosine", exclude=rows).indices
        on_map = top_k(coords, coords[rows], k=k, metric="euclidean", exclude=rows).indices
        hits += sum(len(set(a) & set(b)) for a, b in zip(orig, on_map, strict=True))
    return hits / (n * k)


def digits_quality() -> list[list[Any]]:
    """Trustworthiness and 10-NN preservation of both paths on scikit-learn's digits."""
    import numpy as np
    from sklearn.datasets import load_digits
    from sklearn.manifold import trustworthiness

    from embedlens.reduce import ProjectionParams, project

    X = load_digits().data.astype(np.float32)
    rows = []
    for seed in (0, 1):
        old = _old_tsne(_prepare_old(X, seed), seed)
        new = project(X, ProjectionParams(method="tsne", seed=seed)).coords
        for name, coords in (("old", old), ("new", new)):
            rows.append(
                [
                    name,
                    seed,
                    float(trustworthiness(X, coords, n_neighbors=10, metric="cosine")),
                    knn_preservation(X, coords),
                ]
            )
    return rows


def main() -> int:
    """Run the variants, print the table and the budget verdict."""
    import numpy as np

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3,000 rows, smoke run only")
    parser.add_argument("--rows", type=int, default=20_000)
    args = parser.parse_args()
    n = 3_000 if args.quick else args.rows
    info = print_header(f"t-SNE peak memory, {n:,} x {DIM} float32", args.quick)
    script = Path(__file__).resolve()
    results: dict[str, dict[str, Any]] = {}
    coords: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bench_tsne_") as tmp:
        for variant in VARIANTS:
            out = str(Path(tmp) / f"{variant}.npy")
            spec = {"kind": "tsne", "variant": variant, "n": n, "out": out}
            run, result = run_worker(script, spec, timeout=TIMEOUT_S)
            run.check(f"variant {variant}")
            assert result is not None
            result["wall_s"] = run.seconds
            result["load"] = run.load_at_start
            results[variant] = result
            coords[variant] = np.load(out, allow_pickle=False)
    X, _ = gaussian_mixture(n, DIM, seed=0)
    raw = X.nbytes
    rows = []
    for variant in VARIANTS:
        r = results[variant]
        net = (r["peak_rss"] - r["base_rss"]) / raw
        total = r["peak_rss"] / raw
        quality = None if variant == "prep" else knn_preservation(X, coords[variant])
        rows.append(
            [
                variant,
                r["seconds"],
                r["wall_s"],
                r["load"],
                mib(r["base_rss"]),
                mib(r["peak_rss"]),
                net,
                total,
                quality,
            ]
        )
    print(f"raw = {n:,} x {DIM} x 4 bytes = {raw / 1e6:.1f} MB ({mib(raw):.1f} MiB)")
    headers = ["variant", "fit s", "process s", "load", "base MiB", "peak MiB"]
    headers += ["(peak-base)/raw", "peak/raw", "10-NN kept"]
    print(table(headers, rows))
    old, new = results["old"], results["new"]
    net_new = (new["peak_rss"] - new["base_rss"]) / raw
    net_old = (old["peak_rss"] - old["base_rss"]) / raw
    print(
        f"\nnew / old: net peak {net_new / net_old:.2f}x, fit time "
        f"{new['seconds'] / old['seconds']:.2f}x"
    )
    ok = verdict(net_new <= BUDGET)
    print(f"budget (peak - base) <= {BUDGET:g} x raw: {ok} ({net_new:.2f}x)")
    digits = digits_quality()
    print("\nscikit-learn digits (1,797 x 64), cosine, k = 10:")
    print(table(["path", "seed", "trustworthiness", "10-NN kept"], digits))
    emit_json(
        "tsne_memory",
        {
            "rows": n,
            "raw_bytes": raw,
            "results": results,
            "net_ratio_new": net_new,
            "net_ratio_old": net_old,
            "digits": digits,
            "machine": info,
        },
    )
    return 0


if __name__ == "__main__":
    if not worker_main({"tsne": worker}):
        raise SystemExit(main())
