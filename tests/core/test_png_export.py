"""One-click PNG: a real 15-cluster map rendered by kaleido in the system Chromium."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from embedlens.dataset import Dataset
from embedlens.plotting.maps import map_figure
from embedlens.plotting.png import EXPORT_FONTS, browser_path, figure_to_png

pytestmark = pytest.mark.skipif(
    browser_path() is None, reason="no Chromium/Chrome on this machine (set BROWSER_PATH)"
)


def test_a_fifteen_cluster_map_becomes_a_real_png_with_its_colours():
    from PIL import Image

    rng = np.random.default_rng(0)
    k, per = 15, 40
    centres = rng.uniform(-10, 10, size=(k, 2))
    coords = np.vstack([c + rng.normal(scale=0.5, size=(per, 2)) for c in centres])
    labels = np.repeat(np.arange(k), per)
    texts = [f"文本 {i}" for i in range(k * per)]
    ds = Dataset("png", pd.DataFrame({"text": texts}), np.arange(k * per), text_column="text")
    names = {c: f"主题 {c} · topic" for c in range(k)}
    fig = map_figure(ds, coords, labels=labels, names=names).figure
    png = figure_to_png(fig, width=1200, height=800)
    image = Image.open(io.BytesIO(png)).convert("RGB")
    assert image.size == (1200, 800)
    colours = {tuple(int(v) // 8 for v in px) for px in image.getdata()}
    assert len(colours) > 40  # points in 15 colours, labels, axes: not a blank page
    assert "Noto Sans CJK SC" in EXPORT_FONTS
    assert fig.layout.width is None  # the app's figure is left as it was
