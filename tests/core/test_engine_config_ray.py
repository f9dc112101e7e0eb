"""Which engine runs the slow steps (embedlens.engines.config) and failing fast on a bad Ray.

One place resolves ``--engine`` / ``--ray-address`` and ``EMBEDLENS_ENGINE`` /
``EMBEDLENS_RAY_ADDRESS``; a malformed or unreachable address is a clear error at once, and a
cluster that answers but never accepts the driver is given up after the connect timeout.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import pytest

from embedlens.engines import EngineUnavailable
from embedlens.engines.config import (
    EngineChoice,
    check_reachable,
    engine_choice,
    split_address,
)
from embedlens.errors import InvalidParameterError
from tests.conftest import ROOT


@pytest.mark.parametrize(
    ("name", "address", "env", "expected"),
    [
        (None, None, {}, EngineChoice("local")),
        (None, None, {"EMBEDLENS_ENGINE": "RAY "}, EngineChoice("ray")),
        (None, None, {"EMBEDLENS_ENGINE": "ray", "EMBEDLENS_RAY_ADDRESS": "h:6379"},
         EngineChoice("ray", "h:6379")),
        ("ray", "ray://head:10001", {"EMBEDLENS_RAY_ADDRESS": "other:1"},
         EngineChoice("ray", "ray://head:10001")),
        ("local", None, {"EMBEDLENS_ENGINE": "ray", "EMBEDLENS_RAY_ADDRESS": "h:1"},
         EngineChoice("local")),  # the flag wins; an address only in the environment is ignored
        (None, None, {"EMBEDLENS_RAY_ADDRESS": "h:1"}, EngineChoice("local")),
    ],
)  # fmt: skip
def test_engine_choice_resolves_flags_before_the_environment(name, address, env, expected):
    assert engine_choice(name, address, environ=env) == expected


@pytest.mark.parametrize(
    ("name", "address", "env", "match"),
    [
        ("spark", None, {}, r"'engine' parameter must be one of 'local', 'ray'\. Got 'spark'"),
        (None, None, {"EMBEDLENS_ENGINE": "dask"}, r"'EMBEDLENS_ENGINE' parameter .* Got 'dask'"),
        ("local", "h:1", {}, r"'address' parameter is for the ray engine; got 'h:1'"),
        ("ray", "head:port", {}, r"must be a Ray address .* Got 'head:port'"),
        (None, None, {"EMBEDLENS_ENGINE": "ray", "EMBEDLENS_RAY_ADDRESS": "h:99999"},
         r"Got 'h:99999'"),
    ],
)  # fmt: skip
def test_engine_choice_rejects_bad_settings(name, address, env, match):
    with pytest.raises(InvalidParameterError, match=match):
        engine_choice(name, address, environ=env)


@pytest.mark.parametrize(
    ("address", "expected"),
    [("ray://head:10001", ("head", 10001)), ("ray://head", ("head", 10001)),
     ("10.0.0.5:6379", ("10.0.0.5", 6379)), ("head", ("head", 6379)),
     ("[::1]:6379", ("::1", 6379)), ("auto", None), ("local", None)],
)  # fmt: skip
def test_split_address(address, expected):
    assert split_address(address) == expected


def test_check_reachable_fails_at_once_where_nothing_listens():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again below: nothing listens there
    t0 = time.perf_counter()
    with pytest.raises(EngineUnavailable, match=rf"Ray cluster at 127\.0\.0\.1:{port} cannot be"):
        check_reachable(f"127.0.0.1:{port}")
    assert time.perf_counter() - t0 < 5


def test_check_reachable_passes_a_listening_port_and_skips_auto():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        check_reachable(f"ray://127.0.0.1:{s.getsockname()[1]}")
    check_reachable("auto")
    check_reachable(None)


def test_serve_rejects_an_address_for_the_local_engine():
    proc = subprocess.run(
        [sys.executable, "-m", "embedlens", "serve", "--ray-address", "head:6379"],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
        env={**os.environ, "EMBEDLENS_ENGINE": ""},
    )  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    assert "error: The 'address' parameter is for the ray engine" in proc.stderr
    assert "Traceback" not in proc.stderr


SILENT_CLUSTER = """
import socket, sys, threading
srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(16)
threading.Thread(target=lambda: [srv.accept() for _ in iter(int, 1)], daemon=True).start()
from embedlens.engines.ray_engine import connect
try:
    connect(f"127.0.0.1:{srv.getsockname()[1]}")
except Exception as exc:
    print(type(exc).__name__, exc)
"""


@pytest.mark.slow  # imports Ray in a fresh process (~10-30 s on the busy machine)
def test_a_cluster_that_never_accepts_the_driver_is_given_up_after_the_timeout():
    pytest.importorskip("ray")
    proc = subprocess.run(
        [sys.executable, "-c", SILENT_CLUSTER], capture_output=True, text=True, timeout=240,
        cwd=ROOT, env={**os.environ, "EMBEDLENS_RAY_CONNECT_TIMEOUT": "3"},
    )  # fmt: skip
    assert proc.stdout.startswith("EngineUnavailable"), (proc.stdout, proc.stderr[-2000:])
    assert "did not accept this connection within 3 s" in proc.stdout
    assert "RAY_AUTH_MODE=token" in proc.stdout
