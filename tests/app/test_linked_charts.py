"""Linked charts under the map (bars/histograms vs the selection) and search with a count."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from streamlit.testing.v1 import AppTest

from components.linked_charts import bar_figure, histogram_figure, rows_of_event

APP = Path(__file__).resolve().parents[2] / "app.py"


def test_bars_show_the_selection_over_every_row_and_escape_values():
    values = pd.Series(["a", "a", "b", "<script>x</script>", "b", "b"])
    inside = np.array([True, False, True, False, True, False])
    fig = bar_figure(values, inside, "col")
    whole, sel = fig.data
    assert dict(zip(whole.y, whole.x, strict=True))["b"] == 3
    escaped = "&lt;script&gt;x&lt;/script&gt;"
    assert dict(zip(sel.y, sel.x, strict=True)) == {escaped: 0, "a": 1, "b": 2}
    assert list(whole.y)[-1] == "b"  # the most common value on top
    assert len(bar_figure(values, None, "col").data) == 1


def test_histogram_bins_the_selection_like_the_whole_and_a_bin_picks_its_rows():
    values = pd.Series(np.arange(100, dtype=float))
    inside = values.to_numpy() < 10
    whole, sel = histogram_figure(values, inside, "n").data
    assert sum(whole.y) == 100 and sum(sel.y) == 10
    lo, hi = whole.customdata[0]
    mask = rows_of_event(values, [{"customdata": [lo, hi]}], numeric=True)
    assert mask.sum() == int(whole.y[0]) and mask[0]


def test_a_clicked_bar_picks_the_rows_with_its_value():
    values = pd.Series(["sport", "food", "sport", None])
    mask = rows_of_event(values, [{"customdata": "sport", "y": "sport"}], numeric=False)
    assert mask.tolist() == [True, False, True, False]


def test_the_map_page_draws_charts_under_the_map_and_counts_search_matches():
    at = AppTest.from_file(str(APP), default_timeout=180)
    at.session_state["map.backend"] = "tfidf-svd"
    at.session_state["map.method"] = "pca"
    at.session_state["map.cluster_k"] = 6
    at.session_state["map.search"] = "AI"
    at.run()
    assert not at.exception and not at.error
    specs = [json.loads(c.proto.spec) for c in at.main.get("plotly_chart")]
    assert any(t.get("meta") == "points" for t in specs[0]["data"])  # the map comes first
    titles = [s["layout"].get("title", {}).get("text") for s in specs[1:]]
    assert "Cluster" in titles and "topic" in titles
    ds = at.session_state["data.dataset"]
    n = int(ds.frame[ds.text_column].str.contains("AI", case=False, regex=False).sum())
    assert n > 0
    assert any(e.label.endswith(f": {n:,} matching rows") for e in at.expander), [
        e.label for e in at.expander
    ]
