"""The slow steps on Ray: placing rows on a fitted map, exact neighbours, k-means assignment.

Each step fits what must see all the data (a reducer, k-means centres) on a seeded sample in
the driver, ships the fitted object once with ``ray.put`` and maps the rows over Ray Data
(``map_batches``) or Ray tasks, one shard each. Rows travel with their position, so results
are scattered back by position whatever order the shards finish in. Every function needs a
connected Ray (see :func:`embedlens.engines.ray_engine.connect`).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import numpy as np

from embedlens.cluster import Clustering, ClusterParams, fit_kmeans, kmeans_fit_rows
from embedlens.cluster_inputs import check_against_data, check_cluster_inputs, prepare_vectors
from embedlens.cluster_methods import automatic_k
from embedlens.cluster_naming import name_clusters, renumber_by_size
from embedlens.engines.base import EngineError, WorkerCrashed
from embedlens.errors import DataError, EmbedlensError
from embedlens.neighbors import NeighborResult, _merge, top_k
from embedlens.progress import ProgressCallback, report, scaled
from embedlens.reduce import Projection, ProjectionParams
from embedlens.reduce_place import finite_coords, method_label, model_transform
from embedlens.reduce_scale import fit_on_sample
from embedlens.validation import check_in_range, check_vectors

ROW = "row"  # the column holding each row's position in the input
VEC = "vec"  # the column holding its vector

__all__ = [
    "ray_errors",
    "kmeans_on_ray",
    "place_on_ray",
    "project_on_ray",
    "top_k_on_ray",
    "vectors_dataset",
]


@contextmanager
def ray_errors() -> Iterator[None]:
    """Raise a step's own EmbedlensError as it is; a dead worker as WorkerCrashed."""
    import ray.exceptions

    try:
        yield
    except EmbedlensError:
        raise
    except Exception as exc:
        cause: BaseException | None = exc
        for _ in range(20):  # Ray wraps a task's error (RayTaskError, UserCodeException)
            if cause is None or isinstance(cause, EmbedlensError):
                break
            cause = cause.__cause__ or getattr(cause, "cause", None)
        if isinstance(cause, EmbedlensError):
            raise cause from None
        if getattr(exc, "actor_init_failed", False):
            raise _init_error(str(exc)) from None
        if isinstance(exc, ray.exceptions.RayActorError | ray.exceptions.WorkerCrashedError):
            raise WorkerCrashed(f"A Ray worker died during the job: {exc}") from None
        raise


def _init_error(message: str) -> EmbedlensError:
    """The error an actor's ``__init__`` raised, rebuilt from Ray's message.

    Ray keeps only the text of an actor's failed creation (``ActorDiedError``): an embedlens
    error in it (a model that is not on the worker, say) comes back as its own class.
    """
    import embedlens.errors

    found = re.findall(r"embedlens\.errors\.(\w+): (.+)", message)
    if found:
        name, text = found[-1]
        cls = getattr(embedlens.errors, name, DataError)
        if isinstance(cls, type) and issubclass(cls, EmbedlensError):
            return cls(text.strip())
    last = message.strip().splitlines()[-1] if message.strip() else message
    return EngineError(f"The Ray workers could not start: {last}")


def shard_bounds(n: int, shards: int) -> list[tuple[int, int]]:
    """``shards`` contiguous (start, stop) ranges covering 0..n, sizes differing by at most 1."""
    shards = max(1, min(int(shards), n)) if n else 1
    edges = np.linspace(0, n, shards + 1).round().astype(int)
    return [(int(a), int(b)) for a, b in zip(edges[:-1], edges[1:], strict=True) if b > a]


def vectors_dataset(X: np.ndarray, rows: np.ndarray, blocks: int) -> Any:
    """A Ray Dataset of ``{"row": position, "vec": vector}`` in ``blocks`` Arrow blocks."""
    import pyarrow as pa
    import ray.data
    from ray.data.extensions import ArrowTensorArray

    tables = [
        pa.table({ROW: rows[a:b], VEC: ArrowTensorArray.from_numpy(X[rows[a:b]])})
        for a, b in shard_bounds(len(rows), blocks)
    ]
    return ray.data.from_arrow(tables)


class _Placer:
    """Ray Data actor: holds one fitted reducer and places batches of rows with transform."""

    def __init__(self, model: Any) -> None:
        import ray

        self.model = ray.get(model) if isinstance(model, ray.ObjectRef) else model

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        vectors = np.ascontiguousarray(batch[VEC], dtype=np.float32)
        placed, _ = model_transform(self.model, vectors)
        return {ROW: batch[ROW], VEC: finite_coords(placed, self.model.method)}


def collect(
    ds: Any, n: int, dim: int, *, total: int, on_progress: ProgressCallback | None, what: str
) -> np.ndarray:
    """Stream ``{"row", "vec"}`` batches of ``ds`` into an (n, dim) float32 array by row."""
    out = np.zeros((n, dim), dtype=np.float32)
    done = 0
    for batch in ds.iter_batches(batch_format="numpy", batch_size=None):
        rows = batch[ROW]
        out[rows] = batch[VEC]
        done += len(rows)
        report(on_progress, done / max(total, 1), f"{what} {done:,} of {total:,}")
    if done != total:
        raise DataError(f"Ray returned {done:,} of {total:,} rows; run the step again.")
    return out


def place_on_ray(
    fit: Projection,
    X: np.ndarray,
    rows: np.ndarray,
    *,
    workers: int,
    batch_size: int = 4096,
    on_progress: ProgressCallback | None = None,
) -> np.ndarray:
    """Coordinates of ``X[rows]`` placed on the fitted map ``fit`` by ``workers`` actors."""
    import ray.data

    model_ref = ray.put(fit.model)
    ds = vectors_dataset(X, rows, blocks=max(workers * 4, 1)).map_batches(
        _Placer,
        fn_constructor_args=(model_ref,),
        batch_size=batch_size,
        batch_format="numpy",
        compute=ray.data.ActorPoolStrategy(size=max(1, workers)),
        num_cpus=1,
    )
    placed = collect(
        ds, len(X), fit.params.dims, total=len(rows), on_progress=on_progress, what="Placed"
    )
    return placed[rows]


def project_on_ray(
    X: np.ndarray,
    params: ProjectionParams,
    *,
    sample_size: int | None,
    workers: int,
    on_progress: ProgressCallback | None = None,
) -> Projection:
    """Fit ``params`` on a seeded sample here, place every other row on Ray.

    The sample is the one :func:`embedlens.reduce_scale.fit_sample_transform` draws (same seed,
    same rows), so both engines fit the same map. Without a sample (or one as large as the
    data) the whole fit is one Ray task, so the driver computes nothing.
    """
    import ray

    from embedlens.engines.steps import project_step

    start = time.perf_counter()
    X = check_vectors(X)
    n = len(X)
    if sample_size is not None:
        check_in_range("sample_size", sample_size, low=3, owner="project_on_ray", kind=int)
    if sample_size is None or n <= sample_size:
        report(on_progress, 0.0, f"Running {method_label(params.method)} on {n:,} points on Ray…")
        task = ray.remote(num_cpus=1)(project_step)
        result = ray.get(task.remote(X, params))
        report(on_progress, 1.0, f"{method_label(params.method)} done in {result.seconds:.1f} s")
        return result
    fit, coords, rest = fit_on_sample(X, params, sample_size, on_progress=on_progress)
    if rest.size:
        coords[rest] = place_on_ray(
            fit, X, rest, workers=workers, on_progress=scaled(on_progress, 0.5, 1.0)
        )
    owner = "openTSNE" if params.method == "tsne" else method_label(params.method)
    notes = fit.notes
    if rest.size:
        notes += (
            f"Fitted {method_label(params.method)} on {sample_size:,} of {n:,} rows; placed "
            f"the rest with {owner}'s transform on {workers} Ray workers.",
        )
    return replace(fit, coords=coords, notes=notes, seconds=time.perf_counter() - start)


def _top_k_shard(
    X: np.ndarray, start: int, Q: np.ndarray, k: int, metric: str, exclude: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """One shard's top-k: (keys lower-is-better, global row positions)."""
    stop = start + len(X)
    local = np.where((exclude >= start) & (exclude < stop), exclude - start, -1)
    kk = min(k, len(X) - int((local >= 0).any()))
    if kk <= 0:
        return np.empty((len(Q), 0), np.float32), np.empty((len(Q), 0), np.int64)
    res = top_k(X, Q, k=kk, metric=metric, exclude=local)
    keys = res.scores if metric == "euclidean" else -res.scores
    return keys.astype(np.float32), res.indices + start


def top_k_on_ray(
    X: np.ndarray,
    queries: np.ndarray,
    *,
    k: int = 10,
    metric: str = "cosine",
    exclude: np.ndarray | None = None,
    shards: int = 2,
    on_progress: ProgressCallback | None = None,
) -> NeighborResult:
    """Exact top-k as :func:`embedlens.neighbors.top_k`: data rows sharded, results merged.

    Each Ray task scores every query against one contiguous shard of ``X``; the driver merges
    the shards' lists by score with ties to the lower row, exactly as ``top_k`` breaks them.
    """
    import ray

    X = check_vectors(X, name="data vectors")
    Q = np.asarray(queries, dtype=np.float32)
    Q = check_vectors(Q[None, :] if Q.ndim == 1 else Q, name="query vectors")
    if Q.shape[1] != X.shape[1]:
        raise DataError(
            f"query vectors have {Q.shape[1]} dimensions but the data has {X.shape[1]}; "
            "embed the queries with the same model as the data."
        )
    check_in_range("k", k, low=1, owner="top_k_on_ray", kind=int)
    excl = np.full(len(Q), -1, np.int64) if exclude is None else np.asarray(exclude, np.int64)
    kk = min(int(k), len(X) - int((excl >= 0).any()))
    if kk <= 0:
        raise DataError("no rows are left to return once the excluded row is left out.")
    task = ray.remote(num_cpus=1)(_top_k_shard)
    q_ref, e_ref = ray.put(Q), ray.put(excl)
    pending = [
        task.remote(X[a:b], a, q_ref, kk, metric, e_ref) for a, b in shard_bounds(len(X), shards)
    ]
    best_k = np.empty((len(Q), 0), np.float32)
    best_i = np.empty((len(Q), 0), np.int64)
    total = len(pending)
    while pending:
        ready, pending = ray.wait(pending, num_returns=1)
        keys, idx = ray.get(ready[0])
        best_k, best_i = _merge(best_k, best_i, keys, idx, kk)
        report(on_progress, 1 - len(pending) / total, f"Searched {total - len(pending)} shards")
    scores = best_k if metric == "euclidean" else -best_k
    return NeighborResult(indices=best_i, scores=scores.astype(np.float32), metric=metric)


def _predict_shard(model: Any, Z: np.ndarray) -> np.ndarray:
    return model.predict(Z).astype(np.int64)


def kmeans_on_ray(
    X: np.ndarray,
    params: ClusterParams,
    *,
    texts: Any = None,
    shards: int = 2,
    on_progress: ProgressCallback | None = None,
) -> Clustering:
    """k-means fitted on a seeded sample here; every row assigned to its centre on Ray.

    The sample is :func:`embedlens.cluster.cluster`'s (all rows up to 20,000, a seeded
    20,000 above), so labels equal the local engine's; ``k=None`` is chosen as there (the
    modularity knee with a stability check, :func:`embedlens.cluster_methods.automatic_k`) and
    its curves are kept in ``Clustering.k_choice``.
    """
    import ray

    if params.method != "kmeans":
        raise DataError(f"kmeans_on_ray runs k-means, not {params.method}.")
    start = time.perf_counter()
    X = check_cluster_inputs(X, texts)
    n = len(X)
    params, notes = check_against_data(params, n)
    report(on_progress, 0.0, f"Clustering {n:,} points with kmeans on Ray…")
    Z = prepare_vectors(X, params)
    choice = None
    if params.k is None:
        choice, _, note = automatic_k(Z, params, scaled(on_progress, 0.0, 0.5))
        params = replace(params, k=choice.k)
        notes.append(note)
    model, fit_notes = fit_kmeans(Z, params, kmeans_fit_rows(n, params))
    notes += fit_notes
    report(on_progress, 0.6, "Assigning rows to the centres on Ray…")
    task = ray.remote(num_cpus=1)(_predict_shard)
    m_ref = ray.put(model)
    bounds = shard_bounds(n, shards)
    parts = ray.get([task.remote(m_ref, Z[a:b]) for a, b in bounds])
    labels = renumber_by_size(np.concatenate(parts))
    report(on_progress, 0.9, "Finding keywords…")
    keywords, names = name_clusters(labels, texts)
    seconds = time.perf_counter() - start
    report(on_progress, 1.0, f"Clustering done in {seconds:.1f} s")
    return Clustering(labels, params, names, keywords, tuple(notes), seconds, k_choice=choice)
