"""Many users at once: one app server, N simultaneous browser sessions, no cross-talk.

Starts ONE Streamlit server (fresh EMBEDLENS_HOME) and drives N headless Debian-chromium
sessions (one browser, one isolated context each, concurrently through Playwright's async
API). Each session opens the app (the sample's map), picks the projection, goes to the Data
page, uploads ITS OWN small CSV (rows cut from two topics of sample_data/headlines.csv, a
marker word per session in its file name, in a ``tag`` column and appended to a few texts),
opens it on the map and waits for the final map. Then it checks the map shows exactly its own
rows (point count, its own name and marker, none of the other sessions' markers), colours by
``topic`` (the legend must be its own two topics), highlights its marker (exactly its marked
rows), and runs a row query on the Neighbours page. Any exception box, JavaScript error, failed
check or timeout is an error; a traceback in the server log is one too.

Figures: sessions, page loads, UI actions, reruns (websocket messages the browsers sent),
errors (must be 0), the server's peak RSS (VmHWM of its /proc status; VmRSS sampled too), how
many times model weights were loaded (at most 1: the model is shared), seconds. Bounded: a
global deadline and per-step timeouts; the server is always stopped at the end.

    python benchmarks/bench_load.py                  # 8 sessions, TF-IDF + SVD vectors, PCA
    python benchmarks/bench_load.py --backend model  # each file embedded with the shared model
    python benchmarks/bench_load.py --sessions 4 --method umap --deadline 600

Every session's first map (the sample) asks for the default model, so the model is loaded in
either mode; ``--backend model`` also embeds every session's own file with it (slow on 2 busy
cores: one model, one embedding lane, jobs queue).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import html
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import CHROMIUM_ARGS, emit_json, print_header, table, verdict  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data" / "headlines.csv"
NATO = (
    "alpha bravo charlie delta echo foxtrot golf hotel india juliett kilo lima "
    "mike november oscar papa quebec romeo sierra tango uniform victor whiskey xray"
).split()
BACKEND_LABELS = {"tfidf": "TF-IDF + SVD (offline, fast)"}
METHOD_LABELS = {"pca": "PCA", "umap": "UMAP", "tsne": "t-SNE"}
RSS_BUDGET_MB = 2048  # the shared model + torch + Streamlit; N tiny datasets must not multiply it
MODEL_LOAD = re.compile(r"Loading weights:\s+0%")
NEIGHBOURS_K = 10  # the Neighbours page's default k

JS_TRACES = """() => {
    const plot = document.querySelector("[data-testid='stMain'] .js-plotly-plot");
    if (!plot || !plot._fullData) return null;
    return plot._fullData.filter(t => t.meta === 'points' || t.meta === 'context')
        .map(t => ({meta: t.meta, name: String(t.name), n: t._length || 0}));
}"""
JS_PLOT_TEXT = """() => Array.from(document.querySelectorAll('.js-plotly-plot'))
    .map(p => JSON.stringify(p.data || [])).join(' ')"""
JS_IDLE = """() => {
    const app = document.querySelector("[data-testid='stApp']");
    return !!app && app.getAttribute('data-test-script-state') === 'notRunning'
        && document.querySelectorAll("[data-testid='stSkeleton']").length === 0;
}"""


# --------------------------------------------------------------------------- the sessions' data


@dataclass(frozen=True)
class SessionSpec:
    """One simulated user: its file, its marker word and what its map must show."""

    index: int
    marker: str
    name: str
    path: Path
    rows: int
    marked: int
    topics: tuple[str, str]


def make_specs(n: int, folder: Path) -> list[SessionSpec]:
    """One CSV per session: rows of two topics, a marker word, a distinct row count."""
    rows = list(csv.DictReader(SAMPLE.open(encoding="utf-8")))
    topics = sorted({r["topic"] for r in rows})
    specs = []
    for i in range(n):
        marker = f"zq{NATO[i % len(NATO)]}{i // len(NATO) or ''}"
        a, b = topics[i % len(topics)], topics[(i + 3) % len(topics)]
        count = 60 + (7 * i) % 61  # 60..120 rows, different per session
        picked = [r for r in rows if r["topic"] == a][: count // 2]
        picked += [r for r in rows if r["topic"] == b][: count - len(picked)]
        step = max(1, len(picked) // (4 + i % 20))
        marked = set(range(0, len(picked), step)[: 4 + i % 20])
        name = f"load{i + 1}_{marker}"
        path = folder / f"{name}.csv"
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(["note", "topic", "tag"])
            for j, r in enumerate(picked):
                text = f"{r['text']} {marker}" if j in marked else r["text"]
                writer.writerow([text, r["topic"], marker])
        specs.append(SessionSpec(i, marker, name, path, len(picked), len(marked), (a, b)))
    return specs


# --------------------------------------------------------------------------- the server


class Server:
    """``python -m streamlit run app.py`` on a free port; RSS sampled while it runs."""

    def __init__(self, home: Path, log_path: Path, port: int) -> None:
        self.url = f"http://127.0.0.1:{port}"
        self.log_path = log_path
        self._log = log_path.open("w")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                "app.py",
                "--server.port",
                str(port),
                "--server.headless",
                "true",
                "--browser.gatherUsageStats",
                "false",
            ],
            cwd=ROOT,
            env={**os.environ, "EMBEDLENS_HOME": str(home), "HF_HUB_OFFLINE": "1"},
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        self.samples: list[tuple[float, int]] = []  # (seconds since start, VmRSS bytes)
        self.hwm = 0
        self._t0 = time.monotonic()
        self._stop = threading.Event()
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._sampler.start()

    def _status(self) -> dict[str, int]:
        out = {}
        try:
            with open(f"/proc/{self.proc.pid}/status", encoding="ascii") as fh:
                for line in fh:
                    if line.startswith(("VmRSS:", "VmHWM:")):
                        out[line.split(":")[0]] = int(line.split()[1]) * 1024
        except OSError:
            pass
        return out

    def _sample(self) -> None:
        while not self._stop.wait(0.25):
            st = self._status()
            if "VmRSS" in st:
                self.samples.append((time.monotonic() - self._t0, st["VmRSS"]))
                self.hwm = max(self.hwm, st.get("VmHWM", 0))

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                tail = self.log()[-2000:]
                raise RuntimeError(f"streamlit exited {self.proc.returncode}:\n{tail}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as r:
                    if r.read() == b"ok":
                        return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"streamlit did not answer within {timeout:.0f} s")

    def rss_now(self) -> int:
        return self._status().get("VmRSS", 0)

    def peak_rss(self) -> int:
        """VmHWM (the kernel's high-water mark), or the largest sample if /proc said nothing."""
        return max(self.hwm, self._status().get("VmHWM", 0), *(s for _, s in self.samples), 0)

    def log(self) -> str:
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        self.hwm = self.peak_rss()
        self._stop.set()
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self._log.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --------------------------------------------------------------------------- one session


@dataclass
class SessionResult:
    """What one session did and saw."""

    spec: SessionSpec
    page_loads: int = 0
    actions: int = 0
    ws_sent: int = 0
    points: int = -1
    highlighted: int = -1
    legend: tuple[str, ...] = ()
    neighbours: int = -1
    final_map_s: float | None = None
    total_s: float | None = None
    errors: list[str] = field(default_factory=list)
    js_errors: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    step: str = "start"


class Flow:
    """The steps of one session, each with its own timeout, clipped to the global deadline."""

    def __init__(self, page, res: SessionResult, others: list[str], deadline: float, step_s: float):
        self.page, self.res, self.others = page, res, others
        self.deadline, self.step_s = deadline, step_s

    def ms(self, seconds: float | None = None) -> float:
        left = self.deadline - time.monotonic()
        if left <= 1:
            raise TimeoutError("global deadline reached")
        return 1000 * min(seconds or self.step_s, left)

    async def idle(self, seconds: float | None = None) -> None:
        await self.page.wait_for_timeout(300)  # let a just-triggered rerun start
        await self.page.wait_for_function(JS_IDLE, timeout=self.ms(seconds), polling=200)

    async def no_exception(self, where: str) -> None:
        n = await self.page.locator("[data-testid='stException']").count()
        if n:
            text = await self.page.locator("[data-testid='stException']").first.inner_text()
            raise AssertionError(f"{where}: exception box: {text[:300]}")

    async def traces(self) -> list[dict]:
        return await self.page.evaluate(JS_TRACES) or []

    async def no_cross_talk(self, where: str, *, own_in_plots: bool = True) -> None:
        page, spec = self.page, self.res.spec
        body = await page.inner_text("body")
        plots = await page.evaluate(JS_PLOT_TEXT)
        foreign = sorted({m for m in self.others if m in body or m in plots})
        if foreign:
            raise AssertionError(f"{where}: another session's data shown: {foreign}")
        if spec.name not in body:
            raise AssertionError(f"{where}: its own dataset name {spec.name!r} is not shown")
        if own_in_plots and spec.marker not in plots:
            raise AssertionError(f"{where}: its own rows ({spec.marker}) are not in the figure")

    async def combobox(self, label: str, option: str) -> None:
        """Pick ``option`` in a select box; checked, retried once if a rerun swallowed it."""
        box = self.page.get_by_role("combobox", name=label)
        for _ in range(2):
            if await box.input_value(timeout=self.ms(30)) == option:
                return
            await box.click(timeout=self.ms(30))
            await self.page.get_by_role("option", name=option, exact=True).click(
                timeout=self.ms(30)
            )
            self.res.actions += 1
            await self.idle()
        if await box.input_value(timeout=self.ms(30)) != option:
            raise AssertionError(f"{label!r} did not take the value {option!r}")

    async def radio(self, group: str, option: str) -> None:
        """Press ``option`` of a segmented control; checked, retried once."""
        button = self.page.get_by_role("radiogroup", name=group).get_by_role(
            "radio", name=option, exact=True
        )
        for _ in range(2):
            if await button.get_attribute("aria-checked", timeout=self.ms(30)) == "true":
                return
            await button.click(timeout=self.ms(30))
            self.res.actions += 1
            await self.idle()
        if await button.get_attribute("aria-checked", timeout=self.ms(30)) != "true":
            raise AssertionError(f"{group!r} did not switch to {option!r}")

    async def nav(self, section: str, title: str) -> None:
        """Go to a page through the top navigation (a new URL would start a new session)."""
        page = self.page
        await page.locator("[data-testid='stTopNavSection']", has_text=section).first.click(
            timeout=self.ms(30)
        )
        await page.locator("[data-testid='stTopNavDropdownLink']", has_text=title).first.click(
            timeout=self.ms(30)
        )
        self.res.actions += 1

    async def run(self, url: str, backend: str, method: str, shots: Path | None) -> None:
        page, res, spec = self.page, self.res, self.res.spec
        t0 = time.monotonic()
        res.step = "open the app"
        await page.goto(url, timeout=self.ms())
        res.page_loads += 1
        await page.wait_for_selector(".js-plotly-plot", timeout=self.ms())  # the sample's map
        await self.no_exception("the sample's map")
        # Settings first (the widgets keep their values for the whole session)
        res.step = "choose backend and projection"
        if backend in BACKEND_LABELS:
            await self.combobox("Embedding model backend", BACKEND_LABELS[backend])
        await self.radio("Projection", METHOD_LABELS[method])
        # Leave only once the server has drawn the sample with these settings: a page switch
        # before that rerun can drop the new Projection value (seen in 2 of 4 sessions).
        res.step = "the sample's final map with these settings"
        await page.wait_for_function(
            """(placed) => {
                const main = document.querySelector("[data-testid='stMain']");
                const text = main ? main.innerText : '';
                return text.includes(placed) && !text.includes('Preview:');
            }""",
            arg=f"placed by {METHOD_LABELS[method]}",
            timeout=self.ms(max(self.step_s, 360)),
            polling=500,
        )
        await self.idle()
        res.step = "Data page"
        await page.get_by_role("link", name="Change data").click(timeout=self.ms(30))
        res.actions += 1
        await page.get_by_text("Source", exact=True).wait_for(timeout=self.ms())
        await self.idle()
        res.step = "upload"
        await page.locator("[data-testid='stFileUploaderDropzoneInput']").first.set_input_files(
            str(spec.path), timeout=self.ms(60)
        )
        res.actions += 1
        await page.get_by_text(f"Kept {spec.rows} of {spec.rows} rows").wait_for(timeout=self.ms())
        await self.no_exception("after the upload")
        res.step = "open on the map"
        await page.get_by_role("button", name="Open on the map").click(timeout=self.ms(30))
        res.actions += 1
        res.step = "wait for the final map"
        await page.wait_for_function(
            """([name, n, placed]) => {
                const main = document.querySelector("[data-testid='stMain']");
                if (!main) return false;
                const text = main.innerText;
                if (!text.includes(name) || text.includes('Preview:') || !text.includes(placed))
                    return false;
                const plot = main.querySelector('.js-plotly-plot');
                if (!plot || !plot._fullData) return false;
                return plot._fullData.filter(t => t.meta === 'points' || t.meta === 'context')
                    .reduce((k, t) => k + (t._length || 0), 0) === n;
            }""",
            arg=[spec.name, spec.rows, f"placed by {METHOD_LABELS[method]}"],
            timeout=self.ms(max(self.step_s, 360)),
            polling=500,
        )
        await self.idle()
        res.final_map_s = time.monotonic() - t0
        res.points = sum(t["n"] for t in await self.traces())
        await self.no_exception("the final map")
        await self.no_cross_talk("the final map")
        if res.points != spec.rows:
            raise AssertionError(f"the map shows {res.points} points, its file has {spec.rows}")

        res.step = "colour by topic"
        await self.combobox("Colour by", "topic")
        want = {html.unescape(t) for t in spec.topics}
        await page.wait_for_function(
            """(want) => {
                const plot = document.querySelector("[data-testid='stMain'] .js-plotly-plot");
                if (!plot || !plot._fullData) return false;
                const text = document.createElement('textarea');  // names are HTML-escaped
                const names = plot._fullData.filter(t => t.meta === 'points')
                    .map(t => { text.innerHTML = String(t.name); return text.value; });
                return names.length === want.length && want.every(w => names.includes(w));
            }""",
            arg=sorted(want),
            timeout=self.ms(),
            polling=300,
        )
        await self.idle()
        traces = await self.traces()
        res.legend = tuple(sorted(html.unescape(t["name"]) for t in traces))
        await self.no_exception("colour by topic")
        await self.no_cross_talk("colour by topic")
        if set(res.legend) != want or sum(t["n"] for t in traces) != spec.rows:
            raise AssertionError(f"colour by topic shows {res.legend}, expected {sorted(want)}")

        res.step = "highlight the marker"
        search = page.get_by_role("textbox", name="Highlight rows whose text contains")
        await search.fill(spec.marker, timeout=self.ms(30))
        await search.press("Enter")
        res.actions += 1
        await page.wait_for_function(
            """(rest) => {
                const plot = document.querySelector("[data-testid='stMain'] .js-plotly-plot");
                if (!plot || !plot._fullData) return false;
                return plot._fullData.filter(t => t.meta === 'context')
                    .reduce((k, t) => k + (t._length || 0), 0) === rest;
            }""",
            arg=spec.rows - spec.marked,
            timeout=self.ms(),
            polling=300,
        )
        await self.idle()
        traces = await self.traces()
        res.highlighted = sum(t["n"] for t in traces if t["meta"] == "points")
        await self.no_exception("highlight")
        await self.no_cross_talk("highlight")
        if res.highlighted != spec.marked:
            raise AssertionError(f"highlight marks {res.highlighted} rows, {spec.marked} expected")
        if shots is not None:
            await page.screenshot(path=str(shots / f"s{spec.index + 1}_map.png"))

        res.step = "Neighbours page"
        await self.nav("Explore", "Neighbours")
        await page.get_by_text("Nearest neighbours", exact=True).wait_for(timeout=self.ms())
        await self.idle()
        res.step = "row query"
        if await page.get_by_role("radiogroup", name="Query").count():
            await self.radio("Query", "A row")  # TF-IDF vectors: rows are the only query
        await page.get_by_text(re.compile(r"^\d+ matches")).first.wait_for(timeout=self.ms())
        await self.idle()
        found = await page.get_by_text(re.compile(r"^\d+ matches")).first.inner_text()
        res.neighbours = int(found.split()[0])
        await self.no_exception("neighbours")
        await self.no_cross_talk("neighbours")
        if res.neighbours != NEIGHBOURS_K:
            raise AssertionError(f"the row query found {res.neighbours} matches, not 10")
        if shots is not None:
            await page.screenshot(path=str(shots / f"s{spec.index + 1}_neighbours.png"))
        res.step = "done"
        res.total_s = time.monotonic() - t0


async def one_session(browser, spec, others, url, args, deadline, shots) -> SessionResult:
    """Run one session in its own browser context; every failure becomes an error entry."""
    res = SessionResult(spec)
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    page = await context.new_page()
    page.on("pageerror", lambda exc: res.js_errors.append(str(exc)[:200]))
    page.on(
        "console",
        lambda msg: res.console_errors.append(msg.text[:200]) if msg.type == "error" else None,
    )

    def on_ws(ws) -> None:
        def sent(_payload) -> None:
            res.ws_sent += 1

        ws.on("framesent", sent)

    page.on("websocket", on_ws)
    flow = Flow(page, res, others, deadline, args.step_timeout)
    try:
        await flow.run(url, args.backend, args.method, shots)
    except Exception as exc:  # a failed step is a measured error, not a crash of the bench
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        res.errors.append(f"{res.step}: {type(exc).__name__}: {first[:240]}")
        if shots is not None:
            try:
                await page.screenshot(path=str(shots / f"s{spec.index + 1}_error.png"))
            except Exception:  # noqa: S110 - the screenshot is a courtesy
                pass
    finally:
        res.errors.extend(f"JavaScript error: {e}" for e in res.js_errors)
        await context.close()
    return res


async def warm_up(browser, url: str, deadline: float) -> float:
    """One visitor first: the sample's final map (model loaded, sample embedded), then leave."""
    t0 = time.monotonic()
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    page = await context.new_page()
    timeout = 1000 * max(1.0, deadline - time.monotonic())
    try:
        await page.goto(url, timeout=timeout)
        await (
            page.get_by_role("radiogroup", name="Projection")
            .get_by_role("radio", name="PCA", exact=True)
            .click(timeout=timeout)
        )
        await page.wait_for_function(
            """() => {
                const main = document.querySelector("[data-testid='stMain']");
                const text = main ? main.innerText : '';
                return text.includes('all-MiniLM-L6-v2 embeddings') && !text.includes('Preview:');
            }""",
            timeout=timeout,
            polling=1000,
        )
    finally:
        await context.close()
    seconds = time.monotonic() - t0
    print(f"   warm-up: one visitor saw the sample's final map in {seconds:.1f} s", flush=True)
    return seconds


async def drive(specs, url, args, deadline, shots) -> list[SessionResult]:
    from playwright.async_api import async_playwright

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("chromium is not installed (apt-get install -y chromium)")
    markers = [s.marker for s in specs]
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            if args.warmup:
                await warm_up(browser, url, deadline)
            tasks = [
                one_session(
                    browser, s, [m for m in markers if m != s.marker], url, args, deadline, shots
                )
                for s in specs
            ]
            return await asyncio.gather(*tasks)
        finally:
            await browser.close()


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=8)
    parser.add_argument(
        "--backend",
        choices=("model", "tfidf"),
        default="tfidf",
        help="model: the default all-MiniLM-L6-v2 (shared); tfidf: offline",
    )
    parser.add_argument("--method", choices=tuple(METHOD_LABELS), default="pca")
    parser.add_argument(
        "--warmup",
        action="store_true",
        help="one visitor first (loads the model, embeds the sample), then the N sessions",
    )
    parser.add_argument("--deadline", type=float, default=600.0, help="global limit, seconds")
    parser.add_argument("--step-timeout", type=float, default=300.0, help="per step, seconds")
    parser.add_argument("--port", type=int, default=0, help="0: a free port")
    parser.add_argument(
        "--shots",
        type=Path,
        default=None,
        help="folder for screenshots (default: a new folder under /tmp)",
    )
    args = parser.parse_args(argv)

    print_header(f"many users at once: {args.sessions} browser sessions on one server", False)
    work = Path(tempfile.mkdtemp(prefix="embedlens-bench-load-"))
    shots = args.shots or work / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    specs = make_specs(args.sessions, work)
    start = time.monotonic()
    deadline = start + args.deadline
    server = Server(work / "home", work / "streamlit.log", args.port or free_port())
    results: list[SessionResult] = []
    fatal = ""
    try:
        server.wait_ready(min(120.0, args.deadline))
        results = asyncio.run(drive(specs, server.url, args, deadline, shots))
    except Exception as exc:  # the server or the browser could not start
        fatal = f"{type(exc).__name__}: {exc}"
    finally:
        rss_end = server.rss_now()
        server.stop()
    seconds = time.monotonic() - start
    log = server.log()
    model_loads = len(MODEL_LOAD.findall(log))
    # Streamlit logs a traceback when a browser tab closes mid-handshake; that is not the app.
    blocks = log.split("Traceback (most recent call last)")[1:]
    disconnects = sum(1 for b in blocks if "WebSocketDisconnected" in b)
    tracebacks = len(blocks) - disconnects

    rows = []
    for r in results:
        rows.append(
            [
                f"s{r.spec.index + 1}",
                r.spec.name,
                r.spec.rows,
                r.points,
                r.legend and "/".join(r.legend) or "-",
                f"{r.highlighted}/{r.spec.marked}",
                r.neighbours,
                r.page_loads,
                r.actions,
                r.ws_sent,
                r.final_map_s,
                r.total_s,
                len(r.errors),
            ]
        )
    print(
        table(
            [
                "session",
                "dataset",
                "rows",
                "points",
                "legend (colour by topic)",
                "highlighted",
                "neighbours",
                "loads",
                "actions",
                "ws msgs",
                "final map s",
                "total s",
                "errors",
            ],
            rows,
        )
    )
    errors = [f"s{r.spec.index + 1}: {e}" for r in results for e in r.errors]
    if fatal:
        errors.append(f"bench: {fatal}")
    if tracebacks:
        errors.append(f"server log: {tracebacks} traceback(s)")
    if disconnects:
        print(f"   server log: {disconnects} websocket-disconnect traceback(s) (not counted)")
    for e in errors:
        print(f"   ERROR {e}")
    console = [f"s{r.spec.index + 1}: {c}" for r in results for c in r.console_errors]
    if console:
        print(f"   browser console errors (not counted): {len(console)}; first: {console[0]}")
    completed = sum(1 for r in results if r.step == "done")
    peak = server.peak_rss() / 2**20
    ok = completed == args.sessions and not errors and model_loads <= 1 and peak <= RSS_BUDGET_MB
    print()
    print(
        f"   server: peak RSS {peak:,.0f} MiB (VmHWM; budget {RSS_BUDGET_MB:,} MiB), "
        f"{rss_end / 2**20:,.0f} MiB at the end; model weights loaded {model_loads}x "
        f"(backend {args.backend}, projection {args.method})"
    )
    print(
        f"   {completed}/{args.sessions} sessions completed in {seconds:.1f} s; "
        f"screenshots in {shots}; server log {work / 'streamlit.log'}"
    )
    print(
        f"   {verdict(ok)}: {args.sessions} simultaneous sessions, no cross-talk, "
        "no errors, model loaded once, memory bounded"
    )
    emit_json(
        "load",
        {
            "sessions": args.sessions,
            "completed": completed,
            "page_loads": sum(r.page_loads for r in results),
            "actions": sum(r.actions for r in results),
            "reruns": sum(r.ws_sent for r in results),
            "errors": len(errors),
            "peak_rss_mb": round(peak, 1),
            "rss_end_mb": round(rss_end / 2**20, 1),
            "model_loads": model_loads,
            "backend": args.backend,
            "method": args.method,
            "warmup": args.warmup,
            "seconds": round(seconds, 1),
            "verdict": verdict(ok),
        },
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
