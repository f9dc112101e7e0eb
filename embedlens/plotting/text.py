"""Text for figures: HTML escaping, shortening and hover-text formatting.

Plotly renders a subset of HTML (``<b>``, ``<br>``, ``<a href>``, ...) in hover labels, legend
entries, annotations and titles. Every user string passes through these helpers, which escape it
with :func:`html.escape`, so ``<script>`` or ``<a href=javascript:...>`` shows as text. The only
markup in the output is the ``<br>`` and ``<b>`` the helpers add themselves.

Formatting 100k hover texts is done on one joined string (one ``html.escape`` call, C-level
``str.replace``) and the last few results are cached by content hash.
"""

from __future__ import annotations

import hashlib
import html
import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from embedlens.cells import as_texts
from embedlens.errors import DataError

ELLIPSIS = "…"
_SEP = "\x00"
_WHITESPACE = ("\r\n", "\r", "\n", "\t", "\x0b", "\x0c", "\x85", "\u2028", "\u2029")
_CACHE: OrderedDict[tuple[str, int, int], tuple[str, ...]] = OrderedDict()
_CACHE_SIZE = 4
_CACHE_LOCK = threading.Lock()


def escape(value: Any) -> str:
    """Return ``str(value)`` HTML-escaped (quotes included); ``None`` becomes ``""``."""
    return "" if value is None else html.escape(str(value), quote=True)


def shorten(value: Any, max_chars: int) -> str:
    """Collapse whitespace and cut ``value`` to ``max_chars`` characters, ending in "…"."""
    text = " ".join(str(value).split()) if value is not None else ""
    if len(text) <= max_chars:
        return text
    return text[: max(max_chars - 1, 0)].rstrip() + ELLIPSIS


def label(value: Any, max_chars: int = 40) -> str:
    """Return a short, escaped label (legend names, annotations, tick labels)."""
    return escape(shorten(value, max_chars))


def _as_strings(values: Sequence[Any] | np.ndarray) -> list[str]:
    """Plain ``str`` per value; missing values (None, NaN, pd.NA) become ``""``."""
    return as_texts(values)


def _join(items: list[str]) -> str:
    big = _SEP.join(items)
    if big.count(_SEP) != max(len(items) - 1, 0):
        big = _SEP.join(s.replace(_SEP, "") for s in items)
    for ws in _WHITESPACE:
        if ws in big:
            big = big.replace(ws, " ")
    return big


def _wrap(text: str, width: int) -> str:
    """Break ``text`` into lines of at most ``width`` chars, at spaces where possible."""
    n = len(text)
    if n <= width:
        return text
    out = []
    start = 0
    while n - start > width:
        cut = text.rfind(" ", start, start + width + 1)
        if cut <= start:
            out.append(text[start : start + width])
            start += width
        else:
            out.append(text[start:cut])
            start = cut + 1
    out.append(text[start:])
    return "\n".join(out)


def _truncate(items: list[str], max_chars: int) -> list[str]:
    keep = max(max_chars - 1, 0)
    return [s if len(s) <= max_chars else s[:keep] + ELLIPSIS for s in items]


def escape_many(values: Sequence[Any] | np.ndarray, *, max_chars: int = 80) -> list[str]:
    """Escape and shorten many values at once (one ``html.escape`` over the joined text).

    Parameters
    ----------
    values : sequence
        Any values; missing ones become ``""``.
    max_chars : int, default=80
        Longer values are cut and end in "…".

    Returns
    -------
    list of str
        One escaped single-line string per value.
    """
    items = _truncate(_as_strings(values), max_chars)
    if not items:
        return []
    return html.escape(_join(items), quote=True).split(_SEP)


def hover_texts(
    texts: Sequence[Any] | np.ndarray, *, wrap: int = 60, max_chars: int = 240
) -> list[str]:
    """Format texts for hover labels: shortened, wrapped with ``<br>``, HTML-escaped.

    Results for the last few inputs are cached by a hash of their content, so a rerun with the
    same texts costs one hash.

    Parameters
    ----------
    texts : sequence
        One text per point; missing values become ``""``.
    wrap : int, default=60
        Line width in characters (breaks at spaces where possible).
    max_chars : int, default=240
        Longer texts are cut and end in "…".

    Returns
    -------
    list of str
        Escaped hover strings; the only markup is ``<br>``.

    Examples
    --------
    >>> hover_texts(["<b>bold</b> claim"])
    ['&lt;b&gt;bold&lt;/b&gt; claim']
    """
    items = _truncate(_as_strings(texts), max_chars)
    if not items:
        return []
    big = _join(items)
    digest = hashlib.blake2b(big.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
    key = (digest, int(wrap), int(max_chars))
    with _CACHE_LOCK:
        hit = _CACHE.get(key)
        if hit is not None:
            _CACHE.move_to_end(key)
            return list(hit)
    wrapped = _SEP.join(_wrap(s, wrap) if len(s) > wrap else s for s in big.split(_SEP))
    out = html.escape(wrapped, quote=True).replace("\n", "<br>").split(_SEP)
    with _CACHE_LOCK:
        _CACHE[key] = tuple(out)
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return out


def format_values(values: Sequence[Any] | np.ndarray, *, max_chars: int = 80) -> list[str]:
    """Format one hover column: numbers with 4 significant digits, the rest escaped.

    Parameters
    ----------
    values : sequence
        The column's values, one per point.
    max_chars : int, default=80
        Longer values are cut and end in "…".

    Returns
    -------
    list of str
        Escaped display strings; missing values become ``""``.
    """
    arr = np.asarray(values)
    if arr.dtype == object and len(arr):
        kind = pd.api.types.infer_dtype(arr, skipna=True)
        if kind == "integer" and not pd.isna(arr).any():
            arr = arr.astype(np.int64)
        elif kind in ("integer", "floating", "mixed-integer-float"):
            arr = pd.to_numeric(pd.Series(arr), errors="coerce").to_numpy(float)
    if arr.dtype.kind in "iub":
        return arr.astype(str).tolist()
    if arr.dtype.kind == "f":
        out = np.char.mod("%.4g", arr).tolist()
        if not np.isfinite(arr).all():
            out = ["" if v == "nan" else v for v in out]
        return out
    return escape_many(values, max_chars=max_chars)


def join_lines(columns: Sequence[list[str]]) -> list[str]:
    """Join per-point lines from several columns with ``<br>`` (empty lines are skipped)."""
    if not columns:
        return []
    if len(columns) == 1:
        return list(columns[0])
    out = list(columns[0])
    for col in columns[1:]:
        if len(col) != len(out):
            raise DataError(
                f"hover columns differ in length: {len(col)} != {len(out)}; one line per point."
            )
        out = [a + "<br>" + b if b else a for a, b in zip(out, col, strict=True)]
    return out
