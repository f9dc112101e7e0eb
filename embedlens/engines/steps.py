"""The slow steps as plain functions, run wherever an engine computes (a worker, a Ray task).

Each process keeps its loaded models in one bounded :class:`ModelCache`, so a worker that
embeds twice loads its model once. Results leave out the fitted projection model (a UMAP
object can weigh more than its coordinates and the pipeline never records it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING

import numpy as np

from embedlens.progress import ProgressCallback

if TYPE_CHECKING:
    from embedlens.cluster import Clustering, ClusterParams
    from embedlens.embedders import Embedder, EmbedResult, VectorCache
    from embedlens.embedders.model_cache import ModelCache
    from embedlens.pipeline.core import EmbedSpec
    from embedlens.reduce import Projection, ProjectionParams

__all__ = ["cluster_step", "embed_step", "loaded_embedder", "project_step"]

MODELS_PER_PROCESS = 2
_models: ModelCache | None = None


def loaded_embedder(backend: str, model: str, device: str, precision: str) -> Embedder:
    """The embedder for these settings, loaded once per process (LRU of two models)."""
    global _models
    if _models is None:
        from embedlens.embedders import make_embedder
        from embedlens.embedders.model_cache import ModelCache

        def load(backend: str, model: str, device: str, precision: str) -> Embedder:
            return make_embedder(backend, model, device=device, precision=precision)

        _models = ModelCache(load, max_entries=MODELS_PER_PROCESS)
    return _models.get(backend, model, device, precision)


def embed_step(
    texts: Sequence[str],
    spec: EmbedSpec,
    *,
    cache: VectorCache | None = None,
    on_progress: ProgressCallback | None = None,
) -> EmbedResult:
    """:func:`embedlens.embedders.embed_texts` with this process's loaded model for ``spec``."""
    from embedlens.embedders import embed_texts

    return embed_texts(
        texts,
        backend=spec.backend,
        model=spec.model,
        embedder=partial(loaded_embedder, spec.backend, spec.model, spec.device, spec.precision),
        batch_size=spec.batch_size,
        device=spec.device,
        precision=spec.precision,
        cache=cache,
        on_progress=on_progress,
    )


def project_step(
    vectors: np.ndarray,
    params: ProjectionParams,
    *,
    sample_size: int | None = None,
    on_progress: ProgressCallback | None = None,
) -> Projection:
    """:func:`~embedlens.reduce.project`, or fit on ``sample_size`` rows and place the rest."""
    from embedlens.reduce import project
    from embedlens.reduce_scale import fit_sample_transform

    if sample_size is None:
        result = project(vectors, params, on_progress=on_progress)
    else:
        result = fit_sample_transform(
            vectors, params, sample_size=sample_size, on_progress=on_progress
        )
    return replace(result, model=None)


def cluster_step(
    X: np.ndarray,
    params: ClusterParams,
    *,
    texts: Sequence[str] | None = None,
    on_progress: ProgressCallback | None = None,
) -> Clustering:
    """:func:`embedlens.cluster.cluster` (keyword names from ``texts``)."""
    from embedlens.cluster import cluster

    return cluster(X, params, texts=texts, on_progress=on_progress)
