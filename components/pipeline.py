"""The map's pipeline for the app: embed -> project -> cluster, cached, saved, non-blocking.

Slow steps (embedding, t-SNE, UMAP) run as background jobs (components.jobs) shared by all
sessions; until they finish the page shows a preview (PCA of the vectors, or of fast TF-IDF
vectors while the model embeds) and says so. Finished projections are saved in the workspace, and
embeddings in its content-addressed cache, so a restart recomputes nothing.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace
from functools import partial

import numpy as np
import streamlit as st

from components import scale
from components.feedback import user_errors
from components.jobs import Job, runner
from embedlens.cluster import Clustering, ClusterParams, cluster
from embedlens.dataset import Dataset
from embedlens.embedders import EmbedResult, embed_texts, make_embedder
from embedlens.errors import EmbedlensError
from embedlens.reduce import Projection, ProjectionParams, project
from embedlens.reduce_scale import fit_sample_transform
from embedlens.store import EmbeddingCache, Workspace, default_home

PRECOMPUTED = "precomputed"
PREVIEW_MAX_ROWS = 20_000  # TF-IDF preview only where it takes about a second
PREVIEW_K = 8  # k-means clusters on a preview map when k is automatic
_models: dict[tuple[str, str], object] = {}
_models_lock = threading.Lock()


def home() -> str:
    """The workspace folder for this server (EMBEDLENS_HOME or ~/.embedlens)."""
    return str(default_home())


@st.cache_resource(show_spinner=False, max_entries=4)
def workspace(root: str) -> Workspace:
    """The workspace handle for ``root`` (shared; all state is on disk)."""
    return Workspace(root)


@st.cache_resource(show_spinner=False, max_entries=4)
def embedding_cache(root: str) -> EmbeddingCache:
    """The content-addressed embedding cache of workspace ``root``."""
    return EmbeddingCache(f"{root}/embeddings.sqlite")


def embedder(backend: str, model: str):
    """A loaded model shared by every session and job (at most 3 kept; never mutate it)."""
    with _models_lock:
        key = (backend, model)
        if key not in _models:
            while len(_models) >= 3:
                _models.pop(next(iter(_models)))
            _models[key] = make_embedder(backend, model)
        return _models[key]


@dataclass
class MapResult:
    """What the map page draws: final results, or a preview while jobs run."""

    emb: EmbedResult | None = None
    proj: Projection | None = None
    clustering: Clustering | None = None
    pending: list[Job] = field(default_factory=list)
    preview: str = ""  # why the map shown is a preview, empty when final


def build_map(
    ds: Dataset,
    backend: str,
    model: str,
    proj_params: ProjectionParams,
    cluster_params: ClusterParams,
    *,
    sample_size: int | None = None,
) -> MapResult:
    """Everything the map needs, as far as it is ready; never blocks on a slow step.

    ``sample_size``: fit t-SNE/UMAP on that many rows and place the rest (None: all rows).
    """
    out = MapResult()
    emb = embeddings(ds, backend, model)
    if isinstance(emb, Job):
        out.pending.append(emb)
        if ds.text_column and len(ds) <= PREVIEW_MAX_ROWS:
            fast = _fast_vectors(ds)
            out.proj = projection(fast, ProjectionParams(method="pca", dims=proj_params.dims))
            out.preview = (
                f"Preview: a quick TF-IDF map while {model or backend} embeds the texts "
                "(first time only: embeddings are cached)."
            )
            vectors = fast
        else:
            return out
    else:
        out.emb = vectors = emb
        proj = projection(emb, proj_params, sample_size=sample_size)
        if isinstance(proj, Job):
            out.pending.append(proj)
            out.proj = projection(emb, ProjectionParams(method="pca", dims=proj_params.dims))
            out.preview = f"Preview: PCA while {proj.label} runs; the map switches when it is done."
        else:
            out.proj = proj
    if out.preview and cluster_params.k is None and cluster_params.method == "kmeans":
        # A preview is replaced within seconds: skip the search for k (14 fits) and use a
        # fixed k; the final map chooses k by silhouette.
        cluster_params = replace(cluster_params, k=PREVIEW_K)
    out.clustering = clustering(ds, vectors, out.proj, cluster_params)
    return out


def embeddings(ds: Dataset, backend: str, model: str) -> EmbedResult | Job:
    """Vectors for ``ds`` (its own, or embedded with ``model``), or the job computing them."""
    if ds.vectors is not None:
        return EmbedResult(
            vectors=ds.vectors,
            model_key=f"{PRECOMPUTED}:{ds.vector_column}",
            embedded=0,
            cached=len(ds),
            duplicates=0,
            truncated=0,
            seconds=0.0,
        )
    key = ("embed", scale.fingerprint(ds), backend, model, home())
    job = runner().submit(
        key,
        f"Embedding {len(ds):,} texts with {model or backend}",
        _embed_job,
        ds.texts,
        backend,
        model,
        home(),
        lane="fast" if backend == "tfidf-svd" else "embed",
    )
    if not job.done:
        return job
    result = _job_result(job, "Embedding")
    _record_once(ds, key, lambda: _record_embedding(result, backend, model))
    return result


def _embed_job(
    texts: list[str], backend: str, model: str, root: str, *, on_progress
) -> EmbedResult:
    return embed_texts(
        texts,
        backend=backend,
        model=model,
        embedder=lambda: embedder(backend, model),
        cache=EmbeddingCache(f"{root}/embeddings.sqlite"),
        on_progress=on_progress,
    )


def _fast_vectors(ds: Dataset) -> EmbedResult:
    with user_errors("The TF-IDF preview"):
        return _fast_embed(scale.fingerprint(ds), tuple(ds.texts))


@st.cache_resource(show_spinner=False, max_entries=4)
def _fast_embed(fingerprint: str, _texts: tuple[str, ...]) -> EmbedResult:
    return embed_texts(list(_texts), backend="tfidf-svd")


def _job_result(job: Job, action: str):
    """The job's result; expected errors shown as messages, anything else re-raised."""
    with user_errors(action):
        try:
            return job.future.result()
        except EmbedlensError:
            raise
        except KeyboardInterrupt as exc:  # a job cannot be interrupted by the user
            raise RuntimeError(f"{action} was interrupted") from exc


def _record_once(ds: Dataset, key: tuple, write) -> None:
    done = st.session_state.setdefault("pipeline.recorded", set())
    dataset_id = st.session_state.get("data.dataset_id")
    if dataset_id and (dataset_id, key) not in done:
        write()
        done.add((dataset_id, key))


def _record_embedding(result: EmbedResult, backend: str, model: str) -> None:
    dataset_id = st.session_state.get("data.dataset_id")
    workspace(home()).save_run(
        dataset_id,
        "embedding",
        {"backend": backend, "model": model, "key": result.model_key},
        {},
        extra={k: v for k, v in result.summary().items() if k != "model"},
    )


def projection(
    emb: EmbedResult, params: ProjectionParams, *, sample_size: int | None = None
) -> Projection | Job:
    """Map coordinates for ``emb``: from the workspace, computed now (PCA), or a job.

    t-SNE/UMAP with ``sample_size`` below the row count fit on a sample and place the rest
    (embedlens.reduce_scale.fit_sample_transform); the size is part of the run and job keys.
    """
    fp = scale.fingerprint(emb.vectors)
    n = len(emb.vectors)
    sample = sample_size if params.method != "pca" and sample_size and sample_size < n else None
    run_params = scale.with_sample({**params.to_dict(), "vectors": fp}, sample, n)
    dataset_id = st.session_state.get("data.dataset_id")
    saved = _saved_projection(dataset_id, run_params, params) if dataset_id else None
    if saved is not None:
        return saved
    if params.method == "pca":
        with st.spinner(f"PCA {params.dims}D of {len(emb.vectors):,} points…"), user_errors("PCA"):
            result = _pca(fp, params, emb.vectors)
    else:
        name = {"tsne": "t-SNE", "umap": "UMAP"}.get(params.method, params.method)
        label = f"{name} {params.dims}D of {n:,} points"
        fn = project
        if sample:
            label += f" (fitted on {sample:,}, the rest placed)"
            fn = partial(fit_sample_transform, sample_size=sample)
        job = runner().submit(
            ("project", fp, params, sample), label, fn, emb.vectors, params, lane="project"
        )
        if not job.done:
            return job
        result = _job_result(job, label)
    if dataset_id:
        workspace(home()).save_run(
            dataset_id,
            "projection",
            run_params,
            {"coords": result.coords},
            extra={
                "notes": list(result.notes),
                "seconds": result.seconds,
                "used": result.params.to_dict(),
            },
        )
    return result


def _saved_projection(
    dataset_id: str, run_params: dict, params: ProjectionParams
) -> Projection | None:
    ws = workspace(home())
    found = ws.find_run(dataset_id, "projection", run_params)
    if found is None:
        return None
    try:
        info, arrays = ws.load_run(found.id)
    except EmbedlensError:  # damaged or missing files: recompute
        return None
    used = info.extra.get("used", {})
    return Projection(
        coords=arrays["coords"],
        params=ProjectionParams.from_dict({**params.to_dict(), **used}),
        notes=tuple(info.extra.get("notes", [])),
        seconds=float(info.extra.get("seconds", 0.0)),
    )


@st.cache_resource(show_spinner=False, max_entries=16)
def _pca(fingerprint: str, params: ProjectionParams, _vectors: np.ndarray) -> Projection:
    return project(_vectors, params)


@st.cache_resource(show_spinner=False, max_entries=16)
def _cluster(
    fingerprint: str,
    params: ClusterParams,
    texts_fp: str,
    _X: np.ndarray,
    _ds: Dataset,
) -> Clustering:
    return cluster(_X, params, texts=_ds.texts or None)  # texts only on a cache miss (1M: 1 s)


def clustering(
    ds: Dataset, emb: EmbedResult, proj: Projection, params: ClusterParams
) -> Clustering:
    """Clusters of the vectors (or of the map), with keyword labels from the texts."""
    X = proj.coords if params.space == "map" else emb.vectors
    with st.spinner(f"Clustering with {params.method}…"), user_errors("Clustering"):
        return _cluster(scale.fingerprint(X), params, scale.fingerprint(ds), X, ds)
