"""Shared by the browser tests: Debian's chromium and one app server per test module.

The browser is Debian's chromium (from apt), driven through Playwright's executable_path:
no browser is fetched at run time.
Without chromium or Playwright the tests skip, unless EMBEDLENS_REQUIRE_BROWSER=1 (CI), where
they fail instead.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
IDLE_SELECTOR = "[data-testid='stApp'][data-test-script-state='notRunning']"
NO_SKELETONS = "document.querySelectorAll(\"[data-testid='stSkeleton']\").length === 0"


def chromium() -> str:
    """The chromium executable; skips the test (fails it in CI) when it or Playwright is absent."""
    import importlib.util

    path = shutil.which("chromium") or shutil.which("chromium-browser")
    why = "chromium is not installed (apt-get install -y chromium)"
    if importlib.util.find_spec("playwright") is None:
        path, why = None, "playwright is not installed (pip install -r requirements-dev.txt)"
    if path is None:
        if os.environ.get("EMBEDLENS_REQUIRE_BROWSER") == "1":
            pytest.fail(why)
        pytest.skip(why)
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass(frozen=True)
class AppServer:
    """A running ``streamlit run app.py`` with its own workspace."""

    url: str
    process: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


@contextmanager
def app_server(folder: Path) -> Iterator[AppServer]:
    """Start the app on a free port with EMBEDLENS_HOME in ``folder``; stop it afterwards."""
    chromium()  # skip before starting a server nobody will use
    port = _free_port()
    (folder / "home").mkdir(parents=True, exist_ok=True)
    log_path = folder / "streamlit.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py")]
            + ["--server.port", str(port), "--server.headless", "true"]
            + ["--browser.gatherUsageStats", "false"],
            cwd=ROOT,
            env={**os.environ, "EMBEDLENS_HOME": str(folder / "home")},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        server = AppServer(f"http://127.0.0.1:{port}", proc, log_path)
        try:
            _wait_healthy(server)
            yield server
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:  # a server that will not stop is killed
                proc.kill()
                proc.wait(timeout=20)
            print(server.log()[-3000:])


def _wait_healthy(server: AppServer, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{server.url}/_stcore/health", timeout=2) as response:
                if response.read() == b"ok":
                    return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"streamlit did not start:\n{server.log()[-3000:]}")


def wait_idle(page, timeout: float = 300_000) -> None:
    """Wait until the app's script has finished and no placeholder is left (sync Playwright)."""
    page.wait_for_selector(IDLE_SELECTOR, timeout=timeout)
    page.wait_for_function(NO_SKELETONS, timeout=timeout)
