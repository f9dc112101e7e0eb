"""Images in the app: uploads (a zip or several image files), skipped files, thumbnails.

The core does the work (``embedlens.io.images``, ``embedlens.embedders.images``,
``embedlens.store.thumbs``); this module stores uploads in the workspace, shows progress and
draws thumbnails beside the map's selection and per cluster.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import re
from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st

from components.feedback import md_escape
from components.pipeline import home
from embedlens.dataset import Dataset
from embedlens.embedders.images import BASELINE, CLIP
from embedlens.i18n import _
from embedlens.io.image_decode import HASH_COLUMN, IMAGE_EXTENSIONS, PATH_COLUMN
from embedlens.io.images import Skipped, load_images
from embedlens.pipeline.images import embed_query_text
from embedlens.pipeline.images import is_image_dataset as _is_images
from embedlens.plotting.image_strip import central_members, image_strip, strip_html
from embedlens.store.thumbs import ThumbStore

UPLOAD_TYPES = ["zip", *(e.lstrip(".") for e in IMAGE_EXTENSIONS)]
SKIPPED_KEY = "images.skipped"

AUTO = "auto"
MAX_SELECTED = 24
SLIDE_STRIP = {"per_cluster": 6, "max_clusters": 4}  # a slide keeps its map readable


def upload_hint() -> str:
    """The line under the uploader that says images are welcome."""
    return _(
        "Images: a .zip of an image folder (sub-folders become labels) or several image files "
        "(PNG, JPEG, WebP, GIF, BMP, TIFF)."
    )


def is_image_upload(names: tuple[str, ...]) -> bool:
    """One ``.zip``, or only image files."""
    exts = [Path(n).suffix.lower() for n in names]
    if len(exts) == 1 and exts[0] == ".zip":
        return True
    return bool(exts) and all(e in IMAGE_EXTENSIONS for e in exts)


def is_image_dataset(ds: Dataset | None) -> bool:
    """Whether the rows are images (locators and content hashes)."""
    return _is_images(ds)


def thumbs() -> ThumbStore:
    """The workspace's thumbnail store."""
    return ThumbStore(home())


def _safe_name(name: str, taken: set[str]) -> str:
    base = re.sub(r"[^\w.\-]+", "_", Path(name).name).strip("._") or "image"
    out, n = base, 1
    while out in taken:
        stem, ext = Path(base).stem, Path(base).suffix
        out, n = f"{stem}_{n}{ext}", n + 1
    taken.add(out)
    return out


def store_upload(names: tuple[str, ...], data: tuple[bytes, ...]) -> Path:
    """Write the uploaded files under ``<workspace>/uploads/<hash>/`` (kept: nothing is lost)."""
    digest = hashlib.sha256()
    for name, blob in zip(names, data, strict=True):
        digest.update(name.encode("utf-8", "replace") + b"\0" + hashlib.sha256(blob).digest())
    folder = Path(home()) / "uploads" / digest.hexdigest()[:24]
    folder.mkdir(parents=True, exist_ok=True)
    taken: set[str] = set()
    paths = []
    for name, blob in zip(names, data, strict=True):
        target = folder / _safe_name(name, taken)
        if not target.is_file() or target.stat().st_size != len(blob):
            tmp = target.with_suffix(target.suffix + ".tmp")
            tmp.write_bytes(blob)
            tmp.replace(target)
        paths.append(target)
    return paths[0] if len(paths) == 1 and paths[0].suffix.lower() == ".zip" else folder


def from_uploads(
    file_ids: tuple[str, ...], names: tuple[str, ...], data: tuple[bytes, ...]
) -> Dataset:
    """Store the upload in the workspace and check every image (the map embeds them)."""
    key = "images.upload." + hashlib.sha1("|".join(file_ids).encode()).hexdigest()[:12]
    cached = st.session_state.get(key)
    if cached is not None:
        return cached
    source = store_upload(names, data)
    bar = st.progress(0.0, text=_("Reading the images…"))

    def show(fraction: float, message: str) -> None:
        bar.progress(fraction, text=message)

    ds, skipped = load_images(source, on_progress=show)
    bar.empty()
    name = Path(names[0]).stem if len(names) == 1 else _("{n} images").format(n=len(names))
    ds = dataclasses.replace(ds, name=name)
    st.session_state[key] = ds
    st.session_state[SKIPPED_KEY] = [s.to_dict() for s in skipped]
    return ds


def map_caption() -> str:
    """How to read a map of images (a format string like the map page's own caption)."""
    return _(
        "Each dot is one of {n:,} images, placed by {method} so that images the vectors find "
        "alike sit close together ({vectors}). Colours are {n_clusters} {method2} clusters "
        "named by words of their file paths. Click a dot to see its image under the map; draw "
        "a lasso to select; the Neighbours page finds the most similar images."
    )


def embedding_form(ds: Dataset) -> tuple[str, str]:
    """Sidebar: the image embedder (automatic: a local CLIP, else the offline baseline)."""
    choices = [AUTO, BASELINE, CLIP]
    labels = {
        AUTO: _("Automatic (CLIP when one is on this machine, else the baseline)"),
        BASELINE: _("pixels+HOG baseline (offline, no model)"),
        CLIP: _("CLIP (sentence-transformers)"),
    }
    backend = st.selectbox(
        _("Image embedding"),
        choices,
        key="map.image_backend",
        format_func=labels.get,
        help=_(
            "The baseline needs no model: it compares shapes, strokes and colours, not meaning. "
            "CLIP puts images and typed texts in one space (a query like 'a red car' finds "
            "images); it needs a CLIP model on this machine."
        ),
    )
    if backend != CLIP:
        return backend, AUTO
    model = st.text_input(
        _("CLIP model name or local folder"),
        key="map.image_model",
        placeholder="clip-ViT-B-32",
    )
    return CLIP, model.strip() or AUTO


def typed_query_reason(backend: str) -> str | None:
    """Why a typed text cannot search these images (None for CLIP, whose space it shares)."""
    if backend == CLIP:
        return None
    return _(
        "The pixels+HOG baseline compares pixels and has no text side, so a typed text cannot "
        "search these images. Choose an image instead, or embed the images with a CLIP model."
    )


@st.cache_data(show_spinner=False, max_entries=64)
def query_vector(text: str, backend: str, model: str) -> np.ndarray:
    """A typed text in the space of the CLIP image vectors (1 x d)."""
    return embed_query_text(backend, model, text)


def thumbnail_uris(ds: Dataset, positions) -> list[str | None]:
    """``data:`` URIs of the thumbnails of the rows at ``positions`` (None where missing)."""
    shas = ds.frame[HASH_COLUMN].astype(str).to_numpy()
    return thumbs().data_uris(shas[int(p)] for p in positions)


def skipped_panel() -> None:
    """The files that were not used, with reasons (escaped: names come from the upload)."""
    skipped = [Skipped(**s) for s in st.session_state.get(SKIPPED_KEY, [])]
    if not skipped:
        return
    with st.expander(_("Skipped {n} files").format(n=len(skipped)), icon=":material/warning:"):
        st.dataframe(
            pd.DataFrame([s.to_dict() for s in skipped]).rename(
                columns={"file": _("Skipped file"), "reason": _("Why it was skipped")}
            ),
            hide_index=True,
            width="stretch",
        )


def _image_row(shas: list[str], captions: list[str]) -> None:
    store = thumbs()
    files = [(store.path(s), c) for s, c in zip(shas, captions, strict=True)]
    files = [(p, c) for p, c in files if p.is_file()]
    if files:
        st.image([p.read_bytes() for p, _c in files], caption=[c for _p, c in files], width=96)


def map_panel(
    ds: Dataset, vectors: np.ndarray | None, coords: np.ndarray, clustering, selected_ids: list
) -> None:
    """Under the map: the clicked or selected images, and each cluster's most central images."""
    if not is_image_dataset(ds):
        return
    shas = ds.frame[HASH_COLUMN].astype(str).tolist()
    paths = ds.frame[PATH_COLUMN].astype(str).tolist()
    if selected_ids:
        wanted = {str(i) for i in selected_ids}
        pos = [i for i, v in enumerate(ds.ids) if str(v) in wanted][:MAX_SELECTED]
        st.markdown("#### " + _("Selected images ({n})").format(n=len(wanted)))
        _image_row([shas[p] for p in pos], [Path(paths[p]).name for p in pos])
        table = pd.DataFrame(
            {
                "thumbnail": thumbs().data_uris(shas[p] for p in pos),
                "id": [ds.ids[p] for p in pos],
                "path": [paths[p] for p in pos],
            }
        )
        if ds.label_column:
            table["label"] = ds.frame[ds.label_column].astype(str).to_numpy()[pos]
        st.dataframe(
            table,
            hide_index=True,
            width="stretch",
            column_config={
                "thumbnail": st.column_config.ImageColumn(_("Thumbnail"), width="small")
            },
        )
    else:
        st.caption(_("Click a point (or draw a box or lasso) to see its image here."))
    X = vectors if vectors is not None and len(vectors) == len(ds) else coords
    labels = np.asarray(clustering.labels)
    st.markdown("#### " + _("Representative images per cluster"))
    st.caption(_("The images closest to each cluster's centre, most central first."))
    for cid, rows in central_members(np.asarray(X, dtype=np.float32), labels).items():
        name = clustering.names.get(cid, str(cid)) if cid != -1 else _("noise (no cluster)")
        st.markdown(
            f"**{md_escape(name)}** · " + _("{n} images").format(n=int((labels == cid).sum()))
        )
        _image_row([shas[r] for r in rows], [Path(paths[r]).name for r in rows])


def html_strip(ds: Dataset, vectors: np.ndarray | None, coords: np.ndarray, clustering) -> str:
    """The representative thumbnails for a one-file HTML export ("" when not images)."""
    if not is_image_dataset(ds) or clustering is None:
        return ""
    strip = image_strip(
        ds, clustering.labels, clustering.names, thumbs(), vectors=vectors, coords=coords
    )
    return strip_html(strip) if strip is not None else ""


def slide_strip(data) -> None:
    """Under a story slide of images: a few representatives of its largest clusters."""
    if not is_image_dataset(data.ds) or data.labels is None:
        return
    strip = image_strip(
        data.ds, data.labels, data.names, thumbs(), coords=data.coords, **SLIDE_STRIP
    )
    for name, size, items in strip.groups if strip is not None else ():
        if items:
            st.caption(f"**{md_escape(name)}** · " + _("{n} images").format(n=size))
            pictures = [base64.b64decode(uri.split(",", 1)[1]) for _c, uri in items]
            st.image(pictures, caption=[c for c, _u in items], width=72)
