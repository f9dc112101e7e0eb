"""Several users at once on one server: each sees only its own data, nobody gets an error.

Four headless chromium sessions (one browser, one isolated context each, driven concurrently
through Playwright's async API) share ONE app server. Each uploads its own small CSV (a marker
word in its name, a column and some texts), opens it on the map (offline TF-IDF + SVD vectors,
PCA) and highlights its marker. The larger version with figures is benchmarks/bench_load.py.
Skips when chromium is missing, unless EMBEDLENS_REQUIRE_BROWSER=1 (CI), where it fails.
"""

from __future__ import annotations

import asyncio
import csv
import re
from pathlib import Path

import pytest

from tests.e2e.conftest import CHROMIUM_ARGS, ROOT, app_server, chromium

pytestmark = [pytest.mark.e2e, pytest.mark.serial]
SESSIONS = 4
STEP_MS = 300_000  # one step on a busy 2-core machine (the model loads meanwhile)
TOTAL_S = 540  # the whole journey of all sessions
MAX_RSS_MIB = 2048  # one server: the shared model, torch, Streamlit and four tiny datasets
MARKERS = ("zqalpha", "zqbravo", "zqcharlie", "zqdelta")
FINAL_MAP = """([name, n]) => {
    const main = document.querySelector("[data-testid='stMain']");
    if (!main) return false;
    const text = main.innerText;
    if (!text.includes(name) || text.includes('Preview:') || !text.includes('placed by PCA'))
        return false;
    const plot = main.querySelector('.js-plotly-plot');
    return !!plot && !!plot._fullData && plot._fullData
        .filter(t => t.meta === 'points' || t.meta === 'context')
        .reduce((k, t) => k + (t._length || 0), 0) === n;
}"""
TRACES = """() => {
    const plot = document.querySelector("[data-testid='stMain'] .js-plotly-plot");
    return (plot && plot._fullData || []).filter(t => t.meta === 'points' || t.meta === 'context')
        .map(t => ({meta: t.meta, name: String(t.name), n: t._length || 0}));
}"""
PLOT_DATA = """() => Array.from(document.querySelectorAll('.js-plotly-plot'))
    .map(p => JSON.stringify(p.data || [])).join(' ')"""
IDLE = """() => {
    const app = document.querySelector("[data-testid='stApp']");
    return !!app && app.getAttribute('data-test-script-state') === 'notRunning'
        && document.querySelectorAll("[data-testid='stSkeleton']").length === 0;
}"""


def _vm(pid: int, field: str) -> int:
    """VmRSS / VmHWM of a process in bytes (0 when it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """One app server for all sessions."""
    with app_server(tmp_path_factory.mktemp("many")) as running:
        yield running


def _write_uploads(folder: Path) -> list[dict]:
    """One CSV per session: two topics of the sample, its marker, a distinct row count."""
    rows = list(csv.DictReader((ROOT / "sample_data" / "headlines.csv").open(encoding="utf-8")))
    topics = sorted({r["topic"] for r in rows})
    specs = []
    for i, marker in enumerate(MARKERS):
        n = 60 + 9 * i
        picked = [r for r in rows if r["topic"] == topics[2 * i]][: n // 2]
        picked += [r for r in rows if r["topic"] == topics[2 * i + 1]][: n - len(picked)]
        marked = set(range(0, len(picked), 10))  # rows 0, 10, 20, ...: 6 to 9 rows
        path = folder / f"team{i + 1}_{marker}.csv"
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(["note", "topic", "tag"])
            for j, r in enumerate(picked):
                writer.writerow(
                    [f"{r['text']} {marker}" if j in marked else r["text"], r["topic"], marker]
                )
        specs.append(
            {
                "name": path.stem,
                "path": path,
                "rows": len(picked),
                "marked": len(marked),
                "marker": marker,
            }
        )
    return specs


async def _idle(page) -> None:
    await page.wait_for_timeout(300)
    await page.wait_for_function(IDLE, timeout=STEP_MS, polling=200)


async def _choose(page, label: str, option: str) -> None:
    """Pick an option of a select box; retried once when a rerun swallowed the click."""
    box = page.get_by_role("combobox", name=label)
    for _ in range(2):
        if await box.input_value() == option:
            return
        await box.click()
        await page.get_by_role("option", name=option, exact=True).click()
        await _idle(page)
    assert await box.input_value() == option, f"{label!r} did not take {option!r}"


async def _press(page, group: str, option: str) -> None:
    """Press a segmented-control option; retried once when a rerun swallowed the click."""
    button = page.get_by_role("radiogroup", name=group).get_by_role(
        "radio", name=option, exact=True
    )
    for _ in range(2):
        if await button.get_attribute("aria-checked") == "true":
            return
        await button.click()
        await _idle(page)
    assert await button.get_attribute("aria-checked") == "true", f"{group!r} is not {option!r}"


async def _foreign(page, others: list[str]) -> list[str]:
    shown = await page.inner_text("body") + await page.evaluate(PLOT_DATA)
    return [m for m in others if m in shown]


async def _session(browser, url: str, spec: dict, others: list[str]) -> dict:
    """One user's journey; returns what it saw (asserted by the test)."""
    seen: dict = {"js_errors": [], "step": "open the app"}
    context = await browser.new_context(viewport={"width": 1300, "height": 900})
    page = await context.new_page()
    page.on("pageerror", lambda exc: seen["js_errors"].append(str(exc)[:200]))
    try:
        await page.goto(url, timeout=STEP_MS)
        await page.wait_for_selector(".js-plotly-plot", timeout=STEP_MS)  # the sample's map
        seen["step"] = "choose TF-IDF + PCA on the sample's map"
        await _choose(page, "Embedding model backend", "TF-IDF + SVD (offline, fast)")
        await _press(page, "Projection", "PCA")
        # Leave only once the sample is drawn with these settings: a page switch before that
        # rerun can drop the new Projection value.
        await page.wait_for_function(
            """() => {
                const text = document.querySelector("[data-testid='stMain']").innerText;
                return text.includes('placed by PCA') && !text.includes('Preview:');
            }""",
            timeout=STEP_MS,
            polling=500,
        )
        await _idle(page)
        seen["step"] = "Data page and upload"
        await page.get_by_role("link", name="Change data").click()
        await page.get_by_text("Source", exact=True).wait_for(timeout=STEP_MS)
        await _idle(page)
        await page.locator("[data-testid='stFileUploaderDropzoneInput']").first.set_input_files(
            str(spec["path"])
        )
        await page.get_by_text(f"Kept {spec['rows']} of {spec['rows']} rows").wait_for(
            timeout=STEP_MS
        )
        seen["step"] = "open it on the map: the final map"
        await page.get_by_role("button", name="Open on the map").click()
        await page.wait_for_function(
            FINAL_MAP, arg=[spec["name"], spec["rows"]], timeout=STEP_MS, polling=500
        )
        await _idle(page)
        seen["points"] = sum(t["n"] for t in await page.evaluate(TRACES))
        seen["own_marker_in_figure"] = spec["marker"] in await page.evaluate(PLOT_DATA)
        seen["foreign_on_map"] = await _foreign(page, others)

        seen["step"] = "highlight its marker"
        search = page.get_by_role("textbox", name="Highlight rows whose text contains")
        await search.fill(spec["marker"])
        await search.press("Enter")
        await page.wait_for_function(
            """(rest) => {
                const plot = document.querySelector("[data-testid='stMain'] .js-plotly-plot");
                return !!plot && !!plot._fullData && plot._fullData
                    .filter(t => t.meta === 'context').reduce((k, t) => k + t._length, 0) === rest;
            }""",
            arg=spec["rows"] - spec["marked"],
            timeout=STEP_MS,
            polling=300,
        )
        await _idle(page)
        traces = await page.evaluate(TRACES)
        seen["highlighted"] = sum(t["n"] for t in traces if t["meta"] == "points")
        seen["foreign_after_search"] = await _foreign(page, others)
        seen["exceptions"] = await page.locator("[data-testid='stException']").count()
        seen["title_shown"] = spec["name"] in await page.inner_text("[data-testid='stMain']")
    except Exception as exc:
        shot = spec["path"].with_suffix(".png")
        await page.screenshot(path=str(shot))
        raise AssertionError(f"{seen['step']}: {exc} (screenshot: {shot})") from exc
    finally:
        await context.close()
    return seen


async def _all_sessions(url: str, specs: list[dict]) -> list:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
        try:
            runs = [
                _session(browser, url, s, [m for m in MARKERS if m != s["marker"]]) for s in specs
            ]
            return await asyncio.wait_for(
                asyncio.gather(*runs, return_exceptions=True), timeout=TOTAL_S
            )
        finally:
            await browser.close()


def test_sessions_see_only_their_own_data(server, tmp_path):
    specs = _write_uploads(tmp_path)
    results = asyncio.run(_all_sessions(server.url, specs))
    peak_rss = _vm(server.process.pid, "VmHWM")
    log = server.log()

    failures = [
        f"{s['name']}: {r!r}"[:600]
        for s, r in zip(specs, results, strict=True)
        if isinstance(r, BaseException)
    ]
    assert not failures, "sessions failed:\n" + "\n".join(failures)
    for spec, seen in zip(specs, results, strict=True):
        assert seen["points"] == spec["rows"], spec["name"]
        assert seen["title_shown"] and seen["own_marker_in_figure"], spec["name"]
        assert seen["foreign_on_map"] == [] and seen["foreign_after_search"] == [], spec["name"]
        assert seen["highlighted"] == spec["marked"], spec["name"]
        assert seen["exceptions"] == 0 and seen["js_errors"] == [], (spec["name"], seen)
    assert "Traceback (most recent call last)" not in log, log[-3000:]
    # The sample's first map asks every session for the model: one job, shared. A worker keeps
    # its model, so each of the embed lane's 2 processes loads it at most once (an upload's
    # embedding may run on the other while the first is busy).
    assert len(re.findall(r"Loading weights:\s+0%", log)) <= 2, log[-3000:]
    assert 0 < peak_rss <= MAX_RSS_MIB * 2**20, f"server peak RSS {peak_rss / 2**20:.0f} MiB"
