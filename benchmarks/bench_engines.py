"""Engines side by side: embedding + projection rows/s and peak memory, in-process vs local vs ray.

Each engine runs in its own fresh process on the same generated data: seeded synthetic
sentences (8-24 made-up words) embedded with all-MiniLM-L6-v2 (float32, no cache),
then a seeded 384-d Gaussian mixture projected with a fit on a sample and the rest placed with
transform. Figures per engine: seconds and rows/s of each step; the driver's peak RSS (VmHWM);
the peak of the whole process tree's memory (PSS summed over the driver and every process it
started: worker pools, Ray's raylet, GCS and workers, sampled every 0.5 s; shared pages such as
Ray's object store counted once). The baseline is the in-process run (no engine) in the same
script.

    python benchmarks/bench_engines.py            # 1,000 texts, 100,000 vectors, PCA (~2 min)
    python benchmarks/bench_engines.py --quick            # 300 texts, 20,000 vectors
    python benchmarks/bench_engines.py --method umap --sample 5000
    python benchmarks/bench_engines.py --million          # 1,000,000 vectors (sample 50,000)
    python benchmarks/bench_engines.py --embed-rows 1000000 --rows 1000000  # a real cluster
    EMBEDLENS_RAY_ADDRESS=ray://head:10001 python benchmarks/bench_engines.py --engines ray
    # vectors only: projection, exact neighbours (top-10 of 1,000 queries) and k-means (k=20)
    python benchmarks/bench_engines.py --steps project,neighbors,kmeans --rows 200000

Steps (``--steps``, default ``embed,project``): ``neighbors`` is the exact top-10 of the first
``--queries`` rows against all rows (in-process: :func:`embedlens.neighbors.top_k`; local: the
same function in one worker; ray: ``RayEngine.neighbors``, data sharded, top-k merged);
``kmeans`` is :func:`embedlens.cluster.cluster` with k=20 (fitted on its seeded sample, every
row assigned; ray: assignment in parallel). Each step's time is also given over the in-process
run's ("x in-process" per step) and the neighbours and labels are compared with it.
"""

from __future__ import annotations

import argparse
import os
import threading
import time
from pathlib import Path
from typing import Any

from _common import (
    emit_json,
    gaussian_mixture,
    mib,
    print_header,
    run_worker,
    self_peak_rss,
    table,
    worker_main,
)

SCRIPT = Path(__file__).resolve()
ENGINES = ("inprocess", "local", "ray")
STEPS = ("embed", "project", "neighbors", "kmeans")


def make_texts(n: int, seed: int = 0) -> list[str]:
    """``n`` distinct seeded sentences of 8-24 made-up words (1-3 syllables, ~1,900 words)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    syllables = ["ka", "lo", "mi", "ter", "san", "vo", "ri", "pel", "du", "nex", "bra", "ost"]
    vocab = sorted({"".join(rng.choice(syllables, size=rng.integers(1, 4))) for _ in range(6000)})[
        :3000
    ]
    lengths = rng.integers(8, 25, size=n)
    words = rng.integers(0, len(vocab), size=int(lengths.sum()))
    out, pos = [], 0
    for i, length in enumerate(lengths):
        out.append(f"{i} " + " ".join(vocab[w] for w in words[pos : pos + length]))
        pos += length
    return out


class TreeMemory:
    """Peak PSS of this process and all its descendants, sampled in a thread."""

    def __init__(self, every: float = 0.5) -> None:
        import psutil

        self.proc = psutil.Process()
        self.peak = 0
        self.every = every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> int:
        import psutil

        total = 0
        for p in [self.proc, *self.proc.children(recursive=True)]:
            try:
                total += p.memory_full_info().pss
            except (psutil.Error, OSError):
                continue
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._sample())
            self._stop.wait(self.every)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.peak = max(self.peak, self._sample())
        self._stop.set()
        self._thread.join()


def _worker_run(spec: dict[str, Any]) -> dict[str, Any]:
    """One engine: embed the texts, project the vectors; report times and memory."""
    import numpy as np

    from embedlens.pipeline import EmbedSpec
    from embedlens.reduce import ProjectionParams

    steps = spec.get("steps", ("embed", "project"))
    texts = make_texts(spec["embed_rows"] if "embed" in steps else 0)
    X, _ = gaussian_mixture(spec["rows"], 384, centers=20, seed=0)
    queries = X[: spec.get("queries", 1000)]
    embed_spec = EmbedSpec(
        backend="sentence-transformers", model="all-MiniLM-L6-v2", precision="float32"
    )
    params = ProjectionParams(method=spec["method"], seed=0)
    sample = spec["sample"] if spec["sample"] and spec["sample"] < len(X) else None
    out: dict[str, Any] = {"engine": spec["engine"]}
    from embedlens.cluster import ClusterParams, cluster
    from embedlens.neighbors import top_k

    kmeans = ClusterParams(method="kmeans", k=20, seed=0)
    emb = coords = nn = labels = None
    times: dict[str, float] = {}
    with TreeMemory() as tree:
        t0 = time.perf_counter()
        if spec["engine"] == "inprocess":
            from embedlens.embedders import embed_texts
            from embedlens.reduce import project
            from embedlens.reduce_scale import fit_sample_transform

            out["workers"] = 1
            out["start_s"] = 0.0
            engine = None
        else:
            from embedlens.engines import get_engine

            engine = get_engine(spec["engine"], workers=spec["workers"])
            out["workers"] = engine.workers
            out["start_s"] = time.perf_counter() - t0
        for step in steps:
            t1 = time.perf_counter()
            if step == "embed" and engine is None:
                emb = embed_texts(texts, backend=embed_spec.backend, precision="float32").vectors
            elif step == "embed":
                emb = engine.embed(texts, embed_spec).vectors
            elif step == "project" and engine is None:
                if sample is None:
                    coords = project(X, params).coords
                else:
                    coords = fit_sample_transform(X, params, sample_size=sample).coords
            elif step == "project":
                coords = engine.project(X, params, sample_size=sample).coords
            elif step == "neighbors" and engine is None:
                nn = top_k(X, queries, k=10).indices
            elif step == "neighbors" and spec["engine"] == "ray":
                nn = engine.neighbors(X, queries, k=10).indices
            elif step == "neighbors":  # the local engine: the same function in a worker
                nn = engine.run(top_k, X, queries, k=10).indices
            elif step == "kmeans" and engine is None:
                labels = cluster(X, kmeans).labels
            elif step == "kmeans":
                labels = engine.cluster(X, kmeans).labels
            times[step] = time.perf_counter() - t1
        if engine is not None:
            engine.close()
    rows_s = {"embed": len(texts), "project": len(X), "neighbors": len(queries), "kmeans": len(X)}
    out.update(
        {f"{step}_s": t for step, t in times.items()},
        **{f"{step}_rows_s": rows_s[step] / t for step, t in times.items() if t > 0},
        driver_peak_rss=self_peak_rss(),
        tree_peak_pss=tree.peak,
        placed=None if coords is None else int(np.isfinite(coords).all(axis=1).sum()),
        emb_head=None if emb is None else emb[:50].tolist(),
        nn_head=None if nn is None else np.asarray(nn[:200]).tolist(),
        labels=None if labels is None else np.asarray(labels).tolist(),
    )
    return out


def _compare(checks: dict[str, tuple[Any, Any]]) -> None:
    """Neighbours and k-means labels of each engine against the in-process run's."""
    import numpy as np
    from sklearn.metrics import adjusted_rand_score

    if "inprocess" not in checks:
        return
    ref_nn, ref_labels = checks["inprocess"]
    for name, (nn, labels) in checks.items():
        if name == "inprocess":
            continue
        if nn is not None and ref_nn is not None:
            same = float((np.asarray(nn) == np.asarray(ref_nn)).mean())
            print(f"{name}: neighbour ids equal to in-process on 200 queries: {same:.4f}")
        if labels is not None and ref_labels is not None:
            ari = adjusted_rand_score(ref_labels, labels)
            print(f"{name}: k-means labels vs in-process, adjusted Rand index {ari:.4f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--million", action="store_true", help="1,000,000 vectors, sample 50,000")
    ap.add_argument("--rows", type=int, default=None, help="vectors to project")
    ap.add_argument("--embed-rows", type=int, default=None, help="texts to embed")
    ap.add_argument("--method", default="pca", choices=["pca", "umap", "tsne"])
    ap.add_argument("--sample", type=int, default=None, help="fit sample (0 = all rows)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--engines", default=",".join(ENGINES))
    ap.add_argument("--steps", default="embed,project", help="of embed,project,neighbors,kmeans")
    ap.add_argument("--queries", type=int, default=1000, help="neighbour queries (top-10)")
    args = ap.parse_args()
    steps = tuple(args.steps.split(","))
    unknown = set(steps) - set(STEPS)
    if unknown:
        ap.error(f"--steps: unknown {sorted(unknown)}; choose from {', '.join(STEPS)}")
    rows = args.rows or (1_000_000 if args.million else 20_000 if args.quick else 100_000)
    embed_rows = args.embed_rows or (300 if args.quick else 1_000)
    sample = args.sample if args.sample is not None else (50_000 if args.million else 10_000)
    print_header("Engines: in-process vs local worker processes vs Ray", args.quick)
    print(
        f"steps {', '.join(steps)}: embed {embed_rows:,} synthetic sentences (all-MiniLM-L6-v2, "
        f"float32, no cache); {rows:,} x 384 vectors: project with {args.method} (fit on "
        f"{sample:,}, rest placed), exact top-10 of {args.queries:,} queries, k-means k=20; "
        f"{args.workers} workers\n"
    )
    results, emb, checks = [], {}, {}
    for name in args.engines.split(","):
        spec = {
            "kind": "run", "engine": name, "rows": rows, "embed_rows": embed_rows,
            "method": args.method, "sample": sample, "workers": args.workers,
            "steps": steps, "queries": args.queries,
        }  # fmt: skip
        run, res = run_worker(SCRIPT, spec, timeout=3600)
        if res is None:
            tail = "\n".join(run.stderr.strip().splitlines()[-8:])
            print(f"{name}: failed ({run.rc}):\n{tail}\n")
            continue
        res["wall_s"] = run.seconds
        emb[name] = res.pop("emb_head")
        checks[name] = (res.pop("nn_head"), res.pop("labels"))
        results.append(res)
    base = next((r for r in results if r["engine"] == "inprocess"), None)
    head = ["engine", "workers", "start s"]
    for step in steps:
        head += [f"{step} s", f"{step} rows/s", f"{step} x in-proc"]
    head += ["placed", "driver MiB", "tree MiB", "tree x in-proc", "wall s"]
    rows_out = []
    for r in results:
        line = [r["engine"], r["workers"], r["start_s"]]
        for step in steps:
            t = r.get(f"{step}_s")
            ref = base.get(f"{step}_s") if base else None
            line += [t, r.get(f"{step}_rows_s"), t / ref if t and ref else None]
        line += [r["placed"], mib(r["driver_peak_rss"]), mib(r["tree_peak_pss"])]
        line += [r["tree_peak_pss"] / base["tree_peak_pss"] if base else None, r["wall_s"]]
        rows_out.append(line)
    print(table(head, rows_out))
    raw = rows * 384 * 4
    print(f"\nraw vectors: {mib(raw):,.0f} MiB. 'x in-proc': the step's time over the in-process")
    print("run's (start-up of the engine not included; it is in 'start s'); tree MiB: peak PSS of")
    print("the driver and every process it started. Load average now:", os.getloadavg())
    _compare(checks)
    if "inprocess" in emb and emb["inprocess"] is not None:
        import numpy as np

        ref = np.asarray(emb["inprocess"])
        for name, first in emb.items():
            got = np.asarray(first)
            cos = (got * ref).sum(1) / np.linalg.norm(got, axis=1) / np.linalg.norm(ref, axis=1)
            print(f"{name}: min row cosine to in-process on the first 50 texts {cos.min():.6f}")
    emit_json("engines", {"rows": rows, "embed_rows": embed_rows, "results": results})


if __name__ == "__main__":
    if not worker_main({"run": _worker_run}):
        main()
