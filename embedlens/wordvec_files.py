"""Word-vector files: word2vec / GloVe text files read into :class:`WordVectors`.

The text of every word-vector and test-set file is decoded here (:func:`text_lines`): the
encoding is detected as the table loader detects it, and the lines are decoded one by one.
Scoring (analogies, word similarity) is in :mod:`embedlens.wordvecs`.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from embedlens.errors import DataError
from embedlens.i18n import N_
from embedlens.validation import check_in_range, unit_rows

__all__ = ["Source", "WordVectors", "is_number", "load_word_vectors", "source_label", "text_lines"]

Source = str | Path | bytes

_FIELD_SEP = re.compile(r"[ \t]+")
_SNIFF_BYTES = 1 << 20  # the encoding is judged on the first megabyte


@dataclass(frozen=True, eq=False)
class WordVectors:
    """Words and their vectors, in file order.

    Attributes
    ----------
    words : list of str
    vectors : ndarray of shape (n, d), float32
    header : bool
        True when the file had a word2vec ``N D`` first line.
    """

    words: list[str]
    vectors: np.ndarray
    header: bool
    index: dict[str, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        index: dict[str, int] = {}
        for i, word in enumerate(self.words):
            index.setdefault(word, i)  # a repeated word keeps its first (most frequent) row
        object.__setattr__(self, "index", index)

    def __len__(self) -> int:
        return len(self.words)

    @cached_property
    def unit(self) -> np.ndarray:
        """Vectors scaled to length 1 (zero vectors stay zero), float32; computed once."""
        return unit_rows(self.vectors, allow_zero=True)


def source_label(source: Source, name: str | None) -> str:
    """The name messages use for ``source``: ``name``, the file name, or "<uploaded bytes>"."""
    if name is not None:
        return name
    return "<uploaded bytes>" if isinstance(source, bytes) else Path(source).name


def text_lines(source: Source, label: str) -> Iterator[tuple[int, str]]:
    """(1-based line number, text) of a text source, BOM stripped, line ends removed.

    The encoding is detected as the table loader detects it (UTF-8, GB18030, Big5, EUC-KR,
    Latin-1 ...), judged on the first megabyte; the lines are then decoded one by one so a
    large file is never held whole.
    """
    from embedlens.io.encoding import sniff_codec

    try:
        handle: Any = io.BytesIO(source) if isinstance(source, bytes) else Path(source).open("rb")
    except OSError as exc:
        raise DataError(
            N_("cannot open {file}: {error}; check the path.").format(
                file=label, error=exc.strerror
            )
        ) from None
    with handle:
        head = handle.read(_SNIFF_BYTES)
        complete = len(head) < _SNIFF_BYTES
        codec = sniff_codec(head, source=label, complete=complete)
        handle.seek(0)
        if codec.startswith(("utf-16", "utf-32")):  # line ends are not single bytes there
            lines: Any = handle.read().decode(codec).removeprefix("\ufeff").splitlines()
            for number, text in enumerate(lines, start=1):
                yield number, text
            return
        for number, raw in enumerate(handle, start=1):
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            try:
                text = raw.decode(codec)
            except UnicodeDecodeError as exc:
                raise DataError(
                    N_(
                        "{file}, line {line}: not valid {encoding} (byte {byte} of the line), the "
                        "encoding of the file's first lines; re-save the file as UTF-8."
                    ).format(file=label, line=number, encoding=codec, byte=exc.start + 1)
                ) from None
            yield number, text.rstrip("\r\n")


def _is_header(parts: list[str]) -> bool:
    return len(parts) == 2 and all(p.isdigit() for p in parts)


def load_word_vectors(
    path_or_bytes: Source, *, name: str | None = None, limit: int | None = None
) -> WordVectors:
    r"""Read word vectors in word2vec text format (``N D`` first line) or GloVe text format.

    Each line is a word followed by its values, separated by spaces (or tabs). The format is
    detected from the first line. The encoding is detected as for every test-set file
    (:func:`text_lines`: UTF-8 with or without a BOM, GB18030, Big5, ...); words may be any
    non-ASCII token without spaces.

    Parameters
    ----------
    path_or_bytes : str, Path or bytes
    name : str, default=None
        Name used in messages (default: the file name).
    limit : int, default=None
        Read only the first ``limit`` words.

    Returns
    -------
    WordVectors

    Raises
    ------
    DataError
        A line with the wrong number of values or a value that is not a finite number (the
        message names the line), a header that does not match the file, or an empty file.

    Examples
    --------
    >>> wv = load_word_vectors(b"2 3\nking 1 0 0\nqueen 0 1 0\n")
    >>> wv.words, wv.vectors.shape, wv.header
    (['king', 'queen'], (2, 3), True)
    """
    if limit is not None:
        check_in_range("limit", limit, low=1, owner="load_word_vectors", kind=int)
    label = source_label(path_or_bytes, name)
    words: list[str] = []
    rows: list[np.ndarray] = []
    header: tuple[int, int] | None = None
    dim: int | None = None
    for number, text in text_lines(path_or_bytes, label):
        parts = _FIELD_SEP.split(text.strip(" \t"))
        if number == 1 and _is_header(parts):
            header = (int(parts[0]), int(parts[1]))
            dim = header[1]
            if dim < 1:
                raise DataError(
                    N_(
                        "{file}, line 1: the word2vec header {header!r} says the vectors have "
                        "{dim} dimensions; the first line must be 'WORDS DIMENSIONS' with at "
                        "least 1 dimension (or remove it for GloVe format)."
                    ).format(file=label, header=text.strip(), dim=dim)
                )
            continue
        if not text.strip():
            continue
        if dim is None:
            dim = len(parts) - 1
            if dim < 1:
                raise DataError(
                    N_(
                        "{file}, line {line}: a word with no values; each line needs a word "
                        "followed by its vector."
                    ).format(file=label, line=number)
                )
        if len(parts) != dim + 1:
            raise DataError(
                N_(
                    "{file}, line {line}: expected a word and {dim} values, got {n} values; fix "
                    "or remove that line (words cannot contain spaces)."
                ).format(file=label, line=number, dim=dim, n=len(parts) - 1)
            )
        try:
            vec = np.asarray(parts[1:], dtype=np.float32)
        except ValueError:
            bad = next(p for p in parts[1:] if not is_number(p))
            raise DataError(
                N_(
                    "{file}, line {line}: {cell!r} is not a number; fix or remove that line."
                ).format(file=label, line=number, cell=bad)
            ) from None
        if not np.isfinite(vec).all():
            raise DataError(
                N_("{file}, line {line}: NaN or infinite value; fix or remove that line.").format(
                    file=label, line=number
                )
            )
        words.append(parts[0])
        rows.append(vec)
        if limit is not None and len(words) >= limit:
            break
    if not words:
        raise DataError(
            N_("{file} holds no word vectors; check that it is the right file.").format(file=label)
        )
    if header is not None and limit is None and header[0] != len(words):
        raise DataError(
            N_(
                "{file}: the header says {n_header} words but the file holds {n}; fix the first "
                "line or the file may be truncated."
            ).format(file=label, n_header=header[0], n=len(words))
        )
    return WordVectors(words=words, vectors=np.vstack(rows), header=header is not None)


def is_number(text: str) -> bool:
    """Whether ``float(text)`` accepts the text."""
    try:
        float(text)
    except ValueError:
        return False
    return True
