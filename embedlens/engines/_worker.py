"""The worker process of the local engine (kept light: the forkserver preloads this module).

A worker receives ``(fn, args, kwargs, environment)`` tasks over its pipe, runs
``fn(*args, on_progress=..., **kwargs)`` and answers ``("progress", fraction, message)``
messages, then one ``(kind, value, traceback, rss_mb)`` with ``kind`` "done" or "error";
``None`` stops it.
"""

from __future__ import annotations

import os
import signal
import time
import traceback
from multiprocessing.connection import Connection
from typing import Any

from embedlens._resident import ENV_PREFIXES

PROGRESS_EVERY_S = 0.1


class RemoteTraceback(Exception):
    """The traceback of an error raised in a worker (the cause of the re-raised error)."""

    def __str__(self) -> str:
        return "\n" + str(self.args[0]) if self.args else ""


def environment() -> dict[str, str]:
    """The caller's settings a job must see (``_resident.ENV_PREFIXES``: Ray auth, HOME...)."""
    return {k: v for k, v in os.environ.items() if k.startswith(ENV_PREFIXES)}


def _apply(env: dict[str, str]) -> None:
    changed = False
    for key in [k for k in os.environ if k.startswith(ENV_PREFIXES) and k not in env]:
        del os.environ[key]
        changed = True
    for key, value in env.items():
        if os.environ.get(key) != value:
            os.environ[key] = value
            changed = True
    if changed:
        from embedlens import limits

        limits.reload()


def rss_mb() -> float:
    """Resident memory of this process in MiB (0 where /proc is missing)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as f:
            pages = int(f.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return 0.0


def _picklable(exc: BaseException) -> BaseException:
    """``exc``, or an EngineError naming it when the caller could not rebuild it.

    Unpickling calls what ``__reduce__`` names (for exceptions ``type(exc)(*exc.args)``), which
    fails for exceptions with extra required arguments; try that here, without pickle.
    """
    try:
        rebuild, args = exc.__reduce__()[:2]
        rebuild(*args)
        return exc
    except Exception:
        from embedlens.engines.base import EngineError

        return EngineError(f"{type(exc).__name__}: {exc}")


class _Progress:
    """Send progress to the caller, at most every ``PROGRESS_EVERY_S`` (and always the end)."""

    def __init__(self, conn: Connection) -> None:
        self.conn, self.last = conn, 0.0

    def __call__(self, fraction: float, message: str) -> None:
        now = time.monotonic()
        if fraction < 1.0 and now - self.last < PROGRESS_EVERY_S:
            return
        self.last = now
        self.conn.send(("progress", float(fraction), str(message)))


def warm(steps: tuple[str, ...]) -> None:
    """Import what ``steps`` need and load their compiled code (errors wait for the job)."""
    try:
        if "umap" in steps:
            import numpy as np

            from embedlens.reduce import ProjectionParams, project

            # A tiny fit loads umap-learn's compiled functions (from numba's disk cache).
            tiny = np.random.default_rng(0).normal(size=(64, 8)).astype(np.float32)
            project(tiny, ProjectionParams(method="umap", n_neighbors=8))
        if "tsne" in steps:
            import openTSNE  # noqa: F401
    except Exception:  # a missing package: the job itself reports it
        pass


def run_task(conn: Connection, task: tuple) -> None:
    """Run one ``(fn, args, kwargs, environment)`` task, sending progress and the reply."""
    fn, args, kwargs, env = task
    _apply(env)
    progress = _Progress(conn)
    reply: tuple[Any, ...]
    try:
        reply = ("done", fn(*args, on_progress=progress, **kwargs), "", rss_mb())
    except BaseException as exc:  # handed to the caller, which re-raises it
        reply = ("error", _picklable(exc), traceback.format_exc(), rss_mb())
    try:
        conn.send(reply)
    except (EOFError, OSError):
        return
    except Exception as exc:  # the result does not pickle
        from embedlens.engines.base import EngineError

        name = getattr(fn, "__name__", fn)
        error = EngineError(f"The result of {name} cannot be sent: {exc}")
        conn.send(("error", error, "", rss_mb()))


def receive_task(conn: Connection) -> tuple | None:
    """The next task from ``conn``; None when it closed or said stop (a bad task: answered)."""
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return None
        except Exception as exc:  # a task that does not unpickle here (a function in __main__)
            from embedlens.engines.base import EngineError

            error = EngineError(f"A worker cannot read the job: {type(exc).__name__}: {exc}")
            conn.send(("error", error, traceback.format_exc(), rss_mb()))
            continue
        return task


def main(conn: Connection, steps: tuple[str, ...] = ()) -> None:
    """Prepare ``steps``, then run tasks from ``conn`` until it closes or sends ``None``."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the caller's to handle
    warm(steps)
    while (task := receive_task(conn)) is not None:
        run_task(conn, task)
        del task
