"""Background jobs for slow steps (embedding, t-SNE, UMAP) so the page stays responsive.

A job runs in a worker process of the server's local engine (:mod:`embedlens.engines.local`),
never in the web server's threads: a UMAP's numba loops or a model's forward pass do not slow
other sessions' pages, jobs of many sessions run side by side (up to the engine's workers), and a
job can be cancelled (its worker is stopped and replaced). Its progress reaches the job's fields;
pages show a preview meanwhile and poll from a fragment that reruns the app when the job is done.
Jobs are keyed by everything that determines their result, so two sessions asking for the same
work share one job.

With ``EMBEDLENS_ENGINE=ray`` the "embed" and "project" lanes' workers are Ray drivers
(:mod:`embedlens.engines.ray_client`): the job's pipeline computes on the cluster and writes
its results into this server's workspace; Cancel still terminates the worker, and Ray then ends
the tasks and actors it owned. With no address the lane has one worker, which starts a local
Ray (one per server, not one per worker); a cluster that does not answer fails the job at once
with a message.
"""

from __future__ import annotations

import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

import streamlit as st

from components.engines import describe, server_choice
from embedlens.engines import EngineUnavailable, JobCancelled
from embedlens.engines.config import EngineChoice, check_reachable
from embedlens.engines.local import EngineJob, LocalEngine
from embedlens.i18n import _, current_language, set_language, translate_note

MAX_JOBS = 24
SYNC_ENV = "EMBEDLENS_SYNC_JOBS"  # "1": run jobs inline (scripts, AppTest); the page then blocks
WORKERS_ENV = "EMBEDLENS_WORKERS"  # worker processes for model and map jobs (default 2)


def sync_jobs() -> bool:
    """Jobs run inline in this process (AppTest, scripts): ``EMBEDLENS_SYNC_JOBS=1``."""
    return os.environ.get(SYNC_ENV) == "1"


@dataclass
class Job:
    """One background computation and its progress."""

    key: Hashable
    label: str
    future: Future
    started: float = field(default_factory=time.perf_counter)
    fraction: float = 0.0
    message: str = ""
    handle: EngineJob | None = None  # the engine's job (None when run inline)
    engine: EngineChoice | None = None  # ray when the job computes on Ray, None: local
    seen_cancelled: bool = False

    def on_progress(self, fraction: float, message: str) -> None:
        self.fraction, self.message = fraction, message

    @property
    def done(self) -> bool:
        return self.future.done()

    @property
    def cancelled(self) -> bool:
        """Finished because someone cancelled it."""
        return self.done and isinstance(self.future.exception(), JobCancelled)

    def cancel(self) -> bool:
        """Stop the job (its worker process is terminated); False when it already ended."""
        return self.handle.cancel() if self.handle is not None else False

    def elapsed(self) -> float:
        return time.perf_counter() - self.started


class JobRunner:
    """A bounded table of jobs, run in the local engine's worker processes.

    Lanes: "embed" and "project" (models, t-SNE, UMAP) share one engine of
    ``EMBEDLENS_WORKERS`` processes (default 2); "fast" (TF-IDF + SVD vectors, comparisons)
    has its own single worker, so one user's model embedding never holds up another's offline
    vectors. A worker runs one job at a time, so numba never runs two jobs in one process.
    ``choice``: the ray engine makes the "embed" and "project" workers Ray drivers (one worker
    when a local Ray is started, so there is one local Ray); "fast" stays local.
    """

    def __init__(self, choice: EngineChoice | None = None) -> None:
        env = os.environ.get(WORKERS_ENV, "").strip()
        workers = int(env) if env.isdigit() and int(env) > 0 else None
        self.choice = choice or EngineChoice()
        if self.choice.is_ray and not self.choice.address:
            workers = 1
        self._engines: dict[str, LocalEngine] = {}
        self._sizes = {"main": workers, "fast": 1}
        self._jobs: OrderedDict[Hashable, Job] = OrderedDict()
        self._lock = threading.Lock()

    def engine(self, lane: str = "embed") -> LocalEngine:
        """The engine of ``lane`` (started on first use)."""
        name = "fast" if lane == "fast" else "main"
        with self._lock:
            if name not in self._engines:
                self._engines[name] = LocalEngine(workers=self._sizes[name])
            return self._engines[name]

    def get(self, key: Hashable) -> Job | None:
        with self._lock:
            return self._jobs.get(key)

    def submit(
        self, key: Hashable, label: str, fn: Callable[..., Any], *args: Any, lane: str = "embed"
    ) -> Job:
        """Start ``fn(*args, on_progress=...)`` unless a job with ``key`` exists or ran OK.

        ``fn`` and ``args`` must pickle (a module-level function): the job runs in a worker
        process. A failed job is started again; a cancelled one is returned once (so the page
        can say so) and started again by the next request.
        """
        with self._lock:
            job = self._jobs.get(key)
            if job is not None and job.cancelled and not job.seen_cancelled:
                job.seen_cancelled = True
                return job
            if job is not None and not (job.done and job.future.exception() is not None):
                self._jobs.move_to_end(key)
                return job
        engine = self.choice if self.choice.is_ray and lane != "fast" else None
        if engine is not None:
            try:  # Ray would retry an unreachable address for minutes: say so now
                check_reachable(engine.address)
            except EngineUnavailable as exc:
                job = Job(key=key, label=label, future=Future(), engine=engine)
                job.future.set_exception(exc)
                self._add(job)
                return job
        if sync_jobs():
            future: Future = Future()
            job = Job(key=key, label=label, future=future, engine=engine)
            self._add(job)
            future.set_running_or_notify_cancel()
            try:
                future.set_result(fn(*args, on_progress=job.on_progress))
            except BaseException as exc:  # handed to the page, which shows or re-raises it
                future.set_exception(exc)
            return job
        job = Job(key=key, label=label, future=Future(), engine=engine)
        handle = self.engine(lane).submit(fn, *args, on_progress=job.on_progress, label=label)
        job.handle, job.future = handle, handle.future
        self._add(job)
        return job

    def _add(self, job: Job) -> None:
        with self._lock:
            self._jobs[job.key] = job
            self._jobs.move_to_end(job.key)
            # Drop the oldest finished jobs (not only a finished prefix: one long job at the
            # front must not let the table grow without bound behind it).
            excess = len(self._jobs) - MAX_JOBS
            for old_key in [k for k, j in self._jobs.items() if j.done][: max(excess, 0)]:
                self._jobs.pop(old_key)


def runner() -> JobRunner:
    """The server's one job runner (on the engine of ``EMBEDLENS_ENGINE``)."""
    return _runner(server_choice())


@st.cache_resource(show_spinner=False)
def _runner(choice: EngineChoice) -> JobRunner:
    return JobRunner(choice)


def wait_for(jobs: list[Job], *, every: float = 1.0) -> None:
    """Show the jobs' progress with a Cancel button, refreshed every ``every`` s; rerun the app
    when all are done."""

    language = current_language()  # a fragment rerun skips app.py, where it is set

    @st.fragment(run_every=every)
    def _poll() -> None:
        set_language(language)
        if all(job.done for job in jobs):
            st.rerun(scope="app")
        for i, job in enumerate(jobs):
            if job.done:
                continue
            text = _("{label} · {seconds:.0f} s").format(label=job.label, seconds=job.elapsed())
            if job.message:
                text += f" · {translate_note(job.message)}"
            text += " · " + _("on {where}").format(where=describe(job.engine))
            bar, button = st.columns([6, 1], vertical_alignment="center")
            bar.progress(min(max(job.fraction, 0.0), 1.0), text=text)
            if job.handle is not None and button.button(
                _("Cancel"),
                key=f"jobs.cancel.{i}.{job.handle.id}",
                icon=":material/cancel:",
                help=_("Stop this computation; the settings stay as they are."),
            ):
                job.cancel()
                st.rerun(scope="app")

    _poll()


def show_cancelled(job: Job) -> None:
    """Say that ``job`` was cancelled, offer to run it again, and stop the page."""
    st.warning(_("{label}: cancelled.").format(label=job.label), icon=":material/cancel:")
    st.button(_("Run it again"), key="jobs.run_again", icon=":material/replay:")
    st.stop()
