"""AppTest: large-data behaviour of the map with lowered thresholds on a small synthetic dataset.

Fit-on-a-sample is offered (and on by default) above ``scale.SAMPLE_ABOVE_ROWS`` for t-SNE and
UMAP, announced with its size and cost, recorded in the workspace run, and can be turned off;
the map switches to the density view above ``scale.SCATTER_MAX_POINTS`` points or when the
scatter would exceed the message limit.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from components import scale, state
from embedlens.dataset import Dataset
from embedlens.reduce import ProjectionParams
from embedlens.store import Workspace

APP = Path(__file__).resolve().parents[2] / "app.py"
N, DIM, SAMPLE = 400, 16, 150


def _dataset() -> Dataset:
    rng = np.random.default_rng(0)
    centres = rng.normal(0, 4, (4, DIM))
    comp = rng.integers(0, 4, N)
    vectors = np.ascontiguousarray(centres[comp] + rng.normal(0, 1, (N, DIM)), dtype=np.float32)
    topics = np.array(["alpha", "beta", "gamma", "delta"])[comp]
    frame = pd.DataFrame(
        {"text": [f"note {i} about {t}" for i, t in enumerate(topics)], "label": topics}
    )
    return Dataset(
        name="Synthetic vectors",
        frame=frame,
        ids=np.arange(N),
        text_column="text",
        label_column="label",
        vector_column="embedding",
        vectors=vectors,
    )


@pytest.fixture
def lowered(monkeypatch):
    """Offer the sample above 100 rows, 150 rows by default."""
    monkeypatch.setattr(scale, "SAMPLE_ABOVE_ROWS", 100)
    monkeypatch.setattr(scale, "DEFAULT_SAMPLE_ROWS", SAMPLE)
    monkeypatch.setattr(scale, "MIN_SAMPLE_ROWS", 50)


def _app(isolated_workspace, method: str = "tsne", **state) -> tuple[AppTest, str]:
    ds = _dataset()
    dataset_id = Workspace(isolated_workspace).save_dataset(ds, name=ds.name)
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.session_state["data.dataset"] = ds
    at.session_state["data.dataset_id"] = dataset_id
    at.session_state["map.method"] = method
    at.session_state["map.cluster_k"] = 4
    for key, value in state.items():
        at.session_state[key.replace("__", ".")] = value
    return at.run(), dataset_id


def _captions(at: AppTest) -> str:
    return "\n".join(c.value for c in (*at.caption, *at.sidebar.caption))


def _trace_types(at: AppTest) -> set[str]:
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    return {t.get("type", "scatter") for t in spec["data"]}


def test_sampling_is_offered_on_by_default_announced_and_recorded(lowered, isolated_workspace):
    at, dataset_id = _app(isolated_workspace)
    assert not at.exception and not at.error
    toggle = at.toggle(key=scale.SAMPLE_ON)
    assert toggle.value is True
    assert f"Fit on a sample of {SAMPLE:,} rows, place the rest" in toggle.label
    assert at.number_input(key=scale.SAMPLE_ROWS).value == SAMPLE
    text = _captions(at)
    assert f"fit on {SAMPLE:,} rows, place the other {N - SAMPLE:,}" in text  # cost, sampled
    assert f"On all {N:,} rows" in text  # and the cost without sampling
    proj = at.session_state["map.projection"]
    assert proj.coords.shape == (N, 2) and np.isfinite(proj.coords).all()  # every row placed
    assert any(f"on {SAMPLE:,} of {N:,} rows" in note for note in proj.notes)
    assert f"on {SAMPLE:,} of {N:,} rows" in text  # the note is on the page
    runs = Workspace(isolated_workspace).list_runs(dataset_id)
    sampled = [r for r in runs if r.kind == "projection" and r.params.get("method") == "tsne"]
    assert [r.params.get("sample_size") for r in sampled] == [SAMPLE]


def test_sample_size_changes_the_fit(lowered, isolated_workspace):
    at, _ = _app(isolated_workspace)
    at.number_input(key=scale.SAMPLE_ROWS).set_value(200).run()
    assert not at.exception
    assert "Fit on a sample of 200 rows" in at.toggle(key=scale.SAMPLE_ON).label
    notes = at.session_state["map.projection"].notes
    assert any(f"on 200 of {N:,} rows" in note for note in notes)


def test_sampling_can_be_turned_off(lowered, isolated_workspace):
    at, dataset_id = _app(isolated_workspace)
    at.toggle(key=scale.SAMPLE_ON).set_value(False).run()
    assert not at.exception and not at.error
    assert at.number_input(key=scale.SAMPLE_ROWS).disabled
    proj = at.session_state["map.projection"]
    assert proj.coords.shape == (N, 2)
    assert not any("of 400 rows" in note for note in proj.notes)
    text = _captions(at)
    assert f"t-SNE of {N:,} x {DIM} vectors" in text and f"fitting on {SAMPLE:,} rows" in text
    runs = Workspace(isolated_workspace).list_runs(dataset_id)
    sizes = {r.params.get("sample_size") for r in runs if r.params.get("method") == "tsne"}
    assert sizes == {SAMPLE, None}  # both runs kept, told apart by the sample size


def test_no_sampling_for_pca_or_below_the_threshold(lowered, isolated_workspace):
    at, _ = _app(isolated_workspace, method="pca")
    assert not at.exception
    assert not [t for t in at.toggle if t.key == scale.SAMPLE_ON]
    assert not any("of 400 rows" in n for n in at.session_state["map.projection"].notes)


def test_no_sampling_offered_at_default_thresholds(isolated_workspace):
    at, _ = _app(isolated_workspace)
    assert not at.exception
    assert not [t for t in at.toggle if t.key == scale.SAMPLE_ON]
    assert at.session_state["map.projection"].params.method == "tsne"


def test_density_view_above_the_point_limit(monkeypatch, isolated_workspace):
    monkeypatch.setattr(scale, "SCATTER_MAX_POINTS", N - 1)
    at, _ = _app(isolated_workspace, method="pca")
    assert not at.exception
    assert _trace_types(at) & {"heatmap", "histogram2d"}
    assert any("density view" in w.value and "No rows were dropped" in w.value for w in at.warning)
    layout = json.loads(at.get("plotly_chart")[0].proto.spec)["layout"]
    assert layout["xaxis"]["title"]["text"] == "PCA 1"  # named like the scatter's axes


def test_density_view_when_the_scatter_would_exceed_the_message_limit(
    monkeypatch, isolated_workspace
):
    monkeypatch.setattr(scale, "message_limit_bytes", lambda: 60_000)  # ~40 kB of points
    at, _ = _app(isolated_workspace, method="pca")
    assert not at.exception
    assert _trace_types(at) & {"heatmap", "histogram2d"}


def test_scatter_below_the_limits(isolated_workspace):
    at, _ = _app(isolated_workspace, method="pca")
    assert not at.exception
    assert "scattergl" in _trace_types(at)
    assert not any("density view" in w.value for w in at.warning)


def _embedding_notice_page():
    import numpy as np
    import pandas as pd

    from components import scale
    from embedlens.dataset import Dataset

    n = 5_000
    ds = Dataset(
        name="texts",
        frame=pd.DataFrame({"text": ["a b"] * n}),
        ids=np.arange(n),
        text_column="text",
    )
    scale.embedding_notice(ds, "sentence-transformers", "all-MiniLM-L6-v2")
    scale.embedding_notice(ds, "tfidf-svd", "")  # fast: no notice


def test_embedding_estimate_is_shown_before_a_long_embedding():
    at = AppTest.from_function(_embedding_notice_page, default_timeout=60).run()
    assert not at.exception
    assert len(at.caption) == 1
    text = at.caption[0].value
    assert "Embedding 5,000 texts" in text and "about 25 s" in text and "rough" in text


def test_sampled_estimate_is_cheaper_and_counts_all_vectors():
    params = ProjectionParams(method="umap")
    full_s, full_b = scale.projection_estimate(1_000_000, 384, params)
    s, b = scale.projection_estimate(1_000_000, 384, params, 50_000)
    assert s < full_s and b < full_b
    assert b > 1_000_000 * 384 * 4  # all vectors stay in memory
    assert scale.projection_estimate(1_000, 384, params, 5_000) == scale.projection_estimate(
        1_000, 384, params
    )


def test_automatic_k_on_large_inputs_is_chosen_on_a_sample(monkeypatch):
    from sklearn.datasets import make_blobs
    from sklearn.metrics import adjusted_rand_score

    from embedlens import cluster as cluster_module

    monkeypatch.setattr(cluster_module, "AUTO_K_FIT_ROWS", 300)
    X, truth = make_blobs(1_500, n_features=8, centers=3, cluster_std=0.5, random_state=0)
    result = cluster_module.cluster(X.astype(np.float32), cluster_module.ClusterParams())
    assert result.params.k == 3 and len(result.labels) == 1_500
    assert adjusted_rand_score(truth, result.labels) == 1.0  # every row clustered, not the sample
    assert any("random sample of 300 of 1,500 rows" in note for note in result.notes)


def test_a_long_embedding_waits_for_the_user_and_names_faster_ways(monkeypatch):
    monkeypatch.setattr(scale, "EMBED_TEXTS_PER_SECOND", 0.5)  # the sample: about 17 min
    at = AppTest.from_file(str(APP), default_timeout=300)
    at.session_state["map.method"] = "pca"
    at.run()
    assert not at.exception
    (warning,) = [w.value for w in at.warning if "starts only when you ask" in w.value]
    assert "Embedding 506 texts" in warning and "TF-IDF + SVD" in warning
    assert state.EMBEDDING not in at.session_state and not at.get("plotly_chart")
    at.button(key="map.embed_confirm").click().run()
    assert not at.exception and not any("starts only" in w.value for w in at.warning)
    assert at.session_state[state.EMBEDDING].vectors.shape == (506, 384)
    (caption,) = [c.value for c in at.caption if c.value.startswith("Each dot")]
    assert "(all-MiniLM-L6-v2 embeddings" in caption and "|" not in caption  # no cache key
