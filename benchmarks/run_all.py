"""Run every benchmark in sequence (``make bench``); ``--quick`` passes --quick to each.

Each script prints its own table and a final JSON line; this runner prints one summary line
per script at the end. It exits non-zero when a script failed (a MISS is a figure, not a
failure).

    python benchmarks/run_all.py            # full sizes: about an hour on 2 cores
    python benchmarks/run_all.py --quick    # small sizes, a few minutes
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = (
    "bench_pipeline.py",
    "bench_reproject.py",
    "bench_scale.py",
    "bench_neighbors.py",
    "bench_startup.py",
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (smoke run)")
    parser.add_argument("--million", action="store_true", help="bench_scale: add 1M x 384")
    args = parser.parse_args(argv)
    failures, summary = [], []
    for name in SCRIPTS:
        cmd = [sys.executable, str(HERE / name)]
        if args.quick:
            cmd.append("--quick")
        if args.million and name == "bench_scale.py":
            cmd.append("--million")
        print(f"\n######## {' '.join(cmd[1:])}", flush=True)
        start = time.perf_counter()
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, text=True)
        sys.stdout.write(proc.stdout)
        seconds = time.perf_counter() - start
        last = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
        try:
            verdicts = {k: v for k, v in json.loads(last).items() if k.endswith("verdict")}
        except json.JSONDecodeError:
            verdicts = {}
        if proc.returncode != 0:
            failures.append(name)
        summary.append((name, proc.returncode, seconds, verdicts))
    print("\n######## summary")
    for name, rc, seconds, verdicts in summary:
        status = "ok" if rc == 0 else f"FAILED (exit {rc})"
        shown = ", ".join(f"{k}={v}" for k, v in verdicts.items()) or "-"
        print(f"{name:22s} {status:18s} {seconds:7.1f} s  {shown}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
