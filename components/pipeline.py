"""The map's pipeline for the app: the core pipeline, run as non-blocking background jobs.

The run logic (cache and workspace look-ups, run keys, fit-on-sample, recording) is the core's
(:class:`embedlens.pipeline.Pipeline`); this module only decides what runs now and what runs as
a job (components.jobs), and what the page shows meanwhile: a preview (PCA of the vectors, or of
fast TF-IDF vectors while the model embeds), announced as such.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import streamlit as st

from components import engines, stable_colours
from components.feedback import user_errors
from components.jobs import Job, runner, show_cancelled, sync_jobs
from embedlens.cluster import Clustering, ClusterParams
from embedlens.dataset import Dataset
from embedlens.embedders import EmbedResult, embed_texts, make_embedder
from embedlens.embedders.model_cache import ModelCache
from embedlens.embedders.sentence_transformers import DEFAULT_MODEL
from embedlens.engines import JobCancelled
from embedlens.engines.config import EngineChoice
from embedlens.engines.local import InProcessEngine
from embedlens.engines.ray_client import RayClient
from embedlens.errors import EmbedlensError
from embedlens.i18n import _, current_language
from embedlens.pipeline import PRECOMPUTED, EmbedSpec, ModelPick, Pipeline, fingerprint
from embedlens.pipeline.images import is_image_dataset
from embedlens.reduce import Projection, ProjectionParams
from embedlens.store import EmbeddingCache, Workspace, default_home

__all__ = ["PRECOMPUTED", "MapResult", "build_map", "core", "embedder", "home", "workspace"]

PREVIEW_MAX_ROWS = 20_000  # TF-IDF preview only where it takes about a second
PREVIEW_K = 8  # k-means clusters on a preview map when k is automatic
FAST_BACKENDS = ("tfidf-svd", "tfidf-char")  # quick scikit-learn work: the "fast" job lane
# Per-model locks, LRU of 3 plus the default model pinned (embedlens.embedders.model_cache).
_models = ModelCache(
    make_embedder, max_entries=3, pinned=[("sentence-transformers", DEFAULT_MODEL)]
)


def home() -> str:
    """The workspace folder for this server (EMBEDLENS_HOME or ~/.embedlens)."""
    return str(default_home())


@st.cache_resource(show_spinner=False, max_entries=4)
def shared_workspace(root: str) -> Workspace:
    """The whole workspace ``root`` (all owners): for the pipeline, never shown as is."""
    return Workspace(root)


def workspace(root: str) -> Workspace:
    """The workspace ``root`` as this session's owner sees it (components.owner)."""
    from components import owner

    return owner.workspace(root)


@st.cache_resource(show_spinner=False, max_entries=4)
def embedding_cache(root: str) -> EmbeddingCache:
    """The content-addressed embedding cache of workspace ``root``."""
    return shared_workspace(root).embedding_cache()


def embedder(backend: str, model: str):
    """A loaded model shared by every session and job (never mutate it).

    Loaded outside any global lock: one slow load never blocks sessions using other models.
    """
    return _models.get(backend, model)


@st.cache_resource(show_spinner=False, max_entries=4)
def core(root: str) -> Pipeline:
    """The core pipeline on workspace ``root``, sharing the server's loaded models."""
    return Pipeline(shared_workspace(root), embedder_loader=embedder)


def job_core(root: str, lane: str = "embed") -> Pipeline:
    """The core pipeline as a job of ``lane`` gets it.

    In a worker process, with the worker's own models (:class:`InProcessEngine`), or on Ray
    (:class:`RayClient`, connected in the worker) when the server's engine is ray and the lane
    is not "fast"; inline jobs (``EMBEDLENS_SYNC_JOBS=1``) use the server's models or Ray.
    """
    choice = EngineChoice() if lane == "fast" else engines.server_choice()
    if sync_jobs():
        return _sync_ray_core(root, choice) if choice.is_ray else core(root)
    return _job_core(root, choice)


@st.cache_resource(show_spinner=False, max_entries=4)
def _job_core(root: str, choice: EngineChoice) -> Pipeline:
    engine = RayClient(choice.address) if choice.is_ray else InProcessEngine()
    return Pipeline(shared_workspace(root), engine=engine)


@st.cache_resource(show_spinner=False, max_entries=4)
def _sync_ray_core(root: str, choice: EngineChoice) -> Pipeline:
    client = RayClient(choice.address)
    return Pipeline(shared_workspace(root), embedder_loader=embedder, engine=client)


def _dataset_id() -> str | None:
    return st.session_state.get("data.dataset_id")


@dataclass
class MapResult:
    """What the map page draws: final results, or a preview while jobs run."""

    emb: EmbedResult | None = None
    proj: Projection | None = None
    clustering: Clustering | None = None
    pending: list[Job] = field(default_factory=list)
    preview: str = ""  # why the map shown is a preview, empty when final
    pick: ModelPick | None = None  # the embedder used, and why


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
    pick = choose(ds, backend, model)
    out = MapResult(pick=pick)
    emb = embeddings(ds, pick)
    if isinstance(emb, Job):
        out.pending.append(emb)
        if ds.text_column and len(ds) <= PREVIEW_MAX_ROWS and not is_image_dataset(ds):
            fast = _fast_vectors(ds)
            out.proj = projection(fast, ProjectionParams(method="pca", dims=proj_params.dims))
            out.preview = _(
                "Preview: a quick TF-IDF map while {model} embeds the texts (first time only: "
                "embeddings are cached)."
            ).format(model=pick.model or pick.backend)
            vectors = fast
        else:
            return out
    else:
        out.emb = vectors = emb
        proj = projection(emb, proj_params, sample_size=sample_size)
        if isinstance(proj, Job):
            out.pending.append(proj)
            out.proj = projection(emb, ProjectionParams(method="pca", dims=proj_params.dims))
            out.preview = _(
                "Preview: PCA while {job} runs; the map switches when it is done."
            ).format(job=proj.label)
        else:
            out.proj = proj
    if out.preview and cluster_params.k is None and cluster_params.method == "kmeans":
        # A preview is replaced within seconds: skip the search for k (14 fits) and use a
        # fixed k; the final map chooses k itself.
        cluster_params = replace(cluster_params, k=PREVIEW_K)
    out.clustering = clustering(ds, vectors, out.proj, cluster_params, record=not out.preview)
    stable_colours.remember(fingerprint(ds), out.clustering, preview=bool(out.preview))
    return out


def choose(ds: Dataset, backend: str, model: str) -> ModelPick:
    """The embedder the form's choice means for ``ds`` ("auto": by language and machine)."""
    with user_errors(_("Choosing the embedding model")):
        return _choose(fingerprint(ds), backend, model, current_language(), ds)


@st.cache_data(show_spinner=False, max_entries=64)
def _choose(fingerprint: str, backend: str, model: str, lang: str, _ds: Dataset) -> ModelPick:
    """``lang`` is in the cache key: the reason and warning are written in the UI language."""
    return core(home()).choose(_ds, EmbedSpec(backend=backend, model=model))


def embeddings(ds: Dataset, pick: ModelPick) -> EmbedResult | Job:
    """Vectors for ``ds`` (its own, or embedded with the pick), or the job computing them."""
    dataset_id = _dataset_id()
    if pick.backend == PRECOMPUTED:
        with user_errors(_("Reading the vectors")):
            return _own_vectors(home(), fingerprint(ds), dataset_id, pick, ds)
    key = ("embed", fingerprint(ds), pick.backend, pick.model, home(), dataset_id)
    what = (
        _("Embedding {n:,} images with {model}")
        if is_image_dataset(ds)
        else _("Embedding {n:,} texts with {model}")
    )
    lane = "fast" if pick.backend in FAST_BACKENDS else "embed"
    job = runner().submit(
        key,
        what.format(n=len(ds), model=pick.model or pick.backend),
        _embed_job,
        job_core(home(), lane),
        ds,
        pick,
        dataset_id,
        lane=lane,
    )
    if not job.done:
        return job
    return _job_result(job, _("Embedding"))


@st.cache_resource(show_spinner=False, max_entries=8)
def _own_vectors(
    root: str, fingerprint: str, dataset_id: str | None, pick: ModelPick, _ds: Dataset
) -> EmbedResult:
    return core(root).embed(_ds, pick=pick, dataset_id=dataset_id)


def _embed_job(
    pipe: Pipeline, ds: Dataset, pick: ModelPick, dataset_id: str | None, *, on_progress
) -> EmbedResult:
    return pipe.embed(ds, pick=pick, dataset_id=dataset_id, on_progress=on_progress)


def _fast_vectors(ds: Dataset) -> EmbedResult:
    with user_errors(_("The TF-IDF preview")):
        return _fast_embed(fingerprint(ds), tuple(ds.texts))


@st.cache_resource(show_spinner=False, max_entries=4)
def _fast_embed(fingerprint: str, _texts: tuple[str, ...]) -> EmbedResult:
    return embed_texts(list(_texts), backend="tfidf-svd")


def _job_result(job: Job, action: str):
    """The job's result; expected errors shown as messages, anything else re-raised."""
    with user_errors(action):
        try:
            return job.future.result()
        except JobCancelled:
            show_cancelled(job)
        except EmbedlensError:
            raise
        except KeyboardInterrupt as exc:  # a job cannot be interrupted by the user
            raise RuntimeError(f"{action} was interrupted") from exc


def projection(
    emb: EmbedResult, params: ProjectionParams, *, sample_size: int | None = None
) -> Projection | Job:
    """Map coordinates for ``emb``: from the workspace, computed now (PCA), or a job.

    The core pipeline keys the run (with the sample size when a t-SNE/UMAP fit uses one) and
    records it when the dataset is in the workspace; a preview's vectors are never recorded.
    """
    pipe = core(home())
    dataset_id = _dataset_id() if emb.provenance is not None else None
    saved = pipe.find_projection(emb, params, sample_size=sample_size, dataset_id=dataset_id)
    if saved is not None:
        return saved
    if params.method == "pca":
        with (
            st.spinner(
                _("PCA {dims}D of {n:,} points…").format(dims=params.dims, n=len(emb.vectors))
            ),
            user_errors("PCA"),
        ):
            return _pca(home(), fingerprint(emb.vectors), params, dataset_id, emb)
    name = {"tsne": "t-SNE", "umap": "UMAP"}.get(params.method, params.method)
    n = len(emb.vectors)
    label = _("{method} {dims}D of {n:,} points").format(method=name, dims=params.dims, n=n)
    key = pipe.projection_key(emb, params, sample_size=sample_size)
    if "sample_size" in key:
        label += " " + _("(fitted on {sample:,}, the rest placed)").format(
            sample=key["sample_size"]
        )
    job = runner().submit(
        ("project", tuple(sorted(key.items())), home(), dataset_id),
        label,
        _project_job,
        job_core(home(), "project"),
        emb,
        params,
        key.get("sample_size"),
        dataset_id,
        lane="project",
    )
    if not job.done:
        return job
    return _job_result(job, label)


def _project_job(
    pipe: Pipeline,
    emb: EmbedResult,
    params: ProjectionParams,
    sample_size: int | None,
    dataset_id: str | None,
    *,
    on_progress,
) -> Projection:
    return pipe.project(
        emb, params, sample_size=sample_size, dataset_id=dataset_id, on_progress=on_progress
    )


@st.cache_resource(show_spinner=False, max_entries=16)
def _pca(
    root: str,
    fingerprint: str,
    params: ProjectionParams,
    dataset_id: str | None,
    _emb: EmbedResult,
) -> Projection:
    return core(root).project(_emb, params, dataset_id=dataset_id)


def clustering(
    ds: Dataset,
    emb: EmbedResult,
    proj: Projection,
    params: ClusterParams,
    *,
    record: bool = True,
) -> Clustering:
    """Clusters of the vectors (or of the map), with keyword labels from the texts."""
    dataset_id = _dataset_id() if record and emb.provenance is not None else None
    source = fingerprint(proj.coords if params.space == "map" else emb.vectors)
    with st.spinner(_("Clustering with {method}…").format(method=params.method)):
        with user_errors(_("Clustering")):
            return _cluster(home(), source, params, fingerprint(ds), dataset_id, emb, proj, ds)


@st.cache_resource(show_spinner=False, max_entries=16)
def _cluster(
    root: str,
    source: str,
    params: ClusterParams,
    texts_fp: str,
    dataset_id: str | None,
    _emb: EmbedResult,
    _proj: Projection,
    _ds: Dataset,
) -> Clustering:
    return core(root).cluster(_ds, _emb, _proj, params, dataset_id=dataset_id)
