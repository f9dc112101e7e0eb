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
  ``map_batches`` → ``write_parquet``; the driver holds no rows, whatever the file size.

Connect with ``RayEngine(address="ray://head:10001")`` (or ``EMBEDLENS_RAY_ADDRESS``); with no
address a local Ray is started on this machine. Workers need embedlens installed with the
same pins as the driver (see the README, "Running on a Ray cluster").
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from embedlens.embedders import CHUNK_ROWS, CORPUS_BACKENDS, EmbedResult, VectorCache
from embedlens.engines.base import EngineBase, EngineUnavailable, WorkerCrashed
from embedlens.engines.ray_steps import (
    ROW,
    VEC,
    kmeans_on_ray,
    project_on_ray,
    shard_bounds,
    top_k_on_ray,
)
from embedlens.errors import DataError, EmbedlensError
from embedlens.progress import ProgressCallback, report
from embedlens.validation import check_in_range

__all__ = ["RAY_ADDRESS_ENV", "RayEngine", "connect"]

RAY_ADDRESS_ENV = "EMBEDLENS_RAY_ADDRESS"
TEXT = "text"
TRUNCATED = "truncated"  # per batch: the count of truncated texts, carried on its first row
PID = "pid"  # the process id of the actor that embedded the row


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
    try:
        if address:
            ray.init(address=address, **options)
        else:
            ray.init(num_cpus=num_cpus, **options)
    except (ConnectionError, RuntimeError, ValueError, TimeoutError) as exc:
        where = f"the Ray cluster at {address!r}" if address else "a local Ray"
        raise EngineUnavailable(
            f"Could not connect to {where}: {exc}. Check the address (ray://HOST:10001 or "
            f"HOST:6379) and that `ray status` works there, or unset {RAY_ADDRESS_ENV}."
        ) from None
    _quiet_ray_data()
    return True


@contextmanager
def _ray_errors() -> Iterator[None]:
    """Raise a step's own EmbedlensError as it is; a dead worker as WorkerCrashed."""
    import ray.exceptions

    try:
        yield
    except EmbedlensError:
        raise
    except Exception as exc:
        cause: BaseException | None = exc
        while cause is not None:
            if isinstance(cause, EmbedlensError):
                raise cause from None
            cause = cause.__cause__ or getattr(cause, "cause", None)
        if isinstance(exc, ray.exceptions.RayActorError | ray.exceptions.WorkerCrashedError):
            raise WorkerCrashed(f"A Ray worker died during the job: {exc}") from None
        raise


class _EmbedActor:
    """Ray Data actor: loads one embedder when it starts and embeds batches of texts."""

    def __init__(
        self, backend: str, model: str, device: str, precision: str, batch_size: int, threads: int
    ) -> None:
        import torch

        from embedlens.embedders import make_embedder

        torch.set_num_threads(max(1, threads))
        self.embedder = make_embedder(backend, model, device=device, precision=precision)
        self.batch_size = batch_size

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        from embedlens.limits import limits

        texts = [str(t) for t in batch[TEXT]]
        # The same cut as embed_texts: a huge cell is never tokenised whole.
        cap = limits().cell_chars(getattr(self.embedder, "max_tokens", None))
        short = [t for t in texts if len(t) <= cap]
        vectors = self.embedder.embed([t[:cap] for t in texts], batch_size=self.batch_size)
        truncated = np.zeros(len(texts), dtype=np.int64)
        if len(texts):
            truncated[0] = len(texts) - len(short) + self.embedder.count_truncated(short)
        pid = np.full(len(texts), os.getpid(), dtype=np.int64)
        return {ROW: batch[ROW], VEC: vectors, TRUNCATED: truncated, PID: pid}


class _RemoteCorpusEmbedder:
    """A corpus-level embedder whose one ``embed`` call runs as a Ray task."""

    per_text = False

    def __init__(self, backend: str, model: str, device: str, precision: str) -> None:
        self.args = (backend, model, device, precision)
        self.model_key = f"{backend}:{model}"

    def embed(self, texts: Sequence[str], *, batch_size: int = 32) -> np.ndarray:
        import ray

        task = ray.remote(num_cpus=1)(_embed_corpus)
        with _ray_errors():
            return ray.get(task.remote(list(texts), batch_size, *self.args))

    def count_truncated(self, texts: Sequence[str]) -> int:
        return 0  # TF-IDF reads every word


def _embed_corpus(
    texts: list[str], batch_size: int, backend: str, model: str, device: str, precision: str
) -> np.ndarray:
    from embedlens.embedders import make_embedder

    embedder = make_embedder(backend, model, device=device, precision=precision)
    return embedder.embed(texts, batch_size=batch_size)


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
    def _device_precision(self, device: str, precision: str) -> tuple[str, str]:
        """What the actors run on, resolved here so the cache key names what they compute."""
        worker_device = "cuda" if self.num_gpus else "cpu"
        if device == "cuda" and not self.num_gpus:
            raise EngineUnavailable("device 'cuda' was asked for but the Ray cluster has no GPUs.")
        if precision == "auto":
            from embedlens.embedders.sentence_transformers import resolve_precision

            try:
                precision = resolve_precision("auto", worker_device)
            except Exception:  # no CUDA in the driver to ask: float32 is exact everywhere
                precision = "float32"
        return worker_device, precision

    def embed(
        self,
        texts: Sequence[str],
        spec: Any,
        *,
        cache: VectorCache | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> EmbedResult:
        """Vectors for ``texts`` (one row each, input order); only cache misses go to Ray."""
        from embedlens.embedders import _model_key_without_loading, embed_texts

        device, precision = self._device_precision(spec.device, spec.precision)
        if spec.backend in CORPUS_BACKENDS:
            return embed_texts(
                texts,
                backend=spec.backend,
                model=spec.model,
                embedder=lambda: _RemoteCorpusEmbedder(spec.backend, spec.model, device, precision),
                batch_size=spec.batch_size,
                cache=cache,
                on_progress=on_progress,
            )
        started = time.perf_counter()
        texts = [str(t) for t in texts]
        if not texts:
            raise DataError(
                "There are no texts to embed; load a file with a non-empty text column."
            )
        unique, inverse = np.unique(np.asarray(texts, dtype=object), return_inverse=True)
        unique = unique.tolist()
        key = _model_key_without_loading(spec.backend, spec.model, device, precision)
        vectors: np.ndarray | None = None
        found = np.zeros(len(unique), dtype=bool)
        if cache is not None:
            hits, found = cache.get_many(key, unique)
            if hits is not None and found.any():
                vectors = np.empty((len(unique), hits.shape[1]), dtype=np.float32)
                vectors[found] = hits
        missing = np.flatnonzero(~found)
        truncated = 0
        if missing.size:
            report(
                on_progress, 0.0, f"Embedding {missing.size:,} texts on {self.workers} Ray workers…"
            )
            order = np.asarray(sorted(missing.tolist(), key=lambda i: -len(unique[i])), np.int64)
            vectors, truncated = self._embed_missing(
                unique, order, key, spec, device, precision, vectors, cache, on_progress
            )
        assert vectors is not None
        notes = []
        if precision == "bfloat16" and missing.size:
            notes.append(
                "Encoded in bfloat16 on the Ray workers; use precision float32 for exact vectors."
            )
        if truncated:
            were = "text was" if truncated == 1 else "texts were"
            notes.append(
                f"{truncated:,} {were} longer than the model's input limit and truncated to its "
                "first tokens."
            )
        duplicates = len(texts) - len(unique)
        if duplicates:
            notes.append(f"{duplicates:,} rows repeat an earlier text and share its vector.")
        return EmbedResult(
            vectors=np.ascontiguousarray(vectors[inverse]),
            model_key=key,
            embedded=int(missing.size),
            cached=int(found[inverse].sum()),
            duplicates=duplicates,
            truncated=truncated,
            seconds=time.perf_counter() - started,
            notes=tuple(notes),
        )

    def _embed_missing(
        self,
        unique: list[str],
        order: np.ndarray,
        key: str,
        spec: Any,
        device: str,
        precision: str,
        vectors: np.ndarray | None,
        cache: VectorCache | None,
        on_progress: ProgressCallback | None,
    ) -> tuple[np.ndarray, int]:
        """Embed ``unique[order]`` on the actor pool; cache each batch as it comes back."""
        import pyarrow as pa
        import ray.data

        # Blocks of whole CHUNK_ROWS chunks, so batches are the local engine's chunks.
        chunks = -(-len(order) // CHUNK_ROWS)
        blocks = min(chunks, max(4 * self.workers, chunks // 16))
        tables = []
        for a, b in shard_bounds(chunks, blocks):
            rows = order[a * CHUNK_ROWS : b * CHUNK_ROWS]
            tables.append(pa.table({ROW: rows, TEXT: [unique[i] for i in rows]}))
        ds = ray.data.from_arrow(tables).map_batches(
            _EmbedActor,
            fn_constructor_args=(
                spec.backend,
                spec.model,
                device,
                precision,
                spec.batch_size,
                self.cpus_per_worker,
            ),
            batch_size=CHUNK_ROWS,
            batch_format="numpy",
            concurrency=self.workers,
            num_cpus=self.cpus_per_worker,
            num_gpus=self.num_gpus or None,
        )
        t0, done, truncated, pids = time.perf_counter(), 0, 0, set()
        with _ray_errors():
            for batch in ds.iter_batches(batch_format="numpy", batch_size=None):
                rows, out = batch[ROW], np.ascontiguousarray(batch[VEC], dtype=np.float32)
                if vectors is None:
                    vectors = np.empty((len(unique), out.shape[1]), dtype=np.float32)
                elif out.shape[1] != vectors.shape[1]:
                    raise DataError(
                        f"The model returned {out.shape[1]}-d vectors but the cache holds "
                        f"{vectors.shape[1]}-d vectors under the key {key!r}; clear the cache."
                    )
                vectors[rows] = out
                if cache is not None:
                    cache.put_many(key, [unique[i] for i in rows], out)
                truncated += int(batch[TRUNCATED].sum())
                pids.update(np.unique(batch[PID]).tolist())
                done += len(rows)
                rate = done / max(time.perf_counter() - t0, 1e-9)
                report(
                    on_progress,
                    done / len(order),
                    f"Embedded {done:,}/{len(order):,} texts on Ray · {rate:,.0f} texts/s",
                )
        if done != len(order) or vectors is None:
            raise DataError(f"Ray returned {done:,} of {len(order):,} vectors; embed again.")
        self.last_worker_pids = frozenset(pids)
        return vectors, truncated

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

        The driver holds no rows: Ray reads the shards, the actors add ``vector_column`` and
        Ray writes the shards (in input order). No cache here: it lives with the driver.
        Returns the number of rows written.
        """
        import ray.data

        device, precision = self._device_precision(spec.device, spec.precision)
        if spec.backend in CORPUS_BACKENDS:
            raise DataError(
                f"{spec.backend} vectors depend on the whole corpus; embed_parquet needs a "
                "per-text model (sentence-transformers)."
            )
        ds = ray.data.read_parquet(str(source))
        if text_column not in ds.columns():
            raise DataError(
                f"{source}: no column {text_column!r}; the columns are {', '.join(ds.columns())}."
            )
        out = ds.map_batches(
            _ParquetEmbedActor,
            fn_constructor_args=(
                spec.backend,
                spec.model,
                device,
                precision,
                spec.batch_size,
                self.cpus_per_worker,
                text_column,
                vector_column,
            ),
            batch_size=CHUNK_ROWS,
            batch_format="pandas",
            concurrency=self.workers,
            num_cpus=self.cpus_per_worker,
            num_gpus=self.num_gpus or None,
        )
        with _ray_errors():
            out.write_parquet(str(output))
        return ray.data.read_parquet(str(output)).count()  # from the shards' metadata

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
        with _ray_errors():
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

        with _ray_errors():
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
        with _ray_errors():
            return top_k_on_ray(
                X,
                queries,
                k=k,
                metric=metric,
                exclude=exclude,
                shards=self.workers,
                on_progress=on_progress,
            )


class _ParquetEmbedActor(_EmbedActor):
    """:class:`_EmbedActor` over pandas batches of a Parquet file: adds the vector column."""

    def __init__(
        self,
        backend: str,
        model: str,
        device: str,
        precision: str,
        batch_size: int,
        threads: int,
        text_column: str,
        vector_column: str,
    ) -> None:
        super().__init__(backend, model, device, precision, batch_size, threads)
        self.text_column, self.vector_column = text_column, vector_column

    def __call__(self, batch: Any) -> Any:  # a pandas DataFrame
        texts = np.asarray(batch[self.text_column].fillna("").astype(str), dtype=object)
        out = super().__call__({ROW: np.arange(len(batch)), TEXT: texts})
        batch[self.vector_column] = list(out[VEC])
        return batch
