"""Images in a real browser: a zip of 300 images uploads and maps, with thumbnails on the map page.

Drives Debian's chromium through Playwright (see conftest.py). The images embed with the
offline pixels+HOG baseline (no CLIP on the test machine); PCA keeps the journey short.
``EMBEDLENS_SAVE_SCREENSHOTS=1`` copies the English and Chinese screenshots to docs/screenshots.
"""

from __future__ import annotations

import io
import os
import shutil
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from tests.e2e.conftest import CHROMIUM_ARGS, ROOT, app_server, chromium, wait_idle

pytestmark = [pytest.mark.e2e, pytest.mark.serial]
KINDS = ("circle", "square", "stripes")


def picture(kind: str, i: int) -> Image.Image:
    """A 64x64 picture of a kind anyone can tell apart, varied in colour and size."""
    rng = np.random.default_rng(i)
    colour = tuple(int(c) for c in rng.integers(40, 230, size=3))
    img = Image.new("RGB", (64, 64), "white")
    draw = ImageDraw.Draw(img)
    r = int(rng.integers(14, 28))
    if kind == "circle":
        draw.ellipse((32 - r, 32 - r, 32 + r, 32 + r), fill=colour)
    elif kind == "square":
        draw.rectangle((32 - r, 32 - r, 32 + r, 32 + r), fill=colour)
    else:
        for y in range(int(rng.integers(0, 6)), 64, 10):
            draw.rectangle((0, y, 63, y + 4), fill=colour)
    return img


def write_zip(path: Path, n: int = 300) -> Path:
    """``shapes/<kind>/<kind>_<i>.png``: an ImageFolder tree of ``n`` images in a zip."""
    with zipfile.ZipFile(path, "w") as zf:
        for i in range(n):
            kind = KINDS[i % len(KINDS)]
            buf = io.BytesIO()
            picture(kind, i).save(buf, format="PNG")
            zf.writestr(f"shapes/{kind}/{kind}_{i:03d}.png", buf.getvalue())
    return path


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with app_server(tmp_path_factory.mktemp("e2e-images")) as running:
        yield running.url


def _loaded_thumbnails(page) -> int:
    """How many thumbnails the page shows, drawn (decoded, not broken)."""
    return page.evaluate(
        """() => [...document.querySelectorAll("[data-testid='stImage'] img, "
                 + "[data-testid='stFullScreenFrame'] img")]
                 .filter(img => img.complete && img.naturalWidth > 0).length"""
    )


def test_zip_of_300_images_uploads_and_maps_with_thumbnails(server, tmp_path):
    from playwright.sync_api import sync_playwright

    upload = write_zip(tmp_path / "shapes.zip")
    started = time.monotonic()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1700})  # map + strip
        page.goto(f"{server}/data?lang=en")
        wait_idle(page)
        print(f"data page {time.monotonic() - started:.1f} s")
        page.locator("[data-testid='stFileUploaderDropzoneInput']").first.set_input_files(
            str(upload)
        )
        page.get_by_text("Kept 300 of 300 rows").wait_for(timeout=60_000)
        print(f"upload checked {time.monotonic() - started:.1f} s")
        page.get_by_role("button", name="Open on the map").click()
        page.get_by_text("shapes").first.wait_for(timeout=60_000)
        print(f"map page {time.monotonic() - started:.1f} s")
        # PCA and k before the images are embedded: no UMAP fit starts (its numba compilation
        # would hold up the page for a minute on a busy 2-core machine), no search for k.
        page.locator("[data-testid='stSidebar']").get_by_role(
            "radio", name="PCA", exact=True
        ).click()
        wait_idle(page)
        clusters = page.locator("[data-testid='stSidebar']").get_by_label(
            "Clusters (0 = automatic)"
        )
        clusters.fill("3")  # three kinds of pictures; no search for k on a busy machine
        clusters.press("Enter")
        try:
            page.wait_for_function(
                "() => document.body.innerText.includes('placed by PCA') && "
                "document.body.innerText.includes('Representative images per cluster')",
                timeout=120_000,
            )
        except Exception:
            page.screenshot(path=str(tmp_path / "failed.png"))
            print(page.locator("body").inner_text()[:3000])
            raise
        wait_idle(page)
        page.wait_for_function(
            """() => [...document.querySelectorAll("[data-testid='stImage'] img")]
                     .filter(img => img.complete && img.naturalWidth > 0).length >= 8""",
            timeout=30_000,
        )
        text = page.locator("body").inner_text()
        assert "pixels+HOG baseline" in text  # the vectors are named as a baseline
        assert page.locator("[data-testid='stException']").count() == 0
        assert _loaded_thumbnails(page) >= 8
        shots = {"en": tmp_path / "images_map.png"}
        print(f"map with thumbnails {time.monotonic() - started:.1f} s")
        page.screenshot(path=str(shots["en"]), full_page=True)

        sidebar = page.locator("[data-testid='stSidebar']")
        sidebar.locator("[data-testid='stSelectbox']").first.click()  # the language switcher
        page.get_by_role("option", name="简体中文").click()
        page.get_by_text("各簇的代表图片").wait_for(timeout=60_000)
        wait_idle(page)
        assert _loaded_thumbnails(page) >= 8
        assert "像素+HOG 基线" in page.locator("body").inner_text()
        assert "No CLIP" not in page.locator("body").inner_text()
        shots["zh"] = tmp_path / "images_map_zh.png"
        page.screenshot(path=str(shots["zh"]), full_page=True)
        print(f"Chinese map {time.monotonic() - started:.1f} s")
        browser.close()
    if os.environ.get("EMBEDLENS_SAVE_SCREENSHOTS") == "1":
        target = ROOT / "docs" / "screenshots"
        target.mkdir(parents=True, exist_ok=True)
        for shot in shots.values():
            shutil.copy(shot, target / shot.name)
