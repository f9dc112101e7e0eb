r"""Uploaded files, copied to disk in chunks and read from there (never held in memory).

Layout::

    <root>/uploads/incoming/<owner key>/<sha256[:32]>/<file name>

One folder per owner (``0700``), one folder per file content, so that a loader looking for a
file's siblings (a Projector ``metadata.tsv`` beside ``vectors.tsv``) never sees another
upload. Files are ``0600``, written under a temporary name and renamed when complete; the
same content uploaded again is not written twice. Files untouched for ``max_age_s`` are
removed on the next upload, and :meth:`UploadStore.discard` removes one at once.

Examples
--------
>>> import io, tempfile
>>> store = UploadStore(tempfile.mkdtemp(), owner="alice")
>>> up = store.ingest("d.csv", io.BytesIO(b"text\nhello\n"))
>>> up.path.read_bytes(), up.size, oct(up.path.stat().st_mode & 0o777)
(b'text\nhello\n', 11, '0o600')
>>> store.ingest("d.csv", io.BytesIO(b"text\nhello\n")) == up
True
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import shutil
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from embedlens.errors import DataError, InvalidParameterError
from embedlens.i18n import N_
from embedlens.store.files import remove_entry

UPLOADS_DIR = "uploads"
INCOMING_DIR = "incoming"
CHUNK_BYTES = 1 << 23  # 8 MiB per write
MAX_AGE_S = 24 * 3600.0
_UNSAFE = re.compile(r"[^\w.\-]+")


@dataclass(frozen=True)
class StoredUpload:
    """One uploaded file on disk: the user's file name, where it is, its sha256 and size."""

    name: str
    path: Path
    sha256: str
    size: int

    @property
    def key(self) -> str:
        """What identifies the upload in caches: content and name (the name picks the format)."""
        return f"{self.sha256}:{self.name}"


def safe_file_name(name: str) -> str:
    """``name`` without folders or unusual characters, keeping its extension (``data.csv``)."""
    base = _UNSAFE.sub("_", Path(str(name)).name).strip("._")
    return base[-120:] or "upload"


def _chunks(source: BinaryIO | bytes | memoryview | Iterable[bytes]) -> Iterable[memoryview]:
    """The source in pieces of at most CHUNK_BYTES, without copying what is already bytes."""
    if isinstance(source, bytes | bytearray | memoryview):
        view = memoryview(source)
        for start in range(0, len(view), CHUNK_BYTES):
            yield view[start : start + CHUNK_BYTES]
        return
    read = getattr(source, "read", None)
    if callable(read):
        while block := read(CHUNK_BYTES):
            yield memoryview(block)
        return
    for block in source:
        yield memoryview(block)


class UploadStore:
    """The upload folder of one owner in the workspace ``root``."""

    def __init__(self, root: str | os.PathLike[str], *, owner: str | None = None) -> None:
        if owner is not None and not isinstance(owner, str):
            raise InvalidParameterError(
                N_(
                    "The 'owner' parameter of UploadStore must be a str or None. Got {kind} "
                    "instead."
                ).format(kind=type(owner).__name__)
            )
        key = "local" if owner is None else hashlib.sha256(owner.encode()).hexdigest()[:24]
        self.folder = Path(root).expanduser() / UPLOADS_DIR / INCOMING_DIR / key
        try:
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            os.chmod(self.folder, 0o700)
        except OSError as exc:
            raise DataError(
                N_("Cannot create the upload folder {path}: {error}.").format(
                    path=self.folder, error=exc.strerror or exc
                )
            ) from None

    def ingest(
        self,
        name: str,
        source: BinaryIO | bytes | memoryview | Iterable[bytes],
        *,
        max_age_s: float = MAX_AGE_S,
    ) -> StoredUpload:
        """Copy ``source`` (a binary stream, bytes or chunks) to disk; return where it is.

        The content is hashed while it is written; a file already stored with the same content
        and name is kept (its time refreshed) and the new copy dropped. Older uploads of this
        owner untouched for ``max_age_s`` seconds are removed first.
        """
        self.prune(max_age_s=max_age_s)
        fname = safe_file_name(name)
        tmp = self.folder / f".{secrets.token_hex(8)}.part"
        digest = hashlib.sha256()
        size = 0
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as fh:
                for block in _chunks(source):
                    digest.update(block)
                    fh.write(block)
                    size += len(block)
            sha = digest.hexdigest()
            target = self.folder / sha[:32] / fname
            target.parent.mkdir(exist_ok=True, mode=0o700)
            if target.is_file() and target.stat().st_size == size:
                os.utime(target)
                tmp.unlink()
            else:
                os.replace(tmp, target)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise DataError(
                N_(
                    "{file} could not be saved on the server ({error}); free some disk space."
                ).format(file=fname, error=exc.strerror or exc)
            ) from None
        return StoredUpload(name=str(name), path=target, sha256=sha, size=size)

    def find(self, sha256: str, name: str) -> StoredUpload | None:
        """The stored upload with this content and name, or None (removed, or never here)."""
        if not re.fullmatch(r"[0-9a-f]{64}", sha256 or ""):
            return None
        path = self.folder / sha256[:32] / safe_file_name(name)
        if not path.is_file():
            return None
        return StoredUpload(name=name, path=path, sha256=sha256, size=path.stat().st_size)

    def discard(self, upload: StoredUpload) -> None:
        """Remove one stored upload (its folder), if it is in this store."""
        folder = upload.path.parent
        if folder.parent == self.folder:
            shutil.rmtree(folder, ignore_errors=True)

    def prune(self, *, max_age_s: float = MAX_AGE_S) -> int:
        """Remove uploads (and stray partial writes) untouched for ``max_age_s``; return a count."""
        now = time.time()
        removed = 0
        for entry in self.folder.iterdir():
            try:
                stale = now - entry.stat().st_mtime >= max_age_s
                if entry.is_dir() and any(
                    now - p.stat().st_mtime < max_age_s for p in entry.iterdir()
                ):
                    stale = False
            except OSError:
                continue
            if stale:
                remove_entry(entry)
                removed += 1
        return removed
