"""Background jobs for slow steps (embedding, t-SNE, UMAP) so the page stays responsive.

A job runs in a small shared thread pool, reports progress into its own fields, and keeps its
result; pages show a preview meanwhile and poll from a fragment that reruns the app when the job
is done. Jobs are keyed by everything that determines their result, so two sessions asking for
the same work share one job.
"""

from __future__ import annotations

import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import streamlit as st

from embedlens.i18n import _, current_language, set_language, translate_note

MAX_JOBS = 24
SYNC_ENV = "EMBEDLENS_SYNC_JOBS"  # "1": run jobs inline (scripts, AppTest); the page then blocks


@dataclass
class Job:
    """One background computation and its progress."""

    key: Hashable
    label: str
    future: Future
    started: float = field(default_factory=time.perf_counter)
    fraction: float = 0.0
    message: str = ""

    def on_progress(self, fraction: float, message: str) -> None:
        self.fraction, self.message = fraction, message

    @property
    def done(self) -> bool:
        return self.future.done()

    def elapsed(self) -> float:
        return time.perf_counter() - self.started


class JobRunner:
    """A bounded table of jobs, run one at a time per lane.

    Lanes: "embed" (torch), "project" (numba, used by UMAP and openTSNE) and "fast" (quick
    scikit-learn work: TF-IDF + SVD vectors, so one user's model embedding never holds up
    another's offline vectors). Two numba jobs in parallel threads can hang in numba's default
    threading layer, so each lane has one thread; jobs of different lanes run side by side.
    """

    def __init__(self) -> None:
        self._pools = {
            lane: ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"embedlens-{lane}")
            for lane in ("embed", "project", "fast")
        }
        self._jobs: OrderedDict[Hashable, Job] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Job | None:
        with self._lock:
            return self._jobs.get(key)

    def submit(
        self, key: Hashable, label: str, fn: Callable[..., Any], *args: Any, lane: str = "embed"
    ) -> Job:
        """Start ``fn(*args, on_progress=...)`` unless a job with ``key`` exists or ran OK."""
        with self._lock:
            job = self._jobs.get(key)
            if job is not None and not (job.done and job.future.exception() is not None):
                self._jobs.move_to_end(key)
                return job
            future: Future = Future()
            job = Job(key=key, label=label, future=future)

            def run() -> None:
                if not future.set_running_or_notify_cancel():
                    return
                try:
                    future.set_result(fn(*args, on_progress=job.on_progress))
                except BaseException as exc:  # handed to the page, which shows or re-raises it
                    future.set_exception(exc)

            self._jobs[key] = job
            # Drop the oldest finished jobs (not only a finished prefix: one long job at the
            # front must not let the table grow without bound behind it).
            excess = len(self._jobs) - MAX_JOBS
            for old_key in [k for k, j in self._jobs.items() if j.done][: max(excess, 0)]:
                self._jobs.pop(old_key)
            if os.environ.get(SYNC_ENV) != "1":
                self._pools[lane].submit(run)
                return job
        run()
        return job


@st.cache_resource(show_spinner=False)
def runner() -> JobRunner:
    """The server's one job runner."""
    return JobRunner()


def wait_for(jobs: list[Job], *, every: float = 1.0) -> None:
    """Show the jobs' progress, refreshed every ``every`` s; rerun the app when all are done."""

    language = current_language()  # a fragment rerun skips app.py, where it is set

    @st.fragment(run_every=every)
    def _poll() -> None:
        set_language(language)
        if all(job.done for job in jobs):
            st.rerun(scope="app")
        for job in jobs:
            if job.done:
                continue
            text = _("{label} · {seconds:.0f} s").format(label=job.label, seconds=job.elapsed())
            if job.message:
                text += f" · {translate_note(job.message)}"
            st.progress(min(max(job.fraction, 0.0), 1.0), text=text)

    _poll()
