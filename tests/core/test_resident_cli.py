"""The resident worker the CLI starts by default (issue 18): used by the next command, refused
when its code differs, one worker when two start at once, a fallback when it dies, stopped by
``embedlens worker --stop``.

Every test stops the workers it started (conftest sets EMBEDLENS_RESIDENT=0 for the rest of the
suite; these tests turn it on for their own commands only).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from embedlens.engines.base import EngineUnavailable
from embedlens.engines.local_base import InProcessEngine
from embedlens.engines.resident import ResidentEngine, find_resident, fingerprint, stop

ROOT = Path(__file__).resolve().parents[2]
NUMBA_CACHE = Path(tempfile.gettempdir()) / "embedlens-test-numba-cache"  # as test_engines_local


def exit_unless(pid: int, *, on_progress=None) -> str:
    """Kill the process running it unless it is ``pid`` (a worker that dies during a job)."""
    if os.getpid() != pid:
        os._exit(3)
    return "ran in the caller"


def whose_pid(*, on_progress=None) -> int:
    return os.getpid()


def _env(**extra: str) -> dict[str, str]:
    return {**os.environ, "EMBEDLENS_RESIDENT": "1", "NUMBA_CACHE_DIR": str(NUMBA_CACHE), **extra}


def _cli(ws: Path, *args: str, env: dict[str, str] | None = None, cwd: Path = ROOT) -> dict:
    proc = subprocess.run(
        [sys.executable, "-m", "embedlens", "--workspace", str(ws), *args],
        env=env or _env(),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _find(ws: Path) -> ResidentEngine | None:
    """find_resident with the code as it is now (others may edit a shared checkout meanwhile)."""
    fingerprint.cache_clear()
    return find_resident(ws)


def _gone(pid: int, timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
            if Path(f"/proc/{pid}/stat").read_text().split(") ")[-1].startswith("Z"):
                return True  # exited, not yet reaped by its parent
        except (ProcessLookupError, FileNotFoundError):
            return True
        try:  # our own child (a Popen here): reap it
            if os.waitpid(pid, os.WNOHANG)[0] == pid:
                return True
        except ChildProcessError:
            pass
        time.sleep(0.1)
    return False


@pytest.fixture
def workspace(tmp_path):
    """A workspace whose resident workers are all stopped (killed if need be) afterwards."""
    ws = tmp_path / "ws"
    pids: list[int] = []
    yield ws, pids
    pids += stop(ws, timeout=30)
    for pid in pids:
        if not _gone(pid, 30):
            os.kill(pid, signal.SIGKILL)


@pytest.fixture
def vectors(tmp_path) -> Path:
    X = np.random.default_rng(0).normal(size=(150, 12)).astype(np.float32)
    path = tmp_path / "v.parquet"
    pd.DataFrame({"id": np.arange(150), "embedding": list(X)}).to_parquet(path)
    return path


def test_project_starts_one_and_the_next_command_uses_it(workspace, vectors, tmp_path) -> None:
    ws, pids = workspace
    pca = _cli(ws, "project", str(vectors), "--method", "pca", "-o", str(tmp_path / "p.parquet"))
    assert pca["resident"] == {"used": False, "started": False}  # PCA needs no warm process
    assert _find(ws) is None and not list((ws / "run").glob("*.sock"))

    first = _cli(ws, "project", str(vectors), "-o", str(tmp_path / "a.parquet"))
    pids.append(first["resident"]["pid"])
    assert first["resident"]["used"] and first["resident"]["started"]
    assert first["resident"]["idle_s"] == 900.0 and first["engine"] == "local"
    # Whole in the worker (embedlens.cli.thin): a relative output lands in this command's folder.
    second = _cli(
        ws, "project", str(vectors), "--n-neighbors", "8", "-o", "b.parquet", cwd=tmp_path
    )
    if second["resident_worker"] != first["resident_worker"]:  # fingerprints in the names
        pytest.skip("embedlens' source changed between the two commands (a shared checkout)")
    assert second["resident"]["used"] and not second["resident"]["started"]
    assert second["resident"]["pid"] == first["resident"]["pid"]
    assert second["resident_worker"] == first["resident_worker"]
    assert len(pd.read_parquet(tmp_path / "b.parquet")) == 150

    off = _cli(ws, "project", str(vectors), "--no-resident", "-o", str(tmp_path / "c.parquet"))
    assert off["resident"] == {"used": False, "started": False} and "resident_worker" not in off
    env_off = _cli(
        ws,
        "project",
        str(vectors),
        "-o",
        str(tmp_path / "d.parquet"),
        env=_env(EMBEDLENS_RESIDENT="0"),
    )
    assert env_off["resident"]["used"] is False

    assert _cli(ws, "worker", "--stop") == {"worker": "stopped", "pids": [first["resident"]["pid"]]}
    assert _gone(first["resident"]["pid"]) and _find(ws) is None
    assert _cli(ws, "worker", "--stop") == {"worker": "none", "pids": []}


def test_a_worker_of_other_code_is_refused_and_told_to_stop(workspace, tmp_path) -> None:
    ws, pids = workspace
    copy = tmp_path / "copy"
    shutil.copytree(ROOT / "embedlens", copy / "embedlens", ignore=shutil.ignore_patterns("*.pyc"))
    with open(copy / "embedlens" / "errors.py", "a", encoding="utf-8") as fh:
        fh.write("\n# changed code\n")
    env = _env(PYTHONPATH=str(copy))
    other = _cli(ws, "worker", "--detach", "--warm", "none", env=env, cwd=copy)
    pids.append(other["pid"])
    fingerprint.cache_clear()
    assert Path(other["socket"]).name != f"engine-{fingerprint()}.sock"
    assert _find(ws) is None  # this code does not find the other code's worker
    address = Path(other["socket"])
    refused = ResidentEngine(address, address.with_suffix(".key").read_bytes())
    with pytest.raises(EngineUnavailable, match="runs other code"):
        refused.run(whose_pid)
    assert refused.info()["used"] is False

    ours = _cli(ws, "worker", "--detach", "--warm", "none")
    pids.append(ours["pid"])
    assert _gone(other["pid"]), "the new worker did not tell the other code's worker to stop"
    assert _find(ws) is not None


def test_two_starting_at_once_end_with_one_worker(workspace) -> None:
    ws, pids = workspace
    cmd = [sys.executable, "-m", "embedlens", "--workspace", str(ws), "worker", "--detach"]
    procs = [
        subprocess.Popen([*cmd, "--warm", "none"], env=_env(), cwd=ROOT, stdout=subprocess.PIPE)
        for _ in range(2)
    ]
    outs = [json.loads(p.communicate(timeout=600)[0].decode().splitlines()[-1]) for p in procs]
    pids += [o["pid"] for o in outs if o["pid"]]
    assert outs[0]["socket"] == outs[1]["socket"]
    alive = [pid for pid in {o["pid"] for o in outs if o["pid"]} if not _gone(pid, 2)]
    assert len(alive) == 1, outs


def test_a_worker_that_dies_during_a_job_falls_back_with_a_note(workspace) -> None:
    ws, pids = workspace
    started = _cli(ws, "worker", "--detach", "--warm", "none")
    pids.append(started["pid"])
    fingerprint.cache_clear()
    engine = find_resident(ws, fallback=InProcessEngine)
    assert engine is not None
    assert engine.run(exit_unless, os.getpid()) == "ran in the caller"
    info = engine.info()
    assert info["used"] is False and "stopped during the job" in info["note"]
    assert engine.run(whose_pid) == os.getpid()  # later jobs go to the fallback directly
    assert _gone(started["pid"])
    dead = ResidentEngine(Path(started["socket"]), b"k" * 32)  # nothing listens there now
    with pytest.raises(EngineUnavailable, match="cannot be reached"):
        dead.run(whose_pid)


def test_tfidf_embedding_starts_no_worker(workspace, tmp_path) -> None:
    ws, _ = workspace
    src = tmp_path / "t.csv"
    words = ["oil prices", "stock market", "football match", "tennis final", "rain today"]
    pd.DataFrame({"text": [f"{w} {i}" for i in range(8) for w in words]}).to_csv(src, index=False)
    out = _cli(ws, "embed", str(src), "--backend", "tfidf-svd", "-o", str(tmp_path / "e.parquet"))
    assert out["resident"] == {"used": False, "started": False}
    assert _find(ws) is None and not list((ws / "run").glob("*.sock"))
