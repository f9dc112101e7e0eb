"""AppTest: a map job runs in a worker process, shows a Cancel button, and cancelling it says so."""

from __future__ import annotations

import threading
from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = Path(__file__).resolve().parents[2] / "app.py"


def hold_until(path: str, *, on_progress) -> None:
    """A job for a worker process: wait until ``path`` exists (at most 300 s)."""
    for _ in range(3000):
        if Path(path).exists():
            return
        threading.Event().wait(0.1)


def _wait(at: AppTest, done, what: str) -> AppTest:
    for _ in range(240):
        assert not at.exception, at.exception
        if done(at):
            return at
        threading.Event().wait(0.5)
        at.run()
    raise AssertionError(f"timed out waiting for {what}")


def test_a_queued_map_job_can_be_cancelled_and_run_again(monkeypatch, tmp_path):
    from components.jobs import runner

    monkeypatch.delenv("EMBEDLENS_SYNC_JOBS")
    gate = tmp_path / "open"
    engine = runner().engine("project")
    holds = [
        runner().submit(("test-jobs", i, str(gate)), "hold", hold_until, str(gate), lane="project")
        for i in range(engine.workers)
    ]
    try:
        at = AppTest.from_file(str(APP), default_timeout=120)
        at.session_state["map.backend"] = "tfidf-svd"
        at.session_state["map.method"] = "tsne"
        at.session_state["map.seed"] = 11  # a job no other test has run
        at.run()
        at = _wait(  # the TF-IDF vectors may come from their own job first
            at,
            lambda a: any(i.value.startswith("Preview: PCA while t-SNE") for i in a.info),
            "the preview while the t-SNE job waits",
        )
        assert [b.label for b in at.button].count("Cancel") == 1
        cancel = next(b for b in at.button if b.label == "Cancel")
        at = cancel.click().run()
        at = _wait(at, lambda a: any("cancelled" in w.value for w in a.warning), "cancelled")
        assert any(
            w.value.startswith("t-SNE") and w.value.endswith(": cancelled.") for w in at.warning
        )
        again = next(b for b in at.button if b.label == "Run it again")
    finally:
        gate.touch()
    for hold in holds:
        hold.future.result(timeout=120)
    at = again.click().run()
    at = _wait(at, lambda a: "map.projection" in a.session_state, "the final t-SNE map")
    assert at.session_state["map.projection"].params.method == "tsne"
    assert not any("cancelled" in w.value for w in at.warning)
