"""The local engines' shared parts: jobs, the steps in terms of ``run``, the in-worker engine.

:class:`~embedlens.engines.local.LocalEngine` (a pool of worker processes) and
:class:`~embedlens.engines.resident.ResidentEngine` (one resident worker per workspace) both run
``embed``/``project``/``cluster`` through :meth:`_Steps.run`; inside a worker either becomes an
:class:`InProcessEngine`. Process helpers (the start context, starting without the caller's
``__main__``) live here too.
"""

from __future__ import annotations

import itertools
import multiprocessing as mp
import os
import sys
import threading
import types
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from embedlens.engines.base import EngineBase
from embedlens.engines.steps import cluster_step, embed_step, project_step
from embedlens.progress import ProgressCallback

if TYPE_CHECKING:
    from embedlens.cluster import Clustering, ClusterParams
    from embedlens.embedders import EmbedResult, VectorCache
    from embedlens.engines.local import LocalEngine
    from embedlens.pipeline.core import EmbedSpec
    from embedlens.reduce import Projection, ProjectionParams

__all__ = ["EngineJob", "InProcessEngine", "default_workers"]

_ids = itertools.count(1)
_main_lock = threading.Lock()


def default_workers() -> int:
    """``min(2, CPUs)``: two jobs at once without starving the machine's other work."""
    return max(1, min(2, os.cpu_count() or 1))


def _context() -> mp.context.BaseContext:
    if "forkserver" in mp.get_all_start_methods():
        ctx = mp.get_context("forkserver")
        # Not "__main__": the caller's script (streamlit, pytest) is never re-run in workers.
        ctx.set_forkserver_preload(["embedlens.engines._worker"])
        return ctx
    return mp.get_context("spawn")


@dataclass(eq=False)
class EngineJob:
    """One job in the engine: its future, latest progress, and :meth:`cancel`."""

    label: str
    future: Future = field(default_factory=Future)
    fraction: float = 0.0
    message: str = ""
    on_progress: ProgressCallback | None = None
    id: int = field(default_factory=lambda: next(_ids))
    _engine: LocalEngine | None = field(default=None, repr=False)
    _cancelled: bool = field(default=False, repr=False)

    @property
    def done(self) -> bool:
        """Finished, failed or cancelled."""
        return self.future.done()

    def result(self, timeout: float | None = None) -> Any:
        """The job's result; its error re-raised (:class:`JobCancelled` once cancelled)."""
        return self.future.result(timeout)

    def cancel(self) -> bool:
        """Stop the job (queued or running); False when it had already finished."""
        if self.done or self._engine is None:
            return False
        return self._engine._cancel(self)

    def _progress(self, fraction: float, message: str) -> None:
        self.fraction, self.message = fraction, message
        if self.on_progress is not None:
            self.on_progress(fraction, message)


class _Steps(EngineBase):
    """embed / project / cluster in terms of :meth:`run` (shared by both local engines)."""

    name = "local"
    workers = 1

    def run(
        self,
        fn: Callable[..., Any],
        *args: Any,
        on_progress: ProgressCallback | None = None,
        **kwargs: Any,
    ) -> Any:
        raise NotImplementedError

    def embed(
        self,
        texts: Sequence[str],
        spec: EmbedSpec,
        *,
        cache: VectorCache | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> EmbedResult:
        """Vectors for ``texts`` with the resolved ``spec`` (see :mod:`embedlens.engines.base`)."""
        return self.run(embed_step, list(texts), spec, cache=cache, on_progress=on_progress)

    def project(
        self,
        vectors: np.ndarray,
        params: ProjectionParams,
        *,
        sample_size: int | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> Projection:
        """Coordinates for every row (fitted on ``sample_size`` rows, the rest placed)."""
        return self.run(
            project_step, vectors, params, sample_size=sample_size, on_progress=on_progress
        )

    def cluster(
        self,
        X: np.ndarray,
        params: ClusterParams,
        *,
        texts: Sequence[str] | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> Clustering:
        """Cluster labels of ``X`` named by keywords of ``texts``."""
        texts = None if texts is None else list(texts)
        return self.run(cluster_step, X, params, texts=texts, on_progress=on_progress)


class InProcessEngine(_Steps):
    """The local engine as seen inside one of its workers: run here, with this process's models.

    A :class:`LocalEngine` sent to a worker (inside a pickled ``Pipeline``) becomes this one,
    so a job never submits work to a pool from inside the pool.
    """

    def run(
        self,
        fn: Callable[..., Any],
        *args: Any,
        on_progress: ProgressCallback | None = None,
        **kwargs: Any,
    ) -> Any:
        """``fn(*args, on_progress=..., **kwargs)`` in this process."""
        return fn(*args, on_progress=on_progress, **kwargs)


@contextmanager
def _main_hidden() -> Iterator[None]:
    """Start processes without telling them the caller's ``__main__``.

    multiprocessing re-runs the main script in a new process (as ``__mp_main__``); under
    Streamlit that is the app page itself (Streamlit puts the running page in
    ``sys.modules["__main__"]``), which must never run in a worker. Tasks are module-level
    functions of importable modules, so workers never need the main script.
    """
    with _main_lock:
        main = sys.modules.get("__main__")
        sys.modules["__main__"] = types.ModuleType("__main__")  # no __file__, no __spec__
        try:
            yield
        finally:
            if main is not None:
                sys.modules["__main__"] = main


def _fail(job: EngineJob, exc: BaseException) -> None:
    if not job.future.done():
        if job.future.running() or job.future.set_running_or_notify_cancel():
            job.future.set_exception(exc)


def _safe_progress(job: EngineJob, fraction: float, message: str) -> None:
    try:
        job._progress(fraction, message)
    except Exception:  # a caller's progress display must not stop the engine
        pass
