"""AppTest: a dataset of images on the map (strip, selection table), neighbours and story."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from embedlens.io.images import load_images
from embedlens.store import Workspace

APP = Path(__file__).resolve().parents[2] / "app.py"


@pytest.fixture(autouse=True)
def _no_local_clip(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.delenv("EMBEDLENS_IMAGE_MODEL", raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.setenv("SENTENCE_TRANSFORMERS_HOME", str(tmp_path / "st"))


@pytest.fixture()
def images_app(tmp_path: Path) -> AppTest:
    """A session whose open dataset is 24 pictures of two kinds, on the map with PCA."""
    root = tmp_path / "pics"
    for i in range(24):
        kind = "horizontal" if i % 2 else "vertical"
        arr = np.full((32, 32, 3), 255, dtype=np.uint8)
        k = 2 + i // 2
        if i % 2:
            arr[k : k + 8, :] = (200, 30, 30)
        else:
            arr[:, k : k + 8] = (30, 30, 200)
        (root / kind).mkdir(parents=True, exist_ok=True)
        Image.fromarray(arr).save(root / kind / f"{kind}_{i:02d}.png")
    ds, _ = load_images(root)
    dataset_id = Workspace(os.environ["EMBEDLENS_HOME"]).save_dataset(ds)
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.session_state["data.dataset"] = ds
    at.session_state["data.dataset_id"] = dataset_id
    at.session_state["map.method"] = "pca"
    return at


def _images_shown(at: AppTest) -> int:
    return sum(len(el.value) for el in at.get("image"))


def test_map_embeds_images_and_shows_the_strip_and_the_selection(images_app: AppTest) -> None:
    at = images_app.run()
    assert not at.exception, at.exception
    emb = at.session_state["map.embedding"]
    assert emb.provenance.backend == "pixels-hog-baseline"
    assert any("pixels+HOG baseline" in c.value for c in at.caption)
    assert any("images the vectors find alike" in c.value for c in at.caption)  # not "meaning"
    assert any("Representative images per cluster" in m.value for m in at.markdown)
    assert _images_shown(at) >= 8  # each cluster's most central thumbnails
    points = [{"customdata": [i], "point_index": i, "curve_number": 0} for i in (0, 1, 2)]
    at.session_state["map.chart"] = {"selection": {"points": points, "box": [], "lasso": []}}
    at.run()
    assert not at.exception
    assert any("Selected images (3)" in m.value for m in at.markdown)
    tables = [t.value for t in at.dataframe if "thumbnail" in t.value.columns]
    assert tables and tables[0]["thumbnail"].str.startswith("data:image/webp;base64,").all()


def test_neighbours_show_thumbnails_and_explain_the_baseline(images_app: AppTest) -> None:
    at = images_app.run()
    at.switch_page("app_pages/neighbors.py").run()
    assert not at.exception, at.exception
    page = " ".join(i.value for i in at.info) + " ".join(c.value for c in at.caption)
    assert "no text side" in page or "has no text side" in page
    tables = [t.value for t in at.dataframe if "thumbnail" in t.value.columns]
    assert tables and tables[0]["thumbnail"].notna().all()


def test_map_page_in_chinese(images_app: AppTest) -> None:
    images_app.query_params["lang"] = "zh-CN"
    at = images_app.run()
    assert not at.exception, at.exception
    assert any("各簇的代表图片" in m.value for m in at.markdown)
    assert any("像素+HOG 基线" in c.value for c in at.caption)


def test_story_slide_and_story_html_show_thumbnails(images_app: AppTest) -> None:
    from components.story_figures import story_html

    at = images_app.run()
    at.switch_page("app_pages/story.py").run()
    assert not at.exception, at.exception
    at.text_input(key="story.save_view.name").input("Bars")
    at.button(key="FormSubmitter:story.save_view-Save view").click().run()
    view_id = at.session_state["story.view_id"]
    at.selectbox(key="story.view").select(view_id)
    at.button(key="story.add_view").click().run()
    at.button(key="story.present").click().run()
    assert not at.exception, at.exception
    assert _images_shown(at) >= 2  # the slide's representatives, under its map
    ws = Workspace(os.environ["EMBEDLENS_HOME"])
    info = ws.load_view(view_id)
    page = story_html(ws, [(info.name, info.caption, info.view)], title="Bars")
    assert page.count('src="data:image/webp;base64,') >= 2
    assert "Thumbnails:" in page and "left out" in page
