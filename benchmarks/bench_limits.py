"""Limits on a shared server (issue 17), measured through the CLI in fresh processes.

1. A 200,000-column CSV is refused (budget <= 15 s; before the header-line check: 38 s).
2. An unknown model name with no hub access is refused (budget <= 15 s; was 83 s of hub
   retries). The child gets NO HF_HUB_OFFLINE from us: embedlens must go offline by itself.
3. A 20 MB text cell is embedded by the default model, cut before tokenising and counted as
   truncated (budget: peak RSS <= 1.5 GB).
Every refused run must leave no output file (and no ``.tmp`` file) behind.

    .venv/bin/python benchmarks/bench_limits.py [--quick]
"""

from __future__ import annotations

import os
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import PY, ROOT, emit_json, fresh_dir, print_header, run_timed, table, verdict  # noqa: E402

GB = 1024**3


def _wide_csv(path: Path, n_columns: int) -> None:
    header = ",".join(f"c{i}" for i in range(n_columns))
    row = ",".join("1" for _ in range(n_columns))
    path.write_text(header + "\n" + (row + "\n") * 3, encoding="utf-8")


def _big_cell_csv(path: Path, n_chars: int) -> None:
    rng = random.Random(0)
    words = ["alpha", "beta", "gamma", "delta", "北京", "上海", "refund", "invoice", "late"]
    big = " ".join(rng.choice(words) for _ in range(n_chars // 5 + 1))[:n_chars]
    path.write_text(f'text\n"{big}"\na short second row\nanother short row\n', encoding="utf-8")


def _env(home: Path) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if k not in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
    }
    env.pop("EMBEDLENS_ALLOW_DOWNLOADS", None)
    env["EMBEDLENS_HOME"] = str(home)
    return env


def _leftovers(folder: Path, out: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith((out.name, f".{out.name}")))


def main() -> None:
    quick = "--quick" in sys.argv
    print_header("bench_limits: refused early, models offline, long cells cut", quick)
    n_columns = 20_000 if quick else 200_000
    n_chars = 2_000_000 if quick else 20_000_000
    rows, payload = [], {}
    with fresh_dir("bench-limits-") as tmp:
        env = _env(tmp / "ws")
        wide, out = tmp / "wide.csv", tmp / "wide_out.parquet"
        _wide_csv(wide, n_columns)
        run = run_timed([PY, "-m", "embedlens", "embed", wide, "--backend", "tfidf-svd",
                         "-o", out], env=env, cwd=ROOT, timeout=120)  # fmt: skip
        ok = (
            run.rc == 2
            and "columns; this server accepts" in run.stderr
            and not _leftovers(tmp, out)
        )
        rows.append([f"{n_columns:,}-column CSV refused", round(run.seconds, 2), "<= 15 s",
                     round(run.peak_rss / GB, 2), verdict(ok and run.seconds <= 15)])  # fmt: skip
        payload["wide_csv"] = {"seconds": run.seconds, "rc": run.rc, "ok": ok}

        small, out = tmp / "small.csv", tmp / "model_out.parquet"
        small.write_text("text\nhello world\nanother row\nthird row\n", encoding="utf-8")
        run = run_timed([PY, "-m", "embedlens", "embed", small, "--backend",
                         "sentence-transformers", "--model", "no-such-org/no-such-model",
                         "-o", out], env=env, cwd=ROOT, timeout=300)  # fmt: skip
        ok = run.rc == 2 and "loaded offline" in run.stderr and not _leftovers(tmp, out)
        rows.append(["unknown model refused offline", round(run.seconds, 2), "<= 15 s",
                     round(run.peak_rss / GB, 2), verdict(ok and run.seconds <= 15)])  # fmt: skip
        payload["unknown_model"] = {"seconds": run.seconds, "rc": run.rc, "ok": ok}

        big, out = tmp / "bigcell.csv", tmp / "bigcell_out.parquet"
        _big_cell_csv(big, n_chars)
        run = run_timed([PY, "-m", "embedlens", "embed", big, "--no-cache", "-o", out],
                        env=env, cwd=ROOT, timeout=600)  # fmt: skip
        summary = run.last_json() or {}
        ok = run.rc == 0 and summary.get("truncated") == 1 and out.exists()
        what = f"{n_chars / 1e6:.0f} MB text cell embedded (truncated {summary.get('truncated')})"
        good = ok and run.peak_rss <= 1.5 * GB
        rows.append([what, round(run.seconds, 2), "peak <= 1.5 GB", round(run.peak_rss / GB, 2),
                     verdict(good)])  # fmt: skip
        payload["big_cell"] = {"seconds": run.seconds, "peak_rss": run.peak_rss, "ok": ok,
                               "truncated": summary.get("truncated")}  # fmt: skip
    print(table(["what", "seconds", "budget", "peak RSS GB", "verdict"], rows))
    print(f"\n   load average after: {os.getloadavg()}")
    emit_json("bench_limits", payload)


if __name__ == "__main__":
    main()
