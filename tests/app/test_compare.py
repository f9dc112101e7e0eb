"""AppTest: the Compare page (two embeddings, linked selection, three maps, similarity lab)."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from embedlens.dataset import Dataset

APP = Path(__file__).resolve().parents[2] / "app.py"
PAGE = "app_pages/compare.py"


def _dataset(rng, n=90) -> Dataset:
    topics = np.repeat(["体育", "world", "<b>tech</b>"], n // 3)
    centres = rng.normal(size=(3, 8)) * 3
    X = (centres[np.repeat(np.arange(3), n // 3)] + rng.normal(size=(n, 8))).astype(np.float32)
    X[:, 0] += rng.uniform(0, 6, size=n)  # uneven lengths: dot and cosine lists differ
    frame = pd.DataFrame(
        {
            "id": [f"r{i}" for i in range(n)],
            "text": [f"text {i} {t}" for i, t in enumerate(topics)],
            "topic": topics,
        }
    )
    return Dataset(
        name="toy",
        frame=frame,
        ids=frame["id"].to_numpy(),
        text_column="text",
        label_column="topic",
        vector_column="embedding",
        vectors=X,
    )


def _app(ds: Dataset) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=180)
    at.session_state["map.method"] = "pca"
    at.session_state["data.dataset"] = ds
    at.session_state["data.dataset_id"] = None
    at.run()
    assert not at.exception
    return at.switch_page(PAGE).run()


def _array(value) -> np.ndarray:
    """A figure array from the chart JSON (Plotly writes typed arrays as base64)."""
    if isinstance(value, dict) and "bdata" in value:
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
    return np.asarray(value, dtype=float)


def _charts(at):
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]


def test_guard_without_results_points_to_the_map():
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.session_state["map.backend"] = "tfidf-svd"
    at.session_state["map.method"] = "pca"
    at.run()
    del at.session_state["map.embedding"]
    at.switch_page(PAGE).run()
    assert not at.exception
    assert "Open the map first" in at.info[0].value


def test_compare_with_an_uploaded_rotated_copy(rng):
    ds = _dataset(rng)
    at = _app(ds)
    assert not at.exception and not at.error
    assert "press Compare" in at.info[0].value
    # B: the same rows rotated and scaled, shuffled, uploaded as Parquet
    q, _ = np.linalg.qr(rng.normal(size=(8, 8)))
    keep = rng.permutation(len(ds))  # all rows, in another order
    other = pd.DataFrame({"id": ds.ids[keep]})
    other["embedding"] = list((ds.vectors[keep] @ q * 3).astype(np.float32))
    buf = io.BytesIO()
    other.to_parquet(buf)
    at.selectbox(key="compare.source").select("upload").run()
    uploader = at.get("file_uploader")
    assert uploader, "no file uploader shown"
    # AppTest cannot drive st.file_uploader: hand the page the same object it would get
    from streamlit.runtime.uploaded_file_manager import UploadedFile, UploadedFileRec

    rec = UploadedFileRec(
        file_id="b", name="b.parquet", type="application/octet-stream", data=buf.getvalue()
    )
    at.session_state["compare.upload"] = UploadedFile(rec, None)
    at.button(key="compare.go").click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    charts = _charts(at)
    maps = [c for c in charts if c["data"][0].get("type") == "scattergl"]
    assert len(maps) == 2
    # colour = per-row overlap, 1 everywhere for a rotated copy; both maps have the 90 rows
    for m in maps:
        assert len(m["data"][0]["customdata"]) == 90
    table = at.dataframe[0].value
    row = table[table.iloc[:, 0].str.contains("overlap@k")]
    assert float(row["Both"].iloc[0]) == 1.0
    # the aligned second map lies on the first (Procrustes undoes the rotation and scale)
    a, b = (m["data"][0] for m in maps)
    for axis in ("x", "y"):
        np.testing.assert_allclose(_array(a[axis]), _array(b[axis]), atol=1e-3)


def test_linked_selection_lights_up_the_same_rows_on_both(rng):
    from components import compare as cmp

    ds = _dataset(rng)
    at = _app(ds)
    at.selectbox(key="compare.source").select("backend:tfidf-svd").run()
    at.button(key="compare.go").click().run()
    assert not at.exception and not at.error
    # a lasso on map B arrives as that chart's selection state on the next run
    at.session_state[cmp.CHART_B] = {
        "selection": {"points": [{"customdata": ["r3"]}, {"customdata": ["r7"]}]}
    }
    at.run()
    assert not at.exception
    assert at.session_state[cmp.SELECTED] == ["r3", "r7"]
    maps = [c for c in _charts(at) if c["data"][0].get("type") == "scattergl"]
    for m in maps:
        trace = m["data"][0]
        lit = [trace["customdata"][i][0] for i in trace["selectedpoints"]]
        assert lit == ["r3", "r7"]
    assert any("2 rows selected" in c.value for c in at.caption)


def test_similarity_lab(rng):
    ds = _dataset(rng)
    at = _app(ds)
    at.selectbox(key="compare.lab_row").select(4).run()
    assert not at.exception
    md = " ".join(m.value for m in at.markdown)
    assert "Dot product kept" in md and "Spherizing" in md
    lab_tables = [d.value for d in at.dataframe]
    assert len(lab_tables) == 4 and all(len(t) == 10 for t in lab_tables)


@pytest.mark.slow
def test_three_maps_aligned_with_trustworthiness(rng):
    at = _app(_dataset(rng))
    at.button(key="compare.make_maps").click().run()
    assert not at.exception and not at.error
    names = {m.label for m in at.metric}
    assert any("Trustworthiness" in n for n in names) and len(at.metric) == 3


def test_page_in_chinese(rng):
    ds = _dataset(rng)
    at = AppTest.from_file(str(APP), default_timeout=180)
    at.session_state["map.method"] = "pca"
    at.session_state["data.dataset"] = ds
    at.session_state["data.dataset_id"] = None
    at.run()  # the map in English: AppTest cannot map translated select-box labels back
    at.query_params["lang"] = "zh-CN"
    at.switch_page(PAGE).run()
    assert not at.exception
    md = " ".join(m.value for m in at.markdown)
    assert "### 比较" in md and "有什么变化，为什么" in md and "余弦" in md
    assert "选择要与当前地图比较的对象" in at.info[0].value


def test_exports_table_with_both_maps_and_a_story_html(rng):
    from components import compare as cmp
    from embedlens.compare import compare_embeddings

    ds = _dataset(rng, n=60)
    comp = compare_embeddings(ds.ids, ds.vectors, ds.ids, ds.vectors[:, :5], k=5,
                              name_a="A <model>", name_b="B")  # fmt: skip
    coords = rng.normal(size=(60, 2)).astype(np.float32)
    pair = cmp.MapPair(rows_a=np.arange(60), coords_a=coords, coords_b=coords * 2, disparity=0.0)
    frame = cmp.export_frame(ds, comp, pair)
    assert len(frame) == 60 and {"id", "text", "overlap", "x_a", "y_b"} <= set(frame.columns)
    buf = io.BytesIO()
    frame.to_parquet(buf)  # list columns of ids survive Parquet
    assert pd.read_parquet(buf)["neighbors_a"].map(len).eq(5).all()
    fig_a, fig_b = cmp.figures(ds, pair, comp, "pca", [], "light")
    html = cmp.story_html(comp, fig_a, fig_b, "light").decode("utf-8")
    assert html.count('class="slide') >= 3 and "A &lt;model&gt;" in html
    assert "<model>" not in html


def test_both_maps_saved_as_views_the_story_can_draw():
    from components.pipeline import home, workspace
    from embedlens.pipeline.views import load_view_data

    at = AppTest.from_file(str(APP), default_timeout=180)
    at.session_state["map.backend"] = "tfidf-svd"
    at.session_state["map.method"] = "pca"
    at.run()  # the bundled sample, opened in the workspace
    at.switch_page(PAGE).run()
    at.selectbox(key="compare.source").select("backend:tfidf-char").run()
    at.button(key="compare.go").click().run()
    assert not at.exception and not at.error
    at.button(key="compare.save_views").click().run()
    assert not at.exception and not at.error
    assert "Saved 2 view(s)" in at.success[0].value
    ws = workspace(home())
    views = ws.list_views()
    assert len(views) == 2
    by_backend = {v.view["embedding"]["backend"]: v for v in views}
    assert set(by_backend) == {"tfidf-svd", "tfidf-char"}
    for info in views:
        data = load_view_data(ws, info.view)
        assert len(data.coords) == 506
