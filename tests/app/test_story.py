"""AppTest: saved views, cluster naming, the story editor, presentation mode and the HTML export."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from plotly.offline import get_plotlyjs
from streamlit.testing.v1 import AppTest

from components.story_figures import story_html
from embedlens.dataset import Dataset
from embedlens.store import Workspace

APP = Path(__file__).resolve().parents[2] / "app.py"
PAGE = "app_pages/story.py"
XSS = "<script>alert(1)</script>"


def _app() -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.session_state["map.backend"] = "tfidf-svd"
    at.session_state["map.method"] = "pca"
    return at


@pytest.fixture
def mapped() -> AppTest:
    """The map drawn once (offline embedder, PCA), then the Story page."""
    at = _app().run()
    assert not at.exception
    at.switch_page(PAGE).run()
    assert not at.exception
    return at


def _save_view(at: AppTest, name: str, caption: str = "", spotlight: str | None = None,
               zoom: bool = False) -> str:
    at.text_input(key="story.save_view.name").input(name)
    at.text_area(key="story.save_view.caption").input(caption)
    if spotlight is not None:
        at.selectbox(key="story.save_view.spotlight").select(spotlight)
    at.checkbox(key="story.save_view.zoom").set_value(zoom)
    at.button(key="FormSubmitter:story.save_view-Save view").click().run()
    assert not at.exception
    return at.session_state["story.view_id"]


def _ws() -> Workspace:
    return Workspace(os.environ["EMBEDLENS_HOME"])


def _chart_specs(at: AppTest) -> list[dict]:
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]


def test_guard_without_results_points_to_the_map():
    at = _app().run()
    for key in ("map.embedding", "map.projection", "map.clustering"):
        del at.session_state[key]  # as in a session that has not drawn the map yet
    at.switch_page(PAGE).run()
    assert not at.exception
    assert any("Open the map first" in i.value for i in at.info)
    assert any("No saved views yet" in i.value for i in at.info)


def test_save_view_snapshots_the_map_and_sets_the_url(mapped):
    at = mapped
    at.session_state["map.selection_ids"] = [1, 2, 3]
    at.run()
    view_id = _save_view(at, "Tech corner", "Tech headlines cluster together.",
                         spotlight="selection", zoom=True)
    assert at.query_params["view"] == view_id
    info = _ws().load_view(view_id)
    view = info.view
    assert info.caption == "Tech headlines cluster together."
    assert view["dataset_id"] == at.session_state["data.dataset_id"]
    assert view["projection"]["method"] == "pca" and view["settings"]["map.method"] == "pca"
    assert view["embedding"]["backend"] == "tfidf-svd"
    assert view["highlight_ids"] == [1, 2, 3]
    assert view["camera_source"] == "highlighted rows"
    full = _ws().load_run(view["projection_run"])[1]["coords"]
    (x0, x1), (y0, y1) = view["camera"]["x"], view["camera"]["y"]
    assert x1 - x0 < np.ptp(full[:, 0]) and y1 - y0 < np.ptp(full[:, 1])  # framed on 3 rows
    labels = _ws().load_run(view["clustering_run"])[1]["labels"]
    assert len(labels) == len(full) == view["rows"]
    # the preview uses the saved camera
    spec = _chart_specs(at)[0]
    assert spec["layout"]["xaxis"]["range"] == pytest.approx([x0, x1])


def test_open_view_restores_settings_names_and_highlight(mapped):
    at = mapped
    at.session_state["map.cluster_names"] = {0: "Chips"}
    at.run()
    view_id = _save_view(at, "Chips named", spotlight="cluster:0")
    # change the session, then reopen the view
    at.session_state["map.cluster_names"] = {}
    at.session_state["map.highlight_ids"] = []
    at.session_state["map.method"] = "tsne"
    at.run()
    at.selectbox(key="story.view").select(view_id)
    at.button(key="story.open_view").click().run()
    assert not at.exception
    ss = at.session_state
    assert ss["map.cluster_names"] == {0: "Chips"}
    assert ss["map.method"] == "pca"
    assert len(ss["map.highlight_ids"]) > 0
    assert ss["story.view_id"] == view_id and at.query_params["view"] == view_id


def test_view_in_url_is_restored_on_a_new_session(mapped):
    at = mapped
    at.session_state["map.cluster_merges"] = {1: 0}
    at.run()
    view_id = _save_view(at, "Merged")
    dataset_id = at.session_state["data.dataset_id"]

    def reopen():
        from components import datasets, state, story_views

        state.init()
        datasets.ensure_dataset()
        story_views.restore_view_from_url()

    fresh = AppTest.from_function(reopen, default_timeout=60)
    fresh.query_params.update({"dataset": dataset_id, "view": view_id})
    fresh.run()
    assert not fresh.exception
    assert fresh.session_state["story.view_id"] == view_id
    assert fresh.session_state["map.cluster_merges"] == {1: 0}
    assert fresh.session_state["map.method"] == "pca"
    # a view of another dataset than the one the URL opens is stale: ignored, dropped from the URL
    other_ds = Dataset(name="Other", frame=pd.DataFrame({"text": ["a", "b", "c"]}),
                       ids=np.arange(3), text_column="text")
    other_id = _ws().save_dataset(other_ds)
    other = AppTest.from_function(reopen, default_timeout=60)
    other.query_params.update({"dataset": other_id, "view": view_id})
    other.run()
    assert other.session_state["data.dataset_id"] == other_id
    assert "story.view_id" not in other.session_state
    assert "view" not in other.query_params


def test_cluster_table_renames_and_merges(mapped):
    at = mapped
    table = at.data_editor(key="story.cluster_table") if hasattr(at, "data_editor") else None
    frame = (table or at.dataframe[0]).value
    first, second = int(frame["Cluster"].iloc[0]), int(frame["Cluster"].iloc[1])
    at.session_state["story.cluster_table"] = {
        "edited_rows": {0: {"Your name": "  Chips & GPUs "}}, "added_rows": [], "deleted_rows": []}
    at.run()
    assert not at.exception
    assert at.session_state["map.cluster_names"][first] == "Chips & GPUs"
    at.multiselect(key="story.merge_sources").set_value([second])
    at.selectbox(key="story.merge_target").select(first)
    at.button(key="story.merge").click().run()
    assert not at.exception
    assert at.session_state["map.cluster_merges"] == {second: first}
    merged = at.dataframe[0].value
    assert len(merged) == len(frame) - 1
    assert str(second) in merged.set_index("Cluster").loc[first, "Merged in"]
    at.button(key="story.unmerge").click().run()
    assert at.session_state["map.cluster_merges"] == {}


def test_story_reorder_present_and_step(mapped):
    at = mapped
    a = _save_view(at, "First view", "One")
    b = _save_view(at, f"Second {XSS}", f"Caption {XSS}")
    assert at.selectbox(key="story.view").value == b  # the new view is the one shown
    for view_id in (a, b):
        at.selectbox(key="story.view").select(view_id)
        at.button(key="story.add_view").click().run()
    assert at.session_state["story.view_ids"] == [a, b]
    at.button(key="story.down.0").click().run()
    assert at.session_state["story.view_ids"] == [b, a]
    at.button(key="story.present").click().run()
    assert not at.exception and at.session_state["story.presenting"]
    texts = [m.value for m in at.markdown]
    assert "**1 / 2**" in texts
    assert not any(XSS in t for t in texts if "<style>" not in t)  # user text is escaped
    assert any("stSidebar" in t for t in texts)  # the full-screen stylesheet is in place
    at.button(key="story.next").click().run()
    assert at.session_state["story.slide"] == 1 and "**2 / 2**" in [m.value for m in at.markdown]
    at.button(key="story.exit").click().run()
    assert not at.session_state["story.presenting"]
    at.button(key="story.remove.0").click().run()
    assert at.session_state["story.view_ids"] == [a]


def test_theme_toggle_and_saved_story(mapped):
    at = mapped
    a = _save_view(at, "Only view")
    at.button(key="story.add_view").click().run()
    at.segmented_control(key="story.theme").set_value("dark").run()
    assert at.session_state["app.theme"] == "dark"
    assert _chart_specs(at)[0]["layout"]["paper_bgcolor"] == "#111111"
    at.text_input(key="story.title").input("Q3 review").run()
    at.button(key="story.save").click().run()
    stories = _ws().list_stories()
    assert [(s.title, s.view_ids) for s in stories] == [("Q3 review", (a,))]


def test_story_html_is_one_offline_file(mapped):
    at = mapped
    a = _save_view(at, "Overview", "All headlines.")
    b = _save_view(at, f"Close-up {XSS}", f"Look {XSS}")
    ws = _ws()
    slides = [(v.name, v.caption, v.view) for v in (ws.load_view(a), ws.load_view(b))]
    page = story_html(ws, slides, title="Review & plan", theme="dark")
    assert page.count('class="slide"') == 2
    assert "Review &amp; plan" in page and "Overview" in page
    assert XSS not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert page.count(get_plotlyjs()) == 1  # plotly.js inlined once
    ours = page.replace(get_plotlyjs(), "")
    assert "<script src" not in ours and "http" not in ours.replace("http-equiv", "")
    assert "Plotly.newPlot" in ours


def test_view_saved_on_the_story_page_keeps_the_map_display_settings():
    at = _app().run()
    at.slider(key="map.point_size").set_value(9.0).run()
    at.switch_page(PAGE).run()
    at.run()  # a second run on the Story page: Streamlit has cleaned up unmounted widgets
    view_id = _save_view(at, "Big dots")
    assert _ws().load_view(view_id).view["display"]["point_size"] == 9.0


def test_view_whose_runs_were_deleted_warns_instead_of_failing(mapped):
    at = mapped
    view_id = _save_view(at, "Soon gone")
    _ws().delete_run(_ws().load_view(view_id).view["projection_run"])
    at.run()
    assert not at.exception
    assert any("cannot be drawn" in w.value and "was deleted" in w.value for w in at.warning)
