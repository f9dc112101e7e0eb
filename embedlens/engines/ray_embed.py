"""Embedding on Ray: a pool of stateful embedder actors fed by Ray Data ``map_batches``.

The driver reads the content cache and sends only the distinct texts it lacks, longest first
in blocks of whole :data:`~embedlens.embedders.CHUNK_ROWS` chunks (the local engine's
chunks, so batches pad alike). Each actor loads its model once. Vectors stream back batch by
batch and go into the cache as they arrive: a run stopped halfway resumes where it stopped.
Corpus-level backends (TF-IDF + SVD) need every text at once and run as one Ray task.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from embedlens.embedders import (
    CHUNK_ROWS,
    CORPUS_BACKENDS,
    EmbedResult,
    VectorCache,
    store_batch,
)
from embedlens.engines.ray_steps import ROW, VEC, ray_errors, shard_bounds
from embedlens.errors import DataError
from embedlens.progress import ProgressCallback, report

__all__ = ["ActorPool", "embed_on_ray", "embed_parquet_on_ray"]

TEXT = "text"
TRUNCATED = "truncated"  # per batch: the count of truncated texts, carried on its first row
PID = "pid"  # the process id of the actor that embedded the row


@dataclass(frozen=True)
class ActorPool:
    """How many embedder actors, what each reserves, and what they compute on."""

    workers: int
    cpus_per_worker: int = 1
    num_gpus: float = 0.0  # per actor
    device: str = "cpu"
    precision: str = "float32"

    def map_args(self, actor: type, *args: Any, batch_format: str) -> dict[str, Any]:
        """The ``map_batches`` keyword arguments for ``actor`` built from ``args``."""
        import ray.data

        return {
            "fn": actor,
            "fn_constructor_args": args,
            "batch_size": CHUNK_ROWS,
            "batch_format": batch_format,
            "compute": ray.data.ActorPoolStrategy(size=self.workers),
            "num_cpus": self.cpus_per_worker,
            "num_gpus": self.num_gpus or None,
        }


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


class _ParquetEmbedActor(_EmbedActor):
    """:class:`_EmbedActor` over pandas batches of a Parquet file: adds the vector column."""

    def __init__(self, *args: Any, text_column: str, vector_column: str) -> None:
        super().__init__(*args)
        self.text_column, self.vector_column = text_column, vector_column

    def __call__(self, batch: Any) -> Any:  # a pandas DataFrame
        texts = np.asarray(batch[self.text_column].fillna("").astype(str), dtype=object)
        out = super().__call__({ROW: np.arange(len(batch)), TEXT: texts})
        batch[self.vector_column] = list(out[VEC])
        return batch


class _RemoteCorpusEmbedder:
    """A corpus-level embedder whose one ``embed`` call runs as a Ray task."""

    per_text = False

    def __init__(self, backend: str, model: str, device: str, precision: str) -> None:
        self.args = (backend, model, device, precision)
        self.model_key = f"{backend}:{model}"

    def embed(self, texts: Sequence[str], *, batch_size: int = 32) -> np.ndarray:
        import ray

        task = ray.remote(num_cpus=1)(_embed_corpus)
        with ray_errors():
            return ray.get(task.remote(list(texts), batch_size, *self.args))

    def count_truncated(self, texts: Sequence[str]) -> int:
        return 0  # TF-IDF reads every word


def _embed_corpus(
    texts: list[str], batch_size: int, backend: str, model: str, device: str, precision: str
) -> np.ndarray:
    from embedlens.embedders import make_embedder

    embedder = make_embedder(backend, model, device=device, precision=precision)
    return embedder.embed(texts, batch_size=batch_size)


def embed_on_ray(
    texts: Sequence[str],
    spec: Any,
    pool: ActorPool,
    *,
    cache: VectorCache | None = None,
    on_progress: ProgressCallback | None = None,
) -> tuple[EmbedResult, frozenset[int]]:
    """Vectors for ``texts`` (input order) and the process ids of the actors that computed.

    ``spec`` is a resolved :class:`embedlens.pipeline.EmbedSpec`; ``pool.device`` and
    ``pool.precision`` are what the actors run, so the cache key names what they compute.
    """
    from embedlens.embedders import _model_key_without_loading, embed_texts

    args = (spec.backend, spec.model, pool.device, pool.precision)
    if spec.backend in CORPUS_BACKENDS:
        result = embed_texts(
            texts,
            backend=spec.backend,
            model=spec.model,
            embedder=lambda: _RemoteCorpusEmbedder(*args),
            batch_size=spec.batch_size,
            cache=cache,
            on_progress=on_progress,
        )
        return result, frozenset()
    started = time.perf_counter()
    texts = [str(t) for t in texts]
    if not texts:
        raise DataError("There are no texts to embed; load a file with a non-empty text column.")
    unique, inverse = np.unique(np.asarray(texts, dtype=object), return_inverse=True)
    unique = unique.tolist()
    key = _model_key_without_loading(*args)
    vectors: np.ndarray | None = None
    found = np.zeros(len(unique), dtype=bool)
    if cache is not None:
        hits, found = cache.get_many(key, unique)
        if hits is not None and found.any():
            vectors = np.empty((len(unique), hits.shape[1]), dtype=np.float32)
            vectors[found] = hits
    missing = np.flatnonzero(~found)
    truncated, pids = 0, frozenset[int]()
    if missing.size:
        report(on_progress, 0.0, f"Embedding {missing.size:,} texts on {pool.workers} Ray workers…")
        order = np.asarray(sorted(missing.tolist(), key=lambda i: -len(unique[i])), np.int64)
        vectors, truncated, pids = _embed_missing(
            unique, order, key, spec, pool, vectors, cache, on_progress
        )
    assert vectors is not None
    notes = []
    if pool.precision == "bfloat16" and missing.size:
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
    result = EmbedResult(
        vectors=np.ascontiguousarray(vectors[inverse]),
        model_key=key,
        embedded=int(missing.size),
        cached=int(found[inverse].sum()),
        duplicates=duplicates,
        truncated=truncated,
        seconds=time.perf_counter() - started,
        notes=tuple(notes),
    )
    return result, pids


def _embed_missing(
    unique: list[str],
    order: np.ndarray,
    key: str,
    spec: Any,
    pool: ActorPool,
    vectors: np.ndarray | None,
    cache: VectorCache | None,
    on_progress: ProgressCallback | None,
) -> tuple[np.ndarray, int, frozenset[int]]:
    """Embed ``unique[order]`` on the actor pool; cache each batch as it comes back."""
    import pyarrow as pa
    import ray.data

    # Blocks of whole CHUNK_ROWS chunks, so batches are the local engine's chunks.
    chunks = -(-len(order) // CHUNK_ROWS)
    blocks = min(chunks, max(4 * pool.workers, chunks // 16))
    tables = []
    for a, b in shard_bounds(chunks, blocks):
        rows = order[a * CHUNK_ROWS : b * CHUNK_ROWS]
        tables.append(pa.table({ROW: rows, TEXT: [unique[i] for i in rows]}))
    ds = ray.data.from_arrow(tables).map_batches(
        **pool.map_args(
            _EmbedActor,
            spec.backend,
            spec.model,
            pool.device,
            pool.precision,
            spec.batch_size,
            pool.cpus_per_worker,
            batch_format="numpy",
        )
    )
    t0, done, truncated, pids = time.perf_counter(), 0, 0, set()
    with ray_errors():
        for batch in ds.iter_batches(batch_format="numpy", batch_size=None):
            rows, out = batch[ROW], np.ascontiguousarray(batch[VEC], dtype=np.float32)
            vectors = store_batch(vectors, len(unique), rows, out, key=key, cache=cache,
                                  texts=[unique[i] for i in rows])
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
    return vectors, truncated, frozenset(pids)


def embed_parquet_on_ray(
    source: str | Path,
    output: str | Path,
    spec: Any,
    pool: ActorPool,
    *,
    text_column: str,
    vector_column: str = "embedding",
) -> int:
    """Embed a Parquet file or folder into a folder of Parquet shards, streaming.

    Ray reads the input shards and the actors add ``vector_column``; the driver writes the
    batches as they stream back, in input order, to ``part-NNNNN.parquet`` files of up to
    :data:`SHARD_ROWS` rows, holding a few batches at a time, never the whole file. (Ray
    Data's own ``write_parquet`` was measured to mix up batches' order even with
    ``preserve_order``, and writes a local path on whichever node runs the task.) No cache
    here: it lives with the driver. Returns the number of rows written.
    """
    import ray
    import ray.data

    if spec.backend in CORPUS_BACKENDS:
        raise DataError(
            f"{spec.backend} vectors depend on the whole corpus; embed_parquet needs a "
            "per-text model (sentence-transformers)."
        )
    out = Path(output)
    if out.is_dir() and any(out.glob("*.parquet")):
        raise DataError(f"{out} already holds Parquet files; choose an empty or new folder.")
    ds = ray.data.read_parquet(str(source), num_cpus=0)  # I/O: reserves no CPU
    if text_column not in ds.columns():
        raise DataError(
            f"{source}: no column {text_column!r}; the columns are {', '.join(ds.columns())}."
        )
    args = pool.map_args(
        _ParquetEmbedActor,
        spec.backend,
        spec.model,
        pool.device,
        pool.precision,
        spec.batch_size,
        pool.cpus_per_worker,
        batch_format="pandas",
    )
    args["fn_constructor_kwargs"] = {"text_column": text_column, "vector_column": vector_column}
    # Ray Data's file listing reserves a CPU: when the actors would hold every CPU it never
    # starts (measured: a hang on 2 CPUs), so the actors reserve less (their torch threads
    # stay cpus_per_worker).
    cpus = float(ray.cluster_resources().get("CPU", 1.0))
    if pool.workers * pool.cpus_per_worker > cpus - 1:
        args["num_cpus"] = max(0.1, (cpus - 1) / pool.workers)
    out.mkdir(parents=True, exist_ok=True)
    with ray_errors(), _ShardWriter(out) as shards:
        for table in ds.map_batches(**args).iter_batches(batch_format="pyarrow", batch_size=None):
            shards.write(table)
    return shards.rows


SHARD_ROWS = 100_000  # rows per output file of embed_parquet_on_ray


class _ShardWriter:
    """Writes Arrow tables in the order given to ``part-00000.parquet``, ``part-00001…``."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.rows, self.shards = folder, 0, 0
        self._writer: Any = None
        self._in_shard = 0

    def write(self, table: Any) -> None:
        """Append ``table``; a new shard when this one is full or the schema cannot be kept."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        if self._writer is not None and self._in_shard < SHARD_ROWS:
            try:  # a batch whose column is all null reads as another type
                table = table.cast(self._writer.schema)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError, ValueError):
                self.close()
        else:
            self.close()
        if self._writer is None:
            path = self.folder / f"part-{self.shards:05d}.parquet"
            self._writer, self._in_shard = pq.ParquetWriter(path, table.schema), 0
            self.shards += 1
        self._writer.write_table(table)
        self._in_shard += table.num_rows
        self.rows += table.num_rows

    def close(self) -> None:
        """Finish the open shard, if any."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def __enter__(self) -> _ShardWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
