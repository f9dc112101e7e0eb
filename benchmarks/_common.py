"""Helpers shared by the benchmark scripts: timed subprocesses, peak RSS, tables, data.

Not part of the embedlens package and never imported by the tests. Every measurement that
needs a clean memory high-water mark or a cold start runs in its own subprocess; its peak
resident set size comes from ``os.wait4`` (the child's ``ru_maxrss``, which also covers the
grandchildren it waited for).
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATASETS = Path(os.environ.get("EMBEDLENS_DATASETS", str(ROOT.parent / "shared" / "datasets")))
PY = sys.executable
MiB = 1024 * 1024
# Headless Debian chromium (launched through Playwright's executable_path), offline and quiet.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@dataclass
class Run:
    """One finished subprocess: wall and CPU seconds, exit status, output, peak RSS in bytes."""

    cmd: list[str]
    seconds: float
    rc: int
    stdout: str
    stderr: str
    peak_rss: int
    cpu_seconds: float = 0.0
    load_at_start: float = 0.0
    timed_out: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def last_json(self) -> Any:
        """The last stdout line that parses as JSON (None when there is none)."""
        for line in reversed(self.stdout.strip().splitlines()):
            line = line.strip()
            if line.startswith(("{", "[")):
                try:
                    return json.loads(line)
                except json.JSONDecodeError:
                    continue
        return None

    def check(self, what: str) -> None:
        """Exit the benchmark with the child's stderr tail when it failed."""
        if self.rc != 0:
            tail = "\n".join(self.stderr.strip().splitlines()[-15:])
            why = "timed out" if self.timed_out else f"exited {self.rc}"
            sys.exit(f"{what} {why}: {' '.join(self.cmd)}\n{tail}")


def run_timed(
    cmd: Sequence[str],
    *,
    env: dict[str, str] | None = None,
    cwd: Path | str = ROOT,
    timeout: float | None = None,
) -> Run:
    """Run ``cmd``, timing it from spawn to exit; stdout/stderr go through temp files."""
    cmd = [str(c) for c in cmd]
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        load = os.getloadavg()[0]
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, cwd=str(cwd), text=True)
        timed_out = threading.Event()

        def _kill() -> None:
            timed_out.set()
            proc.kill()

        timer = threading.Timer(timeout, _kill) if timeout else None
        if timer is not None:
            timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            if timer is not None:
                timer.cancel()
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Run(
            cmd=cmd,
            seconds=seconds,
            rc=proc.returncode,
            stdout=out.read(),
            stderr=err.read(),
            peak_rss=int(usage.ru_maxrss) * 1024,  # Linux reports KiB
            cpu_seconds=usage.ru_utime + usage.ru_stime,
            load_at_start=load,
            timed_out=timed_out.is_set(),
        )


def bench_env(home: Path | str | None = None) -> dict[str, str]:
    """The environment for a child: offline model hub, optional fresh EMBEDLENS_HOME.

    No resident worker (EMBEDLENS_RESIDENT=0) unless the caller's environment sets it: a CLI
    command would leave one behind for 15 minutes in a workspace the benchmark deletes.
    """
    env = dict(os.environ)
    env.update(
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
    )
    env.setdefault("EMBEDLENS_RESIDENT", "0")
    if home is not None:
        env["EMBEDLENS_HOME"] = str(home)
    return env


@contextlib.contextmanager
def fresh_dir(prefix: str) -> Iterator[Path]:
    """A temporary folder, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        yield Path(tmp)


def current_rss() -> int:
    """This process's resident set size now, in bytes (Linux /proc)."""
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def self_peak_rss() -> int:
    """This process's peak resident set size so far, in bytes."""
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * 1024


def machine_info() -> dict[str, Any]:
    """Date, CPU, core count, load and library versions, for the figures' header."""
    cpu = platform.processor() or "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = "?"
    with contextlib.suppress(OSError):
        total_kib = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{total_kib / 1024 / 1024:.0f} GiB"
    versions = {}
    for name in ("numpy", "sklearn", "umap", "openTSNE", "torch", "sentence_transformers"):
        with contextlib.suppress(Exception):
            from importlib.metadata import version

            dist = {"sklearn": "scikit-learn", "umap": "umap-learn"}.get(name, name)
            versions[name] = version(dist)
    return {
        "date": _dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory": mem,
        "loadavg_at_start": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "versions": versions,
    }


def print_header(title: str, quick: bool) -> dict[str, Any]:
    """Print the benchmark's title and the machine it runs on; returns the machine info."""
    info = machine_info()
    print(f"== {title}{'  [--quick: small sizes, smoke run only]' if quick else ''}")
    print(
        f"   {info['date']}  {info['cores']} cores ({info['cpu']}), {info['memory']} RAM, "
        f"load average at start {info['loadavg_at_start']}, Python {info['python']}"
    )
    print("   " + ", ".join(f"{k} {v}" for k, v in info["versions"].items()))
    if info["loadavg_at_start"][0] > 0.5 * (info["cores"] or 1):
        print(
            "   note: the machine is busy (load average above half the cores); other work "
            "shares the CPUs, so times are upper bounds"
        )
    print()
    return info


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A plain fixed-width table; numbers right-aligned."""
    cells = [[_fmt(c) for c in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in cells:
        for i, c in enumerate(row):
            widths[i] = max(widths[i], len(c))

    def line(values: Sequence[str], numeric: Sequence[bool]) -> str:
        parts = [
            v.rjust(w) if num else v.ljust(w)
            for v, w, num in zip(values, widths, numeric, strict=True)
        ]
        return "  ".join(parts).rstrip()

    numeric_cols = [
        all(_is_number(row[i]) for row in rows if row[i] not in ("", None, "-"))
        for i in range(len(headers))
    ]
    out = [line(list(headers), numeric_cols), line(["-" * w for w in widths], numeric_cols)]
    out += [line(row, numeric_cols) for row in cells]
    return "\n".join(out)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if value != value:  # NaN
            return "-"
        return f"{value:,.3f}" if abs(value) < 10 else f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def verdict(ok: bool | None) -> str:
    """PASS / MISS, or n/a when a budget could not be checked."""
    if ok is None:
        return "n/a"
    return "PASS" if ok else "MISS"


def emit_json(name: str, payload: dict[str, Any]) -> None:
    """The benchmark's final line: one JSON object."""
    print(json.dumps({"bench": name, **payload}, default=_json_default))


def _json_default(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    return str(value)


def gaussian_mixture(
    n: int,
    d: int = 384,
    *,
    centers: int = 20,
    spread: float = 1.0,
    seed: int = 0,
    chunk: int = 100_000,
) -> tuple[Any, Any]:
    """Seeded float32 (n, d) Gaussian mixture and its component labels, built in chunks.

    Centres are standard normal times ``spread`` per coordinate and the noise is standard
    normal, so with the default the clusters are distinct but their shells touch.
    Built chunk by chunk in float32, so the peak memory is the output plus one chunk.
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    means = rng.standard_normal((centers, d), dtype=np.float32) * np.float32(spread)
    labels = rng.integers(0, centers, size=n)
    X = np.empty((n, d), dtype=np.float32)
    for start in range(0, n, chunk):
        stop = min(start + chunk, n)
        block = rng.standard_normal((stop - start, d), dtype=np.float32)
        block += means[labels[start:stop]]
        X[start:stop] = block
    return X, labels


def mib(nbytes: float) -> float:
    """Bytes to MiB."""
    return nbytes / MiB


def worker_main(handlers: dict[str, Any]) -> bool:
    """When argv is ``--worker JSON``, run ``handlers[spec['kind']](spec)`` and print its JSON.

    Returns False when this process is not a worker (the caller then runs the benchmark).
    """
    if len(sys.argv) < 3 or sys.argv[1] != "--worker":
        return False
    spec = json.loads(sys.argv[2])
    result = handlers[spec["kind"]](spec)
    result.setdefault("self_peak_rss", self_peak_rss())
    print(json.dumps(result, default=_json_default))
    sys.stdout.flush()
    return True


def run_worker(
    script: Path, spec: dict[str, Any], *, timeout: float | None = None, env=None
) -> tuple[Run, dict[str, Any] | None]:
    """Run ``script --worker SPEC`` in a fresh process; returns the run and its JSON result."""
    run = run_timed(
        [PY, str(script), "--worker", json.dumps(spec)], env=env or bench_env(), timeout=timeout
    )
    result = run.last_json() if run.rc == 0 else None
    return run, result


def reset_peak_rss() -> bool:
    """Reset this process's peak-RSS mark (Linux ``clear_refs`` 5); False when not allowed."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
            fh.write("5")
    except OSError:
        return False
    return True


def peak_rss_since_reset() -> int:
    """This process's peak RSS (VmHWM) in bytes: since the last reset_peak_rss(), or ever."""
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0
