"""Representative images per cluster, for the app, story slides and the one-file HTML.

A cluster's representatives are its members closest to its centre (in the vectors when there
are some, else on the map). In an HTML export the thumbnails are inlined as ``data:`` URIs up
to a byte cap, and the file says what it left out. Captions are escaped; only the workspace's
own WebP thumbnails (``data:image/webp;base64,``) are ever inlined.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from embedlens.dataset import Dataset
from embedlens.i18n import _
from embedlens.io.image_decode import HASH_COLUMN, PATH_COLUMN

PER_CLUSTER = 8
MAX_CLUSTERS = 12
MAX_HTML_BYTES = 2 * 1024 * 1024  # thumbnails inlined in one exported HTML file
_URI_PREFIX = "data:image/webp;base64,"


def central_members(
    X: np.ndarray, labels: np.ndarray, k: int = PER_CLUSTER, max_clusters: int = MAX_CLUSTERS
) -> dict[int, np.ndarray]:
    """Per cluster (largest first, noise last), the ``k`` rows closest to its centroid.

    >>> X = np.array([[0.0], [0.1], [5.0], [5.2], [9.0]])
    >>> {c: r.tolist() for c, r in central_members(X, np.array([0, 0, 1, 1, 1]), k=1).items()}
    {1: [3], 0: [0]}
    """
    out: dict[int, np.ndarray] = {}
    ids, counts = np.unique(labels, return_counts=True)
    order = sorted(zip(ids, counts, strict=True), key=lambda t: (t[0] == -1, -t[1], t[0]))
    for cid, _n in order[:max_clusters]:
        rows = np.flatnonzero(labels == cid)
        centre = X[rows].mean(axis=0)
        dist = np.linalg.norm(X[rows] - centre, axis=1)
        out[int(cid)] = rows[np.argsort(dist, kind="stable")[:k]]
    return out


@dataclass(frozen=True)
class ImageStrip:
    """Per cluster ``(name, size, ((caption, data URI), ...))``, what was left out and why."""

    groups: tuple[tuple[str, int, tuple[tuple[str, str], ...]], ...]
    shown: int
    total: int
    capped: bool  # the byte cap stopped it before every representative was in

    def note(self) -> str:
        """One sentence for the file: how many images it shows and what it left out."""
        left = self.total - self.shown
        text = _(
            "Thumbnails: {shown:,} of {total:,} images, the most central of each cluster; "
            "{left:,} left out to keep this file small."
        ).format(shown=self.shown, total=self.total, left=left)
        if self.capped:
            text += " " + _("The thumbnails stopped at the size cap of {mb:.0f} MB.").format(
                mb=MAX_HTML_BYTES / 2**20
            )
        return text


def image_strip(
    ds: Dataset,
    labels: np.ndarray,
    names: Mapping[int, str],
    thumbs,
    *,
    vectors: np.ndarray | None = None,
    coords: np.ndarray | None = None,
    per_cluster: int = PER_CLUSTER,
    max_clusters: int = MAX_CLUSTERS,
    max_bytes: int = MAX_HTML_BYTES,
) -> ImageStrip | None:
    """The representatives of each cluster with their thumbnails (None: not images)."""
    if HASH_COLUMN not in ds.frame.columns or labels is None:
        return None
    X = vectors if vectors is not None and len(vectors) == len(ds) else coords
    if X is None:
        return None
    shas = ds.frame[HASH_COLUMN].astype(str).to_numpy()
    paths = ds.frame[PATH_COLUMN].astype(str).to_numpy() if PATH_COLUMN in ds.frame else shas
    labels = np.asarray(labels)
    used, capped, shown, groups = 0, False, 0, []
    X = np.asarray(X, dtype=np.float32)
    for cid, rows in central_members(X, labels, per_cluster, max_clusters).items():
        items = []
        for r in rows:
            uri = thumbs.data_uri(shas[r])
            if not uri or not uri.startswith(_URI_PREFIX):
                continue
            if used + len(uri) > max_bytes:
                capped = True
                break
            used += len(uri)
            items.append((paths[r].rsplit("/", 1)[-1], uri))
        name = names.get(cid, str(cid)) if cid != -1 else _("noise (no cluster)")
        groups.append((str(name), int((labels == cid).sum()), tuple(items)))
        shown += len(items)
        if capped:
            break
    return ImageStrip(tuple(groups), shown, len(ds), capped)


STRIP_CSS = (
    ".image-strip { font-size: 0.95rem; margin: 0.6rem 0; }"
    ".image-strip h3 { font-size: 1rem; margin: 0.5rem 0 0.2rem; }"
    ".image-strip .row { display: flex; flex-wrap: wrap; gap: 6px; }"
    ".image-strip figure { margin: 0; width: 96px; text-align: center; }"
    ".image-strip img { max-width: 96px; max-height: 96px; }"
    ".image-strip figcaption { font-size: 0.7rem; overflow-wrap: anywhere; opacity: 0.75; }"
    ".image-strip .note { font-size: 0.85rem; opacity: 0.75; }"
    ".slide .image-strip { max-height: 32vh; overflow-y: auto; flex: none; }"
)


def strip_html(strip: ImageStrip) -> str:
    """An HTML block of the strip (escaped captions) ending with its note."""
    parts = [f"<style>{STRIP_CSS}</style>", '<div class="image-strip">']
    parts.append(f"<h3>{html.escape(_('Representative images per cluster'))}</h3>")
    for name, size, items in strip.groups:
        count = html.escape(_("{n} images").format(n=size))
        parts.append(f"<h3>{html.escape(name)} · {count}</h3><div class='row'>")
        for caption, uri in items:
            cap = html.escape(caption)
            parts.append(
                f'<figure><img src="{uri}" alt="{cap}" /><figcaption>{cap}</figcaption></figure>'
            )
        parts.append("</div>")
    parts.append(f'<p class="note">{html.escape(strip.note())}</p></div>')
    return "".join(parts)
