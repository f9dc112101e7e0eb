"""AppTest runs: background jobs run inline so one ``at.run()`` gives the finished map."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def synchronous_jobs(monkeypatch):
    monkeypatch.setenv("EMBEDLENS_SYNC_JOBS", "1")
