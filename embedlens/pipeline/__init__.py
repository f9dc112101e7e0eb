"""The core pipeline every front end shares (app, CLI, Python API): see :mod:`.core`."""

from __future__ import annotations

from embedlens.pipeline.core import EmbedSpec, ModelPick, Pipeline
from embedlens.pipeline.provenance import (
    PRECOMPUTED,
    Provenance,
    effective_sample,
    fingerprint,
    run_params,
)

__all__ = [
    "PRECOMPUTED",
    "EmbedSpec",
    "ModelPick",
    "Pipeline",
    "Provenance",
    "effective_sample",
    "fingerprint",
    "run_params",
]
