"""Content sniffing: word-vector text files, headerless numeric tables, Projector configs.

The extension is a hint; these checks look at the first lines so that a GloVe ``.txt``, a
fastText ``.vec`` or a TensorFlow Projector ``vectors.tsv`` reach a map without any flag.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

_WS = re.compile(r"[ \t]+")
_NUMBER = re.compile(r"^[-+]?((\d+\.?\d*|\.\d+)([eE][-+]?\d+)?|inf|infinity|nan)$", re.IGNORECASE)
_SAMPLE_LINES = 50


def is_number(text: str) -> bool:
    """True for a decimal or scientific-notation number (``-1.5e-03``, ``inf``, ``nan``)."""
    return bool(_NUMBER.match(text.strip()))


def _head_lines(text: str, n: int = _SAMPLE_LINES) -> list[str]:
    lines: list[str] = []
    start = 0
    while len(lines) < n and start < len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        line = text[start:end].rstrip("\r")
        if line.strip():
            lines.append(line)
        start = end + 1
    return lines


def word_vector_layout(text: str) -> tuple[bool, int] | None:
    r"""``(has "N D" header, D)`` when ``text`` reads as word2vec/GloVe/fastText vectors.

    Every sampled line is a token followed by the same number (>= 2) of numbers, separated by
    spaces or tabs, and at least one token is not itself a number (else it is a plain numeric
    table). A first line of two integers is the word2vec header.

    Examples
    --------
    >>> word_vector_layout("2 3\nking 1 0 0\nqueen 0 1 0\n")
    (True, 3)
    >>> word_vector_layout("the 0.1 0.2\nof 0.3 0.4\n")
    (False, 2)
    >>> word_vector_layout("0.1\t0.2\n0.3\t0.4\n") is None
    True
    """
    lines = _head_lines(text)
    if not lines:
        return None
    header = False
    first = _WS.split(lines[0].strip(" \t"))
    if len(first) == 2 and all(p.isdigit() for p in first):
        header, lines = True, lines[1:]
        if not lines:
            return None
    width: int | None = None
    word_seen = False
    for line in lines:
        parts = _WS.split(line.strip(" \t"))
        if width is None:
            width = len(parts)
        if len(parts) != width or width < 3:
            return None
        if not all(is_number(p) for p in parts[1:]):
            return None
        word_seen = word_seen or not is_number(parts[0])
    if width is None or not (word_seen or header):
        return None
    if header and int(first[1]) != width - 1:
        return None
    return header, width - 1


def first_row_is_numbers(text: str, sep: str | None) -> bool:
    r"""True when the first non-blank line splits (by ``sep``, else by whitespace) into numbers.

    Such a row is data (TensorFlow Projector ``vectors.tsv`` has no header), never a header.

    Examples
    --------
    >>> first_row_is_numbers("1.5e-01\t-2\n3\t4\n", "\t")
    True
    >>> first_row_is_numbers("x,y\n1,2\n", ",")
    False
    >>> first_row_is_numbers("1\t2\t\n3\t4\t\n", "\t")
    True
    """
    lines = _head_lines(text, 1)
    if not lines:
        return False
    line = lines[0]
    fields = line.split(sep) if sep else _WS.split(line.strip(" \t"))
    fields = [f.strip().strip('"') for f in fields]
    while len(fields) > 1 and not fields[-1]:  # a delimiter at the end of the line
        fields.pop()
    return bool(fields) and all(f and is_number(f) for f in fields)


@dataclass(frozen=True)
class ProjectorEntry:
    """One embedding of a ``projector_config.json``: file names and the tensor shape."""

    tensor_path: str
    metadata_path: str | None
    shape: tuple[int, int] | None
    name: str | None


def projector_config(data: bytes) -> list[ProjectorEntry] | None:
    """The embeddings listed in a TensorFlow Projector config, or None when it is not one.

    Examples
    --------
    >>> cfg = b'{"embeddings": [{"tensorPath": "t.bytes", "tensorShape": [150, 4]}]}'
    >>> projector_config(cfg)[0].shape
    (150, 4)
    """
    head = data[: 1 << 20].lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head.startswith(b"{") or b"embeddings" not in head:
        return None
    try:
        cfg = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    items = cfg.get("embeddings") if isinstance(cfg, dict) else None
    if not isinstance(items, list):
        return None
    out: list[ProjectorEntry] = []
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("tensorPath"), str):
            continue
        shape = item.get("tensorShape")
        ok = isinstance(shape, list) and len(shape) == 2 and all(isinstance(v, int) for v in shape)
        meta = item.get("metadataPath")
        out.append(
            ProjectorEntry(
                tensor_path=item["tensorPath"],
                metadata_path=meta if isinstance(meta, str) and meta else None,
                shape=(int(shape[0]), int(shape[1])) if ok else None,
                name=item.get("tensorName") if isinstance(item.get("tensorName"), str) else None,
            )
        )
    return out or None


def whitespace_numbers(text: str) -> bool:
    """True when the first lines are >= 2 space-separated numbers each (``numpy.savetxt``)."""
    lines = _head_lines(text)
    if not lines:
        return False
    widths = set()
    for line in lines:
        parts = _WS.split(line.strip(" \t"))
        if not all(is_number(p) for p in parts):
            return False
        widths.add(len(parts))
    return len(widths) == 1 and widths.pop() >= 2


def numeric_lines(text: str, *, source: str):
    """Whitespace-separated numbers, one vector per line, as float32 ``(n, d)``."""
    import numpy as np

    from embedlens.errors import DataError
    from embedlens.i18n import N_
    from embedlens.io.vectors import location

    rows: list[list[str]] = []
    width = None
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        parts = _WS.split(line.strip(" \t"))
        width = width or len(parts)
        if len(parts) != width or not all(is_number(p) for p in parts):
            raise DataError(
                N_(
                    "{file}, line {line}: expected {width} numbers separated by spaces, got "
                    "{cell!r}; fix or remove that line."
                ).format(file=source, line=lineno, width=width, cell=line.strip()[:40])
            )
        rows.append(parts)
    arr = np.array(rows, dtype=np.float32)
    bad = ~np.isfinite(arr).all(axis=1)
    if bad.any():
        raise DataError(
            N_(
                "{where}: the vector contains NaN or infinite values; fix or remove that row."
            ).format(where=location(source, int(np.flatnonzero(bad)[0]) + 1))
        )

    return arr
