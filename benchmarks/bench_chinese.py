"""The Chinese default path beside the English one: time and peak memory per row, cold CLI.

Chinese: THUCNews test titles as a CSV with the header 标题,类别, embedded with no model flag
(``--model auto`` picks the offline character TF-IDF + SVD, ``tfidf-char``), then
``project --method umap`` and ``cluster --method kmeans --k 10`` (keywords by jieba).
English: AG News test (7,600 texts, ``--text-column col2``) with the default all-MiniLM-L6-v2,
then the same projection and ``cluster --k 4``. Each step is a cold subprocess with a fresh
workspace; the Chinese path runs on the same row count as AG News (7,600 titles, a seeded
sample spread over the 10 topics) and on all 10,000 titles. Budget (DESIGN.md): the Chinese
path's time within 1.5 x AG News per row. Also printed: the share of Chinese keywords that are
words (tests/zh_words.py) and, from each embed summary, the model chosen. CPU seconds and peak
RSS cover the whole process tree (the CLI computes in local-engine worker processes).

    python benchmarks/bench_chinese.py            # 7,600 + 10,000 Chinese rows, 7,600 English
    python benchmarks/bench_chinese.py --quick    # 600 rows of each, smoke run
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from _common import (
    DATASETS,
    PY,
    ROOT,
    Run,
    bench_env,
    emit_json,
    fresh_dir,
    mib,
    print_header,
    table,
    verdict,
)

THUC = DATASETS / "chinese_thucnews_titles_test.txt"
THUC_CLASSES = DATASETS / "chinese_thucnews_class.txt"
AG_NEWS = DATASETS / "ag_news_test.csv"
AG_ROWS = 7_600
QUICK_ROWS = 600
PER_ROW_BUDGET = 1.5
TIMEOUT_S = 1800


def _cli(*args: str) -> list[str]:
    return [PY, "-m", "embedlens", *args]


def _tree(root: int) -> dict[int, tuple[float, int]]:
    """{pid: (CPU seconds so far, RSS bytes)} of ``root`` and all its descendants (Linux)."""
    tick, page = os.sysconf("SC_CLK_TCK"), os.sysconf("SC_PAGE_SIZE")
    children: dict[int, list[int]] = {}
    stats: dict[int, tuple[float, int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = open(f"/proc/{entry}/stat").read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(entry), int(fields[1])
        children.setdefault(ppid, []).append(pid)
        stats[pid] = ((int(fields[11]) + int(fields[12])) / tick, int(fields[21]) * page)
    out, todo = {}, [root]
    while todo:
        pid = todo.pop()
        if pid in stats:
            out[pid] = stats[pid]
        todo += children.get(pid, [])
    return out


def run_tree(cmd: list[str], *, env: dict[str, str]) -> Run:
    """``run_timed`` plus CPU and peak RSS of the whole process tree, sampled every 0.2 s.

    The CLI computes in worker processes (the local engine) that ``wait4`` of the CLI does not
    account for, so the CPU seconds are the sum over every process seen in the tree (each at its
    last sample) and the peak RSS is the largest sum of the tree's resident sets at one sample.
    """
    import subprocess
    import threading
    import time

    peak, cpu, done = [0], {}, threading.Event()

    def sample(pid: int) -> None:
        while not done.is_set():
            tree = _tree(pid)
            cpu.update({p: c for p, (c, _) in tree.items()})
            peak[0] = max(peak[0], sum(r for _, r in tree.values()))
            done.wait(0.2)

    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=str(ROOT), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)  # fmt: skip
    watcher = threading.Thread(target=sample, args=(proc.pid,), daemon=True)
    watcher.start()
    out, err = proc.communicate(timeout=TIMEOUT_S)
    seconds = time.perf_counter() - start
    done.set()
    watcher.join()
    return Run(cmd=cmd, seconds=seconds, rc=proc.returncode, stdout=out, stderr=err,
               peak_rss=peak[0], cpu_seconds=sum(cpu.values()))  # fmt: skip


def _thucnews_csv(folder: Path, rows: int | None) -> Path:
    """The titles with header 标题,类别 (class names); ``rows``: a seeded stratified sample."""
    import pandas as pd

    names = THUC_CLASSES.read_text(encoding="utf-8").split()
    frame = pd.read_csv(THUC, sep="\t", header=None, names=["标题", "id"], quoting=3)
    frame["类别"] = [names[int(i)] for i in frame["id"]]
    if rows is not None and rows < len(frame):
        frame = frame.sample(n=rows, random_state=0).sort_index()
    path = folder / f"thucnews_{len(frame)}.csv"
    frame[["标题", "类别"]].to_csv(path, index=False, encoding="utf-8")
    return path


def _ag_csv(folder: Path, rows: int) -> Path:
    if rows >= AG_ROWS:
        return AG_NEWS
    path = folder / "ag_head.csv"
    lines = AG_NEWS.read_text(encoding="utf-8").splitlines(keepends=True)[:rows]
    path.write_text("".join(lines), encoding="utf-8")
    return path


def run_path(csv: Path, *, embed_args: list[str], k: int, text: str) -> dict[str, Any]:
    """embed -> project (UMAP) -> cluster (KMeans k), three cold processes, fresh workspace."""
    import pandas as pd

    with fresh_dir("embedlens-bench-zh-home-") as home, fresh_dir("embedlens-bench-zh-") as out:
        env = bench_env(home)
        embedded, projected = str(out / "e.parquet"), str(out / "p.parquet")
        clustered = out / "c.parquet"
        steps = {
            "embed": ["embed", str(csv), *embed_args, "-o", embedded],
            "project": ["project", embedded, "--method", "umap", "-o", projected],
            "cluster": ["cluster", projected, "--k", str(k), "-o", str(clustered)],
        }
        runs: dict[str, Run] = {}
        load = os.getloadavg()[0]
        for name, args in steps.items():
            runs[name] = run_tree(_cli(*args), env=env)
            runs[name].load_at_start = load if name == "embed" else 0.0
            runs[name].check(f"{csv.name} {name}")
        frame = pd.read_parquet(clustered, columns=[text, "cluster"])
        summary = {name: run.last_json() or {} for name, run in runs.items()}
    rows = len(frame)
    total = sum(r.seconds for r in runs.values())
    return {
        "rows": rows,
        "steps": {n: r.seconds for n, r in runs.items()},
        "cpu": {n: r.cpu_seconds for n, r in runs.items()},
        "peak_rss": {n: r.peak_rss for n, r in runs.items()},
        "total": total,
        "cpu_total": sum(r.cpu_seconds for r in runs.values()),
        "per_row_ms": 1000 * total / rows,
        "load": runs["embed"].load_at_start,
        "model": summary["embed"].get("model", ""),
        "keywords": {int(c): v.get("keywords", [])
                     for c, v in summary["cluster"]["clusters"].items()},
        "texts": frame[text].astype(str).tolist(),
        "labels": frame["cluster"].to_numpy(),
    }  # fmt: skip


def _word_share(result: dict[str, Any]) -> tuple[int, int]:
    sys.path.insert(0, str(ROOT))
    from tests.zh_words import keyword_word_share

    share = keyword_word_share(result["keywords"], result["texts"], result["labels"])
    return share.words, share.chinese


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_ROWS} rows of each")
    args = parser.parse_args(argv)
    print_header("bench_chinese: THUCNews (auto model) beside AG News (MiniLM), cold", args.quick)
    missing = [p for p in (THUC, THUC_CLASSES, AG_NEWS) if not p.is_file()]
    if missing:
        print(f"skipped: {missing[0]} not found (the shared datasets folder is absent)")
        emit_json("chinese", {"skipped": f"{missing[0]} not found"})
        return 0
    same = QUICK_ROWS if args.quick else AG_ROWS
    results: dict[str, dict[str, Any]] = {}
    with fresh_dir("embedlens-bench-zh-data-") as tmp:
        zh_args = ["--text-column", "标题"]
        plan = [
            (f"zh {same:,}", _thucnews_csv(tmp, same), zh_args, 10, "标题"),
            (f"en {same:,}", _ag_csv(tmp, same), ["--no-header", "--text-column", "col2"], 4,
             "col2"),
        ]  # fmt: skip
        if not args.quick:
            plan.append(("zh 10,000", _thucnews_csv(tmp, None), zh_args, 10, "标题"))
        for name, csv, embed_args, k, text in plan:
            print(f"{name}: embed -> project -> cluster ...", flush=True)
            r = results[name] = run_path(csv, embed_args=embed_args, k=k, text=text)
            steps = ", ".join(
                f"{s} {r['steps'][s]:.1f} s wall / {r['cpu'][s]:.1f} s CPU / "
                f"{mib(r['peak_rss'][s]):,.0f} MiB"
                for s in r["steps"]
            )
            print(f"  {name} done: {steps}", flush=True)  # kept if a later path never ends
    _report(results, same)
    return 0


def _report(results: dict[str, dict[str, Any]], same: int) -> None:
    rows = []
    for name, r in results.items():
        for step in ("embed", "project", "cluster"):
            rows.append([name, step, r["steps"][step], r["cpu"][step], mib(r["peak_rss"][step])])
        rows.append([name, "TOTAL", r["total"], r["cpu_total"],
                     mib(max(r["peak_rss"].values()))])  # fmt: skip
    print()
    print(table(["path", "step", "wall s", "CPU s", "peak RSS MiB"], rows))
    print(
        "(each step is its own cold process tree, CLI plus engine workers, sampled every "
        "0.2 s; peak RSS of TOTAL = the largest step)"
    )
    print()
    zh, en = results[f"zh {same:,}"], results[f"en {same:,}"]
    for name, r in results.items():
        words = f", keywords that are words {_fmt_share(r)}" if name.startswith("zh") else ""
        print(
            f"{name}: model {r['model'].strip()}, {r['rows']:,} rows, {r['per_row_ms']:.2f} ms "
            f"per row (wall), {1000 * r['cpu_total'] / r['rows']:.2f} ms CPU per row, load "
            f"{r['load']:.1f}{words}"
        )
    ratio = zh["per_row_ms"] / en["per_row_ms"]
    cpu_ratio = (zh["cpu_total"] / zh["rows"]) / (en["cpu_total"] / en["rows"])
    mem_ratio = max(zh["peak_rss"].values()) / max(en["peak_rss"].values())
    ok = ratio <= PER_ROW_BUDGET
    print(
        f"Chinese / English time per row at {same:,} rows: wall {ratio:.2f}x, CPU "
        f"{cpu_ratio:.2f}x (budget <= {PER_ROW_BUDGET}x: {verdict(ok)}); peak RSS "
        f"{mem_ratio:.2f}x"
    )
    full = results.get("zh 10,000")
    if full is not None:
        print(
            f"THUCNews 10,000: {full['total']:.1f} s wall, {full['per_row_ms']:.2f} ms per row "
            f"({full['per_row_ms'] / en['per_row_ms']:.2f}x AG News per row), peak RSS "
            f"{mib(max(full['peak_rss'].values())):,.0f} MiB"
        )
    emit_json(
        "chinese",
        {
            name: {
                "rows": r["rows"],
                "model": r["model"].strip(),
                "steps": r["steps"],
                "cpu": r["cpu"],
                "peak_rss_mib": {k: mib(v) for k, v in r["peak_rss"].items()},
                "per_row_ms": r["per_row_ms"],
            }
            for name, r in results.items()
        }
        | {
            "ratio_per_row": ratio,
            "cpu_ratio_per_row": cpu_ratio,
            "rss_ratio": mem_ratio,
            "budget": PER_ROW_BUDGET,
            "pass": ok,
        },  # fmt: skip
    )


def _fmt_share(result: dict[str, Any]) -> str:
    words, chinese = _word_share(result)
    return f"{words}/{chinese} = {words / chinese:.3f}" if chinese else "n/a"


if __name__ == "__main__":
    raise SystemExit(main())
