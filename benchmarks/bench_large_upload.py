"""Large precomputed vectors through the browser: upload, map, hover, as a new user would.

Writes seeded 384-d Gaussian-mixture vectors with a short text and a label per row (Parquet
list column, and CSV with a JSON-list column) to a temporary folder, starts the app with a
fresh workspace, and in headless Debian chromium: uploads each file on the Data page, opens it
on the map, waits for the final map (PCA, so the figure is the app's own overhead rather than
UMAP's), hovers a point (or a density bin) and checks the hover label. Prints the time of each
step, the number of points drawn, the kind of view, and the server's peak RSS.

    python benchmarks/bench_large_upload.py                 # 100k Parquet, 100k CSV
    python benchmarks/bench_large_upload.py --million       # and 1M Parquet (density view)
    python benchmarks/bench_large_upload.py --rows 20000    # a quick run
    python benchmarks/bench_large_upload.py --rows 20000 --no-csv --million --upload-only

Budgets (issue 7): up to 200k points draw as WebGL points with hover; beyond that the density
view is announced on screen; nothing crashes. Peak RSS <= 3 x raw float32 bytes + the app
(the baseline: the server after drawing the Data page once, measured first in the same run;
the verdict is not part of the pass/fail exit status, which is about the browser steps).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from _common import CHROMIUM_ARGS, gaussian_mixture, table, verdict

ROOT = Path(__file__).resolve().parents[1]
SCATTER_LIMIT = 200_000
DIM = 384
RSS_BUDGET = 3.0  # server peak RSS above its baseline, in units of the raw float32 vectors
IDLE = """() => {
    const app = document.querySelector("[data-testid='stApp']");
    return !!app && app.getAttribute('data-test-script-state') === 'notRunning'
        && document.querySelectorAll("[data-testid='stSkeleton']").length === 0;
}"""
FINAL_MAP = """(name) => {
    const main = document.querySelector("[data-testid='stMain']");
    if (!main) return false;
    const text = main.innerText;
    return text.includes(name) && text.includes('placed by PCA') && !text.includes('Preview:')
        && !!main.querySelector('.js-plotly-plot');
}"""
DRAWN = """() => {
    const plot = document.querySelector("[data-testid='stMain'] .js-plotly-plot");
    if (!plot || !plot._fullData) return {points: -1, types: []};
    const traces = plot._fullData.filter(t => t.visible !== false);
    return {
        points: traces.filter(t => t.meta === 'points' || t.meta === 'context')
            .reduce((k, t) => k + (t._length || 0), 0),
        types: [...new Set(traces.map(t => t.type))],
    };
}"""


def write_files(n: int, folder: Path, *, csv: bool) -> list[Path]:
    """Parquet (and CSV) of n rows: id, title, topic and a 384-d embedding."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    X, labels = gaussian_mixture(n, 384, centers=12, seed=0)
    titles = pa.array([f"row {i} of topic {labels[i]}" for i in range(n)])
    topics = pa.array([f"topic {k}" for k in labels])
    flat = pa.array(X.reshape(-1), type=pa.float32())
    vectors = pa.FixedSizeListArray.from_arrays(flat, 384)
    table_ = pa.table({"id": np.arange(n), "title": titles, "topic": topics, "embedding": vectors})
    out = [folder / f"vectors_{n // 1000}k.parquet"]
    pq.write_table(table_, out[0])
    if csv:
        import pandas as pd

        path = folder / f"vectors_{n // 1000}k.csv"
        with path.open("w", encoding="utf-8") as fh:
            fh.write("id,title,topic,embedding\n")
            for start in range(0, n, 20_000):
                stop = min(start + 20_000, n)
                cells = [
                    '"[' + ",".join(f"{v:.5g}" for v in row) + ']"' for row in X[start:stop]
                ]
                frame = pd.DataFrame(
                    {
                        "id": np.arange(start, stop),
                        "title": titles[start:stop].to_pylist(),
                        "topic": topics[start:stop].to_pylist(),
                    }
                )
                for row, cell in zip(frame.itertuples(index=False), cells, strict=True):
                    fh.write(f"{row.id},{row.title},{row.topic},{cell}\n")
        out.append(path)
    return out


def _vm_hwm(pid: int) -> int:
    """Peak RSS of ``pid`` or of its largest child (`embedlens serve` starts streamlit)."""
    peak = 0
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                peak = int(line.split()[1]) * 1024
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return peak
    return max([peak, *(_vm_hwm(int(child)) for child in children)])


def _idle(page, timeout_ms: float) -> None:
    page.wait_for_timeout(300)
    page.wait_for_function(IDLE, timeout=timeout_ms, polling=500)


def one_file(
    browser, url: str, path: Path, rows: int, timeout_s: float, shots: Path, upload_only: bool
) -> dict:
    """Upload ``path``, open it on the map with PCA, hover; returns the figures.

    ``upload_only``: stop once the Data page shows the file read (the upload's own peak).
    """
    timeout_ms = timeout_s * 1000
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)[:200]))
    result: dict = {"file": path.name, "MB": round(path.stat().st_size / 2**20)}
    try:
        page.goto(f"{url}/data", timeout=timeout_ms)
        _idle(page, timeout_ms)
        t0 = time.perf_counter()
        page.locator("[data-testid='stFileUploaderDropzoneInput']").first.set_input_files(
            str(path), timeout=timeout_ms
        )
        page.get_by_text(f"Kept {rows:,} of {rows:,} rows").wait_for(timeout=timeout_ms)
        result["upload+parse s"] = round(time.perf_counter() - t0, 1)
        _idle(page, timeout_ms)
        if upload_only:
            result["exceptions"] = page.locator("[data-testid='stException']").count()
            return result
        t1 = time.perf_counter()
        page.get_by_role("button", name="Open on the map").click()
        page.get_by_role("radiogroup", name="Projection").wait_for(timeout=timeout_ms)
        _idle(page, timeout_ms)
        pca = page.get_by_role("radiogroup", name="Projection").get_by_role(
            "radio", name="PCA", exact=True
        )
        if pca.get_attribute("aria-checked") != "true":
            pca.click()
        page.wait_for_function(FINAL_MAP, arg=path.stem, timeout=timeout_ms, polling=1000)
        _idle(page, timeout_ms)
        result["open→map s"] = round(time.perf_counter() - t1, 1)
        drawn = page.evaluate(DRAWN)
        main_text = page.inner_text("[data-testid='stMain']")
        result["points drawn"] = drawn["points"]
        result["view"] = "density" if "density view of every point" in main_text else "scatter"
        result["trace types"] = ",".join(drawn["types"])
        box = page.locator("[data-testid='stMain'] .js-plotly-plot .nsewdrag").first.bounding_box()
        hovered = ""
        for fx, fy in ((0.5, 0.5), (0.45, 0.55), (0.55, 0.45), (0.4, 0.4), (0.6, 0.6)):
            page.mouse.move(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)
            page.wait_for_timeout(700)
            label = page.locator(".hoverlayer .hovertext")
            if label.count():
                hovered = label.first.text_content() or ""
                break
        result["hover label"] = hovered.replace("\n", " | ")[:60] or "(none)"
        page.screenshot(path=str(shots / f"{path.stem}.png"))
        result["exceptions"] = page.locator("[data-testid='stException']").count()
    finally:
        result["js errors"] = len(errors)
        page.close()
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--million", action="store_true", help="add 1M rows (Parquet)")
    parser.add_argument("--no-csv", action="store_true", help="Parquet only")
    parser.add_argument("--timeout", type=float, default=900.0, help="per step, seconds")
    parser.add_argument("--shots", type=Path, default=Path(tempfile.gettempdir()))
    parser.add_argument(
        "--upload-only", action="store_true", help="stop after the Data page has read each file"
    )
    args = parser.parse_args()
    chromium = shutil.which("chromium")
    if chromium is None:
        print("chromium not installed (apt-get install -y chromium): skipped")
        return 0
    from playwright.sync_api import sync_playwright

    work = Path(tempfile.mkdtemp(prefix="embedlens-large-"))
    args.shots.mkdir(parents=True, exist_ok=True)
    try:
        t = time.perf_counter()
        files = [(p, args.rows) for p in write_files(args.rows, work, csv=not args.no_csv)]
        if args.million:
            files += [(p, 1_000_000) for p in write_files(1_000_000, work, csv=False)]
        print(f"   wrote {len(files)} files in {time.perf_counter() - t:.0f} s", flush=True)
        port = 8700 + os.getpid() % 200
        log = (work / "server.log").open("w")
        server = subprocess.Popen(
            [sys.executable, "-m", "embedlens", "serve", "--port", str(port)],
            cwd=ROOT,
            env={**os.environ, "EMBEDLENS_HOME": str(work / "home")},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        rows_out = []
        try:
            for _ in range(120):
                try:
                    if urllib.request.urlopen(f"{url}/_stcore/health", timeout=1).read() == b"ok":
                        break
                except OSError:
                    time.sleep(0.5)
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
                warm = browser.new_page()  # the app's baseline: a page drawn, nothing uploaded
                warm.goto(f"{url}/data", timeout=args.timeout * 1000)
                _idle(warm, args.timeout * 1000)
                warm.close()
                baseline = _vm_hwm(server.pid)
                print(f"   server baseline RSS {baseline / 2**20:.0f} MiB", flush=True)
                for path, rows in files:
                    print(f"   {path.name} ({rows:,} rows) ...", flush=True)
                    r = one_file(
                        browser, url, path, rows, args.timeout, args.shots, args.upload_only
                    )
                    peak = _vm_hwm(server.pid)
                    r["server peak RSS MiB"] = round(peak / 2**20)
                    # (peak - baseline) / raw float32 vectors; budget 3 (peak is cumulative)
                    r["x raw"] = round((peak - baseline) / (rows * DIM * 4), 2)
                    r["rows"] = rows
                    rows_out.append(r)
                    print(f"     {r}", flush=True)
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=60)
            log.close()
        tracebacks = (work / "server.log").read_text(errors="replace").count("Traceback")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    keys = ["file", "MB", "upload+parse s", "open→map s", "points drawn", "view", "hover label"]
    keys += ["exceptions", "js errors", "server peak RSS MiB", "x raw"]
    print(table(keys, [[r.get(k, "") for k in keys] for r in rows_out]))
    ok = tracebacks == 0
    for r in rows_out:
        expect = "scatter" if r["rows"] <= SCATTER_LIMIT else "density"
        if args.upload_only:
            r.update(view=expect, **{"points drawn": r["rows"], "hover label": "(not asked)"})
        good = (
            r["view"] == expect
            and (expect == "density" or r["points drawn"] == r["rows"])
            and r["hover label"] != "(none)"
            and r["exceptions"] == 0
            and r["js errors"] == 0
        )
        ok &= good
        print(f"{verdict(good)}: {r['file']}: {r['view']} view, hover {r['hover label']!r}")
        print(
            f"{verdict(r['x raw'] <= RSS_BUDGET)}: {r['file']}: server peak - baseline = "
            f"{r['x raw']} x raw float32 ({r['rows'] * DIM * 4 / 2**20:.0f} MiB; budget "
            f"{RSS_BUDGET} x)"
        )
    print(f"server log tracebacks: {tracebacks}")
    print(json.dumps({"bench": "large_upload", "runs": rows_out, "tracebacks": tracebacks}))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
