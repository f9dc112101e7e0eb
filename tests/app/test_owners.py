"""AppTest: two browsers on one shared server never see each other's data; share links work.

Each AppTest session is one browser. The owner cookie itself is written by JavaScript, which
AppTest cannot run: ``components.owner.read_cookie`` is replaced by what the browser would
send (the real cookie round trip is the e2e test's job).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from embedlens.dataset import Dataset
from embedlens.store import Workspace

APP = Path(__file__).resolve().parents[2] / "app.py"
WORKSPACE_PAGE = "app_pages/workspace.py"
SECRET = "A's secret notes"


@pytest.fixture(autouse=True)
def shared_server(monkeypatch):
    monkeypatch.setenv("EMBEDLENS_SHARED", "1")


def _browser(monkeypatch, cookie: str | None = None, **params) -> AppTest:
    monkeypatch.setattr("components.owner.read_cookie", lambda: cookie)
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.session_state["map.backend"] = "tfidf-svd"
    at.session_state["map.method"] = "pca"
    for name, value in params.items():
        at.query_params[name] = value
    at.run()
    assert not at.exception
    return at


def _owner_ws(at: AppTest) -> Workspace:
    token = at.session_state["owner.token"]
    owner = "browser:" + hashlib.sha256(token.encode("ascii")).hexdigest()[:32]
    return Workspace(os.environ["EMBEDLENS_HOME"]).for_owner(owner)


def _names_on_workspace_page(at: AppTest) -> set[str]:
    at.switch_page(WORKSPACE_PAGE).run()
    assert not at.exception
    return set(at.dataframe[0].value["Name"]) if at.dataframe else set()


@pytest.fixture
def a_with_data(monkeypatch):
    """Browser A: the sample on the map, plus an upload and a saved view of it."""
    a = _browser(monkeypatch)
    ws = _owner_ws(a)
    texts = [f"北京 客户 {i} refund invoice" for i in range(20)]
    ds = Dataset(SECRET, pd.DataFrame({"text": texts}), np.arange(20), text_column="text")
    dataset_id = ws.save_dataset(ds)
    run_id = ws.save_run(dataset_id, "projection", {"method": "pca", "dims": 2},
                         {"coords": np.random.default_rng(0).normal(size=(20, 2))})  # fmt: skip
    view_id = ws.save_view("A's view", {"dataset_id": dataset_id, "projection_run": run_id})
    return a, ws, dataset_id, view_id


def test_b_never_sees_a_upload_on_the_workspace_page_or_by_id(monkeypatch, a_with_data):
    a, ws_a, dataset_id, view_id = a_with_data
    assert SECRET in _names_on_workspace_page(a)
    b = _browser(monkeypatch)
    assert b.session_state["owner.token"] != a.session_state["owner.token"]
    assert SECRET not in _names_on_workspace_page(b)
    # A's ids in the URL open nothing of A's
    b2 = _browser(monkeypatch, dataset=dataset_id, view=view_id)
    assert b2.session_state["data.dataset_id"] != dataset_id
    assert b2.session_state["data.dataset"].name != SECRET
    assert b2.query_params.get("view") in (None, [])
    assert _owner_ws(b2).list_views() == []


def test_a_shared_view_opens_read_only_for_b_until_revoked(monkeypatch, a_with_data):
    a, ws_a, dataset_id, view_id = a_with_data
    token = ws_a.share("view", view_id)
    b = _browser(monkeypatch, share=token)
    assert b.session_state["data.dataset_id"] == dataset_id
    assert b.session_state["data.dataset"].name == SECRET
    assert any("read-only link" in i.value for i in b.info)
    assert SECRET not in _names_on_workspace_page(b)  # B's own items only
    ws_a.revoke_share("view", view_id)
    late = _browser(monkeypatch, share=token)
    assert late.session_state["data.dataset_id"] != dataset_id
    assert any("not valid" in w.value for w in late.warning)


def test_a_refresh_keeps_a_work(monkeypatch, a_with_data):
    a, _, dataset_id, _ = a_with_data
    again = _browser(monkeypatch, cookie=a.session_state["owner.token"], dataset=dataset_id)
    assert again.session_state["data.dataset_id"] == dataset_id
    assert SECRET in _names_on_workspace_page(again)


def test_a_signed_in_user_is_the_owner(monkeypatch):
    def signed_in(sub: str) -> AppTest:
        monkeypatch.setattr("components.owner.read_cookie", lambda: None)
        at = AppTest.from_file(str(APP), default_timeout=120)
        at.session_state["map.backend"] = "tfidf-svd"
        at.session_state["map.method"] = "pca"
        at.user = {"is_logged_in": True, "sub": sub, "email": f"{sub}@example.com",
                   "iss": "https://accounts.google.com"}  # fmt: skip
        at.run()
        assert not at.exception
        return at

    first = signed_in("alice")
    alice_sample = first.session_state["data.dataset_id"]
    assert signed_in("alice").session_state["data.dataset_id"] == alice_sample  # any browser
    assert signed_in("bob").session_state["data.dataset_id"] != alice_sample
