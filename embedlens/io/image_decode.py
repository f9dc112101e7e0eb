"""Decoding one image safely, and reading image bytes back from a locator.

A locator is an absolute file path, ``zip:<zip path>::<member>`` or the bytes themselves.
"""

from __future__ import annotations

import io
import os
import re
import struct
import threading
import warnings
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".webp", ".gif", ".bmp", ".tif", ".tiff")
PIL_FORMATS = ("PNG", "JPEG", "MPO", "WEBP", "GIF", "BMP", "DIB", "TIFF")  # nothing else opens
MAX_PIXELS = 64_000_000  # an image larger than this (width x height) is skipped unread
try:  # the operator's limit (embedlens.limits: EMBEDLENS_MAX_IMAGE_PIXELS) when one is set
    from embedlens.limits import limits as _limits

    MAX_PIXELS = _limits().max_image_pixels
except Exception:  # noqa: BLE001  (a bad setting is reported where the limits are read)
    pass
MAX_FILE_BYTES = 256 * 1024 * 1024
SOURCE_COLUMN = "image"  # the locator (path, zip member or bytes)
PATH_COLUMN = "path"  # what people read: the path inside the folder, zip or table
HASH_COLUMN = "image_sha"  # sha256 of the file's bytes (32 hex): cache and thumbnail key
CAPTION_COLUMN = "file_words"  # the path as words: hover text and cluster keywords
ZIP_PREFIX = "zip:"
_ZIP_SEP = "::"

# Pillow's own guard (a warning above the limit, an error above twice the limit) as a safety
# net for every decode in the process; load_images also checks the header size itself.
if Image.MAX_IMAGE_PIXELS is None or Image.MAX_IMAGE_PIXELS > MAX_PIXELS:
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS


def _formats() -> list[str]:
    """The allowed formats this Pillow has (MPO is part of JPEG in newer versions)."""
    Image.init()
    return [f for f in PIL_FORMATS if f in Image.OPEN]


class ImageSkip(Exception):
    """Raised by :func:`decode_rgb` for a file that cannot be used; the message is the reason."""


# ---------------------------------------------------------------- decoding one image


def decode_rgb(
    data: bytes, *, max_pixels: int = MAX_PIXELS, draft: int | None = None
) -> Image.Image:
    """Decode image bytes to an upright RGB image, or raise :class:`ImageSkip` with a reason.

    The size is read from the header first: anything over ``max_pixels`` is refused before a
    single pixel is decoded. Only the formats in ``PIL_FORMATS`` are opened. EXIF rotation is
    applied; CMYK, palette, alpha (composited on white), 16-bit and float modes become RGB.
    ``draft`` lets JPEG decode at a reduced scale of at least that many pixels a side.
    """
    if len(data) > MAX_FILE_BYTES:
        raise ImageSkip(
            f"file is {len(data) / 2**20:,.0f} MB, over the {MAX_FILE_BYTES >> 20} MB limit"
        )
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            img = Image.open(io.BytesIO(data), formats=_formats())
            width, height = img.size
            if width * height > max_pixels:
                raise ImageSkip(
                    f"{width}x{height} pixels ({width * height / 1e6:,.0f} MP) is over the "
                    f"{max_pixels / 1e6:,.0f}-megapixel limit (decompression bomb guard)"
                )
            if draft and img.format in ("JPEG", "MPO"):
                img.draft("RGB", (draft, draft))
            img.load()
            return to_rgb(img)
        except ImageSkip:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise ImageSkip(
                f"over the {max_pixels / 1e6:,.0f}-megapixel limit "
                f"(decompression bomb guard: {exc})"
            ) from None
        except UnidentifiedImageError:
            raise ImageSkip(
                "not an image Pillow can read (PNG, JPEG, WebP, GIF, BMP, TIFF)"
            ) from None
        except (OSError, SyntaxError, ValueError, EOFError, struct.error, zlib.error) as exc:
            raise ImageSkip(f"cannot be decoded ({type(exc).__name__}: {str(exc)[:120]})") from None
        except MemoryError:
            raise ImageSkip("ran out of memory decoding it") from None


def to_rgb(img: Image.Image) -> Image.Image:
    """An upright 8-bit RGB copy of ``img`` (EXIF orientation, alpha on white, 16-bit scaled)."""
    try:
        img = ImageOps.exif_transpose(img)
    except Exception:  # a damaged EXIF block must not lose the image
        pass
    mode = img.mode
    if mode == "RGB":
        return img
    if mode == "P":
        img = img.convert("RGBA") if "transparency" in img.info else img.convert("RGB")
        mode = img.mode
    if mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = img.convert("RGBA")
        back = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(back, rgba).convert("RGB")
    if mode.startswith("I;16") or mode in ("I", "F"):
        arr = np.asarray(img, dtype=np.float64)
        top = float(arr.max()) if arr.size else 0.0
        if mode.startswith("I;16") or top > 255:
            scale = 65535.0 if mode.startswith("I;16") or top > 4095 else max(top, 1.0)
            arr = arr * (255.0 / scale)
        grey = np.clip(np.nan_to_num(arr), 0, 255).astype(np.uint8)
        return Image.fromarray(grey, mode="L").convert("RGB")
    return img.convert("RGB")  # L, 1, CMYK, YCbCr, LAB, HSV


def path_words(path: str) -> str:
    """A file path as words for hover text and cluster keywords.

    >>> path_words("cat/img_001.png")
    'cat img 001'
    """
    stem = str(Path(path).with_suffix("")) if Path(path).suffix else path
    return " ".join(w for w in re.split(r"[\\/_\-.\s]+", stem) if w)


def caption_words(paths: Sequence[str]) -> list[str]:
    """:func:`path_words` of each path, without a top folder that every path shares.

    >>> caption_words(["pets/cat/a.png", "pets/dog/b.png"])
    ['cat a', 'dog b']
    """
    parts = [Path(str(p)).parts for p in paths]
    strip = bool(parts) and all(len(p) > 1 for p in parts) and len({p[0] for p in parts}) == 1
    return [path_words(str(Path(*p[1:])) if strip else str(Path(*p))) for p in parts]


# ---------------------------------------------------------------- reading bytes by locator

_zip_lock = threading.Lock()
_open_zips: dict[str, zipfile.ZipFile] = {}


def _zip_handle(path: str) -> zipfile.ZipFile:
    handle = _open_zips.get(path)
    if handle is None:
        if len(_open_zips) >= 4:
            _open_zips.pop(next(iter(_open_zips))).close()
        handle = _open_zips[path] = zipfile.ZipFile(path)
    return handle


def zip_locator(zip_path: str | os.PathLike[str], member: str) -> str:
    """The locator of a zip member: ``zip:<absolute zip path>::<member>``."""
    return f"{ZIP_PREFIX}{Path(zip_path).resolve()}{_ZIP_SEP}{member}"


def read_image_bytes(locator: Any) -> bytes:
    """The bytes a locator names: a file path, a ``zip:`` member, or bytes themselves."""
    if isinstance(locator, bytes | bytearray | memoryview):
        return bytes(locator)
    if isinstance(locator, dict):  # Hugging Face datasets' {"bytes": ..., "path": ...}
        if locator.get("bytes") is not None:
            return bytes(locator["bytes"])
        return read_image_bytes(locator.get("path"))
    text = str(locator)
    if text.startswith(ZIP_PREFIX) and _ZIP_SEP in text:
        zpath, member = text[len(ZIP_PREFIX) :].split(_ZIP_SEP, 1)
        with _zip_lock:
            return _zip_handle(zpath).read(member)
    return Path(text).read_bytes()


def iter_decoded(
    locators: Sequence[Any], *, batch_size: int = 64, draft: int | None = None
) -> Iterator[list[Image.Image | None]]:
    """Yield decoded RGB images batch by batch (None where a file no longer decodes)."""
    for start in range(0, len(locators), batch_size):
        batch: list[Image.Image | None] = []
        for loc in locators[start : start + batch_size]:
            try:
                batch.append(decode_rgb(read_image_bytes(loc), draft=draft))
            except (ImageSkip, OSError, KeyError, zipfile.BadZipFile):
                batch.append(None)
        yield batch
