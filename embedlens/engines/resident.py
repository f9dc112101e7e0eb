"""A resident worker: one warm process per workspace that fresh CLI commands find and use.

A new ``embedlens project`` spends most of its time importing umap-learn, scikit-learn and
SciPy and loading compiled numba code, before any fitting. A resident worker keeps one process
with all of that loaded, the way build tools keep a daemon: ``--engine local`` commands on the
same workspace send their slow step to it (over a Unix socket in ``<workspace>/run/``, or
under ``<tmp>/embedlens-<uid>/`` when that path is too long for a socket; owner-only, with a
random key both sides must prove they know). The CLI starts one (:func:`start`) for a step
that needs it (UMAP, t-SNE, a model) when none runs; it stops after ``idle`` seconds without
a job (default 15 minutes) or when told to (:func:`stop`). It runs one job at a time (others
wait for it).

Each worker is named by the :func:`fingerprint` of its code (embedlens version, every source
file, the Python that runs it), in its socket's name and in the handshake, so a command never
uses a worker of another embedlens version or of since-changed code; a new worker tells the
workspace's older ones to stop. A client that goes away (Ctrl-C) makes the worker's next
progress report fail, which ends the job there.
"""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Callable
from multiprocessing.connection import AuthenticationError
from pathlib import Path
from typing import Any

from embedlens._resident import (
    DEFAULT_IDLE_S,
    RESIDENT_ENV,
    START_TIMEOUT_S,
    _connect,
    _lock_held,
    _paths,
    enabled,
    fingerprint,
    socket_address,
)
from embedlens.engines import _worker
from embedlens.engines.base import Engine, EngineUnavailable, WorkerCrashed
from embedlens.engines.local_base import InProcessEngine, _Steps
from embedlens.engines.resident_server import serve, stop
from embedlens.i18n import N_
from embedlens.progress import ProgressCallback

__all__ = [
    "DEFAULT_IDLE_S",
    "InResidentEngine",
    "RESIDENT_ENV",
    "ResidentEngine",
    "enabled",
    "find_resident",
    "fingerprint",
    "serve",
    "start",
    "stop",
]


def find_resident(
    root: Path | str, *, fallback: Callable[[], Engine] | None = None
) -> ResidentEngine | None:
    """The resident worker of this code serving workspace ``root``, or None when none runs.

    ``fallback``: see :class:`ResidentEngine`.
    """
    sock_path, key_path, _ = _paths(root)
    if not key_path.exists():
        return None
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.settimeout(2.0)
        probe.connect(socket_address(sock_path))  # answers at once, even while the worker is busy
    except OSError:  # a stale socket from a killed worker
        return None
    finally:
        probe.close()
    try:
        return ResidentEngine(sock_path, key_path.read_bytes(), fallback=fallback)
    except OSError:
        return None


def start(
    root: Path | str,
    *,
    warm: tuple[str, ...] = ("umap",),
    idle_s: float = DEFAULT_IDLE_S,
    fallback: Callable[[], Engine] | None = None,
) -> ResidentEngine:
    """Start a resident worker for ``root`` in the background; returns its engine at once.

    The engine's first job waits until the worker is ready (its imports overlap with what the
    caller does meanwhile). Two callers starting one at once end up with one worker (the
    other process finds the lock taken and exits). The worker's stderr goes to
    ``<root>/run/worker.log``.
    """
    sock_path, _, _ = _paths(root)
    sock_path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(sock_path.parent, stat.S_IRWXU)
    cmd = [sys.executable, "-m", "embedlens", "--quiet", "--workspace", str(root), "worker"]
    cmd += ["--idle", str(idle_s), "--warm", ",".join(warm) or "none"]
    log = os.open(sock_path.parent / "worker.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        process = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=log,
            start_new_session=True,  # outlives this command; Ctrl-C here does not reach it
            env={**os.environ, RESIDENT_ENV: "1"},
        )
    finally:
        os.close(log)
    return ResidentEngine(sock_path, None, fallback=fallback, process=process, idle_s=idle_s)


class ResidentEngine(_Steps):
    """The local engine's steps run by a resident worker (see :func:`serve`).

    ``fallback``: the engine that runs the jobs instead when the worker cannot be reached, did
    not start, or stops during a job (killed, crashed); :attr:`notes` then says so.
    """

    name = "local"

    def __init__(
        self,
        address: Path,
        key: bytes | None,
        *,
        fallback: Callable[[], Engine] | None = None,
        process: subprocess.Popen | None = None,
        idle_s: float | None = None,
    ) -> None:
        self.address, self._key = Path(address), key
        self._fallback = fallback
        self._fallen: Engine | None = None
        self._process, self.idle_s = process, idle_s
        self.pid: int | None = None
        self.used = False
        self.notes: list[str] = []

    @property
    def workers(self) -> int:  # type: ignore[override]
        """1 (the resident worker), or the fallback engine's workers once it took over."""
        return self._fallen.workers if self._fallen is not None else 1

    @property
    def started(self) -> bool:
        """True when this caller started the worker that ran its jobs."""
        return self._process is not None and self.used and self.pid == self._process.pid

    def info(self) -> dict[str, Any]:
        """Whether the resident worker was used and started, its pid, and any note."""
        return {
            "used": self.used,
            "started": self.started,
            "pid": self.pid,
            "idle_s": self.idle_s,
            "note": " ".join(self.notes) or None,
        }

    def __reduce__(self) -> tuple:
        return (InProcessEngine, ())

    def run(
        self,
        fn: Callable[..., Any],
        *args: Any,
        on_progress: ProgressCallback | None = None,
        **kwargs: Any,
    ) -> Any:
        """``fn(*args, on_progress=..., **kwargs)`` in the resident worker (waits its turn)."""
        if self._fallen is not None:
            return self._fallen.run(fn, *args, on_progress=on_progress, **kwargs)
        try:
            return self._run_resident(fn, args, kwargs, on_progress)
        except (EngineUnavailable, WorkerCrashed) as exc:
            if self._fallback is None:
                raise
            note = N_("The resident worker was not used ({error}); ran on the local engine.")
            self.notes.append(note.format(error=str(exc).rstrip(".")))
            self._fallen = self._fallback()
            return self._fallen.run(fn, *args, on_progress=on_progress, **kwargs)

    def ping(self, timeout: float | None = START_TIMEOUT_S) -> int:
        """The worker's pid, once it takes a connection (after its warm-up); checks its code."""
        if self._key is None:
            self._wait_started()
        assert self._key is not None
        try:
            conn, (_, code, pid) = _connect(self.address, self._key, timeout)
        except (OSError, AuthenticationError) as exc:
            raise EngineUnavailable(f"no answer from {self.address} ({exc})") from None
        conn.close()
        if code != fingerprint():
            raise EngineUnavailable(f"{self.address} runs other code (fingerprint {code!r})")
        return int(pid)

    def _wait_started(self) -> None:
        """Wait until the worker this caller started (or a racing caller's) is ready."""
        sock_path = self.address
        key_path, lock_path = sock_path.with_suffix(".key"), sock_path.with_suffix(".lock")
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            held = _lock_held(lock_path)
            if held and key_path.exists():  # a lock holder's key: fresh (stale ones are gone)
                try:
                    self._key = key_path.read_bytes()
                    return
                except OSError:  # the worker stopped just now
                    pass
            if not held and self._process is not None and self._process.poll() is not None:
                code = self._process.returncode  # it exited and none holds the lock
                raise EngineUnavailable(
                    f"the resident worker did not start (exit code {code}; see "
                    f"{sock_path.parent / 'worker.log'})"
                )
            time.sleep(0.05)
        raise EngineUnavailable(f"the resident worker did not start in {START_TIMEOUT_S:.0f} s")

    def _run_resident(
        self, fn: Callable[..., Any], args: tuple, kwargs: dict, on_progress: Any
    ) -> Any:
        if self._key is None:
            self._wait_started()
        assert self._key is not None
        try:
            conn, (_, code, pid) = _connect(self.address, self._key, None)
        except (OSError, AuthenticationError) as exc:
            raise EngineUnavailable(
                f"The resident worker at {self.address} cannot be reached ({exc}); start it "
                "again with `embedlens worker`, or run without it."
            ) from None
        with conn:
            if code != fingerprint():
                raise EngineUnavailable(
                    f"The resident worker at {self.address} runs other code (fingerprint "
                    f"{code!r}, this is {fingerprint()!r}); it is not used."
                )
            self.pid = pid
            conn.send((fn, args, kwargs, _worker.environment()))
            while True:
                try:
                    kind, *payload = conn.recv()
                except (EOFError, OSError):
                    raise WorkerCrashed(
                        f"The resident worker at {self.address} stopped during the job; run it "
                        "again (a new `embedlens worker`, or without one)."
                    ) from None
                if kind == "progress":
                    if on_progress is not None:
                        on_progress(*payload)
                    continue
                self.used = True
                value, remote_tb, _rss = payload
                if kind == "done":
                    return value
                if remote_tb:
                    value.__cause__ = _worker.RemoteTraceback(remote_tb)
                raise value


class InResidentEngine(InProcessEngine):
    """The engine of a command that runs whole inside the resident worker (a thin client's)."""

    def __init__(self, address: Path) -> None:
        self.address = address

    def info(self) -> dict[str, Any]:
        """Used (this process is the resident worker), not started by the command."""
        return {"used": True, "started": False, "pid": os.getpid(), "idle_s": None, "note": None}
