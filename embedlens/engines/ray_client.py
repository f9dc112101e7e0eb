"""The ray engine as a job carries it: an address that connects where the job runs.

The app's jobs run in the local engine's worker processes (:mod:`components.jobs`); with
``EMBEDLENS_ENGINE=ray`` each job's pipeline holds a :class:`RayClient`. It pickles to its
address and connects (``ray.init``) in the worker on first use, once per process and address,
so every worker process is its own Ray driver:

- the web server never imports Ray nor holds a driver: the driver's work (reading and writing
  the content cache, gathering vectors, naming clusters) stays out of the server's threads;
- cancelling a job terminates its worker, and Ray ends every task and actor that driver owned;
- a driver that fails (out of memory gathering results) fails one job, not the server.

Results come back through the driver to the caller's workspace: the worker writes the content
cache and the pipeline records the run, exactly as with the local engine.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from embedlens.engines.base import EngineBase
from embedlens.engines.config import check_reachable
from embedlens.i18n import N_
from embedlens.progress import ProgressCallback, report

__all__ = ["RayClient", "connected_engine"]

_engines: dict[tuple[str | None, int | None], Any] = {}
WORKER_NAME = "embedlens-worker"  # the local engine's worker processes (engines.local)


def connected_engine(address: str | None, workers: int | None = None) -> Any:
    """The :class:`~embedlens.engines.ray_engine.RayEngine` of this process for ``address``.

    Made on first use (a local Ray is started when ``address`` is None) and kept: the next job
    in the same worker reuses the connection. Raises
    :class:`~embedlens.engines.base.EngineUnavailable` when the cluster cannot be reached.
    """
    key = (address, workers)
    if key not in _engines:
        check_reachable(address)
        try:
            from embedlens.engines.ray_engine import RayEngine
        except ImportError as exc:
            from embedlens.engines.base import EngineUnavailable

            raise EngineUnavailable(
                f"The ray engine needs Ray: pip install 'ray[data]' ({exc})."
            ) from None
        _engines[key] = RayEngine(address=address, workers=workers)
        _die_on_sigterm()
    return _engines[key]


def _die_on_sigterm() -> None:
    """In a job worker, SIGTERM (the job's Cancel) ends the process at once.

    Ray's driver turns SIGTERM into a ``SystemExit`` raised in the job, which the worker would
    report and outlive, keeping the driver and so its Ray tasks alive. A worker that dies
    instead is seen as cancelled by the local engine, and Ray ends every task and actor this
    driver owned.
    """
    import multiprocessing
    import signal
    import threading

    in_worker = multiprocessing.current_process().name == WORKER_NAME
    if in_worker and threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


class RayClient(EngineBase):
    """Embed / project / cluster on the Ray cluster at ``address`` (None: a local Ray).

    Connects lazily in the process that computes; pickles to ``(address, workers)``.

    >>> from embedlens.engines.ray_client import RayClient
    >>> import copy
    >>> copy.copy(RayClient("ray://head:10001"))  # rebuilt from __reduce__; no connection yet
    RayClient(address='ray://head:10001', workers=None)
    """

    name = "ray"

    def __init__(self, address: str | None = None, workers: int | None = None) -> None:
        self.address = address or None
        self._workers = workers

    def __reduce__(self) -> tuple:
        return (RayClient, (self.address, self._workers))

    def __repr__(self) -> str:
        return f"RayClient(address={self.address!r}, workers={self._workers!r})"

    @property
    def engine(self) -> Any:
        """The connected RayEngine of this process (connects on first use)."""
        return connected_engine(self.address, self._workers)

    def _engine(self, on_progress: ProgressCallback | None) -> Any:
        if (self.address, self._workers) not in _engines:
            message = (
                N_("Connecting to the Ray cluster at {address}…").format(address=self.address)
                if self.address
                else N_("Starting a local Ray…")
            )
            report(on_progress, 0.0, message)
        return self.engine

    @property
    def workers(self) -> int:  # type: ignore[override]
        """Ray workers that compute at once (connects to ask the cluster when not given)."""
        return self._workers if self._workers is not None else self.engine.workers

    def embed(
        self,
        texts: Sequence[str],
        spec: Any,
        *,
        cache: Any = None,
        on_progress: ProgressCallback | None = None,
    ) -> Any:
        """:meth:`RayEngine.embed <embedlens.engines.ray_engine.RayEngine.embed>` here."""
        return self._engine(on_progress).embed(texts, spec, cache=cache, on_progress=on_progress)

    def project(
        self,
        vectors: np.ndarray,
        params: Any,
        *,
        sample_size: int | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> Any:
        """:meth:`RayEngine.project <embedlens.engines.ray_engine.RayEngine.project>` here."""
        return self._engine(on_progress).project(
            vectors, params, sample_size=sample_size, on_progress=on_progress
        )

    def cluster(
        self,
        X: np.ndarray,
        params: Any,
        *,
        texts: Sequence[str] | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> Any:
        """:meth:`RayEngine.cluster <embedlens.engines.ray_engine.RayEngine.cluster>` here."""
        return self._engine(on_progress).cluster(X, params, texts=texts, on_progress=on_progress)

    def close(self) -> None:
        """Nothing to release: the process's connection is shared by its later jobs."""
