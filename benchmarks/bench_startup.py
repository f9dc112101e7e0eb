"""Time from starting the app (environment installed) to a drawn map of the sample data.

Starts `python -m embedlens serve` exactly as `make run` does, with a fresh workspace, opens it
in headless Debian chromium and records: the first map on screen (the announced preview), and the
final all-MiniLM-L6-v2 + UMAP map. Then restarts the server on the same workspace (what a user
sees the second time: embeddings and the projection come from the workspace). Budget: <= 10 s to
a drawn map.

    python benchmarks/bench_startup.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from _common import CHROMIUM_ARGS

ROOT = Path(__file__).resolve().parents[1]
BUDGET_S = 10.0


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def one_start(home: Path, timeout: float) -> dict:
    """Start the server, open the page, time the first map and the final map."""
    from playwright.sync_api import sync_playwright

    port = _port()
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "embedlens", "serve", "--port", str(port)],
        cwd=ROOT,
        env={**os.environ, "EMBEDLENS_HOME": str(home)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        while True:
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=1).read() == b"ok":
                    break
            except OSError:
                time.sleep(0.1)
        server_ready = time.perf_counter() - started
        with sync_playwright() as p:
            chromium = shutil.which("chromium")
            browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(url)
            page.wait_for_function(  # a Plotly figure with its points laid out
                """() => {
                    const plot = document.querySelector('.js-plotly-plot');
                    return !!plot && !!plot._fullData
                        && plot._fullData.some(t => (t._length || 0) > 0);
                }""",
                timeout=timeout * 1000,
                polling=100,
            )
            first_map = time.perf_counter() - started
            preview = "Preview:" in page.inner_text("body")
            page.wait_for_function(
                "() => !document.body.innerText.includes('Preview:') && "
                "document.body.innerText.includes('placed by UMAP')",
                timeout=timeout * 1000,
            )
            final_map = time.perf_counter() - started
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return {
        "server_ready_s": round(server_ready, 1),
        "first_map_s": round(first_map, 1),
        "first_map_is_preview": preview,
        "final_map_s": round(final_map, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one cold start only")
    args = parser.parse_args()
    if shutil.which("chromium") is None:
        print("chromium not installed (apt-get install -y chromium): skipped")
        return
    home = Path(tempfile.mkdtemp(prefix="embedlens-startup-"))
    runs = {"cold (empty workspace)": one_start(home, 300)}
    if not args.quick:
        runs["warm (same workspace, new server)"] = one_start(home, 120)
    shutil.rmtree(home, ignore_errors=True)
    print(f"{'start':36} {'server':>8} {'first map':>10} {'preview?':>9} {'final map':>10}")
    for name, r in runs.items():
        print(
            f"{name:36} {r['server_ready_s']:>7.1f}s {r['first_map_s']:>9.1f}s "
            f"{str(r['first_map_is_preview']):>9} {r['final_map_s']:>9.1f}s"
        )
    for name, r in runs.items():
        verdict = "PASS" if r["first_map_s"] <= BUDGET_S else "MISS"
        print(
            f"{verdict}: {name}: a drawn map after {r['first_map_s']} s (budget {BUDGET_S} s); "
            f"final UMAP map after {r['final_map_s']} s"
        )
    print(json.dumps({"benchmark": "startup", "budget_s": BUDGET_S, "runs": runs}))


if __name__ == "__main__":
    main()
