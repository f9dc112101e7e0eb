"""What the resident worker and its clients share: code fingerprint, file names, locks, handshake.

See :mod:`embedlens.engines.resident`. Standard library only: the thin CLI client
(:mod:`embedlens.cli.thin`) imports it without NumPy.
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import os
import socket
import stat
import sys
import tempfile
import time
from multiprocessing.connection import (
    AuthenticationError,
    Connection,
    answer_challenge,
    deliver_challenge,
)
from pathlib import Path

DEFAULT_IDLE_S = 900.0
RESIDENT_ENV = "EMBEDLENS_RESIDENT"  # "0": no resident worker (neither used nor started)
PROTOCOL = 2  # 2: the fingerprint in the socket's name and a hello after the key exchange
HANDSHAKE_TIMEOUT_S = 10.0
START_TIMEOUT_S = 300.0
STEM = "engine-"
# The caller's settings a job must see, also where they changed after the workers started:
# EMBEDLENS_*, offline flags, the numba cache, Ray's auth settings and HOME (~/.ray/auth_token,
# the model caches). They apply before the job's own imports: a job must not import Ray at
# unpickling (Ray reads RAY_AUTH_MODE once, at import).
ENV_PREFIXES = (
    "EMBEDLENS_", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "NUMBA_CACHE_DIR", "RAY_AUTH_", "HOME",
)  # fmt: skip
# A Unix socket's path is at most 107 bytes on Linux, 103 on macOS; a deep workspace is longer.
MAX_SOCKET_PATH = 100


@functools.lru_cache(maxsize=1)
def fingerprint() -> str:
    """A short hash of this embedlens: version, every source file, and the Python running it."""
    import embedlens

    package = Path(embedlens.__file__).resolve().parent
    digest = hashlib.sha256(
        f"{embedlens.__version__}|{PROTOCOL}|{sys.version}|{sys.executable}".encode()
    )
    for path in sorted(package.rglob("*.py")):
        digest.update(str(path.relative_to(package)).encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def enabled() -> bool:
    """False when ``EMBEDLENS_RESIDENT`` is 0/false/no/off (no resident worker at all)."""
    return os.environ.get(RESIDENT_ENV, "1").strip().lower() not in ("0", "false", "no", "off")


def _paths(root: Path | str, code: str | None = None) -> tuple[Path, Path, Path]:
    """Socket, key and lock file of the worker with fingerprint ``code`` (default: this one)."""
    stem = Path(root) / "run" / f"{STEM}{code or fingerprint()}"
    return stem.with_suffix(".sock"), stem.with_suffix(".key"), stem.with_suffix(".lock")


def socket_address(sock_path: Path) -> str:
    """Where the socket named ``sock_path`` is bound: that path, or a short one when it is too long.

    The short one is ``<tmp>/embedlens-<uid>/<hash of sock_path>.sock`` in a folder only this
    user may enter (an error if another user owns it or may write to it).
    """
    path = str(Path(sock_path).absolute())  # one name for a caller and a server in other cwds
    if len(os.fsencode(path)) <= MAX_SOCKET_PATH:
        return path
    folder = Path(tempfile.gettempdir()) / f"embedlens-{os.getuid()}"
    folder.mkdir(mode=stat.S_IRWXU, exist_ok=True)
    info = folder.lstat()
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o077:
        raise PermissionError(f"{folder} is not a private folder of this user; remove it")
    digest = hashlib.sha256(os.fsencode(path)).hexdigest()[:32]
    return str(folder / f"{digest}.sock")


def _try_lock(lock_path: Path, wait_s: float = 0.0) -> int | None:
    """A descriptor holding ``lock_path`` exclusively, or None when another holds it."""
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    deadline = time.monotonic() + wait_s
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd
        except BlockingIOError:
            if time.monotonic() >= deadline:
                os.close(fd)
                return None
            time.sleep(0.02)


def _lock_held(lock_path: Path) -> bool:
    """True while a worker holds ``lock_path`` (it holds it from its start to its end)."""
    fd = _try_lock(lock_path)
    if fd is None:
        return True
    os.close(fd)
    return False


def _connect(address: Path, key: bytes, timeout: float | None) -> tuple[Connection, tuple]:
    """An authenticated connection to the worker at ``address`` and its hello.

    ``timeout``: seconds to wait for the worker to take the connection (it may be busy with
    another job); None waits. Raises OSError (nothing there, or timed out) or
    AuthenticationError (a wrong key).
    """
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.settimeout(HANDSHAKE_TIMEOUT_S)
        sock.connect(socket_address(address))
        sock.settimeout(None)
    except OSError:
        sock.close()
        raise
    conn = Connection(sock.detach())
    try:
        if not conn.poll(timeout):
            raise TimeoutError(f"no answer from {address} within {timeout} s")
        answer_challenge(conn, key)
        deliver_challenge(conn, key)
        if not conn.poll(HANDSHAKE_TIMEOUT_S):
            raise TimeoutError(f"no hello from {address}")
        hello = conn.recv()
        if not (isinstance(hello, tuple) and len(hello) == 3 and hello[0] == "hello"):
            raise AuthenticationError(f"not a resident worker's hello: {hello!r:.80}")
    except BaseException:
        conn.close()
        raise
    return conn, hello
