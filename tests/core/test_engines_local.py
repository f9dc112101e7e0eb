"""The local engine: worker processes give the in-process results, cancel, survive crashes."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from embedlens.cluster import ClusterParams
from embedlens.dataset import Dataset
from embedlens.engines import (
    EngineError,
    JobCancelled,
    WorkerCrashed,
    get_engine,
)
from embedlens.engines.local import InProcessEngine, LocalEngine
from embedlens.engines.steps import project_step
from embedlens.errors import DataError, InvalidParameterError
from embedlens.pipeline import EmbedSpec, Pipeline
from embedlens.reduce import ProjectionParams


# Tasks run in the workers: module-level so they pickle by reference.
def sleeper(seconds: float, *, on_progress=None) -> str:
    """Report progress, then sleep ``seconds`` in short steps."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        on_progress(0.5, "sleeping")
        time.sleep(0.05)
    return "woke"


def crash(code: int, *, on_progress=None) -> None:
    os._exit(code)


def pid(*, on_progress=None) -> int:
    return os.getpid()


_kept: list[bytes] = []


def hog(mb: int, *, on_progress=None) -> int:
    """Keep ``mb`` MiB alive in the worker (a job that leaves memory behind); returns the pid."""
    _kept.append(os.urandom(mb * 2**20))
    return os.getpid()


def bad_data(*, on_progress=None) -> None:
    raise DataError("rows.csv, row 3: no text; fill the text column.")


@pytest.fixture(scope="module", autouse=True)
def shared_numba_cache():
    """One numba cache for the workers, this process and later runs: UMAP compiles once per
    machine (numba keys entries by source file and CPU, so sharing it is safe)."""
    folder = Path(tempfile.gettempdir()) / "embedlens-test-numba-cache"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NUMBA_CACHE_DIR", str(folder))
        yield


@pytest.fixture(scope="module")
def engine():
    with LocalEngine(workers=2) as eng:
        yield eng


def _blobs(n: int = 240, d: int = 24) -> np.ndarray:
    rng = np.random.default_rng(0)
    centers = rng.normal(size=(4, d)) * 4
    return (centers[np.arange(n) % 4] + rng.normal(size=(n, d))).astype(np.float32)


def _texts(n: int = 240) -> list[str]:
    topics = ["football match goal", "stock market shares", "rain cloud weather", "film actor"]
    return [f"{topics[i % 4]} {i % 7} note {i}" for i in range(n)]


def test_get_engine_names_and_checks() -> None:
    with pytest.raises(InvalidParameterError, match="'engine' parameter must be one of"):
        get_engine("spark")
    with pytest.raises(InvalidParameterError, match="'workers' parameter"):
        get_engine("local", workers=0)
    with pytest.raises(InvalidParameterError, match="for the ray engine"):
        get_engine("local", address="ray://head:10001")
    with get_engine("local", workers=1) as eng:
        assert (eng.name, eng.workers) == ("local", 1)


def test_pipeline_on_local_engine_equals_in_process(engine, tmp_path) -> None:
    texts = _texts()
    frame = pd.DataFrame({"text": texts})
    ds = Dataset(name="t", frame=frame, ids=np.arange(len(texts)), text_column="text")
    spec = EmbedSpec(backend="tfidf-svd")
    here = Pipeline(tmp_path / "a")
    there = Pipeline(tmp_path / "b", engine=engine)
    emb_a, emb_b = here.embed(ds, spec), there.embed(ds, spec)
    np.testing.assert_array_equal(emb_a.vectors, emb_b.vectors)
    assert (emb_b.embedded, emb_b.cached) == (emb_a.embedded, 0)
    assert there.embed(ds, spec).cached == len(texts)  # the worker wrote the cache
    cp = ClusterParams(method="kmeans", k=4)
    c_a = here.cluster(ds, emb_a, None, cp)
    c_b = there.cluster(ds, emb_b, None, cp)
    np.testing.assert_array_equal(c_a.labels, c_b.labels)
    assert c_a.names == c_b.names
    X = _blobs()
    for params, sample in [
        (ProjectionParams(method="pca"), None),
        (ProjectionParams(method="umap", n_neighbors=10), 150),
    ]:
        local = engine.project(X, params, sample_size=sample)
        direct = project_step(X, params, sample_size=sample)
        np.testing.assert_allclose(local.coords, direct.coords, rtol=0, atol=1e-6)
        assert local.notes == direct.notes
        assert local.model is None  # the fitted model stays in the worker


def test_progress_reaches_the_caller(engine) -> None:
    seen: list[tuple[float, str]] = []
    assert engine.run(sleeper, 0.3, on_progress=lambda f, m: seen.append((f, m))) == "woke"
    assert seen and seen[0] == (0.5, "sleeping")


def settings(*, on_progress=None) -> tuple[str | None, ...]:
    return tuple(os.environ.get(k) for k in ("HOME", "RAY_AUTH_MODE", "RAY_AUTH_TOKEN"))


def test_a_job_sees_home_and_ray_auth_changed_after_the_workers_started(engine, tmp_path):
    # A worker forks from a forkserver started at the first job; a job connecting to a Ray
    # cluster by its address needs the caller's RAY_AUTH_MODE and token (RAY_AUTH_TOKEN, or
    # ~/.ray/auth_token under HOME), which a local ray.init in the caller may have set since.
    before = engine.run(settings)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HOME", str(tmp_path))
        mp.setenv("RAY_AUTH_MODE", "token")
        mp.setenv("RAY_AUTH_TOKEN", "t0ken")
        assert engine.run(settings) == (str(tmp_path), "token", "t0ken")
    assert engine.run(settings) == before == settings()


def test_cancel_stops_a_running_job_and_the_next_job_runs(engine) -> None:
    job = engine.submit(sleeper, 60.0, label="A long sleep")
    deadline = time.monotonic() + 60
    while job.message != "sleeping" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert job.message == "sleeping", "the job never started"
    started = time.monotonic()
    assert job.cancel()
    with pytest.raises(JobCancelled, match="A long sleep was cancelled"):
        job.result(timeout=30)
    assert time.monotonic() - started < 10
    assert not job.cancel()  # already over
    assert engine.run(sleeper, 0.1) == "woke"


def test_cancel_of_a_queued_job() -> None:
    with LocalEngine(workers=1) as eng:
        first = eng.submit(sleeper, 2.0)
        queued = eng.submit(pid, label="The queued job")
        assert queued.cancel()
        with pytest.raises(JobCancelled, match="before it started"):
            queued.result(timeout=5)
        assert first.result(timeout=60) == "woke"


def test_crashed_worker_gives_a_typed_error_and_the_next_job_runs(engine) -> None:
    before = {engine.run(pid) for _ in range(4)}
    with pytest.raises(WorkerCrashed, match=r"stopped \(exit code 7\).*A new worker takes"):
        engine.run(crash, 7)
    assert isinstance(engine.run(pid), int)
    assert engine.run(sleeper, 0.1) == "woke"
    assert engine.alive() <= engine.workers
    assert before  # workers were up before the crash


def test_errors_keep_their_type_and_remote_traceback(engine) -> None:
    with pytest.raises(DataError, match="row 3") as info:
        engine.run(bad_data)
    assert "bad_data" in str(info.value.__cause__)


def test_workers_are_replaced_after_max_tasks() -> None:
    with LocalEngine(workers=1, max_tasks=1) as eng:
        first, second = eng.run(pid), eng.run(pid)
        assert first != second
    with LocalEngine(workers=1, max_tasks=5) as eng:
        assert eng.run(pid) == eng.run(pid)  # warm: the same process


def test_a_worker_over_its_memory_limit_is_replaced() -> None:
    with LocalEngine(workers=1, max_memory_mb=200) as eng:
        first = eng.run(hog, 300)  # leaves 300 MiB behind: the worker retires
        second = eng.run(hog, 1)
        third = eng.run(pid)  # under the limit: the same warm worker
        assert first != second == third


def test_closed_engine_refuses_work() -> None:
    eng = LocalEngine(workers=1)
    eng.close()
    eng.close()  # idempotent
    with pytest.raises(EngineError, match="closed"):
        eng.submit(pid)


def test_engine_pickles_to_in_process(engine) -> None:
    import pickle

    assert isinstance(pickle.loads(pickle.dumps(engine)), InProcessEngine)
    pipe = pickle.loads(pickle.dumps(Pipeline(engine=engine)))
    assert isinstance(pipe.engine, InProcessEngine)


# The second workspace is too deep for a Unix socket's path (107 bytes): the socket goes to a
# short private path instead (a test run under pytest-xdist failed with "AF_UNIX path too long").
@pytest.mark.parametrize("folder", ["ws", "a-workspace-deeper-than-a-unix-socket-path-may-be/" * 3])
def test_a_resident_worker_serves_fresh_callers(tmp_path, folder) -> None:
    import subprocess
    import sys

    from embedlens._resident import MAX_SOCKET_PATH, socket_address
    from embedlens.engines.resident import find_resident

    root = tmp_path / folder
    assert find_resident(root) is None
    code = (
        "import sys; from embedlens.engines.resident import serve; "
        "serve(sys.argv[1], idle_s=120, warm=())"
    )
    proc = subprocess.Popen([sys.executable, "-c", code, str(root)])
    try:
        resident = None
        for _ in range(600):
            resident = find_resident(root)
            if resident is not None or proc.poll() is not None:
                break
            time.sleep(0.1)
        assert resident is not None, "the resident worker did not start"
        assert (resident.name, resident.workers) == ("local", 1)
        assert resident.address.with_suffix(".key").stat().st_mode & 0o077 == 0  # owner only
        bound = Path(socket_address(resident.address))
        assert bound.is_socket() and bound.stat().st_mode & 0o077 == 0
        assert (bound == resident.address) == (len(str(resident.address)) <= MAX_SOCKET_PATH)
        X = _blobs()
        got = resident.project(X, ProjectionParams(method="pca"))
        want = project_step(X, ProjectionParams(method="pca"))
        np.testing.assert_allclose(got.coords, want.coords, rtol=0, atol=1e-6)
        with pytest.raises(DataError, match="row 3"):
            resident.run(bad_data)
        assert resident.run(pid) == resident.run(pid) == proc.pid  # one warm process
        wrong = type(resident)(resident.address, b"not the key")
        with pytest.raises(EngineError, match="cannot be reached"):
            wrong.run(pid)
        assert resident.run(pid) == proc.pid  # still serving after a wrong key
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_cli_names_engine_and_workers(tmp_path, capsys) -> None:
    import json

    from embedlens.cli import main

    X = _blobs(60, 8)
    src = tmp_path / "v.parquet"
    pd.DataFrame({"text": _texts(60), "embedding": list(X)}).to_parquet(src)
    out = tmp_path / "c.parquet"
    assert main(["--quiet", "cluster", str(src), "--k", "4", "--workers", "1", "-o", str(out)]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert (summary["engine"], summary["workers"], summary["n_clusters"]) == ("local", 1, 4)
    direct = ClusterParams(method="kmeans", k=4)
    from embedlens.cluster import cluster

    want = cluster(X, direct, texts=_texts(60)).labels
    np.testing.assert_array_equal(pd.read_parquet(out)["cluster"].to_numpy(), want)
    assert main(["--quiet", "cluster", str(src), "--ray-address", "x", "-o", str(out)]) == 2
    assert "for the ray engine" in capsys.readouterr().err


def test_workers_never_run_the_callers_main_script(tmp_path, monkeypatch) -> None:
    """Streamlit puts the running page in sys.modules['__main__']: workers must not re-run it."""
    import sys
    import types

    marker = tmp_path / "ran"
    script = tmp_path / "page.py"
    script.write_text(f"open({str(marker)!r}, 'w').write('ran')\n", encoding="utf-8")
    page = types.ModuleType("__main__")
    page.__file__ = str(script)
    monkeypatch.setitem(sys.modules, "__main__", page)
    with LocalEngine(workers=1) as eng:
        assert isinstance(eng.run(pid), int)
    assert sys.modules["__main__"] is page
    assert not marker.exists()
