"""A resident worker: one warm process per workspace that fresh CLI commands find and use.

A new ``embedlens project`` spends most of its time importing umap-learn, scikit-learn and
SciPy and loading compiled numba code, before any fitting. ``embedlens worker`` keeps one process
with all of that loaded; while it runs, ``--engine local`` commands on the same workspace send
their slow step to it (over a Unix socket in ``<workspace>/run/``, owner-only, with a random key
that the client must prove it knows) instead of starting their own workers. It stops after
``idle`` seconds without a job, and runs one job at a time (others wait for it).

A client that goes away (Ctrl-C) makes the worker's next progress report fail, which ends the
job there.
"""

from __future__ import annotations

import os
import secrets
import socket
import stat
from collections.abc import Callable
from multiprocessing.connection import (
    AuthenticationError,
    Client,
    Connection,
    answer_challenge,
    deliver_challenge,
)
from pathlib import Path
from typing import Any

from embedlens.engines import _worker
from embedlens.engines.base import EngineUnavailable, WorkerCrashed
from embedlens.engines.local import _Steps
from embedlens.progress import ProgressCallback

__all__ = ["DEFAULT_IDLE_S", "ResidentEngine", "find_resident", "serve"]

DEFAULT_IDLE_S = 900.0
SOCKET_NAME, KEY_NAME = "engine.sock", "engine.key"


def _paths(root: Path | str) -> tuple[Path, Path]:
    folder = Path(root) / "run"
    return folder / SOCKET_NAME, folder / KEY_NAME


def serve(
    root: Path | str,
    *,
    idle_s: float = DEFAULT_IDLE_S,
    warm: tuple[str, ...] = ("umap",),
    ready: Callable[[Path], None] | None = None,
) -> None:
    """Serve jobs for workspace ``root`` until ``idle_s`` seconds pass without one.

    Raises :class:`EngineUnavailable` when another resident worker already serves ``root``.
    """
    sock_path, key_path = _paths(root)
    if find_resident(root) is not None:
        raise EngineUnavailable(f"A resident worker already serves {root} ({sock_path}).")
    sock_path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(sock_path.parent, stat.S_IRWXU)
    key = secrets.token_bytes(32)
    tmp = key_path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key)
    sock_path.unlink(missing_ok=True)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        server.bind(str(sock_path))
        os.chmod(sock_path, stat.S_IRUSR | stat.S_IWUSR)
        os.replace(tmp, key_path)
        server.listen(16)
        _worker.warm(warm)
        if ready is not None:
            ready(sock_path)
        server.settimeout(idle_s)
        while True:
            try:
                client, _ = server.accept()
            except TimeoutError:
                return
            client.settimeout(None)
            conn = Connection(client.detach())
            try:
                deliver_challenge(conn, key)
                answer_challenge(conn, key)
                task = _worker.receive_task(conn)
                if task is not None:
                    _worker.run_task(conn, task)
            except (AuthenticationError, EOFError, OSError):
                pass  # a probe (find_resident), a wrong key, or a client that went away
            finally:
                conn.close()
    finally:
        server.close()
        sock_path.unlink(missing_ok=True)
        key_path.unlink(missing_ok=True)


def find_resident(root: Path | str) -> ResidentEngine | None:
    """The resident worker serving workspace ``root``, or None when none is running."""
    sock_path, key_path = _paths(root)
    if not sock_path.exists() or not key_path.exists():
        return None
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.settimeout(2.0)
        probe.connect(str(sock_path))
    except OSError:  # a stale socket from a killed worker
        return None
    finally:
        probe.close()
    try:
        return ResidentEngine(sock_path, key_path.read_bytes())
    except OSError:
        return None


class ResidentEngine(_Steps):
    """The local engine's steps run by a resident worker (see :func:`serve`)."""

    name = "local"
    workers = 1
    resident = True

    def __init__(self, address: Path, key: bytes) -> None:
        self.address, self._key = address, key

    def __reduce__(self) -> tuple:
        from embedlens.engines.local import InProcessEngine

        return (InProcessEngine, ())

    def run(
        self,
        fn: Callable[..., Any],
        *args: Any,
        on_progress: ProgressCallback | None = None,
        **kwargs: Any,
    ) -> Any:
        """``fn(*args, on_progress=..., **kwargs)`` in the resident worker (waits its turn)."""
        try:
            conn = Client(str(self.address), family="AF_UNIX", authkey=self._key)
        except (OSError, AuthenticationError) as exc:
            raise EngineUnavailable(
                f"The resident worker at {self.address} cannot be reached ({exc}); start it "
                "again with `embedlens worker`, or run without it."
            ) from None
        with conn:
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
                value, remote_tb, _rss = payload
                if kind == "done":
                    return value
                if remote_tb:
                    value.__cause__ = _worker.RemoteTraceback(remote_tb)
                raise value
