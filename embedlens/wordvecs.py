"""Word vectors: solve analogies and score the classic test sets.

The scoring follows gensim's ``KeyedVectors.evaluate_word_analogies`` and
``evaluate_word_pairs``: 3CosAdd on unit vectors, the first ``restrict_vocab`` words only, and
case-insensitive matching (words are compared lower-cased). Reading word2vec / GloVe files is
:mod:`embedlens.wordvec_files` (``WordVectors`` and ``load_word_vectors`` are importable from
here too).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.stats import pearsonr, spearmanr

from embedlens.errors import DataError
from embedlens.i18n import N_
from embedlens.validation import check_in_range, unit_rows
from embedlens.wordvec_files import (
    Source,
    WordVectors,
    is_number,
    load_word_vectors,
    source_label,
    text_lines,
)

__all__ = [
    "WordVectors",
    "analogy",
    "load_word_vectors",
    "score_analogies",
    "score_word_similarity",
]

_SCORE_BLOCK = 1 << 22  # elements of one (questions x vocabulary) score block


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
    label = source_label(path, name)
    index, group = _casefold_index(wv, int(restrict_vocab))
    unit = unit_rows(wv.vectors[: len(group)], allow_zero=True)
    sections: dict[str, list[tuple[int, int, int, int]]] = {}
    totals: dict[str, int] = {}
    current: str | None = None
    for number, text in text_lines(path, label):
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
    label = source_label(path, name)
    index, _ = _casefold_index(wv, int(restrict_vocab))
    unit = wv.unit
    gold: list[float] = []
    model: list[float] = []
    n_pairs = 0
    for number, text in text_lines(path, label):
        if text.startswith("#") or not text.strip():
            continue
        parts = text.split("\t")
        if len(parts) < 3 or not is_number(parts[2]):
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
