"""The local engine: slow steps in a small pool of worker processes on this machine.

- Processes, not threads: a UMAP's numba loops or a model's forward pass never hold the caller's
  interpreter (the web server stays responsive), and jobs of many callers run side by side, up
  to ``workers`` at once; the others queue in submission order.
- Warm: a worker lives on between jobs and keeps its loaded models
  (:mod:`embedlens.engines.steps`) and compiled numba code; compiled code is also on disk
  (:mod:`embedlens.jit_cache`), so a new worker or a fresh CLI process loads it, not compiles it.
- Cancel: :meth:`EngineJob.cancel` drops a queued job, or terminates the worker running it and
  starts a new one later; the job then raises :class:`JobCancelled`.
- A worker that dies (killed, out of memory, crashed native code) fails its job with
  :class:`WorkerCrashed` and is replaced; the other jobs go on.
- Memory: a worker retires after ``max_tasks`` jobs or when its resident memory passes
  ``max_memory_mb`` after a job (``EMBEDLENS_WORKER_MAX_MB``, default 4096), giving back what
  a large job left behind.

Workers fork from a forkserver (spawned where there is none), never from the caller itself, so
the caller's threads and locks are never copied. Each job carries the caller's ``EMBEDLENS_*``
environment, so a worker started earlier still reads the same limits and workspace settings.
"""

from __future__ import annotations

import atexit
import multiprocessing as mp
import os
import threading
import weakref
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

from embedlens.engines import _worker
from embedlens.engines.base import EngineError, JobCancelled, WorkerCrashed
from embedlens.engines.local_base import (
    EngineJob,
    InProcessEngine,
    _context,
    _fail,
    _main_hidden,
    _safe_progress,
    _Steps,
    default_workers,
)
from embedlens.i18n import N_
from embedlens.progress import ProgressCallback
from embedlens.validation import check_in_range

__all__ = ["EngineJob", "InProcessEngine", "LocalEngine", "default_workers"]  # re-exported

MAX_MEMORY_ENV = "EMBEDLENS_WORKER_MAX_MB"
DEFAULT_MAX_MEMORY_MB = 4096
DEFAULT_MAX_TASKS = 200
TERMINATE_GRACE_S = 2.0
_engines: weakref.WeakSet[LocalEngine] = weakref.WeakSet()


@dataclass(eq=False)
class _Worker:
    process: Any  # multiprocessing.Process of the engine's context
    conn: Connection
    job: EngineJob | None = None
    tasks: int = 0


class LocalEngine(_Steps):
    """A pool of ``workers`` processes that keeps models and compiled code warm.

    Parameters
    ----------
    workers : int, optional
        Processes computing at once (default :func:`default_workers`).
    max_tasks : int, default=200
        Jobs a worker runs before it is replaced.
    max_memory_mb : int, optional
        A worker whose resident memory exceeds this after a job is replaced (default
        ``EMBEDLENS_WORKER_MAX_MB`` or 4096).

    Examples
    --------
    >>> import numpy as np
    >>> from embedlens.reduce import ProjectionParams
    >>> X = np.random.default_rng(0).normal(size=(20, 5)).astype(np.float32)
    >>> with LocalEngine(workers=1) as engine:
    ...     engine.project(X, ProjectionParams(method="pca")).coords.shape
    (20, 2)
    """

    name = "local"

    def __init__(
        self,
        workers: int | None = None,
        *,
        max_tasks: int = DEFAULT_MAX_TASKS,
        max_memory_mb: int | None = None,
    ) -> None:
        self.workers = default_workers() if workers is None else workers
        check_in_range("workers", self.workers, low=1, high=256, owner="LocalEngine", kind=int)
        check_in_range("max_tasks", max_tasks, low=1, owner="LocalEngine", kind=int)
        if max_memory_mb is None:
            env = os.environ.get(MAX_MEMORY_ENV, "").strip()
            max_memory_mb = int(env) if env.isdigit() else DEFAULT_MAX_MEMORY_MB
        check_in_range("max_memory_mb", max_memory_mb, low=64, owner="LocalEngine", kind=int)
        self.max_tasks = max_tasks
        self.max_memory_mb = max_memory_mb
        self._ctx = _context()
        self._lock = threading.Lock()
        self._pending: deque[tuple[EngineJob, bytes | tuple]] = deque()
        self._pool: list[_Worker] = []
        self._wake_r, self._wake_w = mp.Pipe(duplex=False)
        self._closed = False
        self._warm: tuple[str, ...] = ()
        self._thread = threading.Thread(
            target=self._loop, name="embedlens-local-engine", daemon=True
        )
        self._thread.start()
        _engines.add(self)

    def __reduce__(self) -> tuple:
        return (InProcessEngine, ())

    # public -------------------------------------------------------------------------------
    def submit(
        self,
        fn: Callable[..., Any],
        *args: Any,
        on_progress: ProgressCallback | None = None,
        label: str = "",
        **kwargs: Any,
    ) -> EngineJob:
        """Queue ``fn(*args, on_progress=..., **kwargs)`` for a worker; returns at once.

        ``fn`` and the arguments must pickle (a module-level function); progress reaches
        ``on_progress`` and the job's ``fraction``/``message`` in this process.
        """
        job = EngineJob(label=label or getattr(fn, "__name__", "job"), on_progress=on_progress)
        job._engine = self
        task = (fn, args, kwargs, _worker.environment())
        with self._lock:
            if self._closed:
                raise EngineError("The local engine is closed; start a new one.")
            self._pending.append((job, task))
        self._wake()
        return job

    def run(
        self,
        fn: Callable[..., Any],
        *args: Any,
        on_progress: ProgressCallback | None = None,
        **kwargs: Any,
    ) -> Any:
        """Submit and wait; Ctrl-C (KeyboardInterrupt) cancels the job."""
        job = self.submit(fn, *args, on_progress=on_progress, **kwargs)
        try:
            return job.result()
        except KeyboardInterrupt:
            job.cancel()
            raise

    def close(self) -> None:
        """Stop every worker; queued and running jobs fail with :class:`EngineError`."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self._wake()
        self._thread.join(timeout=10)

    def alive(self) -> int:
        """Worker processes running now (started lazily, up to ``workers``)."""
        with self._lock:
            return sum(1 for w in self._pool if w.process.is_alive())

    # internals ----------------------------------------------------------------------------
    def _wake(self) -> None:
        try:
            self._wake_w.send_bytes(b".")
        except OSError:  # closed during shutdown
            pass

    def _cancel(self, job: EngineJob) -> bool:
        with self._lock:
            job._cancelled = True
            for i, (queued, _task) in enumerate(self._pending):
                if queued is job:
                    del self._pending[i]
                    _fail(
                        job,
                        JobCancelled(
                            N_("{label} was cancelled before it started.").format(label=job.label)
                        ),
                    )
                    return True
            worker = next((w for w in self._pool if w.job is job), None)
        if worker is not None:  # the loop sees the process end and fails the job
            worker.process.terminate()
        # else: being handed to a worker right now; the loop terminates it once assigned
        self._wake()
        return True

    def warm_up(self, *steps: str, workers: int = 1) -> None:
        """Start ``workers`` processes now, each preparing ``steps`` before its first job.

        ``steps``: ``"umap"`` (import umap-learn and load its compiled code), ``"tsne"``.
        A command that knows what it will run calls this before reading its input, so the
        worker's imports overlap with the reading.
        """
        self._warm = tuple(dict.fromkeys((*self._warm, *steps)))
        with self._lock:
            missing = max(0, min(workers, self.workers) - len(self._pool))
        for _ in range(missing):
            worker = self._start_worker()
            with self._lock:
                self._pool.append(worker)
        self._wake()

    def _start_worker(self) -> _Worker:
        parent, child = self._ctx.Pipe()
        process = self._ctx.Process(
            target=_worker.main, args=(child, self._warm), name="embedlens-worker", daemon=True
        )
        with _main_hidden():
            process.start()
        child.close()
        return _Worker(process=process, conn=parent)

    def _dispatch(self) -> None:
        """Give queued jobs to idle workers, starting workers up to ``workers``."""
        while True:
            with self._lock:
                if not self._pending:
                    return
                idle = next((w for w in self._pool if w.job is None), None)
                if idle is None and len(self._pool) >= self.workers:
                    return
                job, task = self._pending.popleft()
            if not job.future.set_running_or_notify_cancel():
                continue
            if idle is None:
                try:
                    idle = self._start_worker()
                except Exception as exc:  # out of processes, or a script without a main guard
                    _fail(job, EngineError(f"Cannot start a worker process: {exc}"))
                    continue
                with self._lock:
                    self._pool.append(idle)
            try:
                idle.conn.send(task)
            except Exception as exc:  # the arguments do not pickle, or the worker just died
                _fail(job, EngineError(f"Cannot send {job.label} to a worker: {exc}."))
                if not idle.process.is_alive():
                    self._remove(idle)
                continue
            with self._lock:
                idle.job = job
                cancelled = job._cancelled
            if cancelled:
                idle.process.terminate()

    def _loop(self) -> None:
        while True:
            with self._lock:
                closed = self._closed
            if closed:
                self._shutdown()
                return
            self._dispatch()
            with self._lock:
                busy = {w.conn: w for w in self._pool if w.job is not None}
                sentinels = {w.process.sentinel: w for w in self._pool}
            ready = wait([self._wake_r, *busy, *sentinels], timeout=1.0)
            for obj in ready:
                if obj is self._wake_r:
                    while self._wake_r.poll():
                        self._wake_r.recv_bytes()
                elif obj in busy:
                    self._receive(busy[obj])
            for obj in ready:
                if obj in sentinels and not sentinels[obj].process.is_alive():
                    self._died(sentinels[obj])

    def _receive(self, worker: _Worker) -> None:
        try:
            while worker.conn.poll():
                kind, *payload = worker.conn.recv()
                if kind == "progress":
                    if worker.job is not None:
                        _safe_progress(worker.job, *payload)
                    continue
                job, worker.job = worker.job, None
                worker.tasks += 1
                value, remote_tb, rss_mb = payload
                if job is not None and not job.future.done():
                    if kind == "done":
                        job.future.set_result(value)
                    else:
                        if remote_tb:
                            value.__cause__ = _worker.RemoteTraceback(remote_tb)
                        job.future.set_exception(value)
                if worker.tasks >= self.max_tasks or rss_mb > self.max_memory_mb:
                    self._retire(worker)
                return
        except (EOFError, OSError):
            pass  # the worker died while sending: its sentinel reports it
        except Exception as exc:  # a result that does not unpickle here
            job, worker.job = worker.job, None
            if job is not None:
                _fail(job, EngineError(f"The result of {job.label} could not be read: {exc}."))

    def _died(self, worker: _Worker) -> None:
        self._remove(worker)
        job = worker.job
        if job is None or job.future.done():
            return
        if job._cancelled:
            _fail(job, JobCancelled(N_("{label} was cancelled.").format(label=job.label)))
            return
        code = worker.process.exitcode
        how = f"signal {-code}" if code is not None and code < 0 else f"exit code {code}"
        message = N_(
            "The worker process running {label} stopped ({how}): out of memory, or a crash in "
            "native code. A new worker takes the next job; run it again, or with fewer rows or a "
            "smaller batch."
        )
        _fail(job, WorkerCrashed(message.format(label=job.label, how=how)))

    def _remove(self, worker: _Worker) -> None:
        with self._lock:
            if worker in self._pool:
                self._pool.remove(worker)
        worker.conn.close()
        worker.process.join(timeout=TERMINATE_GRACE_S)
        if worker.process.is_alive():
            worker.process.kill()
            worker.process.join(timeout=TERMINATE_GRACE_S)

    def _retire(self, worker: _Worker) -> None:
        with self._lock:
            if worker in self._pool:
                self._pool.remove(worker)
        try:
            worker.conn.send(None)
        except OSError:
            pass
        threading.Thread(target=_reap, args=(worker,), daemon=True).start()

    def _shutdown(self) -> None:
        with self._lock:
            pending, self._pending = list(self._pending), deque()
            pool, self._pool = list(self._pool), []
        for job, _task in pending:
            _fail(job, EngineError(f"{job.label}: the local engine was closed."))
        for worker in pool:
            if worker.job is not None:
                worker.process.terminate()
                _fail(worker.job, EngineError(f"{worker.job.label}: the local engine was closed."))
            else:
                try:
                    worker.conn.send(None)
                except OSError:
                    pass
        for worker in pool:
            _reap(worker)
        self._wake_r.close()
        self._wake_w.close()


def _reap(worker: _Worker) -> None:
    worker.process.join(timeout=TERMINATE_GRACE_S)
    if worker.process.is_alive():
        worker.process.terminate()
        worker.process.join(timeout=TERMINATE_GRACE_S)
    if worker.process.is_alive():
        worker.process.kill()
        worker.process.join()
    worker.conn.close()


def _at_exit() -> None:
    for engine in list(_engines):
        engine.close()


atexit.register(_at_exit)
