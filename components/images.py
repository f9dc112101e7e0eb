"""Images in the app: uploads (a zip or several image files), skipped files, thumbnails.

The core does the work (``embedlens.io.images``, ``embedlens.embedders.images``,
``embedlens.store.thumbs``); this module stores uploads in the workspace, shows progress and
draws thumbnails beside the map's selection and per cluster.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st

from components.feedback import md_escape
from components.pipeline import embedding_cache, home
from embedlens.dataset import Dataset
from embedlens.embedders.images import embed_images
from embedlens.i18n import _
from embedlens.io.image_decode import HASH_COLUMN, IMAGE_EXTENSIONS, PATH_COLUMN
from embedlens.io.images import Skipped, load_images
from embedlens.store.thumbs import ThumbStore

UPLOAD_TYPES = ["zip", *(e.lstrip(".") for e in IMAGE_EXTENSIONS)]
SKIPPED_KEY = "images.skipped"

MAX_SELECTED = 24
STRIP_CLUSTERS = 12
STRIP_IMAGES = 8


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
    """Whether the rows are images (they have a content hash)."""
    return ds is not None and HASH_COLUMN in ds.frame.columns


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
    """Load, embed (offline baseline, or CLIP when one is on this machine) and thumbnail."""
    key = "images.upload." + hashlib.sha1("|".join(file_ids).encode()).hexdigest()[:12]
    cached = st.session_state.get(key)
    if cached is not None:
        return cached
    source = store_upload(names, data)
    bar = st.progress(0.0, text=_("Reading the images…"))

    def show(fraction: float, message: str) -> None:
        bar.progress(fraction, text=message)

    ds, skipped = load_images(source, on_progress=show)
    result = embed_images(
        ds, model="auto", cache=embedding_cache(home()), thumbs=thumbs(), on_progress=show
    )
    bar.empty()
    report = ds.report
    if report is not None and result.notes:
        report = dataclasses.replace(report, notes=(*report.notes, *result.notes))
    ds = dataclasses.replace(
        ds,
        name=Path(names[0]).stem if len(names) == 1 else ds.name,
        vectors=result.vectors,
        vector_column="embedding",
        text_column=PATH_COLUMN,
        report=report,
    )
    st.session_state[key] = ds
    st.session_state[SKIPPED_KEY] = [s.to_dict() for s in skipped]
    return ds


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


def central_members(
    X: np.ndarray, labels: np.ndarray, k: int = STRIP_IMAGES
) -> dict[int, np.ndarray]:
    """Per cluster (largest first, noise last), the ``k`` rows closest to its centroid."""
    out: dict[int, np.ndarray] = {}
    ids, counts = np.unique(labels, return_counts=True)
    order = sorted(zip(ids, counts, strict=True), key=lambda t: (t[0] == -1, -t[1]))
    for cid, _n in order[:STRIP_CLUSTERS]:
        rows = np.flatnonzero(labels == cid)
        centre = X[rows].mean(axis=0)
        dist = np.linalg.norm(X[rows] - centre, axis=1)
        out[int(cid)] = rows[np.argsort(dist, kind="stable")[:k]]
    return out


def map_panel(ds: Dataset, coords: np.ndarray, clustering, selected_ids: list) -> None:
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
    X = ds.vectors if ds.vectors is not None and len(ds.vectors) == len(ds) else coords
    labels = np.asarray(clustering.labels)
    st.markdown("#### " + _("Representative images per cluster"))
    st.caption(_("The images closest to each cluster's centre, most central first."))
    for cid, rows in central_members(np.asarray(X, dtype=np.float32), labels).items():
        name = clustering.names.get(cid, str(cid)) if cid != -1 else _("noise (no cluster)")
        st.markdown(
            f"**{md_escape(name)}** · " + _("{n} images").format(n=int((labels == cid).sum()))
        )
        _image_row([shas[r] for r in rows], [Path(paths[r]).name for r in rows])
