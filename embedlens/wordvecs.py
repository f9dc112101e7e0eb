"""Word vectors: read word2vec / GloVe text files, solve analogies, score the classic test sets.

The scoring follows gensim's ``KeyedVectors.evaluate_word_analogies`` and
``evaluate_word_pairs``: 3CosAdd on unit vectors, the first ``restrict_vocab`` words only, and
case-insensitive matching (words are compared lower-cased).
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
from scipy.stats import pearsonr, spearmanr

from embedlens.errors import DataError
from embedlens.i18n import N_
from embedlens.validation import check_in_range, unit_rows

Source = str | Path | bytes

_SCORE_BLOCK = 1 << 22  # elements of one (questions x vocabulary) score block
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


def _source_name(source: Source, name: str | None) -> str:
    if name is not None:
        return name
    return "<uploaded bytes>" if isinstance(source, bytes) else Path(source).name


def _lines(source: Source, label: str) -> Iterator[tuple[int, str]]:
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
    detected from the first line. Files are UTF-8 (a BOM is allowed); words may be any
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
    label = _source_name(path_or_bytes, name)
    words: list[str] = []
    rows: list[np.ndarray] = []
    header: tuple[int, int] | None = None
    dim: int | None = None
    for number, text in _lines(path_or_bytes, label):
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
            bad = next(p for p in parts[1:] if not _is_float(p))
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


def _is_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _lookup(wv: WordVectors, word: str) -> int:
    if word not in wv.index:
        raise DataError(
            N_(
                "{word!r} is not in the vocabulary ({n:,} words); check the spelling and case, "
                "or choose another word."
            ).format(word=word, n=len(wv))
        )
    return wv.index[word]


def analogy(wv: WordVectors, a: str, b: str, c: str, *, topn: int = 5) -> list[tuple[str, float]]:
    """Solve ``a : b :: c : ?`` by 3CosAdd: the words nearest to unit(b) - unit(a) + unit(c).

    Parameters
    ----------
    wv : WordVectors
    a, b, c : str
        E.g. ``analogy(wv, "man", "king", "woman")`` looks for "queen".
    topn : int, default=5

    Returns
    -------
    list of (str, float)
        Best first, with the cosine similarity to the target; a, b and c are left out.

    Raises
    ------
    DataError
        A word is not in the vocabulary (the message names it).
    """
    check_in_range("topn", topn, low=1, owner="analogy", kind=int)
    ia, ib, ic = (_lookup(wv, w) for w in (a, b, c))
    unit = wv.unit
    target = unit[ib] - unit[ia] + unit[ic]
    norm = np.linalg.norm(target)
    scores = unit @ (target / norm if norm > 0 else target)
    scores[[ia, ib, ic]] = -np.inf
    n = min(int(topn), len(wv) - len({ia, ib, ic}))
    order = np.argsort(-scores, kind="stable")[:n]
    return [(wv.words[i], float(scores[i])) for i in order]


def _casefold_index(wv: WordVectors, restrict_vocab: int) -> tuple[dict[str, int], np.ndarray]:
    """Lower-cased word -> its first row among the first ``restrict_vocab``; row -> that row."""
    folded = [w.lower() for w in wv.words[:restrict_vocab]]
    index: dict[str, int] = {}
    for i, w in enumerate(folded):
        index.setdefault(w, i)
    return index, np.fromiter((index[w] for w in folded), np.int64, len(folded))


def score_analogies(
    wv: WordVectors, path: Source, *, restrict_vocab: int = 300000, name: str | None = None
) -> dict[str, Any]:
    """Accuracy on an analogy test set in the word2vec ``questions-words.txt`` layout.

    ``: section`` lines start a section; other lines are ``a b c d`` (a:b :: c:d). A question
    counts when its four words are among the first ``restrict_vocab`` words (compared
    lower-cased); it is right when the best 3CosAdd answer, leaving out a, b and c, is d.

    Parameters
    ----------
    wv : WordVectors
    path : str, Path or bytes
    restrict_vocab : int, default=300000
    name : str, default=None

    Returns
    -------
    dict
        ``accuracy`` (None when no question could be used), ``coverage``, ``n_total``,
        ``n_used``, ``n_correct`` and ``sections``: {name: {accuracy, n, n_total}}.
    """
    check_in_range("restrict_vocab", restrict_vocab, low=1, owner="score_analogies", kind=int)
    label = _source_name(path, name)
    index, group = _casefold_index(wv, int(restrict_vocab))
    unit = unit_rows(wv.vectors[: len(group)], allow_zero=True)
    sections: dict[str, list[tuple[int, int, int, int]]] = {}
    totals: dict[str, int] = {}
    current: str | None = None
    for number, text in _lines(path, label):
        if text.startswith(":"):
            current = text[1:].strip()
            sections.setdefault(current, [])
            totals.setdefault(current, 0)
            continue
        parts = text.lower().split()
        if not parts:
            continue
        if current is None:
            raise DataError(
                N_(
                    "{file}, line {line}: a question before any ': section' line; is this an "
                    "analogy file?"
                ).format(file=label, line=number)
            )
        if len(parts) != 4:
            raise DataError(
                N_(
                    "{file}, line {line}: expected 4 words (a b c d), got {n}; fix or remove "
                    "that line."
                ).format(file=label, line=number, n=len(parts))
            )
        totals[current] += 1
        if all(p in index for p in parts):
            sections[current].append(tuple(index[p] for p in parts))  # type: ignore[arg-type]
    out_sections: dict[str, dict[str, Any]] = {}
    n_correct_all = 0
    for section, questions in sections.items():
        correct = _count_correct(unit, group, questions)
        n_correct_all += correct
        out_sections[section] = {
            "accuracy": correct / len(questions) if questions else None,
            "n": len(questions),
            "n_total": totals[section],
        }
    n_total = sum(totals.values())
    n_used = sum(len(q) for q in sections.values())
    if n_total == 0:
        raise DataError(
            N_("{file} holds no analogy questions; check that it is the right file.").format(
                file=label
            )
        )
    return {
        "accuracy": n_correct_all / n_used if n_used else None,
        "coverage": n_used / n_total,
        "n_total": n_total,
        "n_used": n_used,
        "n_correct": n_correct_all,
        "sections": out_sections,
    }


def _count_correct(unit: np.ndarray, group: np.ndarray, questions: list[tuple[int, ...]]) -> int:
    """Questions whose best answer is d; ``group`` maps each row to its lower-cased word's row."""
    correct = 0
    block = max(1, _SCORE_BLOCK // len(unit))
    for s in range(0, len(questions), block):
        q = np.asarray(questions[s : s + block], dtype=np.int64)
        scores = (unit[q[:, 1]] - unit[q[:, 0]] + unit[q[:, 2]]) @ unit.T
        for col in range(3):  # leave out a, b, c and their other-case spellings
            scores[group[None, :] == q[:, col, None]] = -np.inf
        correct += int((scores.argmax(axis=1) == q[:, 3]).sum())
    return correct


def score_word_similarity(
    wv: WordVectors, path: Source, *, restrict_vocab: int = 300000, name: str | None = None
) -> dict[str, Any]:
    """Correlation of cosine similarity with human scores (WordSim-353 / SimLex-999 layout).

    Lines starting with ``#`` are comments; other lines are ``word1 TAB word2 TAB score``.
    Pairs with a word outside the first ``restrict_vocab`` words (compared lower-cased) are
    skipped and lower the coverage.

    Parameters
    ----------
    wv : WordVectors
    path : str, Path or bytes
    restrict_vocab : int, default=300000
    name : str, default=None

    Returns
    -------
    dict
        ``spearman``, ``pearson`` (None when fewer than 2 pairs could be used), ``coverage``,
        ``n_pairs``, ``n_used``.
    """
    check_in_range("restrict_vocab", restrict_vocab, low=1, owner="score_word_similarity", kind=int)
    label = _source_name(path, name)
    index, _ = _casefold_index(wv, int(restrict_vocab))
    unit = wv.unit
    gold: list[float] = []
    model: list[float] = []
    n_pairs = 0
    for number, text in _lines(path, label):
        if text.startswith("#") or not text.strip():
            continue
        parts = text.split("\t")
        if len(parts) < 3 or not _is_float(parts[2]):
            raise DataError(
                N_(
                    "{file}, line {line}: expected word1 TAB word2 TAB score; fix or remove that "
                    "line."
                ).format(file=label, line=number)
            )
        n_pairs += 1
        w1, w2 = parts[0].strip().lower(), parts[1].strip().lower()
        if w1 in index and w2 in index:
            gold.append(float(parts[2]))
            model.append(float(unit[index[w1]] @ unit[index[w2]]))
    if n_pairs == 0:
        raise DataError(
            N_("{file} holds no word pairs; check that it is the right file.").format(file=label)
        )

    enough = len(gold) >= 2 and np.ptp(gold) > 0 and np.ptp(model) > 0
    return {
        "spearman": float(spearmanr(gold, model).statistic) if enough else None,
        "pearson": float(pearsonr(gold, model).statistic) if enough else None,
        "coverage": len(gold) / n_pairs,
        "n_pairs": n_pairs,
        "n_used": len(gold),
    }
