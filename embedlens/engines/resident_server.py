"""The resident worker's side: :func:`serve` jobs for a workspace, :func:`stop` its workers.

See :mod:`embedlens.engines.resident`.
"""

from __future__ import annotations

import contextlib
import io
import os
import secrets
import socket
import stat
import threading
import traceback
from collections.abc import Callable
from multiprocessing.connection import (
    AuthenticationError,
    Connection,
    answer_challenge,
    deliver_challenge,
)
from pathlib import Path

from embedlens._resident import (
    DEFAULT_IDLE_S,
    HANDSHAKE_TIMEOUT_S,
    STEM,
    _connect,
    _paths,
    _try_lock,
    fingerprint,
    socket_address,
)
from embedlens.engines import _worker
from embedlens.engines.base import EngineUnavailable

__all__ = ["SERVING", "run_command", "serve", "stop"]

SERVING = False  # True in a resident worker: its commands compute in this process


def serve(
    root: Path | str,
    *,
    idle_s: float = DEFAULT_IDLE_S,
    warm: tuple[str, ...] = ("umap",),
    ready: Callable[[Path], None] | None = None,
) -> None:
    """Serve jobs for workspace ``root`` until ``idle_s`` seconds pass without one, or a stop.

    Raises :class:`EngineUnavailable` when a worker of this code already serves ``root`` (its
    lock file is held: of two started at once, one serves and the other returns here).
    """
    sock_path, key_path, lock_path = _paths(root)
    sock_path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(sock_path.parent, stat.S_IRWXU)
    address = socket_address(sock_path)  # sock_path itself unless that is too long
    lock = _try_lock(lock_path, wait_s=0.5)  # a starting client may test it for a moment
    if lock is None:
        raise EngineUnavailable(f"A resident worker already serves {root} ({sock_path}).")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        key_path.unlink(missing_ok=True)  # a stale key of a killed worker: never read again
        key = secrets.token_bytes(32)
        tmp = key_path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(key)
        Path(address).unlink(missing_ok=True)  # a stale socket of a killed worker
        server.bind(address)
        os.chmod(address, stat.S_IRUSR | stat.S_IWUSR)
        server.listen(16)
        os.replace(tmp, key_path)  # the key appears once the socket takes connections
        _worker.warm(warm)
        threading.Thread(target=_stop_others, args=(root,), daemon=True).start()
        if ready is not None:
            ready(sock_path)
        server.settimeout(idle_s)
        global SERVING
        SERVING = True
        hello = ("hello", fingerprint(), os.getpid())
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
                conn.send(hello)
                task = _worker.receive_task(conn)
                if task == "stop":
                    conn.send(("stopping", os.getpid()))
                    return
                if isinstance(task, tuple) and task[:1] == ("cli",):
                    run_command(conn, *task[1:])
                elif task is not None:
                    _worker.run_task(conn, task)
            except (AuthenticationError, EOFError, OSError):
                pass  # a probe (find_resident), a wrong key, or a client that went away
            finally:
                conn.close()
    finally:
        server.close()
        Path(address).unlink(missing_ok=True)
        key_path.unlink(missing_ok=True)
        os.close(lock)  # releases the lock: a new worker may start


class _Stream(io.TextIOBase):
    """A text stream whose writes go to the client as ``(kind, text)`` messages."""

    def __init__(self, conn: Connection, kind: str) -> None:
        self.conn, self.kind = conn, kind

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if text:
            self.conn.send((self.kind, text))
        return len(text)

    def isatty(self) -> bool:
        return False


def run_command(conn: Connection, argv: list[str], cwd: str, env: dict[str, str]) -> None:
    """Run ``embedlens ARGV`` here for a thin client (:mod:`embedlens.cli.thin`).

    In the client's working folder and ``EMBEDLENS_*`` settings; stdout and stderr go to the
    client, then ``("exit", status)``.
    """
    from embedlens.cli import main

    _worker._apply(env)
    here = os.getcwd()
    status: int = 1
    try:
        os.chdir(cwd)
        with (
            contextlib.redirect_stdout(_Stream(conn, "out")),
            contextlib.redirect_stderr(_Stream(conn, "err")),
        ):
            try:
                status = main(argv)
            except SystemExit as exc:  # argparse: a bad option (its message already sent)
                status = exc.code if isinstance(exc.code, int) else 2
            except Exception:  # the client went away mid-command, or a bug
                traceback.print_exc()
        conn.send(("exit", status))
    except (EOFError, OSError):
        pass  # the client went away
    finally:
        os.chdir(here)


def _stop_one(address: Path, timeout: float | None) -> int | None:
    """Tell the worker at ``address`` to stop; its pid, or None when none answered."""
    try:
        key = address.with_suffix(".key").read_bytes()
        conn, _hello = _connect(address, key, timeout)
    except (OSError, AuthenticationError):
        return None
    with conn:
        try:
            conn.send("stop")
            if conn.poll(HANDSHAKE_TIMEOUT_S):
                return int(conn.recv()[1])
        except (EOFError, OSError, ValueError, IndexError, TypeError):
            pass
    return None


def stop(root: Path | str, *, timeout: float | None = 60.0) -> list[int]:
    """Stop every resident worker of workspace ``root`` (any code); the pids that stopped.

    A worker busy with a job stops after it (``timeout``: seconds to wait for that each).
    """
    folder = Path(root) / "run"
    keys = sorted(folder.glob(f"{STEM}*.key")) if folder.is_dir() else []
    sockets = [key.with_suffix(".sock") for key in keys]
    return [pid for s in sockets if (pid := _stop_one(s, timeout)) is not None]


def _stop_others(root: Path | str) -> None:
    """Tell the workspace's workers of other code to stop (they wait for a running job)."""
    own, _, _ = _paths(root)
    for key in sorted(own.parent.glob(f"{STEM}*.key")):
        if (address := key.with_suffix(".sock")) != own:
            _stop_one(address, None)
