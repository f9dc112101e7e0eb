"""One real-browser journey: upload a CSV, see its map, box-select points, download them.

Drives Debian's chromium through Playwright (no browser download). Skips when chromium is
missing, unless EMBEDLENS_REQUIRE_BROWSER=1 (CI), where it fails instead.
"""

from __future__ import annotations

import csv
import os
import shutil
from pathlib import Path

import pytest

from tests.e2e.conftest import CHROMIUM_ARGS, ROOT, app_server, chromium, wait_idle

pytestmark = [pytest.mark.e2e, pytest.mark.serial]
SCREENSHOT = ROOT / "docs" / "screenshots" / "journey.png"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with app_server(tmp_path_factory.mktemp("e2e")) as running:
        yield running.url


def _map_point_count(page) -> int:
    return page.evaluate(
        """() => {
            const plot = document.querySelector("[data-testid='stMain'] .js-plotly-plot");
            if (!plot || !plot._fullData) return -1;
            return plot._fullData.filter(t => t.meta === 'points' || t.meta === 'context')
                                 .reduce((n, t) => n + (t._length || 0), 0);
        }"""
    )


def _write_upload(path: Path, rows: int = 150) -> None:
    sample = list(csv.DictReader((ROOT / "sample_data" / "headlines.csv").open(encoding="utf-8")))
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["note", "topic"])
        for row in sample[:rows]:
            writer.writerow([row["text"], row["topic"]])


def test_upload_map_select_download(server, tmp_path):
    from playwright.sync_api import sync_playwright

    upload = tmp_path / "my_notes.csv"
    _write_upload(upload)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
        page.goto(server)
        # opens on the sample map (the main area's first plot: the sidebar has the k curve)
        page.wait_for_selector("[data-testid='stMain'] .js-plotly-plot", timeout=180_000)

        page.goto(f"{server}/data")
        wait_idle(page)
        page.locator("[data-testid='stFileUploaderDropzoneInput']").first.set_input_files(
            str(upload)
        )
        page.get_by_text("Kept 150 of 150 rows").wait_for(timeout=60_000)
        page.get_by_role("button", name="Open on the map").click()

        page.get_by_text("my_notes").first.wait_for(timeout=60_000)
        wait_idle(page)
        # PCA keeps the journey short (UMAP's first fit compiles numba code for ~30 s); the map
        # still waits for the real all-MiniLM-L6-v2 vectors, not the TF-IDF preview.
        page.locator("[data-testid='stSidebar']").get_by_role(
            "radio", name="PCA", exact=True
        ).click()
        page.wait_for_function(
            "() => !document.body.innerText.includes('Preview:') && "
            "document.body.innerText.includes('placed by PCA')",
            timeout=300_000,
        )
        wait_idle(page)
        assert _map_point_count(page) == 150
        assert page.locator("[data-testid='stException']").count() == 0

        plot = page.locator("[data-testid='stMain'] .js-plotly-plot").first
        plot.hover()
        page.locator(".modebar-btn[data-title='Box Select']").first.click()
        box = page.locator("[data-testid='stMain'] .js-plotly-plot .nsewdrag").first.bounding_box()
        page.mouse.move(box["x"] + 2, box["y"] + 2)
        page.mouse.down()
        page.mouse.move(box["x"] + box["width"] * 0.6, box["y"] + box["height"] * 0.6, steps=12)
        page.mouse.up()
        page.get_by_text("Selection:").wait_for(timeout=60_000)
        wait_idle(page)
        selected = int(page.get_by_text("Selection:").inner_text().split(":")[1].split()[0])
        assert 0 < selected <= 150

        with page.expect_download(timeout=60_000) as info:
            page.get_by_role("button", name="Download CSV").first.click()
        downloaded = tmp_path / "selection.csv"
        info.value.save_as(downloaded)
        rows = list(csv.DictReader(downloaded.open(encoding="utf-8-sig")))
        assert len(rows) == selected
        assert {"id", "note", "x", "y", "cluster", "cluster_label"} <= set(rows[0])

        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(tmp_path / "journey.png"), full_page=False)
        if os.environ.get("EMBEDLENS_SAVE_SCREENSHOTS") == "1":  # refresh the README's picture
            shutil.copy(tmp_path / "journey.png", SCREENSHOT)
        browser.close()
