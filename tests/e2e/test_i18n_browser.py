"""A Chinese-language browser gets the Chinese UI with no English UI word on the map page;
``?lang=en`` gives English. Drives Debian's chromium (see conftest.py)."""

from __future__ import annotations

import re
import time

import pytest

from tests.app.test_i18n import ALLOWED, _words
from tests.e2e.conftest import CHROMIUM_ARGS, ROOT, app_server, chromium, wait_idle

pytestmark = [pytest.mark.e2e, pytest.mark.serial]
HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with app_server(tmp_path_factory.mktemp("e2e-i18n")) as running:
        yield running.url


def _final_map_text(page, url: str) -> str:
    """The map page's visible text once the final map (not the preview) is drawn."""
    page.goto(url)
    page.wait_for_selector("[data-testid='stMain'] .js-plotly-plot", timeout=240_000)
    wait_idle(page)
    for _ in range(240):  # background jobs: the preview box goes when the final map is in
        if page.locator("[data-testid='stAlertContentInfo']").count() == 0:
            break
        time.sleep(1)
    wait_idle(page)
    return page.evaluate(VISIBLE_TEXT)


# The app's text without Material icon ligatures, code spans (commands, column names) and the
# screen-reader "skip to main content" link that Streamlit adds in English.
VISIBLE_TEXT = """() => {
    const root = document.querySelector("[data-testid='stApp']");
    root.querySelectorAll("span, i").forEach(e => {
        if (/Material/i.test(getComputedStyle(e).fontFamily)) e.setAttribute("data-icon", "1");
    });
    const app = root.cloneNode(true);
    app.querySelectorAll("[data-icon], [data-testid='stIconMaterial'], code, "
                         + "[data-testid='stExpanderIcon']").forEach(e => e.remove());
    app.querySelectorAll("a, span, div").forEach(e => {
        if (/^skip to main content$/i.test((e.textContent || "").trim())) e.remove();
    });
    document.body.appendChild(app);
    const text = app.innerText;
    app.remove();
    return text;
}"""


def _data_words() -> set[str]:
    """Column names of the Chinese sample (offered as colour and hover choices)."""
    header = (ROOT / "sample_data" / "headlines_zh.csv").read_text(encoding="utf-8").split("\n")[0]
    return set(_words(header.replace(",", " ")))


def test_chinese_browser_gets_the_chinese_map_and_lang_en_gives_english(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
        context = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 1000})
        page = context.new_page()

        text = _final_map_text(page, server)
        assert "示例：新闻标题" in text and "每个点是" in text  # the Chinese sample, in Chinese
        english = sorted(
            {w for w in _words(text) if w not in ALLOWED | _data_words()}
            - {w for w in _words(text) if re.fullmatch(r"[a-z]?\d+[a-z]?", w)}
        )
        assert not english, f"English words on the Chinese map page: {english}"

        text = _final_map_text(page, f"{server}/?lang=en")
        assert "Each dot is one of" in text and "Sample: news headlines" in text
        assert not HAN.search(text.replace("简体中文", "")), "Chinese left in the English UI"
        assert "lang=en" in page.url
        browser.close()
