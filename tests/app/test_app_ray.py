"""The app pointed at a Ray cluster (a real local Ray, ``ray.init(num_cpus=2)``, by its address).

``EMBEDLENS_ENGINE=ray`` + ``EMBEDLENS_RAY_ADDRESS`` (what ``embedlens serve --engine ray
--ray-address`` sets): the map's embedding runs in Ray actors and equals the local engine's; a
job in a real worker process connects to the cluster itself and its result comes back; an
address where nothing listens is a message, in the page's language, within seconds.
"""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from embedlens.engines.config import ENGINE_ENV, RAY_ADDRESS_ENV, EngineChoice
from embedlens.i18n import set_language

# Not imported here: the jobs below are unpickled in worker processes, which import this module,
# and Ray imported before a job's settings apply would keep the worker's RAY_AUTH_MODE.
if importlib.util.find_spec("ray") is None:
    pytest.skip("needs Ray: pip install 'ray[data]'", allow_module_level=True)
APP = Path(__file__).resolve().parents[2] / "app.py"
DEAD = "127.0.0.1:1"  # nothing listens on port 1


@pytest.fixture(scope="module")
def address() -> str:
    """The address of a local Ray of 2 CPUs, as a cluster's would be given to the app."""
    import ray

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray.get_runtime_context().gcs_address
    ray.shutdown()


def _app(monkeypatch, address: str, lang: str | None = None, **state) -> AppTest:
    monkeypatch.setenv(ENGINE_ENV, "ray")
    monkeypatch.setenv(RAY_ADDRESS_ENV, address)
    at = AppTest.from_file(str(APP), default_timeout=300)
    at.session_state["map.method"] = "pca"
    for key, value in state.items():
        at.session_state[key.replace("__", ".")] = value
    if lang:
        at.query_params["lang"] = lang
    return at.run()


def _row_cosine(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    return (a * b).sum(axis=1)


@pytest.mark.slow  # two Ray actors load MiniLM (~40 s on 2 quiet cores)
@pytest.mark.external
def test_the_sample_map_embeds_on_ray_and_equals_the_local_engine(monkeypatch, address):
    from embedlens.embedders import embed_texts
    from embedlens.embedders.sentence_transformers import resolve_precision
    from embedlens.reduce import ProjectionParams, project

    at = _app(monkeypatch, address)
    assert not at.exception and not at.error, (at.exception, at.error)
    ds = at.session_state["data.dataset"]
    emb = at.session_state["map.embedding"]
    assert emb.embedded == len(set(ds.texts))  # all came from the actors: a fresh workspace
    # The app asks for "auto": bfloat16 on a CPU that computes it natively, else float32.
    precision = resolve_precision("auto", "cpu")
    local = embed_texts(list(ds.texts), model="all-MiniLM-L6-v2", precision=precision)
    assert emb.vectors.shape == local.vectors.shape
    assert _row_cosine(emb.vectors, local.vectors).min() >= 0.999
    assert emb.model_key == local.model_key  # one content cache for both engines
    coords = at.session_state["map.projection"].coords
    np.testing.assert_allclose(
        coords, project(local.vectors, ProjectionParams(method="pca")).coords, atol=2e-3
    )
    # The Data page says where the slow steps run.
    at.switch_page("app_pages/data.py").run()
    where = [c.value for c in at.caption if "run on" in c.value]
    assert where and f"the Ray cluster at {address}" in where[0], where


def _dataset(texts: list[str]):
    import pandas as pd

    from embedlens.dataset import Dataset

    frame = pd.DataFrame({"text": texts})
    return Dataset("jobs", frame, np.arange(len(texts)), text_column="text")


def _embed(pipe, ds, spec, *, on_progress):
    """A job: the pipeline's embedding of ``ds`` (runs in the worker; Ray from there)."""
    import os

    result = pipe.embed(ds, spec, on_progress=on_progress)
    return result, os.getpid(), pipe.engine.engine.address


@pytest.mark.slow  # a worker process starts and joins the cluster (~15 s)
def test_a_job_worker_joins_the_cluster_and_its_result_reaches_the_workspace(
    monkeypatch, address, tmp_path
):
    import os

    from components.jobs import JobRunner
    from embedlens.embedders import embed_texts
    from embedlens.engines.ray_client import RayClient
    from embedlens.pipeline import EmbedSpec, Pipeline

    monkeypatch.delenv("EMBEDLENS_SYNC_JOBS")
    texts = [f"{w} markets rally as {v} rates move" for w in ("bank", "oil", "tech", "farm")
             for v in ("interest", "exchange", "tax", "wage", "bond")] * 3  # fmt: skip
    ds, spec = _dataset(texts), EmbedSpec(backend="tfidf-svd")
    runner = JobRunner(EngineChoice("ray", address))
    pipe = Pipeline(tmp_path, engine=RayClient(address))
    try:
        job = runner.submit(("ray-job", address), "embed", _embed, pipe, ds, spec)
        assert job.engine == EngineChoice("ray", address) and job.handle is not None
        result, pid, joined = job.future.result(timeout=240)
    finally:
        for engine in runner._engines.values():
            engine.close()
    assert pid != os.getpid() and joined == address  # the worker was the Ray driver
    np.testing.assert_allclose(
        result.vectors, embed_texts(texts, backend="tfidf-svd").vectors, atol=1e-5
    )
    # The vectors are in this workspace's content cache: a second run embeds nothing.
    again = Pipeline(tmp_path).embed(ds, spec)
    assert again.embedded == 0 and again.cached == len(texts)


def test_an_unreachable_cluster_fails_the_job_at_once():
    from components.jobs import JobRunner
    from embedlens.engines import EngineUnavailable

    t0 = time.perf_counter()
    job = JobRunner(EngineChoice("ray", DEAD)).submit(("dead",), "x", _never, lane="embed")
    assert job.done and time.perf_counter() - t0 < 10
    with pytest.raises(EngineUnavailable, match=r"Ray cluster at 127\.0\.0\.1:1 cannot be"):
        job.future.result()
    # The fast lane (TF-IDF vectors, comparisons) stays on this machine's workers.
    fast = JobRunner(EngineChoice("ray", DEAD)).submit(("dead-fast",), "x", _one, lane="fast")
    assert fast.engine is None and fast.future.result(timeout=60) == 1


def _one(*, on_progress) -> int:
    return 1


def _never(*, on_progress) -> None:
    raise AssertionError("a job for an unreachable cluster must not run")


@pytest.mark.parametrize(
    ("lang", "expected"),
    [(None, "The Ray cluster at 127.0.0.1:1 cannot be reached"),
     ("zh-CN", "无法连接位于 127.0.0.1:1 的 Ray 集群")],
)  # fmt: skip
def test_the_map_says_the_cluster_cannot_be_reached(monkeypatch, lang, expected):
    set_language(lang)
    try:
        # the model (the Chinese sample's automatic choice is character TF-IDF, run locally)
        at = _app(monkeypatch, DEAD, lang, map__backend="sentence-transformers")
    finally:
        set_language("en")
    assert not at.exception, at.exception
    errors = [e.value.replace("\\", "") for e in at.error]  # markdown-escaped
    assert any(expected in e for e in errors), errors


def _hold_the_cluster(address: str, *, on_progress) -> None:
    """A job: take both of the cluster's CPUs in a Ray task that sleeps for 5 minutes."""
    import ray as ray_in_worker

    from embedlens.engines.ray_client import connected_engine

    def sleep(seconds: float) -> None:  # defined here: sent by value, nothing to import
        time.sleep(seconds)

    connected_engine(address)
    on_progress(0.0, "holding")
    ray_in_worker.get(ray_in_worker.remote(num_cpus=2)(sleep).remote(300))


@pytest.mark.slow  # a worker process joins the cluster (~15 s)
def test_cancel_ends_the_jobs_ray_tasks(monkeypatch, address):
    import ray

    from components.jobs import JobRunner
    from embedlens.engines import JobCancelled

    monkeypatch.delenv("EMBEDLENS_SYNC_JOBS")
    runner = JobRunner(EngineChoice("ray", address))
    try:
        job = runner.submit(("hold", address), "hold", _hold_the_cluster, address, lane="project")
        deadline = time.monotonic() + 180
        while ray.available_resources().get("CPU", 0) > 0 and time.monotonic() < deadline:
            if job.done:
                job.future.result()  # the job's own error
            time.sleep(0.5)
        assert ray.available_resources().get("CPU", 0) == 0, "the job's task never started"
        assert job.cancel()
        with pytest.raises(JobCancelled):
            job.future.result(timeout=60)
        deadline = time.monotonic() + 60  # the driver is gone: Ray ends the task it owned
        while ray.available_resources().get("CPU", 0) < 2 and time.monotonic() < deadline:
            time.sleep(0.5)
        assert ray.available_resources().get("CPU", 0) == 2
    finally:
        for engine in runner._engines.values():
            engine.close()
