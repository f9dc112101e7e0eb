"""Image embedders and the cached ``embed_images`` step.

Two backends, registered in ``IMAGE_EMBEDDERS``:

- ``clip``: a CLIP model through sentence-transformers (``clip-ViT-B-32`` or any local CLIP
  folder). Its text and image vectors share one space, so a typed query finds images.
- ``pixels-hog-baseline``: an offline baseline that needs no weights: gradient-orientation
  histograms (HOG, written here in numpy) plus downscaled grey pixels and a coarse colour
  layout, reduced with PCA. It knows shapes and strokes, not meaning.

``model="auto"`` picks CLIP when a CLIP model is on this machine (``EMBEDLENS_IMAGE_MODEL``,
the Hugging Face or sentence-transformers cache), else the baseline.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from PIL import Image

from embedlens.dataset import Dataset
from embedlens.embedders import EmbedResult, VectorCache
from embedlens.errors import BackendUnavailable, DataError
from embedlens.i18n import N_
from embedlens.io.image_decode import HASH_COLUMN, SOURCE_COLUMN, iter_decoded
from embedlens.progress import ProgressCallback, report
from embedlens.registry import Registry
from embedlens.store.cache import model_key as cache_model_key
from embedlens.validation import check_in_range

BASELINE = "pixels-hog-baseline"
BASELINE_LABEL = N_("pixels+HOG baseline (offline, no model)")
CLIP = "clip"
DEFAULT_CLIP = "clip-ViT-B-32"
BASELINE_DIMS = 64  # PCA components of the baseline features
_SIDE = 32  # the baseline looks at a 32x32 grey copy


class ImageEmbedder(Protocol):
    """Turns RGB images into float32 rows (``per_image``: cacheable image by image)."""

    model_key: str
    label: str

    def embed_images(self, images: Sequence[Image.Image], *, batch_size: int = 32) -> np.ndarray:
        """Return an (len(images), dim) float32 array."""
        ...


IMAGE_EMBEDDERS: Registry[ImageEmbedder] = Registry("image embedder")


# ---------------------------------------------------------------- the offline baseline


def _hog(grey: np.ndarray, cell: int = 8, bins: int = 9) -> np.ndarray:
    """HOG of a batch of (B, S, S) grey images: unsigned orientations, 2x2-cell L2-Hys blocks."""
    b, s, _ = grey.shape
    gx = np.zeros_like(grey)
    gy = np.zeros_like(grey)
    gx[:, :, 1:-1] = grey[:, :, 2:] - grey[:, :, :-2]
    gy[:, 1:-1, :] = grey[:, 2:, :] - grey[:, :-2, :]
    mag = np.hypot(gx, gy)
    pos = (np.degrees(np.arctan2(gy, gx)) % 180.0) / (180.0 / bins)
    lo = np.floor(pos).astype(np.int64) % bins
    frac = pos - np.floor(pos)
    hi = (lo + 1) % bins
    n = s // cell
    cells = np.zeros((b, n, n, bins), dtype=np.float32)
    for k in range(bins):
        contrib = mag * ((lo == k) * (1.0 - frac) + (hi == k) * frac)
        cells[..., k] = contrib.reshape(b, n, cell, n, cell).sum(axis=(2, 4))
    blocks = []
    for i in range(n - 1):
        for j in range(n - 1):
            v = cells[:, i : i + 2, j : j + 2].reshape(b, -1)
            v = v / np.sqrt((v**2).sum(axis=1, keepdims=True) + 1e-6)
            v = np.minimum(v, 0.2)
            blocks.append(v / np.sqrt((v**2).sum(axis=1, keepdims=True) + 1e-6))
    return np.concatenate(blocks, axis=1)


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.sqrt((x**2).sum(axis=1, keepdims=True) + 1e-12)


def baseline_features(images: Sequence[Image.Image]) -> np.ndarray:
    """Per-image features (HOG + 16x16 grey pixels + 4x4 colour), each image on its own."""
    grey = (
        np.stack(
            [
                np.asarray(im.convert("L").resize((_SIDE, _SIDE), Image.Resampling.BILINEAR))
                for im in images
            ]
        ).astype(np.float32)
        / 255.0
    )
    hog = _unit(_hog(grey))
    small = grey.reshape(len(images), 16, 2, 16, 2).mean(axis=(2, 4)).reshape(len(images), -1)
    small = _unit(small - small.mean(axis=1, keepdims=True))
    colour = (
        np.stack(
            [np.asarray(im.resize((4, 4), Image.Resampling.BOX), dtype=np.float32) for im in images]
        ).reshape(len(images), -1)
        / 255.0
    )
    colour = _unit(colour - 0.5) * 0.5
    return np.ascontiguousarray(np.concatenate([hog, small, colour], axis=1), dtype=np.float32)


class PixelsHogBaseline:
    """The offline baseline: features per image; :func:`embed_images` adds a PCA over them."""

    model_key = cache_model_key(BASELINE, "pixels+hog", version=1, side=_SIDE)
    label = BASELINE_LABEL
    decode_side = 2 * _SIDE

    def embed_images(self, images: Sequence[Image.Image], *, batch_size: int = 32) -> np.ndarray:
        """Return the baseline's per-image features."""
        return baseline_features(images)


def reduce_features(features: np.ndarray, dims: int = BASELINE_DIMS) -> np.ndarray:
    """PCA (deterministic) of the baseline features to at most ``dims`` columns.

    More rows than features: the eigenvectors of the d x d covariance (10,000 x 640 in about
    1 s, where a full SVD took 23 s on the loaded 2-core machine); else a full SVD.
    """
    from sklearn.decomposition import PCA

    n, d = features.shape
    k = min(dims, d, n - 1)
    if k < 2:
        return np.ascontiguousarray(features, dtype=np.float32)
    solver = "covariance_eigh" if n > 2 * d else "full"
    out = PCA(n_components=k, svd_solver=solver).fit_transform(features)
    return np.ascontiguousarray(out, dtype=np.float32)


@IMAGE_EMBEDDERS.register(BASELINE, label=BASELINE_LABEL)
def _make_baseline(model: str = "", **_: Any) -> PixelsHogBaseline:
    return PixelsHogBaseline()


# ---------------------------------------------------------------- CLIP


class ClipEmbedder:
    """A CLIP model through sentence-transformers: images and texts in one space."""

    decode_side = 448

    def __init__(self, model: str = DEFAULT_CLIP, *, device: str = "cpu") -> None:
        from embedlens.limits import apply_offline, limits

        limits().check_model(model)
        apply_offline()  # no hub retries unless the operator allows downloads
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError:
            raise BackendUnavailable(
                "CLIP needs sentence-transformers: pip install sentence-transformers"
            ) from None
        name = (
            str(Path(model).expanduser().resolve()) if Path(model).expanduser().is_dir() else model
        )
        try:
            self.model = SentenceTransformer(name, device=None if device == "auto" else device)
        except Exception as exc:  # offline with no local copy, a broken folder
            raise BackendUnavailable(
                f"The image model {model!r} could not be loaded ({type(exc).__name__}: "
                f"{str(exc)[:200]}). Give a local CLIP folder with --model PATH, or use "
                f"--model {BASELINE} (offline, no weights)."
            ) from None
        self.name = name
        self.model_key = cache_model_key(CLIP, name, normalize=True)
        self.label = f"CLIP {Path(name).name}"

    def embed_images(self, images: Sequence[Image.Image], *, batch_size: int = 32) -> np.ndarray:
        """Unit-length image vectors."""
        out = self.model.encode(
            list(images), batch_size=batch_size, convert_to_numpy=True, normalize_embeddings=True
        )
        return np.ascontiguousarray(out, dtype=np.float32)

    def embed_texts(self, texts: Sequence[str], *, batch_size: int = 32) -> np.ndarray:
        """Unit-length text vectors in the same space as the images (typed queries)."""
        out = self.model.encode(
            list(texts), batch_size=batch_size, convert_to_numpy=True, normalize_embeddings=True
        )
        return np.ascontiguousarray(out, dtype=np.float32)


@IMAGE_EMBEDDERS.register(
    CLIP,
    label="CLIP (sentence-transformers)",
    requires=("sentence_transformers",),
    pip_name="sentence-transformers",
)
def _make_clip(model: str = DEFAULT_CLIP, device: str = "cpu", **_: Any) -> ClipEmbedder:
    return ClipEmbedder(model or DEFAULT_CLIP, device=device)


def is_clip_folder(path: str | os.PathLike[str]) -> bool:
    """True for a folder holding a CLIP model (Hugging Face or sentence-transformers layout)."""
    p = Path(path).expanduser()
    for name in ("config.json", "0_CLIPModel/config.json"):
        cfg = p / name
        if cfg.is_file():
            try:
                data = json.loads(cfg.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            kinds = [str(data.get("model_type", ""))] + [
                str(a) for a in data.get("architectures") or []
            ]
            if any("clip" in k.lower() for k in kinds):
                return True
    return False


def find_local_clip() -> str | None:
    """A CLIP model folder on this machine, or None (no download is ever tried)."""
    env = os.environ.get("EMBEDLENS_IMAGE_MODEL")
    if env and is_clip_folder(env):
        return str(Path(env).expanduser().resolve())
    roots = []
    hub = os.environ.get("HF_HUB_CACHE") or os.environ.get("HUGGINGFACE_HUB_CACHE")
    home = Path(os.environ.get("HF_HOME", "~/.cache/huggingface")).expanduser()
    roots += [Path(hub).expanduser()] if hub else []
    roots += [
        home / "hub",
        Path(
            os.environ.get("SENTENCE_TRANSFORMERS_HOME", "~/.cache/torch/sentence_transformers")
        ).expanduser(),
    ]
    for root in roots:
        if not root.is_dir():
            continue
        for entry in sorted(root.iterdir()):
            if "clip" not in entry.name.lower():
                continue
            snaps = (
                sorted((entry / "snapshots").glob("*"))
                if (entry / "snapshots").is_dir()
                else [entry]
            )
            for snap in snaps:
                if is_clip_folder(snap):
                    return str(snap.resolve())
    return None


def resolve_image_model(model: str = "auto") -> tuple[str, str]:
    """``(backend, model)`` for a ``--model`` value: auto, a baseline name, a CLIP name or path."""
    text = (model or "auto").strip()
    if text.lower() in (BASELINE, "baseline", "pixels+hog"):
        return BASELINE, ""
    if text.lower() == "auto":
        found = find_local_clip()
        return (CLIP, found) if found else (BASELINE, "")
    return CLIP, text


def make_image_embedder(model: str = "auto", *, device: str = "cpu") -> ImageEmbedder:
    """Build the image embedder a ``--model`` value names (loading CLIP takes seconds)."""
    backend, name = resolve_image_model(model)
    return IMAGE_EMBEDDERS.create(backend, model=name, device=device)


# ---------------------------------------------------------------- the step


def embed_images(
    ds: Dataset,
    *,
    model: str = "auto",
    embedder: ImageEmbedder | None = None,
    batch_size: int = 32,
    device: str = "cpu",
    cache: VectorCache | None = None,
    thumbs: Any = None,
    on_progress: ProgressCallback | None = None,
) -> EmbedResult:
    """Embed the images of a Dataset from :func:`embedlens.io.images.load_images`.

    Distinct images (by content hash) are decoded in batches of ``batch_size`` and sent to the
    model only when the cache does not hold them under this model's key; each batch is written
    to the cache as it finishes. Memory is bounded by the batch, not the number of images.
    The baseline caches its per-image features and reduces them with PCA over the whole set.

    Parameters
    ----------
    ds : Dataset
        With ``image`` (locator) and ``image_sha`` columns.
    model : str
        ``"auto"``, ``"pixels-hog-baseline"``, a CLIP model name or a local folder.
    embedder : ImageEmbedder, optional
        Already loaded (the app shares one); overrides ``model``.
    cache : VectorCache, optional
        ``embedlens.store.EmbeddingCache``; None embeds everything.
    thumbs : ThumbStore, optional
        Thumbnails are written from the decoded images on the way (no second decode).
    on_progress : callable, optional
        ``on_progress(fraction, message)`` with images/s and time left.
    """
    from embedlens.io.images import rate_message

    check_in_range("batch_size", batch_size, low=1, high=4096, owner="embed_images", kind=int)
    for col in (SOURCE_COLUMN, HASH_COLUMN):
        if col not in ds.frame.columns:
            raise DataError(f"{ds.name}: no {col!r} column; load the images with load_images.")
    started = time.perf_counter()
    hashes = ds.frame[HASH_COLUMN].astype(str).to_numpy()
    unique, first, inverse = np.unique(hashes, return_index=True, return_inverse=True)
    locators = ds.frame[SOURCE_COLUMN].tolist()
    if embedder is None:
        backend, name = resolve_image_model(model)
        if backend == BASELINE:
            embedder = PixelsHogBaseline()
    else:
        backend = BASELINE if isinstance(embedder, PixelsHogBaseline) else CLIP
    report(on_progress, 0.0, "Loading the image model…")
    if embedder is None:
        embedder = IMAGE_EMBEDDERS.create(backend, model=name, device=device)
    key = embedder.model_key
    keys = [f"image:{h}" for h in unique]
    vectors: np.ndarray | None = None
    found = np.zeros(len(unique), dtype=bool)
    if cache is not None:
        hit, found = cache.get_many(key, keys)
        if hit is not None and found.any():
            vectors = np.empty((len(unique), hit.shape[1]), dtype=np.float32)
            vectors[found] = hit
    missing = np.flatnonzero(~found)
    broken = 0
    t0 = time.perf_counter()
    done = 0
    todo = [locators[first[i]] for i in missing]
    side = getattr(embedder, "decode_side", None)
    for batch in iter_decoded(todo, batch_size=batch_size, draft=side):
        idx = missing[done : done + len(batch)]
        good = [j for j, im in enumerate(batch) if im is not None]
        broken += len(batch) - len(good)
        if good:
            imgs = [batch[j] for j in good]
            out = embedder.embed_images(imgs, batch_size=batch_size)
            if vectors is None:
                vectors = np.zeros((len(unique), out.shape[1]), dtype=np.float32)
            vectors[idx[good]] = out
            if cache is not None:
                cache.put_many(key, [keys[i] for i in idx[good]], out)
            if thumbs is not None:
                for j, im in zip(good, imgs, strict=True):
                    thumbs.put(unique[idx[j]], im)
        done += len(batch)
        report(
            on_progress,
            done / max(len(todo), 1),
            rate_message("Embedded", done, len(todo), time.perf_counter() - t0),
        )
    if vectors is None:
        raise DataError(f"{ds.name}: none of the images could be decoded for embedding.")
    notes = []
    if broken:
        notes.append(N_("{n:,} images no longer decode; they get zero vectors.").format(n=broken))
    if backend == BASELINE:
        vectors = reduce_features(vectors)
        key = f"{key}|pca={vectors.shape[1]}"
        notes.append(
            N_(
                "pixels+HOG baseline (offline, no model): shapes and strokes, not meaning; "
                "{dims} PCA dims."
            ).format(dims=vectors.shape[1])
        )
    duplicates = len(hashes) - len(unique)
    if duplicates:
        notes.append(
            N_("{n:,} rows repeat an earlier image and share its vector.").format(n=duplicates)
        )
    return EmbedResult(
        vectors=np.ascontiguousarray(vectors[inverse]),
        model_key=key,
        embedded=int(missing.size),
        cached=int(found[inverse].sum()),
        duplicates=duplicates,
        truncated=0,
        seconds=time.perf_counter() - started,
        notes=tuple(notes),
    )
