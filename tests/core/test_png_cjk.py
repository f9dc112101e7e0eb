"""The PNG export draws Chinese with a CJK font, not tofu boxes (kaleido in the system Chromium).

Without a CJK font every Chinese character is drawn as the same missing-glyph box, so two
different characters give identical images; with one (Debian's fonts-noto-cjk, installed by
.ci/run) they differ. Skips without Chromium, like tests/core/test_png_export.py.
"""

from __future__ import annotations

import io
import shutil
import subprocess

import numpy as np
import plotly.graph_objects as go
import pytest

from embedlens.plotting.png import EXPORT_FONTS, browser_path, figure_to_png

pytestmark = pytest.mark.skipif(
    browser_path() is None, reason="no Chromium/Chrome on this machine (set BROWSER_PATH)"
)


def _glyph(text: str) -> np.ndarray:
    """Grey pixels of ``text`` drawn large in the middle of an otherwise empty figure."""
    from PIL import Image

    fig = go.Figure(layout={"xaxis": {"visible": False}, "yaxis": {"visible": False},
                            "plot_bgcolor": "white", "paper_bgcolor": "white"})  # fmt: skip
    fig.add_annotation(text=text, x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False,
                       font={"size": 120, "color": "black"})  # fmt: skip
    png = figure_to_png(fig, width=400, height=300)
    return np.asarray(Image.open(io.BytesIO(png)).convert("L"), dtype=np.int16)


def test_a_cjk_font_is_installed_and_named_in_the_export_fonts():
    assert "Noto Sans CJK SC" in EXPORT_FONTS
    if shutil.which("fc-list") is None:
        pytest.skip("fc-list not available to list the installed fonts")
    fonts = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True).stdout
    assert fonts.strip(), "no Chinese font installed: apt-get install fonts-noto-cjk"


def test_chinese_characters_are_drawn_not_tofu():
    zhong, guo = _glyph("中"), _glyph("国")
    assert (zhong < 128).sum() > 500 and (guo < 128).sum() > 500  # something dark was drawn
    differing = (np.abs(zhong - guo) > 64).sum()
    assert differing > 500, "两个不同的汉字画成了同样的方框 (tofu): no CJK font in the export"
