"""Images in the one pipeline: which image embedder a spec means, and embedding with provenance.

:class:`embedlens.pipeline.Pipeline` calls these for a dataset from
:func:`embedlens.io.images.load_images` (it has ``image`` locators and ``image_sha`` hashes), so
the app, the command line and :func:`embedlens.explore` share one path: the content cache keyed
by the image's bytes, thumbnails made once in the workspace, and a provenance that names the
backend and model (the offline baseline says it is a baseline).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from embedlens.dataset import Dataset
from embedlens.embedders import EmbedResult
from embedlens.embedders.images import (
    BASELINE,
    CLIP,
    DEFAULT_CLIP,
    IMAGE_EMBEDDERS,
    embed_images,
    find_local_clip,
    resolve_image_model,
)
from embedlens.embedders.model_cache import ModelCache
from embedlens.i18n import N_
from embedlens.io.image_decode import HASH_COLUMN, SOURCE_COLUMN
from embedlens.progress import ProgressCallback

if TYPE_CHECKING:
    from embedlens.pipeline.core import EmbedSpec, ModelPick, Pipeline

IMAGE_BACKENDS = (BASELINE, CLIP)
BASELINE_VECTORS = N_("pixels+HOG baseline vectors (offline, no model)")
CLIP_VECTORS = N_("CLIP image vectors ({model})")

# Loaded CLIP models, shared by every pipeline in the process (a load takes seconds).
_clip_models = ModelCache(
    lambda model, device: IMAGE_EMBEDDERS.create(CLIP, model=model, device=device),
    max_entries=2,
)


def is_image_dataset(ds: Dataset | None) -> bool:
    """Whether the rows are images (locators and content hashes from ``load_images``)."""
    return ds is not None and {SOURCE_COLUMN, HASH_COLUMN} <= set(ds.frame.columns)


def wants_images(ds: Dataset, spec: EmbedSpec) -> bool:
    """Whether ``spec`` on ``ds`` means embedding its images (not its own vectors or text)."""
    if not is_image_dataset(ds):
        return False
    if spec.backend in IMAGE_BACKENDS:
        return True
    return spec.backend == "auto" and ds.vectors is None


def choose_image_model(spec: EmbedSpec) -> ModelPick:
    """The image embedder ``spec`` means: a local CLIP for auto, else the offline baseline."""
    from embedlens.pipeline.core import ModelPick

    asked = (spec.model or "auto").strip()
    if spec.backend == BASELINE:
        asked = BASELINE
    elif spec.backend == CLIP and asked.lower() == "auto":
        asked = find_local_clip() or DEFAULT_CLIP
    backend, model = resolve_image_model(asked)
    if backend == BASELINE:  # reasons stay English when stored; the app translates them
        reason = (
            N_("No CLIP model on this machine: the offline pixels+HOG baseline.")
            if asked.lower() == "auto"
            else N_("The offline pixels+HOG baseline was chosen explicitly.")
        )
        return ModelPick(BASELINE, BASELINE, reason)
    if asked.lower() == "auto":
        reason = N_("A CLIP model found on this machine: {model}.").format(model=model)
    else:
        reason = N_("The image model {model} was chosen explicitly.").format(model=model)
    return ModelPick(CLIP, model, reason)


def vectors_name(backend: str, model: str) -> str | None:
    """Readable name of image vectors (English; the app translates it), None for others."""
    if backend == BASELINE:
        return BASELINE_VECTORS
    if backend == CLIP:
        return CLIP_VECTORS.format(model=Path(model).name or model)
    return None


def embed_query_text(backend: str, model: str, text: str, *, device: str = "cpu") -> Any:
    """A typed text in the space of CLIP image vectors (1 x d float32)."""
    from embedlens.errors import DataError

    if backend != CLIP:
        raise DataError(
            "The pixels+HOG baseline has no text side, so a typed text has no place among the "
            "images; query by row id, or embed the images with a CLIP model."
        )
    return _clip_models.get(model, device).embed_texts([text])


def embed_image_dataset(
    pipe: Pipeline,
    ds: Dataset,
    spec: EmbedSpec,
    pick: ModelPick,
    *,
    on_progress: ProgressCallback | None = None,
) -> EmbedResult:
    """Embed the images of ``ds`` with the pick, through the pipeline's cache; thumbnails too."""
    from embedlens.pipeline.provenance import embedding_provenance, fingerprint
    from embedlens.store.thumbs import ThumbStore

    embedder: Any = None
    if pick.backend == CLIP:
        embedder = _clip_models.get(pick.model, spec.device)
    thumbs = ThumbStore(pipe.workspace.root)
    result = embed_images(
        ds,
        model=pick.model,
        embedder=embedder,
        batch_size=spec.batch_size,
        device=spec.device,
        cache=pipe.cache,
        thumbs=thumbs,
        on_progress=on_progress,
    )
    if result.cached:  # images embedded earlier: their thumbnails may have been pruned
        thumbs.ensure(ds.frame[HASH_COLUMN].astype(str).tolist(), ds.frame[SOURCE_COLUMN].tolist())
    prov = embedding_provenance(
        source=fingerprint(ds),
        backend=pick.backend,
        model=pick.model,
        cache_key=result.model_key,
        precision="float32",
        reason=pick.reason,
    )
    return replace(result, provenance=prov)
