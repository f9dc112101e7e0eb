"""Atomic file writes, checksums, staging folders and filesystem-safe names.

A file is written to a temporary name in the same folder, flushed and fsynced, then renamed
into place with :func:`os.replace`, so a reader sees either the old file or the whole new
one. Result folders are built in ``<root>/tmp/<token>`` and renamed into place in one step.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import secrets
import shutil
import time
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd

from embedlens.errors import InvalidParameterError

TMP_DIR = "tmp"
_CHUNK = 1 << 20
_WINDOWS_RESERVED = {"con", "prn", "aux", "nul"} | {
    f"{p}{i}" for p in ("com", "lpt") for i in range(10)
}


def fsync_dir(path: Path) -> None:
    """Flush a folder's entries (a rename) to disk; a no-op where folders cannot be opened."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # Windows cannot open folders; NTFS journals renames itself
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _atomic_write(path: Path, write: Callable[[IO[bytes]], None]) -> None:
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    try:
        with open(tmp, "xb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers never see a partial file.

    Parameters
    ----------
    path : Path
        Destination; its folder must exist. An existing file is replaced.
    data : bytes
        The whole content.
    """
    _atomic_write(path, lambda fh: fh.write(data))


def atomic_write_parquet(frame: pd.DataFrame, path: Path) -> None:
    """Write ``frame`` as Parquet (pyarrow, no index) to ``path`` atomically.

    Parameters
    ----------
    frame : pandas.DataFrame
        Column names must be strings (a Parquet rule).
    path : Path
        Destination; its folder must exist.
    """

    def write(fh: IO[bytes]) -> None:
        buf = io.BytesIO()
        frame.to_parquet(buf, engine="pyarrow", index=False)
        fh.write(buf.getbuffer())

    _atomic_write(path, write)


def atomic_save_npy(arr: np.ndarray, path: Path) -> None:
    """Save ``arr`` as ``.npy`` (never pickled) to ``path`` atomically.

    Parameters
    ----------
    arr : numpy.ndarray
        A numeric, boolean or fixed-width string array; object arrays are refused.
    path : Path
        Destination; its folder must exist.

    Raises
    ------
    InvalidParameterError
        If ``arr`` has dtype object (it would need pickle); a subclass of ValueError.
    """
    arr = np.asarray(arr)
    if arr.dtype.hasobject:
        raise InvalidParameterError(
            "The 'arr' parameter of atomic_save_npy must be a numeric, boolean or fixed-width "
            f"string array. Got dtype object instead ({path.name} cannot hold it without pickle)."
        )
    _atomic_write(path, lambda fh: np.save(fh, arr, allow_pickle=False))


def file_stamp(path: Path) -> dict[str, int | str]:
    """Return ``{"size": bytes, "sha256": hex}`` of a file, read in 1 MiB chunks."""
    h = hashlib.sha256()
    size = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            h.update(chunk)
            size += len(chunk)
    return {"size": size, "sha256": h.hexdigest()}


def check_files(folder: Path, manifest: dict[str, dict], *, deep: bool) -> list[str]:
    """Compare a folder with its manifest; return one line per missing or damaged file.

    ``deep=False`` checks presence and size only (a ``stat``); ``deep=True`` also the sha256.
    """
    problems = []
    for name, want in manifest.items():
        if not is_safe_file_name(name):
            problems.append(f"{name!r}: not a valid file name in the catalog")
            continue
        path = folder / name
        try:
            size = path.stat().st_size
        except OSError:
            problems.append(f"{name}: missing")
            continue
        if size != want.get("size"):
            problems.append(f"{name}: {size} bytes, the catalog recorded {want.get('size')}")
        elif deep and file_stamp(path)["sha256"] != want.get("sha256"):
            problems.append(f"{name}: checksum differs from the catalog (damaged)")
    return problems


_SAFE_FILE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,80}")


def is_safe_file_name(name: str) -> bool:
    """Whether ``name`` is a plain file name we write (no separators, no ``..``)."""
    return bool(_SAFE_FILE.fullmatch(name)) and ".." not in name


def new_staging(root: Path) -> Path:
    """Create and return an empty private folder ``<root>/tmp/<token>`` to build results in."""
    path = root / TMP_DIR / secrets.token_hex(8)
    path.mkdir(parents=True)
    return path


def move_aside(path: Path, root: Path) -> Path | None:
    """Rename ``path`` into ``<root>/tmp`` (an atomic step) and return where it went."""
    target = root / TMP_DIR / f"old-{secrets.token_hex(8)}"
    try:
        os.rename(path, target)
    except FileNotFoundError:
        return None
    return target


def publish_dir(staging: Path, final: Path, root: Path) -> Path | None:
    """Rename a complete staging folder to ``final``; return the old folder moved aside.

    Call it inside the catalog write transaction so that two writers never interleave.
    """
    old = move_aside(final, root) if final.exists() else None
    fsync_dir(staging)
    os.rename(staging, final)
    fsync_dir(final.parent)
    return old


def remove_tree(path: Path | None) -> None:
    """Delete a folder we own (staging or moved aside), ignoring one that is already gone."""
    if path is not None:
        shutil.rmtree(path, ignore_errors=True)


def remove_entry(path: Path) -> None:
    """Delete a file or a folder we own, ignoring one that is already gone."""
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def clean_tmp(root: Path, *, older_than_s: float) -> int:
    """Remove staging leftovers older than ``older_than_s`` seconds; return how many."""
    tmp = root / TMP_DIR
    removed = 0
    now = time.time()
    try:
        entries = list(tmp.iterdir())
    except OSError:
        return 0
    for entry in entries:
        try:
            if now - entry.stat().st_mtime < older_than_s:
                continue
        except OSError:
            continue
        remove_entry(entry)
        removed += 1
    return removed


def safe_name(name: str) -> str:
    """Return a filesystem-safe slug of a display name, for export file names.

    The slug has no path separators, no ``..``, no leading dot, at most 80 characters,
    is never empty and never a Windows device name. Workspace folders use hex ids, never
    names; this is only for files the user exports.

    Parameters
    ----------
    name : str
        Any display name (unicode is kept where it is a letter or digit).

    Returns
    -------
    str
        The slug, ``"untitled"`` when nothing usable is left.

    Examples
    --------
    >>> safe_name("../../etc/passwd")
    'etc_passwd'
    >>> safe_name("News: été 2024?")
    'News_été_2024'
    """
    text = unicodedata.normalize("NFKC", str(name))
    text = re.sub(r"[^\w.-]+", "_", text)
    text = re.sub(r"\.{2,}", ".", text)
    text = text.strip("._-")[:80].strip("._-")
    if not text:
        return "untitled"
    if text.split(".")[0].lower() in _WINDOWS_RESERVED:
        text = "_" + text
    return text
