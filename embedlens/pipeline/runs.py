"""The pipeline's runs in the workspace: each step's run key, its stored result, recording it.

:class:`embedlens.pipeline.Pipeline` decides what answers a request (resolution); these
functions read and write the workspace's run ledger for it, and attach the provenance. A stored
run that is damaged or from an older format reads as None: the step is computed again.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from embedlens.auto_k import KChoice
from embedlens.cluster import Clustering, ClusterParams
from embedlens.embedders import EmbedResult
from embedlens.errors import EmbedlensError
from embedlens.pipeline.provenance import (
    Provenance,
    derived_provenance,
    effective_sample,
    fingerprint,
    run_params,
)
from embedlens.reduce import Projection, ProjectionParams
from embedlens.store import Workspace

__all__ = [
    "clustering_key",
    "load_clustering",
    "load_projection",
    "projection_key",
    "save_clustering",
    "save_embedding",
    "save_projection",
]


def save_embedding(
    workspace: Workspace, result: EmbedResult, dataset_id: str | None
) -> EmbedResult:
    """Record an embedding as a run of ``dataset_id`` (unchanged without one)."""
    prov: Provenance = result.provenance
    if not dataset_id:
        return result
    run_id = workspace.save_run(
        dataset_id,
        "embedding",
        run_params("embedding", prov.params, source=prov.source),
        {},
        extra={
            **{k: v for k, v in result.summary().items() if k != "model"},
            "provenance": prov.to_dict(),
        },
    )
    return replace(result, provenance=prov.with_run(run_id))


def projection_key(
    emb: EmbedResult, params: ProjectionParams, *, sample_size: int | None = None
) -> dict[str, Any]:
    """The run parameters of projecting ``emb`` with ``params`` (and the sample used)."""
    sample = effective_sample(params.method, sample_size, len(emb.vectors))
    return run_params(
        "projection", params.to_dict(), source=fingerprint(emb.vectors), sample_size=sample
    )


def load_projection(
    workspace: Workspace,
    dataset_id: str,
    emb: EmbedResult,
    params: ProjectionParams,
    key: dict[str, Any],
) -> Projection | None:
    """The stored projection run with ``key``, or None (none, or damaged files)."""
    found = workspace.find_run(dataset_id, "projection", key)
    if found is None:
        return None
    try:
        info, arrays = workspace.load_run(found.id)
    except EmbedlensError:  # damaged or missing files: compute again
        return None
    used = info.extra.get("used", {})
    used_params = ProjectionParams.from_dict({**params.to_dict(), **used})
    return Projection(
        coords=arrays["coords"],
        params=used_params,
        notes=tuple(info.extra.get("notes", [])),
        seconds=float(info.extra.get("seconds", 0.0)),
        provenance=derived_provenance(
            "projection", emb, used_params, key["vectors"], found.id, key.get("sample_size")
        ),
    )


def save_projection(
    workspace: Workspace,
    dataset_id: str | None,
    emb: EmbedResult,
    result: Projection,
    key: dict[str, Any],
) -> Projection:
    """``result`` with its provenance, recorded under ``key`` when there is a dataset."""
    run_id = None
    if dataset_id:
        run_id = workspace.save_run(
            dataset_id,
            "projection",
            key,
            {"coords": result.coords},
            extra={
                "notes": list(result.notes),
                "seconds": result.seconds,
                "used": result.params.to_dict(),
            },
        )
    return replace(
        result,
        provenance=derived_provenance(
            "projection", emb, result.params, key["vectors"], run_id, key.get("sample_size")
        ),
    )


def clustering_key(params: ClusterParams, source: str) -> dict[str, Any]:
    """The run parameters of clustering ``source`` (vectors or a map) with ``params``."""
    return run_params("clustering", params.to_dict(), source=source)


def load_clustering(
    workspace: Workspace, dataset_id: str, emb: EmbedResult, params: ClusterParams, source: str
) -> Clustering | None:
    """The stored clustering of this request, or None (none, damaged, an older format)."""
    key = clustering_key(params, source)
    found = workspace.find_run(dataset_id, "clustering", key)
    if found is None:
        return None
    try:
        info, arrays = workspace.load_run(found.id)
        return Clustering(
            labels=arrays["labels"].astype(np.int64),
            params=ClusterParams.from_dict(info.extra.get("used", key)),
            names={int(k): str(v) for k, v in info.extra.get("names", {}).items()},
            keywords={int(k): list(v) for k, v in info.extra.get("keywords", {}).items()},
            notes=tuple(info.extra.get("notes", [])),
            seconds=float(info.extra.get("seconds", 0.0)),
            provenance=derived_provenance("clustering", emb, params, source, found.id),
            k_choice=_k_choice(info.extra.get("k_choice")),
        )
    except (EmbedlensError, KeyError):
        return None  # damaged or from an older format: compute again


def save_clustering(
    workspace: Workspace,
    dataset_id: str | None,
    emb: EmbedResult,
    result: Clustering,
    params: ClusterParams,
    source: str,
) -> Clustering:
    """``result`` with its provenance, recorded as the run of ``params`` on ``source``."""
    run_id = None
    if dataset_id:
        run_id = workspace.save_run(
            dataset_id,
            "clustering",
            clustering_key(params, source),
            {"labels": np.asarray(result.labels, dtype=np.int64)},
            extra={
                "names": {str(k): str(v) for k, v in result.names.items()},
                "keywords": {str(k): list(v) for k, v in result.keywords.items()},
                "notes": list(result.notes),
                "seconds": result.seconds,
                "used": result.params.to_dict(),
                **({"k_choice": result.k_choice.to_dict()} if result.k_choice else {}),
            },
        )
    return replace(
        result, provenance=derived_provenance("clustering", emb, result.params, source, run_id)
    )


def _k_choice(data: Any) -> KChoice | None:
    """The stored curves of an automatic k (None: a fixed k, or a run from an older version)."""
    try:
        return KChoice.from_dict(data) if isinstance(data, dict) else None
    except (KeyError, TypeError, ValueError):
        return None
