"""Images as a Dataset: an ImageFolder tree, a ``.zip`` of one, or a table of paths or bytes.

:func:`load_images` reads every candidate file once (hash + a checked decode), keeps the good
ones and lists the others with a reason; no image stays in memory. Rows of the Dataset carry a
*locator* in the ``image`` column (an absolute file path, ``zip:<zip path>::<member>`` or the
image bytes themselves), which :func:`read_image_bytes` / :func:`decode_rgb` turn back into
pixels, batch by batch, when a step needs them.
"""

from __future__ import annotations

import hashlib
import io
import os
import stat
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
import pandas as pd
from PIL import Image

from embedlens.dataset import Dataset, LoadReport
from embedlens.errors import DataError
from embedlens.i18n import N_
from embedlens.io.image_decode import (
    CAPTION_COLUMN,
    HASH_COLUMN,
    IMAGE_EXTENSIONS,
    MAX_FILE_BYTES,
    MAX_PIXELS,
    PATH_COLUMN,
    SOURCE_COLUMN,
    ImageSkip,
    caption_words,
    decode_rgb,
    read_image_bytes,
    zip_locator,
)
from embedlens.progress import ProgressCallback, report

_IMAGE_COLUMN_NAMES = ("image", "image_path", "img", "path", "file", "filename", "filepath")


@dataclass(frozen=True)
class Skipped:
    """A file that was not used, and why."""

    file: str
    reason: str

    def to_dict(self) -> dict[str, str]:
        """``{"file": ..., "reason": ...}`` (the CLI's ``skipped`` entries)."""
        return {"file": self.file, "reason": self.reason}


# ---------------------------------------------------------------- candidates from a source


@dataclass
class _Candidate:
    display: str  # path inside the folder / zip, or the table's cell
    locator: Any
    label: str | None = None
    row: int | None = None  # table row (for ids)


def _is_image_name(name: str) -> bool:
    base = PurePosixPath(name).name
    return not base.startswith(".") and PurePosixPath(base).suffix.lower() in IMAGE_EXTENSIONS


def _labels_from_parts(parts: list[tuple[str, ...]]) -> list[str | None]:
    """ImageFolder labels: the first folder under the common top folder(s); None if flat."""
    parts = [p[:-1] for p in parts]  # folders only
    while parts and all(len(p) >= 1 for p in parts) and len({p[0] for p in parts}) == 1:
        if all(len(p) == 1 for p in parts):
            break  # one shared folder and nothing under it: that folder is not a label
        parts = [p[1:] for p in parts]
    labels = [p[0] if p else "" for p in parts]
    if len(set(labels)) <= 1:
        return [None] * len(labels)
    return labels


def _folder_candidates(root: Path, ignored: list[str]) -> list[_Candidate]:
    rels: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root):  # does not follow folder links
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for fname in sorted(filenames):
            rel = (Path(dirpath) / fname).relative_to(root).as_posix()
            (rels if _is_image_name(rel) else ignored).append(rel)
    labels = _labels_from_parts([tuple(r.split("/")) for r in rels])
    return [
        _Candidate(rel, str((root / rel).resolve()), lab)
        for rel, lab in zip(rels, labels, strict=True)
    ]


def _unsafe_member(info: zipfile.ZipInfo) -> str | None:
    name = info.filename
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        return "zip entry is a symbolic link (not followed)"
    pure = PurePosixPath(name.replace("\\", "/"))
    if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        return "zip entry has an absolute path (would land outside the folder)"
    if ".." in pure.parts:
        return "zip entry climbs out of the folder with '..'"
    if info.flag_bits & 0x1:
        return "zip entry is encrypted"
    return None


def _zip_candidates(path: Path, ignored: list[str], skipped: list[Skipped]) -> list[_Candidate]:
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise DataError(f"{path.name} is not a readable zip file ({exc}).") from None
    names: list[str] = []
    with zf:
        for info in zf.infolist():
            if info.is_dir() or info.filename.startswith("__MACOSX/"):
                continue
            if not _is_image_name(info.filename):
                ignored.append(info.filename)
                continue
            unsafe = _unsafe_member(info)
            if unsafe:
                skipped.append(Skipped(info.filename, unsafe))
            elif info.file_size > MAX_FILE_BYTES:
                skipped.append(Skipped(info.filename, "zip entry is over the size limit"))
            else:
                names.append(info.filename)
        from embedlens.limits import limits  # a zip bomb is refused before any entry is read

        limits().check_decompressed(sum(zf.getinfo(n).file_size for n in names), path.name)
    names.sort()
    labels = _labels_from_parts([tuple(n.split("/")) for n in names])
    return [_Candidate(n, zip_locator(path, n), lab) for n, lab in zip(names, labels, strict=True)]


def detect_image_column(frame: pd.DataFrame) -> str | None:
    """The column holding image paths or bytes, by name or by content; None when none does."""

    def looks_like_images(col: pd.Series) -> bool:
        sample = col.dropna().head(20).tolist()
        if not sample:
            return False
        if all(isinstance(v, bytes | bytearray | dict) for v in sample):
            return True
        return all(isinstance(v, str) and _is_image_name(v.strip()) for v in sample)

    by_name = [c for c in _IMAGE_COLUMN_NAMES if c in frame.columns]
    for col in by_name + [c for c in frame.columns if c not in by_name]:
        if looks_like_images(frame[col]):
            return str(col)
    return None


def _peek(path: Path) -> pd.DataFrame | None:
    """The first rows of a table file (None when it is not one we can peek at)."""
    ext = path.suffix.lower()
    try:
        if not path.is_file():
            return None
        if ext in (".parquet", ".pq"):
            import pyarrow.parquet as pq

            batch = next(pq.ParquetFile(path).iter_batches(batch_size=20), None)
            return batch.to_pandas() if batch is not None else None
        if ext in (".csv", ".tsv"):
            from embedlens.limits import header_columns, limits

            with open(path, "rb") as handle:  # a 200,000-column header: not a table to peek at
                if header_columns(handle.read(4 << 20)) > limits().max_columns:
                    return None
            return pd.read_csv(path, nrows=20, sep="\t" if ext == ".tsv" else ",", dtype=str)
        if ext in (".jsonl", ".ndjson"):
            return pd.read_json(path, lines=True, nrows=20)
    except Exception:  # not a table we can peek at: the text loader gives its own message
        return None
    return None


def sniff_image_column(path: str | os.PathLike[str]) -> str | None:
    """The image column of a table file, from its first rows only; None for any other file."""
    head = _peek(Path(path))
    return detect_image_column(head) if head is not None and len(head) else None


def _table_candidates(
    path: Path, image_column: str | None, skipped: list[Skipped]
) -> tuple[list[_Candidate], Dataset, str]:
    from embedlens.io.tables import load_table

    head = _peek(path)
    if image_column is not None and head is not None and image_column not in head.columns:
        column = None
    else:
        table = load_table(path, text_column=image_column)
        frame = table.frame
        column = image_column or detect_image_column(frame)
    if column is None or column not in frame.columns:
        wanted = (
            f"--image-column {image_column!r} is not a column"
            if image_column
            else ("no column holds image paths or image bytes")
        )
        names = head.columns if column is None and head is not None else frame.columns
        raise DataError(
            f"{path.name}: {wanted}; columns are {', '.join(map(str, names))}. "
            "Name the column with --image-column."
        )
    base = path.resolve().parent
    out: list[_Candidate] = []
    for row, value in enumerate(frame[column].tolist()):
        if isinstance(value, bytes | bytearray | dict):
            shown = value.get("path") if isinstance(value, dict) else None
            out.append(_Candidate(str(shown or f"row {row}"), value, row=row))
        elif isinstance(value, str) and value.strip():
            rel = Path(value.strip()).expanduser()
            out.append(
                _Candidate(
                    value.strip(), str(base / rel if not rel.is_absolute() else rel), row=row
                )
            )
        else:
            skipped.append(Skipped(f"row {row}", f"empty cell in column {column!r}"))
    return out, table, column


# ---------------------------------------------------------------- the loader


def is_image_source(path: str | os.PathLike[str]) -> bool:
    """True for a folder, a ``.zip`` or an image file (what :func:`load_images` reads directly)."""
    p = Path(path)
    return p.is_dir() or p.suffix.lower() == ".zip" or p.suffix.lower() in IMAGE_EXTENSIONS


def load_images(
    path: str | os.PathLike[str],
    *,
    image_column: str | None = None,
    max_pixels: int = MAX_PIXELS,
    on_progress: ProgressCallback | None = None,
) -> tuple[Dataset, list[Skipped]]:
    """Read a folder of images, a ``.zip`` of one, or a table with an image column.

    Parameters
    ----------
    path : str or Path
        A folder (ImageFolder tree: the first sub-folder level becomes ``label``), a ``.zip``
        (entries that are links, absolute or climb out with ``..`` are skipped), or a
        CSV/Parquet/JSONL table whose ``image_column`` holds paths (relative to the table's
        folder) or image bytes.
    image_column : str, optional
        Tables only; detected by name or content when None.
    max_pixels : int
        Larger images are skipped from their header, never decoded.
    on_progress : callable, optional
        ``on_progress(fraction, message)`` with images/s and time left.

    Returns
    -------
    (Dataset, list of Skipped)
        Columns ``path``, ``image`` (locator), ``image_sha``, ``width``, ``height`` (+ ``label``
        for a tree with sub-folders, + the table's own columns). ids are the candidate's
        position (tables: the table's ids), so they survive skipped files.

    Raises
    ------
    DataError
        The path is missing or no file is a readable image.
    """
    src = Path(path).expanduser()
    if not src.exists():
        raise DataError(f"{src}: file or folder not found; check the path.")
    skipped: list[Skipped] = []
    ignored: list[str] = []
    table: Dataset | None = None
    column: str | None = None
    if src.is_dir():
        candidates = _folder_candidates(src, ignored)
    elif src.suffix.lower() == ".zip":
        candidates = _zip_candidates(src, ignored, skipped)
    elif src.suffix.lower() in IMAGE_EXTENSIONS:
        candidates = [_Candidate(src.name, str(src.resolve()))]
    else:
        candidates, table, column = _table_candidates(src, image_column, skipped)
    rows: list[dict[str, Any]] = []
    kept: list[int] = []
    t0 = time.perf_counter()
    step = max(1, len(candidates) // 100)
    for i, cand in enumerate(candidates):
        try:
            data = read_image_bytes(cand.locator)
            img = decode_rgb(data, max_pixels=max_pixels, draft=256)
        except ImageSkip as exc:
            skipped.append(Skipped(cand.display, str(exc)))
        except (OSError, KeyError, zipfile.BadZipFile) as exc:
            skipped.append(Skipped(cand.display, f"cannot be read ({exc})"))
        else:
            w, h = _true_size(data, img)
            rows.append(
                {
                    PATH_COLUMN: cand.display,
                    "label": cand.label,
                    SOURCE_COLUMN: cand.locator,
                    HASH_COLUMN: hashlib.sha256(data).hexdigest()[:32],
                    "width": w,
                    "height": h,
                }
            )
            kept.append(i if cand.row is None else cand.row)
        if (i + 1) % step == 0 or i + 1 == len(candidates):
            message = rate_message("Checked", i + 1, len(candidates), time.perf_counter() - t0)
            report(on_progress, (i + 1) / len(candidates), message)
    name = src.stem if src.is_file() else src.name
    if not rows:
        detail = "; ".join(f"{s.file}: {s.reason}" for s in skipped[:5])
        raise DataError(
            f"{src.name}: no readable image found ({len(candidates)} candidate files"
            + (f"; {detail}" if detail else "")
            + "). Give a folder, .zip or table of PNG, JPEG, WebP, GIF, BMP or TIFF images."
        )
    found = pd.DataFrame(rows)
    notes = [N_("Read {n:,} images from {name}.").format(n=len(rows), name=src.name)]
    if skipped:
        notes.append(N_("Skipped {n:,} files (listed with reasons).").format(n=len(skipped)))
    if ignored:
        notes.append(N_("Ignored {n:,} files that are not images by name.").format(n=len(ignored)))
    label_column: str | None = "label" if found["label"].notna().any() else None
    if table is not None:
        frame = table.frame.iloc[kept].reset_index(drop=True).copy()
        if column != PATH_COLUMN and PATH_COLUMN not in frame.columns:
            frame[PATH_COLUMN] = found[PATH_COLUMN].to_numpy()
        for col in (SOURCE_COLUMN, HASH_COLUMN, "width", "height"):
            frame[col] = found[col].to_numpy()
        ids = np.asarray(table.ids)[kept]
        label_column = table.label_column if table.label_column != column else None
    else:  # the path as words (cluster keywords, hover); locator and hash last
        found[CAPTION_COLUMN] = caption_words(found[PATH_COLUMN].astype(str).tolist())
        front = [PATH_COLUMN, "label", CAPTION_COLUMN, "width", "height"]
        frame = found[[c for c in front if label_column or c != "label"]]
        frame = frame.assign(
            **{SOURCE_COLUMN: found[SOURCE_COLUMN], HASH_COLUMN: found[HASH_COLUMN]}
        )
        ids = np.asarray(kept, dtype=np.int64)
    ds = Dataset(
        name=name,
        frame=frame,
        ids=ids,
        text_column=CAPTION_COLUMN if table is None else None,
        label_column=label_column,
        report=LoadReport(
            source=src.name,
            rows_read=len(candidates) + len([s for s in skipped if s.file.startswith("row ")]),
            rows_kept=len(rows),
            dropped={"unreadable image": len(skipped)} if skipped else {},
            notes=tuple(notes),
        ),
    )
    return ds, skipped


def _true_size(data: bytes, img: Image.Image) -> tuple[int, int]:
    """The upright full size (a JPEG draft decode is smaller than the file's image)."""
    try:
        with Image.open(io.BytesIO(data)) as head:
            w, h = head.size
            orientation = head.getexif().get(0x0112, 1)
    except Exception:
        return img.size
    return (h, w) if orientation in (5, 6, 7, 8) else (w, h)


def rate_message(verb: str, done: int, total: int, elapsed: float) -> str:
    """``"<verb> 1,000/10,000 images · 850 images/s · 11 s left"``."""
    rate = done / elapsed if elapsed > 0 else 0.0
    left = (total - done) / rate if rate > 0 else 0.0
    return f"{verb} {done:,}/{total:,} images · {rate:,.0f} images/s · {left:,.0f} s left"
