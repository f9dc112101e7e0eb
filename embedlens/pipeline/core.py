"""The one pipeline: embed → project → cluster, resolved from the cache and the workspace.

The app, the command line and the Python API call this object; none of them re-implements run
logic. Each step first looks for a stored result (the content-addressed embedding cache, the
workspace's run ledger), computes what is missing with progress callbacks, records the run when
the dataset is in the workspace, and returns a frozen result whose ``provenance`` says where it
came from.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from embedlens.cluster import Clustering, ClusterParams, cluster
from embedlens.dataset import Dataset
from embedlens.embedders import Embedder, EmbedResult, embed_texts
from embedlens.engines.base import Engine
from embedlens.errors import DataError
from embedlens.pipeline import runs
from embedlens.pipeline.provenance import (
    PRECOMPUTED,
    Provenance,
    effective_sample,
    embedding_provenance,
    fingerprint,
)
from embedlens.progress import ProgressCallback
from embedlens.reduce import Projection, ProjectionParams, project
from embedlens.reduce_scale import fit_sample_transform
from embedlens.store import EmbeddingCache, Workspace, default_home
from embedlens.validation import check_in_range

EmbedderLoader = Callable[[str, str], Embedder]


@dataclass(frozen=True)
class EmbedSpec:
    """Which embedder to use: ``"auto"`` picks by the data's language and what is installed."""

    backend: str = "auto"
    model: str = "auto"
    precision: str = "auto"
    device: str = "auto"
    batch_size: int = 32

    def __post_init__(self) -> None:
        check_in_range(
            "batch_size", self.batch_size, low=1, high=65536, owner="EmbedSpec", kind=int
        )


@dataclass(frozen=True)
class ModelPick:
    """The embedder a spec resolves to for one dataset, and why."""

    backend: str
    model: str
    reason: str = ""
    warning: str = ""


class Pipeline:
    """Embed, project and cluster datasets against one workspace.

    Parameters
    ----------
    workspace : Workspace, path or None
        Where runs are recorded and the embedding cache lives (default: ``default_home()``).
    use_cache : bool, default=True
        Read and write the content-addressed embedding cache.
    embedder_loader : callable, optional
        ``loader(backend, model) -> Embedder``: a shared model cache (the app passes its own so
        every session uses one loaded model); by default each call loads its model.
    engine : Engine, optional
        Where slow steps run (:mod:`embedlens.engines`: ``get_engine("local")`` worker
        processes, ``get_engine("ray")``): embedding of cache misses, t-SNE/UMAP and
        clustering call ``engine.embed`` / ``engine.project`` / ``engine.cluster``; the cache
        and workspace look-ups and the recording stay here. Default: in this process.
    """

    def __init__(
        self,
        workspace: Workspace | str | Path | None = None,
        *,
        use_cache: bool = True,
        embedder_loader: EmbedderLoader | None = None,
        engine: Engine | None = None,
    ) -> None:
        if not isinstance(workspace, Workspace):
            workspace = Workspace(workspace or default_home())
        self.workspace = workspace
        self.use_cache = use_cache
        self.embedder_loader = embedder_loader
        self.engine = engine
        self._cache: EmbeddingCache | None = None

    def __reduce__(self) -> tuple:
        # Worker processes get the same workspace, cache setting and engine, not the loader
        # (a loaded model stays in its own process).
        return (_rebuild, (str(self.workspace.root), self.use_cache, self.engine))

    @property
    def cache(self) -> EmbeddingCache | None:
        """The workspace's embedding cache (None when caching is off)."""
        if not self.use_cache:
            return None
        if self._cache is None:
            self._cache = self.workspace.embedding_cache()
        return self._cache

    # embedding ----------------------------------------------------------------------------
    def choose(self, ds: Dataset, spec: EmbedSpec) -> ModelPick:
        """The backend and model ``spec`` means for ``ds`` ("auto": by language and machine)."""
        from embedlens.pipeline import images  # a folder, zip or table of images

        if images.wants_images(ds, spec):
            return images.choose_image_model(spec)
        if ds.vectors is not None and spec.backend in ("auto", PRECOMPUTED):
            return ModelPick(PRECOMPUTED, ds.vector_column or "vectors", "the file's own vectors")
        from embedlens.embedders.auto import choose_model

        choice = choose_model(ds.texts, spec.backend, spec.model)
        return ModelPick(choice.backend, choice.model, choice.reason, choice.warning)

    def embed(
        self,
        ds: Dataset,
        spec: EmbedSpec = EmbedSpec(),
        *,
        dataset_id: str | None = None,
        pick: ModelPick | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> EmbedResult:
        """Vectors for every row of ``ds``: its own, from the cache, or embedded now.

        ``pick`` skips :meth:`choose` (a caller that already resolved the spec). With
        ``dataset_id`` the embedding is recorded as a run of that workspace dataset.
        """
        pick = pick or self.choose(ds, spec)
        source = fingerprint(ds)
        if pick.backend == PRECOMPUTED:
            if ds.vectors is None:
                raise DataError(
                    f"{ds.name}: there are no vectors in the file; choose an embedding model."
                )
            key = f"{PRECOMPUTED}:{pick.model}"
            prov = embedding_provenance(
                source=source,
                backend=PRECOMPUTED,
                model=pick.model,
                cache_key=key,
                reason=pick.reason,
            )
            result = EmbedResult(
                vectors=ds.vectors,
                model_key=key,
                embedded=0,
                cached=len(ds),
                duplicates=0,
                truncated=0,
                seconds=0.0,
                provenance=prov,
            )
            return self._record_embedding(result, dataset_id)
        from embedlens.pipeline import images

        if pick.backend in images.IMAGE_BACKENDS:  # the same cache, provenance and recording
            result = images.embed_image_dataset(self, ds, spec, pick, on_progress=on_progress)
            return self._record_embedding(result, dataset_id)
        if ds.text_column is None:
            raise DataError(f"{ds.name}: no text column found; name the column with the text.")
        loader = self.embedder_loader
        if self.engine is not None:
            resolved = replace(spec, backend=pick.backend, model=pick.model)
            result = self.engine.embed(
                ds.texts, resolved, cache=self.cache, on_progress=on_progress
            )
        else:
            result = embed_texts(
                ds.texts,
                backend=pick.backend,
                model=pick.model,
                embedder=None if loader is None else partial(loader, pick.backend, pick.model),
                batch_size=spec.batch_size,
                device=spec.device,
                precision=spec.precision,
                cache=self.cache,
                on_progress=on_progress,
            )
        _, _, options = result.model_key.partition("|")
        precision = options.removeprefix("precision=") if options.startswith("precision=") else ""
        if pick.backend == "sentence-transformers" and not precision:
            precision = "float32"
        prov = embedding_provenance(
            source=source,
            backend=pick.backend,
            model=pick.model,
            cache_key=result.model_key,
            precision=precision,
            reason=pick.reason,
        )
        notes = (pick.warning, *result.notes) if pick.warning else result.notes
        return self._record_embedding(replace(result, provenance=prov, notes=notes), dataset_id)

    def _record_embedding(self, result: EmbedResult, dataset_id: str | None) -> EmbedResult:
        return runs.save_embedding(self.workspace, result, dataset_id)

    # projection ---------------------------------------------------------------------------
    def projection_key(
        self, emb: EmbedResult, params: ProjectionParams, *, sample_size: int | None = None
    ) -> dict[str, Any]:
        """The run parameters of projecting ``emb`` with ``params`` (and the sample used)."""
        return runs.projection_key(emb, params, sample_size=sample_size)

    def find_projection(
        self,
        emb: EmbedResult,
        params: ProjectionParams,
        *,
        sample_size: int | None = None,
        dataset_id: str | None = None,
    ) -> Projection | None:
        """The stored projection for this request, or None when it must be computed."""
        if not dataset_id:
            return None
        key = runs.projection_key(emb, params, sample_size=sample_size)
        return runs.load_projection(self.workspace, dataset_id, emb, params, key)

    def project(
        self,
        emb: EmbedResult,
        params: ProjectionParams,
        *,
        sample_size: int | None = None,
        dataset_id: str | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> Projection:
        """Map coordinates for ``emb``: stored, or computed now and recorded.

        t-SNE/UMAP with ``sample_size`` below the row count fit on a seeded sample and place
        the rest with transform; the sample size is part of the run's key.
        """
        saved = self.find_projection(emb, params, sample_size=sample_size, dataset_id=dataset_id)
        if saved is not None:
            return saved
        sample = effective_sample(params.method, sample_size, len(emb.vectors))
        if self.engine is not None:
            result = self.engine.project(
                emb.vectors, params, sample_size=sample, on_progress=on_progress
            )
        elif sample is None:
            result = project(emb.vectors, params, on_progress=on_progress)
        else:
            result = fit_sample_transform(
                emb.vectors, params, sample_size=sample, on_progress=on_progress
            )
        return self.record_projection(emb, result, sample_size=sample, dataset_id=dataset_id)

    def record_projection(
        self,
        emb: EmbedResult,
        result: Projection,
        *,
        sample_size: int | None = None,
        dataset_id: str | None = None,
        requested: ProjectionParams | None = None,
    ) -> Projection:
        """Attach provenance to a computed projection and record it as a run (with a dataset).

        ``requested``: the parameters asked for, when they differ from those used (a
        parameter adjusted to the data); the run is keyed by the request.
        """
        key = runs.projection_key(emb, requested or result.params, sample_size=sample_size)
        return runs.save_projection(self.workspace, dataset_id, emb, result, key)

    # clustering ---------------------------------------------------------------------------
    def cluster(
        self,
        ds: Dataset,
        emb: EmbedResult,
        proj: Projection | None,
        params: ClusterParams,
        *,
        dataset_id: str | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> Clustering:
        """Clusters of the vectors (or of the map), named by keywords of the texts.

        A stored run of the same request is reused; a new result is recorded.
        """
        X, source = self._cluster_input(emb, proj, params)
        if dataset_id:
            saved = runs.load_clustering(self.workspace, dataset_id, emb, params, source)
            if saved is not None:
                return saved
        texts = ds.texts or None
        if self.engine is not None:
            result = self.engine.cluster(X, params, texts=texts, on_progress=on_progress)
        else:
            result = cluster(X, params, texts=texts, on_progress=on_progress)
        return self.record_clustering(emb, proj, result, dataset_id=dataset_id, requested=params)

    def record_clustering(
        self,
        emb: EmbedResult,
        proj: Projection | None,
        result: Clustering,
        *,
        dataset_id: str | None = None,
        requested: ClusterParams | None = None,
    ) -> Clustering:
        """Attach provenance to a computed clustering and record it as a run (with a dataset)."""
        params = requested or result.params
        _, source = self._cluster_input(emb, proj, params, need_array=False)
        return runs.save_clustering(self.workspace, dataset_id, emb, result, params, source)

    def _cluster_input(
        self,
        emb: EmbedResult,
        proj: Projection | None,
        params: ClusterParams,
        *,
        need_array: bool = True,
    ) -> tuple[np.ndarray | None, str]:
        if params.space != "map":
            return emb.vectors, fingerprint(emb.vectors)
        if proj is None:
            raise DataError("Clustering the map needs a projection; project the vectors first.")
        # A stored map is named by its run; an unrecorded one by its coordinates.
        prov: Provenance | None = proj.provenance
        source = prov.run_id if prov is not None and prov.run_id else fingerprint(proj.coords)
        return (proj.coords if need_array else None), source


def _rebuild(root: str, use_cache: bool, engine: Engine | None) -> Pipeline:
    return Pipeline(root, use_cache=use_cache, engine=engine)
