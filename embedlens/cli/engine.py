"""Engine options of the pipeline commands, the resident worker they use, and ``worker``.

``--engine local`` without ``--workers`` sends the slow step to the workspace's resident
worker (:mod:`embedlens.engines.resident`): one is started when a step needs one (UMAP,
t-SNE, a model; not PCA or TF-IDF) and none runs, and it stays for its idle timeout (15 min)
so the next command finds it warm. ``--no-resident`` or ``EMBEDLENS_RESIDENT=0`` turn it off.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from embedlens.errors import DataError

IDLE_MINUTES = 15  # DEFAULT_IDLE_S / 60, without importing the engines to build --help


def add_engine_options(p: argparse.ArgumentParser) -> None:
    """--engine, --ray-address, --workers and --no-resident."""
    p.add_argument(
        "--engine",
        default="local",
        choices=["local", "ray"],
        help="where the slow steps run: local worker processes (default) or a Ray cluster",
    )
    p.add_argument(
        "--ray-address",
        help="Ray cluster address for --engine ray (default: $EMBEDLENS_RAY_ADDRESS, else a "
        "local Ray)",
    )
    p.add_argument("--workers", type=int, help="worker processes (default: min(2, CPUs))")
    p.add_argument(
        "--no-resident",
        action="store_true",
        help="do not use or start the workspace's resident worker (by default a step that "
        "needs UMAP, t-SNE or a model runs in it, started if none runs; it stays "
        f"{IDLE_MINUTES} min idle so the next command finds it warm; also "
        "EMBEDLENS_RESIDENT=0; stop it with `embedlens worker --stop`)",
    )


def add_worker_command(sub: argparse._SubParsersAction) -> None:
    """Register ``embedlens worker``."""
    p = sub.add_parser(
        "worker",
        help="keep one warm worker process for the workspace; fresh commands send their slow "
        "step to it (no imports, no JIT). `project`/`embed` start one when needed",
    )
    p.add_argument(
        "--idle",
        type=float,
        default=IDLE_MINUTES * 60.0,
        help=f"stop after this many seconds without a job (default {IDLE_MINUTES * 60}: "
        f"{IDLE_MINUTES} min)",
    )
    p.add_argument("--detach", action="store_true", help="start it in the background, return")
    p.add_argument(
        "--warm",
        default="umap",
        help="steps to prepare before the first job: umap, tsne, both comma-separated, or none",
    )
    p.add_argument(
        "--stop", action="store_true", help="stop the workspace's resident workers and return"
    )
    p.set_defaults(handler=run_worker)


def workspace_root(args: argparse.Namespace) -> Path:
    """The command's workspace folder (``--workspace``, else the default home)."""
    from embedlens.store import default_home

    return Path(args.workspace).expanduser() if args.workspace else default_home()


_pools: dict[tuple[str, str | None, int | None], Any] = {}


def _pool(args: argparse.Namespace) -> Any:
    """The engine of ``--engine``/``--ray-address``/``--workers``, one per process (kept warm)."""
    key = (args.engine, args.ray_address, args.workers)
    if key not in _pools:
        import atexit

        from embedlens.engines import get_engine

        _pools[key] = engine = get_engine(
            args.engine, address=args.ray_address, workers=args.workers
        )
        atexit.register(engine.close)
    return _pools[key]


def command_engine(args: argparse.Namespace, *, start: tuple[str, ...] | None = None) -> Any:
    """The engine of this command, chosen once (later calls return the same one).

    With ``--engine local``, no ``--workers`` and the resident worker on: the workspace's
    resident worker when one runs; else, when ``start`` names the steps to prepare (a step that
    needs a warm process), a newly started one. Either falls back to the local engine with a
    note if the worker fails. Otherwise the local (or Ray) engine itself.
    """
    chosen = getattr(args, "_chosen_engine", None)
    if chosen is not None:
        return chosen
    chosen = None
    server = sys.modules.get("embedlens.engines.resident_server")
    if getattr(server, "SERVING", False):  # this process is the resident worker (thin client)
        from embedlens.engines.resident import InResidentEngine, _paths

        args._chosen_engine = InResidentEngine(_paths(workspace_root(args))[0])
        return args._chosen_engine
    if args.engine == "local" and args.workers is None and not getattr(args, "no_resident", False):
        from embedlens.engines import resident

        if resident.enabled():
            root = workspace_root(args)
            found = resident.find_resident(root, fallback=lambda: _pool(args))
            if found is not None:
                chosen = found
            elif start is not None:
                root.mkdir(parents=True, exist_ok=True)
                chosen = resident.start(root, warm=start, fallback=lambda: _pool(args))
                if not args.quiet:
                    sys.stderr.write(
                        f"{args.command}: starting a resident worker for {root} (it stays "
                        f"{IDLE_MINUTES} min idle; --no-resident to run without)\n"
                    )
    args._chosen_engine = chosen if chosen is not None else _pool(args)
    return args._chosen_engine


def engine_summary(pipe: Any) -> dict[str, Any]:
    """The ``engine``, ``workers`` and ``resident`` entries of a command's JSON summary.

    ``resident``: whether the resident worker was used and whether this command started it
    (its pid, idle timeout and a note when it failed and the local engine ran the step
    instead; the note is also printed on stderr). ``resident_worker``: its socket, when used.
    """
    engine = pipe.engine
    if engine is None:
        return {"engine": "in-process", "workers": 1, "resident": {"used": False, "started": False}}
    out: dict[str, Any] = {"engine": engine.name, "workers": engine.workers}
    info = getattr(engine, "info", None)
    if info is None:
        out["resident"] = {"used": False, "started": False}
        return out
    out["resident"] = info()
    if out["resident"]["used"]:
        out["resident_worker"] = str(engine.address)
    if out["resident"]["note"]:
        sys.stderr.write(f"note: {out['resident']['note']}\n")
        sys.stderr.flush()
    return out


def _warm_steps(text: str) -> tuple[str, ...]:
    steps = tuple(s.strip() for s in text.split(",") if s.strip() and s.strip() != "none")
    unknown = [s for s in steps if s not in ("umap", "tsne")]
    if unknown:
        raise DataError(
            f"--warm must name umap, tsne (comma-separated) or none; got {unknown[0]!r}."
        )
    return steps


def run_worker(args: argparse.Namespace) -> dict[str, Any]:
    """Run the workspace's resident worker (``--detach``: in the background; ``--stop``)."""
    import signal

    from embedlens.engines import resident
    from embedlens.engines.base import EngineUnavailable

    root = workspace_root(args)
    if args.stop:
        pids = resident.stop(root)
        return {"worker": "stopped" if pids else "none", "pids": pids}
    root.mkdir(parents=True, exist_ok=True)
    if args.idle <= 0:
        raise DataError(f"--idle must be above 0 seconds; got {args.idle}.")
    warm = _warm_steps(args.warm)
    if args.detach:
        found = resident.find_resident(root) or resident.start(root, warm=warm, idle_s=args.idle)
        try:
            pid = found.ping()  # once it is ready (or the one already running, or a racer's)
        except EngineUnavailable as exc:
            raise DataError(
                f"The resident worker for {root} did not start ({exc}); run it without "
                "--detach to see why."
            ) from None
        return {"worker": "running", "socket": str(found.address), "pid": pid, "idle_s": args.idle}
    from embedlens.cli.progress import StderrProgress

    progress = StderrProgress("worker", quiet=args.quiet)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # stop cleanly: remove the socket
    try:
        resident.serve(
            root, idle_s=args.idle, warm=warm, ready=lambda p: progress.info(f"ready at {p}")
        )
    except EngineUnavailable as exc:
        raise DataError(str(exc)) from None
    return {"worker": "stopped", "idle_s": args.idle}
