"""A stakeholder story built through the UI, exported, and opened offline in a real browser.

On the bundled sample (offline TF-IDF + SVD vectors, PCA): save three views with captions from
the map's sidebar, add them to a story on the Story page, step through it full screen (buttons
and arrow keys), download it as one HTML file, then open that file in Chromium with the network
off and check that every slide is an interactive Plotly chart whose caption shows as text.

Drives Debian's chromium through Playwright (no browser download). Skips when chromium is
missing, unless EMBEDLENS_REQUIRE_BROWSER=1 (CI), where it fails instead.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import CHROMIUM_ARGS, app_server, chromium, wait_idle

try:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright
except ImportError:  # requirements-dev.txt not installed: chromium() skips or fails
    PlaywrightTimeout = TimeoutError
    sync_playwright = None

pytestmark = [pytest.mark.e2e, pytest.mark.serial]
SLOW = 300_000  # ms; the test machine has 2 shared cores
TITLE = 'Q3 review <i>draft</i> & "notes"'
# (view name, caption): the captions carry markup that must show as text, never run
VIEWS = [
    ("Whole map", 'Each colour is a cluster <b>named by its keywords</b> & "nothing else".'),
    ("By topic", "Coloured by the topic column <script>window.__xss = 1</script> as text."),
    ("One cluster", 'One cluster up close <img src=x onerror="window.__xss = 2">.'),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with app_server(tmp_path_factory.mktemp("story")) as running:
        yield running.url


def _wait_idle(page, timeout: float = SLOW) -> None:
    wait_idle(page, timeout)


def _select(page, label: str, option: str, *, root=None) -> None:
    """Pick ``option`` (substring of its text) in the Streamlit selectbox labelled ``label``.

    A rerun that lands between the click and the pick closes the list: then try again.
    """
    combo = (root or page).get_by_role("combobox", name=label, exact=True).first
    listbox = page.locator(f"[role='listbox'][aria-label='{label}']")
    for _ in range(5):
        _wait_idle(page)
        if option in combo.input_value():
            return
        if not listbox.is_visible():
            combo.click()
            if combo.get_attribute("aria-expanded") != "true":  # a focused box ignores clicks
                combo.press("ArrowDown")
        try:
            listbox.locator("[role='option']").filter(has_text=option).first.click(timeout=5_000)
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
        page.wait_for_timeout(300)
    _wait_idle(page)
    assert option in combo.input_value(), f"could not pick {option!r} in {label!r}"


def _wait_text(page, *, present: tuple[str, ...] = (), absent: tuple[str, ...] = ()) -> None:
    page.wait_for_function(
        "([present, absent]) => { const t = document.body.innerText;"
        " return present.every(s => t.includes(s)) && !absent.some(s => t.includes(s)); }",
        arg=[list(present), list(absent)],
        timeout=SLOW,
    )
    _wait_idle(page)


def _no_exception(page) -> None:
    errors = page.get_by_test_id("stException")
    assert errors.count() == 0, errors.first.inner_text()


def _save_view(page, name: str, caption: str, *, cluster: bool = False) -> None:
    """Fill the map sidebar's Save view form (optionally spotlighting the first cluster)."""
    _wait_idle(page)  # a rerun still running would redraw the form under the typing
    sidebar = page.get_by_test_id("stSidebar")
    form = sidebar.get_by_test_id("stForm")
    if not form.is_visible():
        sidebar.get_by_text("Save this view").click()
    form.get_by_label("View name").fill(name)
    form.get_by_label("Caption (shown under the map in the story)").fill(caption)
    if cluster:
        _select(page, "Highlight", "Cluster:", root=form)
        form.get_by_text("Zoom to the highlighted rows").click()
    form.get_by_role("button", name="Save view").click()
    page.get_by_text(f"Saved the view {name}").wait_for(timeout=SLOW)
    _wait_idle(page)
    _no_exception(page)


def _build_story(page, server: str) -> None:
    """Sample map with TF-IDF + PCA, three saved views, the story of them."""
    page.goto(server)
    # a preview while the model loads
    page.wait_for_selector("[data-testid='stMain'] .js-plotly-plot", timeout=SLOW)
    _wait_idle(page)
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_role("radio", name="PCA", exact=True).click()  # first: no UMAP job
    _wait_idle(page)
    _select(page, "Embedding model backend", "TF-IDF + SVD (offline, fast)", root=sidebar)
    _wait_text(page, present=("placed by PCA",), absent=("Preview:", "MiniLM-L6-v2 embeddings"))
    _no_exception(page)

    _save_view(page, *VIEWS[0])
    _select(page, "Colour by", "topic", root=sidebar)
    _save_view(page, *VIEWS[1])
    _select(page, "Colour by", "Cluster", root=sidebar)
    _save_view(page, *VIEWS[2], cluster=True)

    page.get_by_test_id("stTopNavSection").filter(has_text="Present").click()
    page.get_by_role("menuitem", name="Story").click()
    page.get_by_text("Saved views").first.wait_for(timeout=SLOW)
    _wait_idle(page)
    for name, _ in VIEWS:
        _select(page, "Saved view", name)
        page.get_by_role("button", name="Add to the story").click()
        _wait_idle(page)
    page.get_by_role("tab", name="Story").click()
    title = page.get_by_label("Story title")
    title.fill(TITLE)
    title.press("Enter")
    _wait_idle(page)
    for i, (name, caption) in enumerate(VIEWS, 1):  # Markdown-escaped: markup shows as text
        item = page.locator("[data-testid='stMarkdownContainer'] p").filter(has_text=f"{i}. {name}")
        item.wait_for(timeout=SLOW)
        assert item.inner_text().split("\n") == [f"{i}. {name}", caption]
    _no_exception(page)


def _present(page) -> None:
    """Full-screen story mode: Next button, arrow keys, Esc back to the editor."""
    page.get_by_role("button", name="Present full screen").click()
    page.get_by_text("1 / 3").wait_for(timeout=SLOW)
    _wait_idle(page)
    assert page.locator("[data-testid='stMain'] .js-plotly-plot").count() == 1
    page.get_by_role("button", name="Next").click()
    page.get_by_text("2 / 3").wait_for(timeout=SLOW)
    _wait_idle(page)
    page.keyboard.press("ArrowRight")
    page.get_by_text("3 / 3").wait_for(timeout=SLOW)
    _wait_idle(page)
    assert page.get_by_text(VIEWS[2][1]).is_visible()
    page.keyboard.press("ArrowLeft")
    page.get_by_text("2 / 3").wait_for(timeout=SLOW)
    _wait_idle(page)
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Present full screen").wait_for(timeout=SLOW)
    _wait_idle(page)
    _no_exception(page)


# Screen position of a point of the active slide's map that lies inside the axes.
POINT_XY = """() => {
  const gd = document.querySelector('.slide.active .js-plotly-plot');
  const fl = gd._fullLayout, r = gd.getBoundingClientRect();
  for (const t of gd._fullData) {
    if (t.meta !== 'points' || !t._length) continue;
    for (let i = 0; i < t._length; i++) {
      const px = fl.xaxis.l2p(t.x[i]), py = fl.yaxis.l2p(t.y[i]);
      if (px > 5 && px < fl._size.w - 5 && py > 5 && py < fl._size.h - 5) {
        return {x: r.left + fl._size.l + px, y: r.top + fl._size.t + py};
      }
    }
  }
  return null;
}"""


def _check_offline_html(browser, path: Path) -> None:
    """Every slide: a drawn Plotly map with hover, its caption as text, no network use."""
    context = browser.new_context(viewport={"width": 1280, "height": 720}, offline=True)
    requested: list[str] = []

    def block(route) -> None:
        if route.request.url.startswith(("file:", "data:", "blob:")):
            route.continue_()
        else:
            requested.append(route.request.url)
            route.abort()

    context.route("**/*", block)
    page = context.new_page()
    page_errors: list[str] = []
    page.on("pageerror", lambda exc: page_errors.append(str(exc)))
    page.goto(path.as_uri())
    assert page.title() == TITLE
    assert page.locator("header h1").inner_text() == TITLE
    assert page.locator(".slide").count() == len(VIEWS)
    for i, (name, caption) in enumerate(VIEWS):
        if i:
            page.keyboard.press("ArrowRight")
        page.wait_for_function(
            f"document.querySelector('#slide-{i}.active .js-plotly-plot .main-svg') !== null"
        )
        assert page.locator("#counter").inner_text() == f"{i + 1} / {len(VIEWS)}"
        # one live chart: the slide left behind was purged (frees its WebGL context)
        assert page.locator(".plot-container").count() == 1
        assert page.locator(".slide:not(.active) canvas").count() == 0
        slide = page.locator(f"#slide-{i}")
        assert slide.locator("h2").inner_text() == name
        assert slide.locator("p").inner_text() == caption  # the markup shows as text
        assert slide.locator("p *").count() == 0
        # the figure's title says how to read the map, in words, clear of Plotly's toolbar
        read_me = page.evaluate(
            "() => document.querySelector('.slide.active .js-plotly-plot').layout.title.text"
        )
        assert "Each dot is one of 506 texts" in read_me and "TF-IDF + SVD vectors" in read_me
        title_box = page.locator(".slide.active .gtitle").bounding_box()
        toolbar = page.locator(".slide.active .modebar").bounding_box()
        assert title_box["y"] >= toolbar["y"] + toolbar["height"] - 1
        n_points = page.evaluate(
            "() => document.querySelector('.slide.active .js-plotly-plot')._fullData"
            ".filter(t => t.meta === 'points' || t.meta === 'context')"
            ".reduce((n, t) => n + (t._length || 0), 0)"
        )
        assert n_points == 506  # every sample row is drawn
        xy = page.evaluate(POINT_XY)
        assert xy is not None
        page.mouse.move(xy["x"], xy["y"], steps=4)
        hover = page.locator(".slide.active .hoverlayer .hovertext")
        hover.first.wait_for(timeout=10_000)
        assert hover.first.text_content().strip()  # an SVG element: no inner_text
        assert page.locator(".slide.active .modebar").count() == 1  # zoom, pan, camera...
    page.keyboard.press("ArrowLeft")
    assert page.locator("#counter").inner_text() == f"{len(VIEWS) - 1} / {len(VIEWS)}"
    assert page.evaluate("() => window.__xss") is None
    assert not page_errors, page_errors
    assert not requested, f"the story asked the network for {requested}"
    context.close()


def test_story_built_in_the_ui_exports_offline_interactive_html(server, tmp_path):
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900}, accept_downloads=True)
        try:
            _build_story(page, server)
            _present(page)
        except Exception:
            page.screenshot(path=str(tmp_path / "failure.png"), full_page=True)
            print(f"screenshot of the failure: {tmp_path / 'failure.png'}")
            raise
        with page.expect_download(timeout=SLOW) as info:
            page.get_by_role("button", name="Download as one HTML file").click()
        exported = tmp_path / "story.html"
        info.value.save_as(exported)
        assert info.value.suggested_filename.endswith(".html")
        text = exported.read_text(encoding="utf-8")
        assert "<script src" not in text and "<link " not in text
        assert "<b>named" not in text and "<script>window.__xss" not in text
        _check_offline_html(browser, exported)
        page.screenshot(path=str(tmp_path / "story.png"))
        browser.close()
