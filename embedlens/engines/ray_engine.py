"""The ``ray`` engine: the pipeline's slow steps on a Ray cluster, with Ray Data.

- **embed**: the content cache is read in the driver; only the distinct texts it lacks go to
  Ray, longest first, through ``map_batches`` over a pool of stateful embedder actors (each
  loads the model once; one GPU per actor when the cluster has GPUs). Vectors stream back
  batch by batch and are written to the cache as they arrive, so a run stopped halfway
  resumes. Corpus-level backends (TF-IDF + SVD) need every text at once and run as one task.
- **project**: t-SNE/UMAP/PCA fitted on a seeded sample in a Ray task; the fitted reducer is
  shipped once (``ray.put``) to actors that place the other rows with ``transform``.
- **cluster**: k-means fitted on a sample, rows assigned to centres in parallel tasks; other
  methods run as one task. Exact neighbours (:meth:`RayEngine.neighbors`) are sharded over
  data rows with a top-k merge.
- **Parquet in shards** (:meth:`RayEngine.embed_parquet`): ``read_parquet`` →
  ``map_batches`` → shards written by the driver in input order as batches stream back; the
  driver holds a few batches, never the whole file.

Connect with ``RayEngine(address="ray://head:10001")`` (or ``EMBEDLENS_RAY_ADDRESS``); with no
address a local Ray is started on this machine. Workers need embedlens installed with the
same pins as the driver (see the README, "Running on a Ray cluster").
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from embedlens.embedders import EmbedResult, VectorCache
from embedlens.engines.base import EngineBase, EngineUnavailable
from embedlens.engines.config import RAY_ADDRESS_ENV, check_reachable
from embedlens.engines.ray_embed import ActorPool, embed_on_ray, embed_parquet_on_ray
from embedlens.engines.ray_steps import kmeans_on_ray, project_on_ray, ray_errors, top_k_on_ray
from embedlens.i18n import N_
from embedlens.progress import ProgressCallback, report
from embedlens.validation import check_in_range

__all__ = ["RAY_ADDRESS_ENV", "RayEngine", "connect", "connect_timeout"]

CONNECT_TIMEOUT_ENV = "EMBEDLENS_RAY_CONNECT_TIMEOUT"
DEFAULT_CONNECT_TIMEOUT_S = 60.0


def _quiet_ray_data() -> None:
    """No progress bars, execution banners or per-dataset stats on the driver's terminal."""
    import ray.data

    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = False
    ctx.print_on_execution_start = False
    ctx.enable_auto_log_stats = False
    ctx.execution_options.preserve_order = True  # shards come back in input order
    for name in ("ray.data", "ray.data._internal"):
        logging.getLogger(name).setLevel(logging.WARNING)


def connect(address: str | None = None, *, num_cpus: int | None = None) -> bool:
    """Join the Ray cluster at ``address``, or start a local Ray; True when this call started it.

    An already connected Ray is used as it is. Raises :class:`EngineUnavailable` when the
    address cannot be reached.
    """
    import ray

    _quiet_ray_data()
    if ray.is_initialized():
        return False
    options: dict[str, Any] = {
        "ignore_reinit_error": True,
        "include_dashboard": False,
        "logging_level": logging.ERROR,
        "log_to_driver": False,
    }
    if address:
        check_reachable(address)  # Ray itself retries an unreachable address for minutes
    try:
        if address:
            _join(address, options)
        else:
            ray.init(num_cpus=num_cpus, **options)
    except _Silent:
        raise EngineUnavailable(
            N_(
                "The Ray cluster at {address} did not accept this connection within "
                "{seconds:.0f} s. If it uses token authentication (Ray's default for local "
                "clusters), set RAY_AUTH_MODE=token, and RAY_AUTH_TOKEN or its token file, where "
                "embedlens runs."
            ).format(address=address, seconds=connect_timeout())
        ) from None
    except (ConnectionError, RuntimeError, ValueError, TimeoutError) as exc:
        if not address:
            raise EngineUnavailable(
                N_("A local Ray could not start: {reason}").format(reason=exc)
            ) from None
        raise EngineUnavailable(
            N_(
                "The Ray cluster at {address} cannot be reached ({reason}). Check the address "
                "(ray://HOST:10001 or HOST:6379), that the cluster runs (ray status on its head "
                "node) and that this machine may connect to that port."
            ).format(address=address, reason=exc)
        ) from None
    _quiet_ray_data()
    return True


class _Silent(Exception):
    """``ray.init`` did not return in time (Ray retries a refused token without end)."""


def connect_timeout() -> float:
    """Seconds to wait for a cluster to accept a driver (``EMBEDLENS_RAY_CONNECT_TIMEOUT``)."""
    text = os.environ.get(CONNECT_TIMEOUT_ENV, "").strip()
    try:
        return max(1.0, float(text)) if text else DEFAULT_CONNECT_TIMEOUT_S
    except ValueError:
        return DEFAULT_CONNECT_TIMEOUT_S


def _join(address: str, options: dict[str, Any]) -> None:
    """``ray.init(address=...)`` in a thread, given up after :func:`connect_timeout` seconds.

    A cluster that answers but refuses the driver (a missing or wrong auth token) makes Ray
    retry for ever; the attempt goes on in its thread, and a later call finds it connected.
    """
    import ray

    outcome: list[BaseException | None] = []

    def attempt() -> None:
        try:
            ray.init(address=address, **options)
            outcome.append(None)
        except BaseException as exc:  # handed to the caller below
            outcome.append(exc)

    thread = threading.Thread(target=attempt, name="embedlens-ray-connect", daemon=True)
    thread.start()
    thread.join(connect_timeout())
    if not outcome:
        raise _Silent(address)
    if outcome[0] is not None:
        raise outcome[0]


class RayEngine(EngineBase):
    """Run embed / project / cluster on Ray (see the module docstring).

    Parameters
    ----------
    address : str, optional
        Ray cluster address; default ``EMBEDLENS_RAY_ADDRESS``, else a local Ray.
    workers : int, optional
        Embedder / placement actors and shards at once (default: one per GPU when the cluster
        has GPUs, else one per CPU).
    num_gpus : float, optional
        GPUs per embedder actor (default 1 when the cluster has GPUs, else none).
    cpus_per_worker : int, default=1
        CPUs reserved per actor (its torch threads).
    num_cpus : int, optional
        CPUs of a local Ray started here (default: all).
    """

    name = "ray"

    def __init__(
        self,
        address: str | None = None,
        workers: int | None = None,
        *,
        num_gpus: float | None = None,
        cpus_per_worker: int = 1,
        num_cpus: int | None = None,
    ) -> None:
        import ray

        if workers is not None:
            check_in_range("workers", workers, low=1, owner="RayEngine", kind=int)
        check_in_range("cpus_per_worker", cpus_per_worker, low=1, owner="RayEngine", kind=int)
        self.address = address or os.environ.get(RAY_ADDRESS_ENV) or None
        self._started = connect(self.address, num_cpus=num_cpus)
        resources = ray.cluster_resources()
        self.gpus = float(resources.get("GPU", 0.0))
        cpus = max(1, int(resources.get("CPU", 1)))
        self.num_gpus = (1.0 if self.gpus else 0.0) if num_gpus is None else float(num_gpus)
        if self.num_gpus and not self.gpus:
            raise EngineUnavailable(
                f"num_gpus={num_gpus} was asked for but the Ray cluster has no GPUs; "
                "leave num_gpus out to run on CPUs."
            )
        self.cpus_per_worker = cpus_per_worker
        default = int(self.gpus // self.num_gpus) if self.num_gpus else cpus // cpus_per_worker
        self.workers = int(workers or max(1, default))
        self.last_worker_pids: frozenset[int] = frozenset()  # actors of the last embedding

    def close(self) -> None:
        """Shut down the local Ray this engine started (a joined cluster is left running)."""
        import ray

        if self._started and ray.is_initialized():
            ray.shutdown()
        self._started = False

    # embedding ---------------------------------------------------------------------------
    def pool(self, device: str = "auto", precision: str = "auto") -> ActorPool:
        """The embedder actors for ``device`` / ``precision``, resolved here.

        The cache key is computed in the driver, so it must name what the actors compute.
        """
        use_gpus = bool(self.num_gpus) and device != "cpu"
        worker_device = "cuda" if use_gpus else "cpu"
        if device == "cuda" and not use_gpus:
            raise EngineUnavailable("device 'cuda' was asked for but the Ray cluster has no GPUs.")
        if precision == "auto":
            from embedlens.embedders.sentence_transformers import resolve_precision

            try:
                precision = resolve_precision("auto", worker_device)
            except Exception:  # no CUDA in the driver to ask: float32 is exact everywhere
                precision = "float32"
        gpus = self.num_gpus if use_gpus else 0.0
        return ActorPool(self.workers, self.cpus_per_worker, gpus, worker_device, precision)

    def embed(
        self,
        texts: Sequence[str],
        spec: Any,
        *,
        cache: VectorCache | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> EmbedResult:
        """Vectors for ``texts`` (one row each, input order); only cache misses go to Ray."""
        pool = self.pool(spec.device, spec.precision)
        result, pids = embed_on_ray(texts, spec, pool, cache=cache, on_progress=on_progress)
        self.last_worker_pids = pids
        return result

    def embed_parquet(
        self,
        source: str | Path,
        output: str | Path,
        spec: Any,
        *,
        text_column: str,
        vector_column: str = "embedding",
    ) -> int:
        """Embed a Parquet file or folder into a folder of Parquet shards, streaming.

        The driver holds a few batches at a time, not the file (see
        :func:`~embedlens.engines.ray_embed.embed_parquet_on_ray`); returns the rows written.
        """
        pool = self.pool(spec.device, spec.precision)
        return embed_parquet_on_ray(
            source, output, spec, pool, text_column=text_column, vector_column=vector_column
        )

    # projection and clustering -----------------------------------------------------------
    def project(
        self,
        vectors: np.ndarray,
        params: Any,
        *,
        sample_size: int | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> Any:
        """Fit on ``sample_size`` seeded rows, place the rest on Ray (the local sample)."""
        with ray_errors():
            result = project_on_ray(
                vectors,
                params,
                sample_size=sample_size,
                workers=self.workers,
                on_progress=on_progress,
            )
        return replace(result, model=None)

    def cluster(
        self,
        X: np.ndarray,
        params: Any,
        *,
        texts: Sequence[str] | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> Any:
        """k-means: fitted on a sample, rows assigned in parallel; other methods in one task."""
        import ray

        with ray_errors():
            if params.method == "kmeans":
                return kmeans_on_ray(
                    X, params, texts=texts, shards=self.workers, on_progress=on_progress
                )
            from embedlens.engines.steps import cluster_step

            report(on_progress, 0.0, f"Clustering {len(X):,} points with {params.method} on Ray…")
            task = ray.remote(num_cpus=1)(cluster_step)
            result = ray.get(task.remote(X, params, texts=None if texts is None else list(texts)))
            report(on_progress, 1.0, f"Clustering done in {result.seconds:.1f} s")
            return result

    def neighbors(
        self,
        X: np.ndarray,
        queries: np.ndarray,
        *,
        k: int = 10,
        metric: str = "cosine",
        exclude: np.ndarray | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> Any:
        """Exact top-k of :func:`embedlens.neighbors.top_k`, data sharded over the workers."""
        with ray_errors():
            return top_k_on_ray(
                X,
                queries,
                k=k,
                metric=metric,
                exclude=exclude,
                shards=self.workers,
                on_progress=on_progress,
            )
