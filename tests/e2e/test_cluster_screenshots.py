"""A 15-cluster map in a real browser at 1440x900, English and Chinese: screenshots, checked.

The screenshots (map_15_clusters_en.png, map_15_clusters_zh.png) go to $EMBEDLENS_SCREENSHOTS
(docs/screenshots/ holds a looked-at pair), else to the test's tmp folder. The test checks
what a screenshot shows: 15 clusters in 15 distinct colours and cluster labels whose boxes do
not overlap.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from embedlens.i18n import _, set_language
from tests.e2e.conftest import CHROMIUM_ARGS, app_server, chromium, wait_idle

pytestmark = [pytest.mark.e2e, pytest.mark.serial]
K = 15
TRACES = """() => {
  const plot = document.querySelector("[data-testid='stMain'] .js-plotly-plot");
  if (!plot || !plot.data) return null;
  return plot.data.filter(t => t.meta === 'points').map(t => [t.name, t.marker.color]);
}"""
LABEL_BOXES = """() => [...document.querySelectorAll(
    "[data-testid='stMain'] .js-plotly-plot .annotation-text-g")]
  .map(a => a.getBoundingClientRect())
  .filter(r => r.width > 0)
  .map(r => [r.left, r.top, r.right, r.bottom])"""


def _overlaps(boxes: list[list[float]]) -> list[tuple[int, int]]:
    out = []
    for i, a in enumerate(boxes):
        for j, b in enumerate(boxes[:i]):
            if a[0] < b[2] - 1 and b[0] < a[2] - 1 and a[1] < b[3] - 1 and b[1] < a[3] - 1:
                out.append((j, i))
    return out


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_fifteen_clusters_read_well_at_1440x900(tmp_path, lang):
    from playwright.sync_api import sync_playwright

    try:
        set_language(lang)
        label = _("Clusters (0 = automatic)")
        previews = [  # the info box of a preview map: the screenshot waits for the final one
            _(m).split("{")[0]
            for m in (
                "Preview: a quick TF-IDF map while {model} embeds the texts (first time only: "
                "embeddings are cached).",
                "Preview: PCA while {job} runs; the map switches when it is done.",
            )
        ]
    finally:
        set_language("en")
    exe = chromium()
    shots = Path(os.environ.get("EMBEDLENS_SCREENSHOTS") or tmp_path / "shots")
    shots.mkdir(parents=True, exist_ok=True)
    with app_server(tmp_path) as server, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.goto(f"{server.url}/?lang={lang}")
        wait_idle(page, timeout=600_000)
        page.wait_for_selector("[data-testid='stMain'] .js-plotly-plot", timeout=600_000)
        box = page.get_by_label(label)
        box.fill(str(K))
        box.press("Enter")
        final = " && ".join(f"!document.body.innerText.includes({p!r})" for p in previews)
        page.wait_for_function(
            f"({TRACES})() && ({TRACES})().length === {K} && {final}", timeout=900_000
        )
        wait_idle(page, timeout=600_000)
        page.wait_for_timeout(1500)  # Plotly's last relayout
        shot = shots / f"map_15_clusters_{lang.split('-')[0]}.png"
        page.screenshot(path=str(shot))
        traces = page.evaluate(TRACES)
        boxes = page.evaluate(LABEL_BOXES)
        browser.close()
    colours = [c for _name, c in traces]
    assert len(traces) == K and len(set(colours)) == K, traces
    assert len(boxes) >= 8, boxes  # most clusters are named on the map
    assert not _overlaps(boxes), (_overlaps(boxes), boxes)
