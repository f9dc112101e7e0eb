"""Engines: where the pipeline's slow steps run (see :mod:`embedlens.engines.base`).

``local`` (default): a small pool of worker processes on this machine. ``ray``: Ray Data on a
Ray cluster (``address`` or ``EMBEDLENS_RAY_ADDRESS``; none starts a local Ray). Both are
imported lazily: ``import embedlens`` never imports Ray or starts a process.

>>> from embedlens.engines import get_engine
>>> with get_engine("local", workers=1) as engine:  # no process starts before a job
...     engine.name, engine.workers
('local', 1)
"""

from __future__ import annotations

import os

from embedlens.engines.base import (
    ENGINES,
    Engine,
    EngineBase,
    EngineError,
    EngineUnavailable,
    JobCancelled,
    WorkerCrashed,
)
from embedlens.engines.config import ENGINE_ENV, RAY_ADDRESS_ENV, EngineChoice, engine_choice
from embedlens.errors import InvalidParameterError

__all__ = [
    "ENGINES",
    "ENGINE_ENV",
    "RAY_ADDRESS_ENV",
    "Engine",
    "EngineBase",
    "EngineChoice",
    "EngineError",
    "EngineUnavailable",
    "JobCancelled",
    "WorkerCrashed",
    "engine_choice",
    "get_engine",
]


def get_engine(
    name: str = "local", *, address: str | None = None, workers: int | None = None
) -> Engine:
    """The engine ``name`` ("local" or "ray"), started and ready.

    Parameters
    ----------
    name : {"local", "ray"}, default="local"
    address : str, optional
        Ray only: the cluster address (``ray://host:10001``, ``host:6379``, ``auto``); default
        ``EMBEDLENS_RAY_ADDRESS``, else a local Ray is started.
    workers : int, optional
        Processes (local; default ``min(2, CPUs)``) or Ray workers that compute at once.

    Raises
    ------
    InvalidParameterError
        An unknown engine name, ``workers`` below 1, or an address given to the local engine.
    EngineUnavailable
        Ray is not installed or its cluster cannot be reached.
    """
    if name not in ENGINES:
        raise InvalidParameterError(
            f"The 'engine' parameter must be one of {', '.join(map(repr, ENGINES))}. "
            f"Got {name!r} instead."
        )
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int)):
        raise InvalidParameterError(
            f"The 'workers' parameter of get_engine must be an int >= 1. Got {workers!r} instead."
        )
    if workers is not None and workers < 1:
        raise InvalidParameterError(
            f"The 'workers' parameter of get_engine must be an int >= 1. Got {workers!r} instead."
        )
    if name == "local":
        if address:
            raise InvalidParameterError(
                f"The 'address' parameter is for the ray engine; got {address!r} with engine "
                "'local'. Use --engine ray, or leave the address out."
            )
        from embedlens.engines.local import LocalEngine

        return LocalEngine(workers=workers)
    try:
        from embedlens.engines.ray_engine import RayEngine
    except ImportError as exc:
        raise EngineUnavailable(
            f"The ray engine needs Ray: pip install 'ray[data]' ({exc})."
        ) from None
    return RayEngine(address=address or os.environ.get(RAY_ADDRESS_ENV) or None, workers=workers)
