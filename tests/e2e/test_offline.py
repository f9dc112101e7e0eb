"""Offline, really: a browser session of the app requests nothing but the app's own host.

Records every request's host with Playwright ``page.on("request")`` while the map, the data
page and the evaluate page render, and every console error (404s included).
"""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from tests.e2e.conftest import CHROMIUM_ARGS, app_server, chromium, wait_idle

pytestmark = [pytest.mark.e2e, pytest.mark.serial]


def test_no_request_leaves_the_app_host_and_map_is_above_the_fold(tmp_path):
    from playwright.sync_api import sync_playwright

    exe = chromium()
    with app_server(tmp_path) as server, sync_playwright() as p:
        own = urlparse(server.url).netloc
        browser = p.chromium.launch(executable_path=exe, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        hosts: dict[str, str] = {}
        errors: list[str] = []
        page.on("request", lambda r: hosts.setdefault(urlparse(r.url).netloc, r.url))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400
                else None)  # fmt: skip
        page.goto(server.url)
        wait_idle(page)
        page.wait_for_selector("[data-testid='stMain'] .js-plotly-plot", timeout=180_000)
        box = page.locator("[data-testid='stMain'] .js-plotly-plot").first.bounding_box()
        assert box is not None and box["y"] < 720 - 200, box  # the map shows without scrolling
        landing_404 = [e for e in errors if "404" in e]
        for path in ("data", "evaluate", "story"):
            # Deep links: Streamlit's frontend first probes /<page>/_stcore/... (404s it
            # recovers from, its own behaviour); what matters here is the hosts.
            page.goto(f"{server.url}/{path}")
            wait_idle(page)
        browser.close()
    foreign = {h: u for h, u in hosts.items() if h and h != own}
    assert not foreign, foreign
    assert not landing_404, "\n".join(landing_404)
