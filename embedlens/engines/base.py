"""The engine interface: where the pipeline's slow steps (embed, project, cluster) run.

:class:`embedlens.pipeline.Pipeline` owns the run logic (which cached embedding or saved run
answers a request, run keys, recording); an engine only computes. ``Pipeline(engine=...)``
calls the three methods below for the slow steps and nothing else, so an engine never touches
the workspace's catalog or run ledger.

The protocol (implemented by :mod:`embedlens.engines.local` and :mod:`embedlens.engines.ray_engine`)
-------------------------------------------------------------------------------------------------

``name: str``
    ``"local"``, ``"ray"``, …: what the CLI's JSON summary prints as ``engine``.
``workers: int``
    How many processes (or Ray workers / actors) compute at once; the summary's ``workers``.

``embed(texts, spec, *, cache=None, on_progress=None) -> EmbedResult``
    Vectors for every text, one row per input text in input order (float32, C-contiguous).
    ``spec`` is an :class:`embedlens.pipeline.EmbedSpec` whose ``backend`` and ``model`` are
    already resolved by the pipeline (never ``"auto"``); honour ``batch_size``, ``device`` and
    ``precision``. ``cache`` is a picklable :class:`embedlens.embedders.VectorCache`
    (:class:`embedlens.store.EmbeddingCache` pickles to its path and reopens in another
    process): send only the texts it lacks to the model and write new vectors back, so the
    content cache applies whatever the engine. The returned ``EmbedResult`` carries the
    counts (``embedded``, ``cached``, ``duplicates``, ``truncated``, ``seconds``) and notes;
    the simplest correct implementation is :func:`embedlens.embedders.embed_texts` run where
    the engine computes, with a model loaded once per worker.
``project(vectors, params, *, sample_size=None, on_progress=None) -> Projection``
    2D/3D coordinates for every row of ``vectors`` with :class:`embedlens.reduce.ProjectionParams`.
    ``sample_size`` (already resolved by the pipeline with ``effective_sample``): ``None`` fits
    on all rows (:func:`embedlens.reduce.project`); an int fits t-SNE/UMAP on that seeded
    sample and places the other rows with ``transform`` (the same sample and result as
    :func:`embedlens.reduce_scale.fit_sample_transform`, which the local engine runs).
``cluster(X, params, *, texts=None, on_progress=None) -> Clustering``
    :func:`embedlens.cluster.cluster` of ``X`` (vectors or map coordinates) with
    :class:`embedlens.cluster.ClusterParams`; ``texts`` name the clusters by keywords.
``close() -> None``
    Release the workers; idempotent. Subclass :class:`EngineBase` to get ``with engine:``.

Progress: ``on_progress(fraction, message)`` (:data:`embedlens.progress.ProgressCallback`) is
called in the caller's process, from any thread, with ``fraction`` in [0, 1].

Errors: parameter and data errors of the steps are raised as they are
(:class:`embedlens.errors.EmbedlensError` subclasses pickle across processes); a worker that dies
raises :class:`WorkerCrashed`, a cancelled job :class:`JobCancelled`, an engine that cannot start
(Ray missing, address unreachable) :class:`EngineUnavailable`. All are :class:`EngineError`.

Construction: :func:`embedlens.engines.get_engine` calls ``LocalEngine(workers=...)`` and
``RayEngine(address=..., workers=...)`` (``embedlens.engines.ray_engine``, imported lazily;
``address`` None starts a local Ray); ``workers`` None means the engine's own default. The
step functions in :mod:`embedlens.engines.steps` are what the local engine runs in its workers
(one loaded model per process); another engine may call them inside its tasks or actors.

Results must equal the in-process functions' results for the same inputs and seeds (the local
engine's tests check it; the Ray engine's check row cosine ≥ 0.999 for embeddings).
"""

from __future__ import annotations

from collections.abc import Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Protocol, Self, runtime_checkable

import numpy as np

from embedlens.errors import EmbedlensError
from embedlens.progress import ProgressCallback

if TYPE_CHECKING:  # the pipeline imports this module: no import cycle at run time
    from embedlens.cluster import Clustering, ClusterParams
    from embedlens.embedders import EmbedResult, VectorCache
    from embedlens.pipeline.core import EmbedSpec
    from embedlens.reduce import Projection, ProjectionParams

__all__ = [
    "ENGINES",
    "Engine",
    "EngineBase",
    "EngineError",
    "EngineUnavailable",
    "JobCancelled",
    "WorkerCrashed",
]

ENGINES = ("local", "ray")


class EngineError(EmbedlensError):
    """An engine could not run a step (not the step's own parameter or data error)."""


class EngineUnavailable(EngineError):
    """The engine cannot start here (package missing, cluster address unreachable)."""


class WorkerCrashed(EngineError):
    """The worker process running a job died (killed, out of memory, crashed native code)."""


class JobCancelled(EngineError):
    """The job was cancelled before it finished."""


@runtime_checkable
class Engine(Protocol):
    """Where slow steps run; see the module docstring for the full contract."""

    name: str
    workers: int

    def embed(
        self,
        texts: Sequence[str],
        spec: EmbedSpec,
        *,
        cache: VectorCache | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> EmbedResult:
        """Vectors for ``texts`` with the resolved ``spec``; only cache misses are embedded."""
        ...

    def project(
        self,
        vectors: np.ndarray,
        params: ProjectionParams,
        *,
        sample_size: int | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> Projection:
        """Coordinates for every row (fit on ``sample_size`` rows, the rest transformed)."""
        ...

    def cluster(
        self,
        X: np.ndarray,
        params: ClusterParams,
        *,
        texts: Sequence[str] | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> Clustering:
        """Cluster labels of ``X``, named by keywords of ``texts``."""
        ...

    def close(self) -> None:
        """Release the engine's workers (idempotent)."""
        ...


class EngineBase:
    """Context-manager glue for engines: ``with get_engine("local") as engine: ...``."""

    def close(self) -> None:
        """Release the engine's workers (idempotent)."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
