"""Row vectors from a ``.npy`` (never unpickled), as one float32 ``(n, d)`` array.

From a path the array is read in 2 MiB row blocks straight into the preallocated float32 result
(no copy of the file in memory, no float64 intermediate): peak memory is the result plus one
block. Values are checked block by block: a float64 value too large for float32, NaN or inf
is named by row.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import BinaryIO

import numpy as np

from embedlens.errors import DataError
from embedlens.i18n import N_
from embedlens.io.vector_checks import location, overflow_message, too_big

BLOCK_BYTES = 1 << 21  # 2 MiB of the file per block (checks take ~2 blocks more)


_ZIP = (b"PK\x03\x04", b"PK\x05\x06")


def _zip_error(source: str) -> DataError:
    return DataError(
        N_("{file} is a zip/.npz archive; save one 2-D array with numpy.save(path, array).").format(
            file=source
        )
    )


def _not_readable(source: str, exc: object) -> DataError:
    return DataError(
        N_(
            "{file} is not a readable numeric .npy array ({error}); save it with "
            "numpy.save(path, array) from a float array."
        ).format(file=source, error=exc)
    )


def _read_header(fh: BinaryIO) -> tuple[tuple[int, ...], bool, np.dtype] | None:
    try:
        version = np.lib.format.read_magic(fh)
        if version == (1, 0):
            return np.lib.format.read_array_header_1_0(fh)
        return np.lib.format.read_array_header_2_0(fh)
    except (ValueError, EOFError, OSError, UnicodeError, SyntaxError, TypeError):
        return None  # np.load reports an unreadable header with its own message


def _check_held(header, held: int, source: str) -> None:
    """Refuse a header that promises more data than the file holds (before allocating).

    A damaged or hostile header such as shape ``(10**11, 3)`` made NumPy try to allocate a
    terabyte and report "out of memory" instead of naming the file's problem.
    """
    if header is None:
        return
    shape, _fortran, dtype = header
    if dtype.hasobject:
        return
    expected = int(np.prod(shape, dtype=object)) * dtype.itemsize
    if expected > held:
        raise DataError(
            N_(
                "{file}: the .npy header says shape {shape} of {dtype} ({expected:,} bytes) but "
                "the file holds only {held:,} bytes of data; the file is truncated or damaged. "
                "Save it again with numpy.save(path, array)."
            ).format(file=source, shape=tuple(shape), dtype=dtype, expected=expected, held=held)
        )


def _check_array(shape: tuple[int, ...], dtype: np.dtype, source: str) -> None:
    if dtype.kind not in "biuf":
        raise DataError(
            N_("{file} holds values of type {dtype}, not numbers; save a float array.").format(
                file=source, dtype=dtype
            )
        )
    if len(shape) != 2:
        raise DataError(
            N_(
                "{file} holds an array of shape {shape}; vectors must be 2-D (rows, dimensions)."
            ).format(file=source, shape=shape)
        )
    if shape[0] == 0 or shape[1] == 0:
        raise DataError(
            N_("{file} holds an empty array of shape {shape}.").format(file=source, shape=shape)
        )


def _into(out: np.ndarray, start: int, block: np.ndarray, source: str) -> None:
    """Copy ``block`` (rows from ``start``) into ``out``, naming the first bad value's row."""
    if block.dtype.kind == "f" and block.dtype.itemsize > 4:
        big = too_big(block)
        if big is not None:
            row, col = divmod(big, block.shape[1])
            where = N_("{file}, row {row}, column {column}").format(
                file=source, row=start + row + 1, column=col + 1
            )
            raise DataError(overflow_message(where, float(block.ravel()[big])))
    target = out[start : start + len(block)]
    target[...] = block
    finite = np.isfinite(target).all(axis=1)
    if not finite.all():
        row = start + int(np.flatnonzero(~finite)[0]) + 1
        raise DataError(
            N_(
                "{where}: the vector contains NaN or infinite values; fix or remove that row."
            ).format(where=location(source, row))
        )


def _from_path(path: Path, source: str) -> np.ndarray:
    try:
        fh = path.open("rb")
    except FileNotFoundError:
        raise DataError(N_("{path}: file not found; check the path.").format(path=source)) from None
    except OSError as exc:
        raise DataError(
            N_("{path} could not be read ({error}).").format(path=source, error=exc.strerror or exc)
        ) from None
    with fh:
        magic = fh.read(4)
        if magic in _ZIP:
            raise _zip_error(source)
        fh.seek(0)
        header = _read_header(fh)
        size = path.stat().st_size
        _check_held(header, size - fh.tell(), source)
        if header is None or header[2].hasobject:
            fh.seek(0)
            try:  # the same message as for bytes (object arrays are refused, never unpickled)
                np.load(fh, allow_pickle=False)
            except (ValueError, EOFError, OSError, UnicodeError, zipfile.BadZipFile) as exc:
                raise _not_readable(source, exc) from None
            raise _not_readable(source, "no header")
        shape, fortran, dtype = header
        _check_array(tuple(shape), dtype, source)
        n, d = shape
        out = np.empty((n, d), dtype=np.float32)
        if fortran:  # column-major: a memory map, copied once (rare; numpy.save writes C order)
            _into(out, 0, np.load(path, mmap_mode="r", allow_pickle=False), source)
            return out
        rows = max(1, BLOCK_BYTES // (d * dtype.itemsize))
        for start in range(0, n, rows):
            count = min(rows, n - start)
            block = np.fromfile(fh, dtype=dtype, count=count * d)
            if block.size != count * d:
                raise _not_readable(source, "the file ends early")
            _into(out, start, block.reshape(count, d), source)
    return out


def load_npy(data: bytes | bytearray | str | Path, *, source: str) -> np.ndarray:
    """Read a ``.npy`` of row vectors (never pickled) as float32 ``(n, d)``, checking values.

    A path is read block by block into the result (see the module docstring); bytes are
    read in place.
    """
    if not isinstance(data, bytes | bytearray):
        return _from_path(Path(data), source)
    if bytes(data[:4]) in _ZIP:
        raise _zip_error(source)
    buf = io.BytesIO(data)
    header = _read_header(buf)
    _check_held(header, len(data) - buf.tell(), source)
    try:
        arr = np.load(io.BytesIO(data), allow_pickle=False)
    except (ValueError, EOFError, OSError, UnicodeError, zipfile.BadZipFile) as exc:
        raise _not_readable(source, exc) from None
    _check_array(arr.shape, arr.dtype, source)
    out = np.empty(arr.shape, dtype=np.float32)
    _into(out, 0, arr, source)
    return out
