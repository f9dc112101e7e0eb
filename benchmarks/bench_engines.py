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
"""

from __future__ import annotations

import argparse
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

    texts = make_texts(spec["embed_rows"])
    X, _ = gaussian_mixture(spec["rows"], 384, centers=20, seed=0)
    embed_spec = EmbedSpec(
        backend="sentence-transformers", model="all-MiniLM-L6-v2", precision="float32"
    )
    params = ProjectionParams(method=spec["method"], seed=0)
    sample = spec["sample"] if spec["sample"] and spec["sample"] < len(X) else None
    out: dict[str, Any] = {"engine": spec["engine"]}
    with TreeMemory() as tree:
        t0 = time.perf_counter()
        if spec["engine"] == "inprocess":
            from embedlens.embedders import embed_texts
            from embedlens.reduce import project
            from embedlens.reduce_scale import fit_sample_transform

            out["workers"] = 1
            out["start_s"] = 0.0
            t1 = time.perf_counter()
            emb = embed_texts(texts, backend=embed_spec.backend, precision="float32").vectors
            t2 = time.perf_counter()
            if sample is None:
                coords = project(X, params).coords
            else:
                coords = fit_sample_transform(X, params, sample_size=sample).coords
        else:
            from embedlens.engines import get_engine

            engine = get_engine(spec["engine"], workers=spec["workers"])
            out["workers"] = engine.workers
            t1 = time.perf_counter()
            out["start_s"] = t1 - t0
            emb = engine.embed(texts, embed_spec).vectors
            t2 = time.perf_counter()
            coords = engine.project(X, params, sample_size=sample).coords
        t3 = time.perf_counter()
        if spec["engine"] != "inprocess":
            engine.close()
    out.update(
        embed_s=t2 - t1,
        project_s=t3 - t2,
        embed_rows_s=len(texts) / (t2 - t1),
        project_rows_s=len(X) / (t3 - t2),
        driver_peak_rss=self_peak_rss(),
        tree_peak_pss=tree.peak,
        placed=int(np.isfinite(coords).all(axis=1).sum()),
        emb_head=emb[:50].tolist(),
    )
    return out


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
    args = ap.parse_args()
    rows = args.rows or (1_000_000 if args.million else 20_000 if args.quick else 100_000)
    embed_rows = args.embed_rows or (300 if args.quick else 1_000)
    sample = args.sample if args.sample is not None else (50_000 if args.million else 10_000)
    print_header("Engines: in-process vs local worker processes vs Ray", args.quick)
    print(
        f"embed {embed_rows:,} synthetic sentences (all-MiniLM-L6-v2, float32, no cache); "
        f"project {rows:,} x 384 vectors with {args.method} (fit on {sample:,}, rest placed); "
        f"{args.workers} workers\n"
    )
    results, emb = [], {}
    for name in args.engines.split(","):
        spec = {
            "kind": "run", "engine": name, "rows": rows, "embed_rows": embed_rows,
            "method": args.method, "sample": sample, "workers": args.workers,
        }  # fmt: skip
        run, res = run_worker(SCRIPT, spec, timeout=3600)
        if res is None:
            tail = "\n".join(run.stderr.strip().splitlines()[-8:])
            print(f"{name}: failed ({run.rc}):\n{tail}\n")
            continue
        res["wall_s"] = run.seconds
        emb[name] = res.pop("emb_head")
        results.append(res)
    base = next((r for r in results if r["engine"] == "inprocess"), None)
    rows_out = []
    for r in results:
        rows_out.append(
            [
                r["engine"], r["workers"], r["start_s"], r["embed_s"], r["embed_rows_s"],
                r["project_s"], r["project_rows_s"], r["placed"], mib(r["driver_peak_rss"]),
                mib(r["tree_peak_pss"]), r["wall_s"],
                (r["embed_s"] + r["project_s"]) / (base["embed_s"] + base["project_s"])
                if base else None,
            ]
        )  # fmt: skip
    print(
        table(
            [
                "engine", "workers", "start s", "embed s", "texts/s", "project s", "rows/s",
                "placed", "driver MiB", "tree MiB", "wall s", "x in-process",
            ],
            rows_out,
        )
    )  # fmt: skip
    raw = rows * 384 * 4
    print(f"\nraw vectors: {mib(raw):,.0f} MiB. 'x in-process': embed + project time over the")
    print("in-process run's (start-up of the engine not included; it is in 'start s').")
    if "inprocess" in emb:
        import numpy as np

        ref = np.asarray(emb["inprocess"])
        for name, head in emb.items():
            got = np.asarray(head)
            cos = (got * ref).sum(1) / np.linalg.norm(got, axis=1) / np.linalg.norm(ref, axis=1)
            print(f"{name}: min row cosine to in-process on the first 50 texts {cos.min():.6f}")
    emit_json("engines", {"rows": rows, "embed_rows": embed_rows, "results": results})


if __name__ == "__main__":
    if not worker_main({"run": _worker_run}):
        main()
