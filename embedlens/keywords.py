"""Keyword labels for clusters: class-based TF-IDF (BERTopic's c-TF-IDF).

All texts of a cluster form one document. A term's score in cluster c is its frequency in c
(L1-normalised per cluster) times ``log(1 + A / f)``, where A is the mean number of words per
cluster and f the term's frequency over all clusters. By default the frequency in c is
square-rooted first (BERTopic's ``reduce_frequent_words``): on AG News it turns the labels
"said · iraq · ap" / "reuters · oil · said" into "iraq · afp · president" / "oil · stocks ·
reuters". Text that is mostly Chinese or Japanese (no spaces between words) is split into
overlapping character pairs instead of words.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from scipy import sparse

from embedlens.cells import is_missing
from embedlens.errors import DataError, InvalidParameterError

__all__ = ["class_tfidf", "cluster_keywords", "is_mostly_cjk"]

# Han (CJK unified + extension A + compatibility) and Japanese kana. Hangul is left out:
# Korean puts spaces between words, so word tokens work there.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_CHAR = re.compile(f"[{_CJK}]")
_CJK_RUN = re.compile(f"[{_CJK}]+")
_WORD = re.compile(r"(?u)\b\w*[^\W\d_]\w*\b")  # a word with at least one letter
_SAMPLE_TEXTS = 2_000
_BARE_ENTITY = re.compile(r"(?<![&\w])(#\d{1,5};|(?:lt|gt|quot|amp|nbsp|apos);)")


def is_mostly_cjk(texts: Sequence[str]) -> bool:
    """True when over half the letters in (a sample of) ``texts`` are Chinese/Japanese."""
    sample = texts[:_SAMPLE_TEXTS] if len(texts) > _SAMPLE_TEXTS else texts
    cjk = letters = 0
    for text in sample:
        cjk += len(_CJK_CHAR.findall(text))
        letters += sum(ch.isalpha() for ch in text)
    return letters > 0 and cjk / letters > 0.5


def _stop_set(stop_words: str | Sequence[str] | None) -> frozenset[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    if stop_words is None:
        return frozenset()
    if isinstance(stop_words, str):
        if stop_words != "english":
            raise InvalidParameterError(
                "The 'stop_words' parameter of cluster_keywords must be 'english', a list of "
                f"words or None. Got {stop_words!r} instead."
            )
        return frozenset(ENGLISH_STOP_WORDS)
    return frozenset(w.lower() for w in stop_words)


def _analyzer(cjk: bool, stop: frozenset[str]) -> Callable[[str], list[str]]:
    """Lower-cased words of 2+ characters; in CJK mode, character pairs of each CJK run."""

    def words(text: str) -> list[str]:
        return [w for w in _WORD.findall(text.lower()) if len(w) > 1 and w not in stop]

    def cjk_tokens(text: str) -> list[str]:
        tokens = [run[i : i + 2] for run in _CJK_RUN.findall(text) for i in range(len(run) - 1)]
        return tokens + words(_CJK_RUN.sub(" ", text))

    return cjk_tokens if cjk else words


def class_tfidf(counts: Any, *, reduce_frequent_words: bool = True) -> sparse.csr_matrix:
    """c-TF-IDF scores from a (classes x terms) count matrix.

    Parameters
    ----------
    counts : sparse or dense matrix of shape (n_classes, n_terms)
        How often each term occurs in each class's joined document.
    reduce_frequent_words : bool, default=True
        Square-root the normalised term frequencies (BERTopic's option of that name).

    Returns
    -------
    scipy.sparse.csr_matrix
        ``tf[c, t] * log(1 + A / f[t])`` with ``tf`` the per-class L1-normalised counts, A the
        mean words per class and ``f`` the term's total frequency.
    """
    counts = sparse.csr_matrix(counts, dtype=np.float64)
    per_class = np.asarray(counts.sum(axis=1)).ravel()
    per_term = np.asarray(counts.sum(axis=0)).ravel()
    mean_words = counts.sum() / max(counts.shape[0], 1)
    idf = np.log1p(mean_words / np.where(per_term > 0, per_term, 1.0))
    tf = sparse.csr_matrix(sparse.diags(1.0 / np.where(per_class > 0, per_class, 1.0)) @ counts)
    if reduce_frequent_words:
        tf.data = np.sqrt(tf.data)
    return sparse.csr_matrix(tf @ sparse.diags(idf))


def _clean(text: Any) -> str:
    """The text with HTML entities decoded, or "" for None / NaN / pandas.NA.

    Scraped corpora such as AG News also hold entities that lost their ``&`` (``#39;s``,
    ``quot;``); those are decoded too.
    """
    if isinstance(text, str):
        return html.unescape(_BARE_ENTITY.sub(r"&\1", text)) if ";" in text else text
    return "" if is_missing(text) else str(text)


def cluster_keywords(
    texts: Sequence[str],
    labels: np.ndarray,
    *,
    top_n: int = 10,
    stop_words: str | Sequence[str] | None = "english",
    reduce_frequent_words: bool = True,
) -> dict[int, list[str]]:
    """Top keywords of every cluster by class-based TF-IDF.

    Parameters
    ----------
    texts : sequence of str
        One text per row (missing values count as empty text).
    labels : array-like of int, shape (n,)
        Cluster id per row; -1 (noise) is treated as one more class.
    top_n : int, default=10
        Keywords per cluster, best first (ties alphabetical).
    stop_words : "english", list of str or None, default="english"
        Words never used as keywords.
    reduce_frequent_words : bool, default=True
        Square-root term frequencies before weighting (see :func:`class_tfidf`).

    Returns
    -------
    dict of int to list of str
        Every cluster id in ``labels``; an empty list when a cluster has no usable words.

    Raises
    ------
    DataError
        ``texts`` and ``labels`` differ in length.

    Examples
    --------
    >>> keywords = cluster_keywords(["goal football", "football match", "stock prices"], [0, 0, 1])
    >>> sorted(keywords[0]), sorted(keywords[1])
    (['football', 'goal', 'match'], ['prices', 'stock'])
    """
    from sklearn.feature_extraction.text import CountVectorizer

    docs = [_clean(t) for t in texts]
    labels = np.asarray(labels).astype(np.int64).ravel()
    if len(docs) != len(labels):
        raise DataError(
            f"texts has {len(docs)} entries but labels has {len(labels)}; "
            "give one text per labelled row."
        )
    classes, inverse = np.unique(labels, return_inverse=True)
    empty: dict[int, list[str]] = {int(c): [] for c in classes}
    if not docs or top_n <= 0:
        return empty
    analyzer = _analyzer(is_mostly_cjk(docs), _stop_set(stop_words))
    vectorizer = CountVectorizer(analyzer=analyzer)
    try:
        doc_counts = vectorizer.fit_transform(docs)
    except ValueError:  # empty vocabulary: only stop words, numbers or punctuation
        return empty
    membership = sparse.csr_matrix(
        (np.ones(len(docs)), (inverse, np.arange(len(docs)))), shape=(len(classes), len(docs))
    )
    scores = class_tfidf(membership @ doc_counts, reduce_frequent_words=reduce_frequent_words)
    terms = vectorizer.get_feature_names_out()  # sorted, so index order is alphabetical
    result: dict[int, list[str]] = {}
    for row, cls in enumerate(classes):
        start, stop = scores.indptr[row], scores.indptr[row + 1]
        idx, vals = scores.indices[start:stop], scores.data[start:stop]
        keep = vals > 0
        idx, vals = idx[keep], vals[keep]
        order = np.lexsort((idx, -vals))[:top_n]
        result[int(cls)] = [str(terms[i]) for i in idx[order]]
    return result
