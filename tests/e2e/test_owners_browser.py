"""Two real browsers on one shared server: B never sees A's upload; A's share link opens for B.

The app runs with EMBEDLENS_SHARED=1 on port 8640 with its own workspace (/tmp/h4-ws), as a
team server would. Each browser context is one person (its own cookie jar).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from tests.e2e.conftest import CHROMIUM_ARGS, ROOT, chromium, wait_idle

pytestmark = [pytest.mark.e2e, pytest.mark.serial]
PORT = 8640
HOME = Path("/tmp/h4-ws")
URL = f"http://127.0.0.1:{PORT}"
SECRET = "a_secret_notes"


@pytest.fixture(scope="module")
def shared_server():
    chromium()
    shutil.rmtree(HOME, ignore_errors=True)
    HOME.mkdir(parents=True)
    log = (HOME / "streamlit.log").open("w")
    env = {**os.environ, "EMBEDLENS_HOME": str(HOME), "EMBEDLENS_SHARED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
         "--server.port", str(PORT), "--server.headless", "true"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{URL}/_stcore/health", timeout=2) as r:
                    if r.read() == b"ok":
                        break
            except OSError:
                time.sleep(0.5)
        yield URL
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def _upload(path: Path) -> None:
    rows = [f"客户 {i} asked about refund invoice number {i}" for i in range(20)]
    path.write_text("note\n" + "\n".join(rows) + "\n", encoding="utf-8")


def _owner_cookie(context) -> str:
    found = [c for c in context.cookies() if c["name"] == "embedlens_owner"]
    assert found, "the app did not keep the browser's owner token in a cookie"
    assert found[0]["sameSite"] == "Strict" and len(found[0]["value"]) >= 32
    return found[0]["value"]


def _workspace_datasets(page) -> str:
    """The Workspace page's dataset picker options (the table is a canvas: no DOM text)."""
    picker = page.locator("[data-testid='stSelectbox']").filter(has_text="Dataset").first
    picker.get_by_role("combobox").click()
    options = page.get_by_role("listbox").first
    options.wait_for(timeout=30_000)
    text = options.inner_text()
    page.keyboard.press("Escape")
    return text


def test_two_browsers_are_private_and_a_share_link_opens_read_only(shared_server, tmp_path):
    from playwright.sync_api import sync_playwright

    from embedlens.store import Workspace

    upload = tmp_path / f"{SECRET}.csv"
    _upload(upload)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
        a_ctx, b_ctx = browser.new_context(), browser.new_context()
        a = a_ctx.new_page()
        a.goto(f"{shared_server}/data")
        wait_idle(a)
        a.locator("[data-testid='stFileUploaderDropzoneInput']").first.set_input_files(
            str(upload)
        )
        a.get_by_text("Kept 20 of 20 rows").wait_for(timeout=60_000)
        a.get_by_role("button", name="Open on the map").click()
        a.get_by_text(SECRET).first.wait_for(timeout=60_000)
        wait_idle(a)
        token = _owner_cookie(a_ctx)
        owner = "browser:" + hashlib.sha256(token.encode("ascii")).hexdigest()[:32]
        ws = Workspace(HOME).for_owner(owner)  # what the server stored for A's cookie
        mine = [i.id for i in ws.list_datasets() if i.name.startswith(SECRET)]
        assert len(mine) == 1
        dataset_id = mine[0]

        # a refresh keeps A's work: same cookie, the upload is on A's Workspace page
        a.goto(f"{shared_server}/workspace")
        wait_idle(a)
        a.reload()
        wait_idle(a)
        assert SECRET in _workspace_datasets(a)
        assert _owner_cookie(a_ctx) == token

        # B: a different browser sees none of it, neither on a page nor by A's id in the URL
        b = b_ctx.new_page()
        b.goto(f"{shared_server}/workspace")
        wait_idle(b)
        listed = _workspace_datasets(b)
        assert "Sample" in listed and SECRET not in listed and SECRET not in b.inner_text("body")
        assert _owner_cookie(b_ctx) != token
        b.goto(f"{shared_server}/?dataset={dataset_id}")
        wait_idle(b)
        assert SECRET not in b.inner_text("body")

        # A shares a view of the upload; the link opens it read-only for B
        run_id = ws.save_run(dataset_id, "projection", {"method": "pca", "dims": 2, "e2e": 1},
                             {"coords": np.random.default_rng(0).normal(size=(20, 2))})  # fmt: skip
        ws.save_view("A's shared view", {"dataset_id": dataset_id, "projection_run": run_id})
        a.goto(f"{shared_server}/workspace")
        wait_idle(a)
        a.get_by_text("Share a view or story (read-only link)").click()
        a.get_by_role("button", name="Create a read-only link").click()
        wait_idle(a)
        a.get_by_text("Anyone with this link can open it read-only").wait_for(timeout=30_000)
        link = a.locator("[data-testid='stCode']").last.inner_text().strip()
        assert "?share=" in link
        b.goto(link)
        wait_idle(b)
        b.get_by_text("through a read-only link").wait_for(timeout=60_000)
        assert SECRET in b.inner_text("body")
        b.goto(f"{shared_server}/workspace")  # B's own Workspace still lists only B's items
        wait_idle(b)
        assert SECRET not in _workspace_datasets(b)
        browser.close()
