"""Another user's page while one user computes: session B's sample map, idle vs while A works.

Issue 18's check: "while one browser session embeds and maps AG News, another session's sample
map appears within 2x its idle time". Starts ONE app server (fresh workspace; ``--engine ray``
points it at a Ray: ``--ray-address``, else a local Ray) and headless Debian chromium:

1. warm-up: one visitor opens the app until the sample's final map (model loaded, sample
   embedded and projected once, as on any server that has had a visitor);
2. idle baseline: session B, a fresh browser context each time (a new user), opens the app and
   waits for the sample's final map (a plot, no "Preview:", the script idle); ``--repeat`` times;
3. busy: session A uploads the AG News test set (7,600 texts, read in place from
   /work/shared/datasets) and opens it on the map with the default model (all-MiniLM-L6-v2) and
   UMAP; while A's jobs run (its progress bar is up), B opens the sample map ``--repeat`` times.

Prints each of B's times, the medians, the ratio busy/idle (budget <= 2) and the load average
before and after. The machine is shared: run it under ``flock /work/team/heavy.lock``.

    python benchmarks/bench_busy_map.py                 # local engine (worker processes)
    python benchmarks/bench_busy_map.py --engine ray    # the app's jobs on a local Ray
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import CHROMIUM_ARGS, emit_json, print_header, verdict  # noqa: E402
from bench_load import Server, free_port  # noqa: E402

AG_NEWS = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "ag_news_test.csv"
BUDGET = 2.0
FINAL_SAMPLE = """() => {
    const app = document.querySelector("[data-testid='stApp']");
    const main = document.querySelector("[data-testid='stMain']");
    if (!app || !main || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
    const text = main.innerText;
    return text.includes('all-MiniLM-L6-v2') && text.includes('placed by')
        && !text.includes('Preview:')
        && !!main.querySelector('.js-plotly-plot');
}"""
A_WORKING = """() => {
    const main = document.querySelector("[data-testid='stMain']");
    return !!main && main.querySelectorAll("[data-testid='stProgress']").length > 0;
}"""
A_FINAL = """(name) => {
    const main = document.querySelector("[data-testid='stMain']");
    if (!main) return false;
    const text = main.innerText;
    return text.includes(name) && text.includes('placed by UMAP') && !text.includes('Preview:');
}"""


def ag_news_csv(folder: Path) -> tuple[Path, int]:
    """AG News test as ``label,text`` (title and description), with a header row."""
    path = folder / "ag_news_busy.csv"
    n = 0
    with (
        AG_NEWS.open(encoding="utf-8", newline="") as src,
        path.open("w", encoding="utf-8", newline="") as dst,
    ):
        writer = csv.writer(dst)
        writer.writerow(["label", "text"])
        for label, title, description in csv.reader(src):
            writer.writerow([label, f"{title}. {description}"])
            n += 1
    return path, n


async def sample_map(browser, url: str, timeout_s: float) -> float:
    """Seconds from a new user's page open to the sample's final map."""
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    page = await context.new_page()
    t0 = time.monotonic()
    try:
        await page.goto(url, timeout=1000 * timeout_s)
        await page.wait_for_timeout(300)
        await page.wait_for_function(FINAL_SAMPLE, timeout=1000 * timeout_s, polling=100)
        return time.monotonic() - t0
    finally:
        await context.close()


async def start_a(browser, url: str, path: Path, timeout_s: float):
    """Session A: upload AG News, open it on the map; returns (context, page) once it works."""
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    page = await context.new_page()
    await page.goto(url, timeout=1000 * timeout_s)
    await page.wait_for_function(FINAL_SAMPLE, timeout=1000 * timeout_s, polling=200)
    await page.get_by_role("link", name="Change data").click(timeout=30_000)
    await page.get_by_text("Source", exact=True).wait_for(timeout=1000 * timeout_s)
    await page.locator("[data-testid='stFileUploaderDropzoneInput']").first.set_input_files(
        str(path), timeout=60_000
    )
    kept = re.compile(r"Kept [\d,]+ of [\d,]+ rows")
    await page.get_by_text(kept).first.wait_for(timeout=1000 * timeout_s)
    await page.get_by_role("button", name="Open on the map").click(timeout=30_000)
    await page.wait_for_function(A_WORKING, timeout=1000 * timeout_s, polling=200)
    return context, page


async def a_still_working(page) -> bool:
    return bool(await page.evaluate(A_WORKING))


async def measure(url: str, args, path: Path, rows: int) -> dict:
    from playwright.async_api import async_playwright

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("chromium is not installed (apt-get install -y chromium)")
    out: dict = {"idle_s": [], "busy_s": [], "busy_valid": []}
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            t0 = time.monotonic()
            out["warmup_s"] = await sample_map(browser, url, args.timeout)
            print(f"   warm-up (first visitor, model load): {out['warmup_s']:.1f} s", flush=True)
            out["load_before_idle"] = os.getloadavg()
            for i in range(args.repeat):
                seconds = await sample_map(browser, url, args.timeout)
                out["idle_s"].append(seconds)
                print(f"   B idle #{i + 1}: sample map in {seconds:.2f} s", flush=True)
            context, page = await start_a(browser, url, path, args.timeout)
            out["a_started_at_s"] = time.monotonic() - t0
            print("   A: AG News uploaded and opened; its jobs run", flush=True)
            out["load_busy"] = os.getloadavg()
            for i in range(args.repeat):
                seconds = await sample_map(browser, url, args.timeout)
                working = await a_still_working(page)
                out["busy_s"].append(seconds)
                out["busy_valid"].append(working)
                note = "" if working else "  (A had finished: not counted)"
                print(f"   B busy #{i + 1}: sample map in {seconds:.2f} s{note}", flush=True)
            out["load_after_busy"] = os.getloadavg()
            if args.wait_for_a:
                ta = time.monotonic()
                await page.wait_for_function(
                    A_FINAL, arg="ag_news_busy", timeout=1000 * args.timeout, polling=1000
                )
                out["a_final_after_s"] = time.monotonic() - ta
                print(f"   A: final UMAP map {out['a_final_after_s']:.0f} s later", flush=True)
            await context.close()
        finally:
            await browser.close()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="B's page loads per phase")
    parser.add_argument("--timeout", type=float, default=300.0, help="per step, seconds")
    parser.add_argument("--engine", choices=("local", "ray"), default="local")
    parser.add_argument("--ray-address", help="with --engine ray (default: a local Ray)")
    parser.add_argument("--wait-for-a", action="store_true", help="also time A's final map")
    args = parser.parse_args(argv)
    if not AG_NEWS.is_file():
        print(f"skipped: {AG_NEWS} not found")
        return 0
    print_header("bench_busy_map: another session's sample map while one maps AG News", False)
    with tempfile.TemporaryDirectory(prefix="embedlens-busy-") as tmp:
        folder = Path(tmp)
        path, rows = ag_news_csv(folder)
        env = {"EMBEDLENS_ENGINE": args.engine}
        if args.ray_address:
            env["EMBEDLENS_RAY_ADDRESS"] = args.ray_address
        saved = {k: os.environ.get(k) for k in env}
        os.environ.update(env)  # bench_load.Server passes this process's environment on
        server = Server(folder / "home", folder / "streamlit.log", free_port())
        try:
            server.wait_ready(120)
            out = asyncio.run(measure(server.url, args, path, rows))
        finally:
            server.stop()
            for k, v in saved.items():
                os.environ.pop(k, None) if v is None else os.environ.__setitem__(k, v)
        traceback_in_log = "Traceback" in server.log()
    busy = [s for s, ok in zip(out["busy_s"], out["busy_valid"], strict=True) if ok]
    idle = statistics.median(out["idle_s"])
    ratio = statistics.median(busy) / idle if busy else None
    print(f"   engine {args.engine}; AG News {rows:,} texts, all-MiniLM-L6-v2, UMAP")
    print(f"   B idle   median {idle:.2f} s  (load avg {out['load_before_idle'][0]:.1f})")
    if busy:
        print(
            f"   B busy   median {statistics.median(busy):.2f} s over {len(busy)} loads "
            f"(load avg {out['load_busy'][0]:.1f} -> {out['load_after_busy'][0]:.1f})"
        )
        ok = verdict(ratio <= BUDGET)
        print(f"   ratio busy / idle = {ratio:.2f}  (budget <= {BUDGET})  {ok}")
    else:
        print("   no busy load counted: A finished before B's loads (n/a)")
    if traceback_in_log:
        print("   note: the server log has a traceback")
    emit_json(
        "bench_busy_map",
        {
            "engine": args.engine,
            "rows": rows,
            "ratio": ratio,
            "budget": BUDGET,
            "traceback_in_log": traceback_in_log,
            **out,
        },  # fmt: skip
    )
    return 0 if ratio is not None and ratio <= BUDGET and not traceback_in_log else 1


if __name__ == "__main__":
    raise SystemExit(main())
