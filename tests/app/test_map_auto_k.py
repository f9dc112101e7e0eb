"""AppTest: the automatic k's curve beside the cluster count; colours kept from the preview."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from streamlit.testing.v1 import AppTest

from components.stable_colours import CURRENT_KEY, PREVIEW_KEY, match
from embedlens.palettes import SYMBOLS_2D, categorical_colors

APP = Path(__file__).resolve().parents[2] / "app.py"


def _app(lang: str | None = None) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=180)
    if lang:
        at.query_params["lang"] = lang
    at.session_state["map.backend"] = "tfidf-svd"
    at.session_state["map.method"] = "pca"
    return at.run()


def _spec(chart) -> dict:
    return json.loads(chart.proto.spec)


def test_the_curve_and_the_sentence_sit_in_the_sidebar_and_the_map_stays_first():
    at = _app()
    assert not at.exception and not at.error
    choice = at.session_state["map.clustering"].k_choice
    assert choice is not None and choice.k == at.session_state["map.clustering"].n_clusters
    side = [_spec(c) for c in at.sidebar.get("plotly_chart")]
    assert len(side) == 1 and [t["name"] for t in side[0]["data"]] == ["modularity", "silhouette"]
    assert any(c.value.startswith(f"k = {choice.k}, ") for c in at.sidebar.caption)
    first = _spec(at.get("plotly_chart")[0])
    assert any(t.get("meta") == "points" for t in first["data"])  # the map, not the curve


def test_the_curve_speaks_chinese():
    at = _app("zh-CN")
    assert not at.exception
    k = at.session_state["map.clustering"].k_choice.k
    texts = [c.value for c in at.sidebar.caption if c.value.startswith(f"k = {k}，")]
    assert texts and "sure" not in texts[0] and "抽样" in texts[0]
    names = [t["name"] for t in _spec(at.sidebar.get("plotly_chart")[0])["data"]]
    assert names == ["模块度", "轮廓系数"]


def test_final_clusters_take_the_colours_and_names_of_the_preview_clusters():
    at = _app()
    labels = at.session_state["map.clustering"].labels
    k = int(labels.max()) + 1
    perm = np.roll(np.arange(k), 3)  # preview cluster perm[c] holds exactly final cluster c
    at.session_state[PREVIEW_KEY] = {
        "source": at.session_state[CURRENT_KEY],
        "labels": perm[labels],
        "names": {int(p): f"preview {p}" for p in perm},
    }
    at.run()
    assert not at.exception
    colours = [c for c, _ in categorical_colors(k, symbols=SYMBOLS_2D)]
    traces = {
        t["name"]: t["marker"]["color"]
        for t in _spec(at.get("plotly_chart")[0])["data"]
        if t.get("meta") == "points"
    }
    for p in perm:
        assert traces[f"preview {p}"] == colours[int(p)], (p, traces)


def test_match_pairs_by_overlap_and_gives_new_clusters_free_colours():
    final = np.array([0, 0, 0, 1, 1, 2, 2, 3, -1])
    preview = np.array([1, 1, 0, 0, 0, 2, 2, 2, 1])
    a = match(final, preview, {0: "a", 1: "b", 2: "c"})
    assert a.slots[0] == 1 and a.slots[1] == 0 and a.slots[2] == 2
    assert a.slots[3] == 3  # no preview cluster left: the next free colour
    assert a.names == {1: "a", 2: "c"}  # Jaccard 2/3 >= 0.6 kept; cluster 0's 2/4 is not
