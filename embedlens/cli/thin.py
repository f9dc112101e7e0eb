"""The thin client: a fresh ``embedlens project`` runs whole inside the workspace's resident worker.

A fresh process that only sends its step to the resident worker still pays for importing
pandas, NumPy and the pipeline and for reading and writing the table (seconds under load). When a
resident worker of this code already serves the workspace, :func:`run_in_resident` instead hands
the whole command (its arguments, working folder and ``EMBEDLENS_*`` settings) to it, where all
of that is loaded, and relays its stdout, stderr and exit status: this process imports only the
standard library, like a build tool's client talking to its daemon. Anything else (no worker, a
worker of other code, ``--no-resident``, ``--workers``, ``--engine ray``, ``--help``) returns None
and the command runs here as usual (which starts a worker when the step needs one).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from multiprocessing.connection import AuthenticationError
from pathlib import Path

from embedlens import _resident

COMMANDS = ("project",)  # steps whose whole command the resident worker runs
_VALUE_OPTIONS = ("--workspace",)
_REFUSED = ("--no-resident", "--workers", "-h", "--help")


def _command(argv: Sequence[str]) -> tuple[str | None, str | None]:
    """The sub-command and the ``--workspace`` value of ``argv`` (global options first)."""
    workspace, i = None, 0
    while i < len(argv):
        arg = argv[i]
        if arg in _VALUE_OPTIONS and i + 1 < len(argv):
            workspace, i = argv[i + 1], i + 2
        elif arg.startswith("--workspace="):
            workspace, i = arg.partition("=")[2], i + 1
        elif arg.startswith("-"):
            i += 1
        else:
            return arg, workspace
    return None, workspace


def _eligible(argv: Sequence[str]) -> Path | None:
    """The workspace whose resident worker may run ``argv``, or None."""
    command, workspace = _command(argv)
    if command not in COMMANDS or not _resident.enabled():
        return None
    for i, arg in enumerate(argv):
        name = arg.partition("=")[0]
        if name in _REFUSED:
            return None
        if name == "--engine":
            value = arg.partition("=")[2] or (argv[i + 1] if i + 1 < len(argv) else "")
            if value != "local":
                return None
    if workspace:
        return Path(workspace).expanduser()
    home = os.environ.get("EMBEDLENS_HOME", "").strip()
    return Path(home).expanduser() if home else Path.home() / ".embedlens"


def run_in_resident(argv: Sequence[str]) -> int | None:
    """Run ``embedlens ARGV`` in the resident worker; its exit status, or None to run here."""
    root = _eligible(argv)
    if root is None:
        return None
    sock_path, key_path, _ = _resident._paths(root)
    try:
        key = key_path.read_bytes()
        conn, (_, code, _pid) = _resident._connect(sock_path, key, None)
    except (OSError, AuthenticationError):  # none runs (or a stale socket): run here
        return None
    env = {k: v for k, v in os.environ.items() if k.startswith(_resident.ENV_PREFIXES)}
    with conn:
        if code != _resident.fingerprint():
            return None
        conn.send(("cli", list(argv), os.getcwd(), env))
        while True:
            try:
                kind, payload = conn.recv()
            except (EOFError, OSError):
                sys.stderr.write(
                    "note: the resident worker stopped during the command; running it here.\n"
                )
                return None
            if kind == "exit":
                return int(payload)
            stream = sys.stdout if kind == "out" else sys.stderr
            stream.write(payload)
            stream.flush()
