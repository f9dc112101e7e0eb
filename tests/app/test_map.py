"""AppTest: the app opens on the sample map, and each main control changes the result."""

from __future__ import annotations

import html
import json
import threading
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

APP = Path(__file__).resolve().parents[2] / "app.py"


def _app(**state) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.session_state["map.backend"] = "tfidf-svd"
    at.session_state["map.method"] = "pca"
    for key, value in state.items():
        at.session_state[key.replace("__", ".")] = value
    return at.run()


def _scatter_traces(at: AppTest) -> list[dict]:
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    return [t for t in spec["data"] if t.get("meta") in ("points", "context")]


def _n_points(trace: dict) -> int:
    """Points in a trace; Plotly 7 sends numpy arrays as typed arrays (dtype + base64 bdata)."""
    x = trace.get("x")
    if isinstance(x, dict):
        import base64

        return len(base64.b64decode(x["bdata"])) // np.dtype(x["dtype"]).itemsize
    return len(x or [])


@pytest.fixture(scope="module")
def opened() -> AppTest:
    # Module-scoped: set up before the autouse (function-scoped) synchronous_jobs fixture,
    # so it sets the variable itself; else the map can still be a preview after one run.
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("EMBEDLENS_SYNC_JOBS", "1")
        return _app()


def test_opens_on_the_sample_map_without_clicks(opened):
    at = opened
    assert not at.exception and not at.error
    ds = at.session_state["data.dataset"]
    assert ds.name.startswith("Sample") and len(ds) >= 400
    proj = at.session_state["map.projection"]
    assert proj.coords.shape == (len(ds), 2) and np.isfinite(proj.coords).all()
    clustering = at.session_state["map.clustering"]
    assert clustering.n_clusters >= 2 and len(clustering.labels) == len(ds)
    assert sum(_n_points(t) for t in _scatter_traces(at)) == len(ds)
    assert any("Each dot is one of" in c.value for c in at.caption)


def test_three_dimensions_give_a_3d_scatter():
    at = _app(map__dims=3)
    assert not at.exception
    assert at.session_state["map.projection"].coords.shape[1] == 3
    assert {t["type"] for t in _scatter_traces(at)} == {"scatter3d"}


def test_tsne_replaces_pca():
    at = _app(map__method="tsne")
    assert not at.exception
    assert at.session_state["map.projection"].params.method == "tsne"


def test_cluster_count_and_method_change_the_clusters(opened):
    at = _app(map__cluster_k=3)
    assert at.session_state["map.clustering"].n_clusters == 3
    at = _app(map__cluster_method="agglomerative", map__cluster_k=5)
    assert not at.exception
    clustering = at.session_state["map.clustering"]
    assert clustering.params.method == "agglomerative" and clustering.n_clusters == 5


def test_colour_by_a_column_uses_its_values_as_legend(opened):
    at = _app(map__color_by="topic")
    assert not at.exception
    names = {html.unescape(t["name"]) for t in _scatter_traces(at)}  # names are HTML-escaped
    topics = set(at.session_state["data.dataset"].frame["topic"])
    assert names == topics


def test_search_highlights_matching_rows():
    at = _app(map__search="telescope")
    assert not at.exception
    traces = _scatter_traces(at)
    context = [t for t in traces if t["meta"] == "context"]
    assert context, "non-matching rows should be drawn as dimmed context"
    ds = at.session_state["data.dataset"]
    matches = ds.frame["text"].str.contains("telescope", case=False).sum()
    highlighted = sum(_n_points(t) for t in traces if t["meta"] == "points")
    assert highlighted == matches


def test_numeric_colour_gets_a_colour_bar():
    at = _app(map__color_by="sentiment")
    assert not at.exception
    traces = _scatter_traces(at)
    assert len(traces) == 1 and traces[0]["marker"].get("showscale")


def hold_until(path: str, *, on_progress) -> None:
    """A job for a worker process: wait until ``path`` exists (at most 300 s)."""
    for _ in range(3000):
        if Path(path).exists():
            return
        threading.Event().wait(0.1)


def test_background_job_shows_a_preview_first(monkeypatch, tmp_path):
    """The t-SNE job waits behind real jobs holding every worker, so the preview always shows."""
    from components.jobs import runner

    monkeypatch.delenv("EMBEDLENS_SYNC_JOBS")
    gate = tmp_path / "open"
    holds = [
        runner().submit(
            ("test-map", "hold a worker", i, object()),  # a new key: never an old, done job
            "hold",
            hold_until,
            str(gate),
            lane="project",
        )
        for i in range(runner().engine("project").workers)
    ]
    try:
        at = AppTest.from_file(str(APP), default_timeout=120)
        at.session_state["map.backend"] = "tfidf-svd"
        at.session_state["map.method"] = "tsne"
        at.session_state["map.seed"] = 7  # a job no other test has run
        at.run()
        for _ in range(120):  # the TF-IDF vectors may come from their own background job
            assert not at.exception
            previews = [i.value for i in at.info if i.value.startswith("Preview:")]
            if any("t-SNE" in p for p in previews):
                break
            assert previews, [i.value for i in at.info]  # never the final map while held
            threading.Event().wait(0.5)
            at.run()
        assert "map.projection" not in at.session_state
        assert any(p.startswith("Preview: PCA while t-SNE") for p in previews), previews
        assert at.get("plotly_chart"), "the preview map is drawn"
    finally:
        gate.touch()
    for hold in holds:
        hold.future.result(timeout=60)
    for _ in range(600):
        at.run()
        if "map.projection" in at.session_state:
            break
        threading.Event().wait(0.5)
    assert not at.exception
    assert not any(i.value.startswith("Preview:") for i in at.info)
    assert at.session_state["map.projection"].params.method == "tsne"
