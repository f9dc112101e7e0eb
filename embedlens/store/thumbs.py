"""Thumbnails: made once per image content, stored as small WebP files in the workspace.

``<workspace>/thumbs/<sha[:2]>/<sha>.webp``, at most ``THUMB_PX`` a side; the folder is kept
under ``MAX_BYTES`` by removing the least recently written files. Served as ``data:`` URIs
where a page or an HTML export needs them inline.
"""

from __future__ import annotations

import base64
import io
import os
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from PIL import Image

from embedlens.errors import InvalidParameterError
from embedlens.progress import ProgressCallback, report

THUMB_PX = 96
MAX_BYTES = 512 * 1024 * 1024
_HEX = set("0123456789abcdef")


class ThumbStore:
    """Content-addressed thumbnails under ``root/thumbs``.

    Examples
    --------
    >>> import tempfile
    >>> store = ThumbStore(tempfile.mkdtemp())
    >>> store.put("ab" * 16, Image.new("RGB", (300, 200), "red"))
    True
    >>> Image.open(store.path("ab" * 16)).size
    (96, 64)
    """

    def __init__(self, root: str | os.PathLike[str], *, max_bytes: int = MAX_BYTES) -> None:
        self.folder = Path(root) / "thumbs"
        self.max_bytes = max_bytes

    def path(self, sha: str) -> Path:
        """Where the thumbnail of the image with content hash ``sha`` lives."""
        sha = str(sha).lower()
        if not sha or not set(sha) <= _HEX:  # never a path from input
            raise InvalidParameterError(
                "The 'sha' parameter of ThumbStore.path must be a hex content hash. "
                f"Got {sha!r} instead."
            )
        return self.folder / sha[:2] / f"{sha}.webp"

    def has(self, sha: str) -> bool:
        """Whether the thumbnail exists."""
        return self.path(sha).is_file()

    def put(self, sha: str, image: Image.Image) -> bool:
        """Write the thumbnail of ``image`` unless it exists; True when written."""
        target = self.path(sha)
        if target.is_file():
            return False
        thumb = image.convert("RGB")
        thumb.thumbnail((THUMB_PX, THUMB_PX), Image.Resampling.LANCZOS)
        buf = io.BytesIO()
        thumb.save(buf, format="WEBP", quality=70, method=4)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(buf.getvalue())
        os.replace(tmp, target)  # atomic: a reader sees the whole file or none
        return True

    def data_uri(self, sha: str) -> str | None:
        """``data:image/webp;base64,...`` of the thumbnail, or None when there is none."""
        try:
            data = self.path(sha).read_bytes()
        except (OSError, ValueError):
            return None
        return "data:image/webp;base64," + base64.b64encode(data).decode("ascii")

    def data_uris(self, shas: Iterable[str]) -> list[str | None]:
        """:meth:`data_uri` for each hash (None where missing)."""
        return [self.data_uri(s) for s in shas]

    def ensure(
        self,
        shas: Sequence[str],
        locators: Sequence[Any],
        *,
        on_progress: ProgressCallback | None = None,
    ) -> int:
        """Make the thumbnails that are missing (decoding only those images); returns how many."""
        from embedlens.io.image_decode import iter_decoded

        todo = [(s, loc) for s, loc in dict(zip(shas, locators, strict=True)).items()]
        todo = [(s, loc) for s, loc in todo if not self.has(s)]
        made = 0
        t0 = time.perf_counter()
        for start in range(0, len(todo), 64):
            chunk = todo[start : start + 64]
            for batch in iter_decoded([loc for _, loc in chunk], batch_size=64, draft=THUMB_PX * 2):
                for (sha, _), img in zip(chunk, batch, strict=True):
                    if img is not None and self.put(sha, img):
                        made += 1
            done = min(start + 64, len(todo))
            rate = done / max(time.perf_counter() - t0, 1e-9)
            report(
                on_progress, done / len(todo), f"Thumbnails {done:,}/{len(todo):,} · {rate:,.0f}/s"
            )
        if made:
            self.prune()
        return made

    def total_bytes(self) -> int:
        """Bytes the thumbnails take."""
        return (
            sum(p.stat().st_size for p in self.folder.rglob("*.webp"))
            if self.folder.is_dir()
            else 0
        )

    def prune(self) -> int:
        """Remove the oldest thumbnails while the folder is over ``max_bytes``; returns removed."""
        if not self.folder.is_dir():
            return 0
        files = [(p.stat().st_mtime, p.stat().st_size, p) for p in self.folder.rglob("*.webp")]
        total = sum(size for _, size, _ in files)
        removed = 0
        for _, size, path in sorted(files):
            if total <= self.max_bytes:
                break
            path.unlink(missing_ok=True)
            total -= size
            removed += 1
        return removed
