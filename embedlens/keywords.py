"""Keyword labels for clusters: class-based TF-IDF (BERTopic's c-TF-IDF).

All texts of a cluster form one document. A term's score in cluster c is its frequency in c
(L1-normalised per cluster) times ``log(1 + A / f)``, where A is the mean number of words per
cluster and f the term's frequency over all clusters. By default the frequency in c is
square-rooted first (BERTopic's ``reduce_frequent_words``): on AG News it turns the labels
"said · iraq · ap" / "reuters · oil · said" into "iraq · afp · president" / "oil · stocks ·
reuters". Chinese (Simplified or Traditional, alone or mixed with English) is cut into words
by jieba (:mod:`embedlens.zh_text`) and filtered by a Chinese stop-word list; one-character
content words (股, 房, 车) stay. On the THUCNews test titles this takes the share of Chinese
keywords that are words (see ``tests/zh_words.py``) from 0.79 with character pairs to 0.99.
Japanese (kana among the CJK letters) has no such segmenter here and keeps overlapping
character pairs.
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
from embedlens.zh_stopwords import STOP_WORDS as ZH_STOP_WORDS
from embedlens.zh_text import HAN, has_han, segment, to_simplified

__all__ = ["class_tfidf", "cluster_keywords", "is_mostly_cjk"]

# Han (CJK unified + extension A + compatibility) and Japanese kana. Hangul is left out:
# Korean puts spaces between words, so word tokens work there.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_CHAR = re.compile(f"[{_CJK}]")
_CJK_RUN = re.compile(f"[{_CJK}]+")
_KANA = re.compile("[\u3040-\u30ff]")
_WORD = re.compile(r"(?u)\b\w*[^\W\d_]\w*\b")  # a word with at least one letter
# A jieba token usable as a keyword: Han characters, possibly with Latin letters or digits.
_HAN_WORD = re.compile(f"[{HAN}A-Za-z0-9]*[{HAN}][{HAN}A-Za-z0-9]*")
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


def _is_japanese(texts: Sequence[str]) -> bool:
    """True when kana are at least a tenth of the CJK letters in (a sample of) ``texts``."""
    sample = texts[:_SAMPLE_TEXTS] if len(texts) > _SAMPLE_TEXTS else texts
    kana = cjk = 0
    for text in sample:
        kana += len(_KANA.findall(text))
        cjk += len(_CJK_CHAR.findall(text))
    return cjk > 0 and kana >= 0.1 * cjk


def _stop_set(stop_words: str | Sequence[str] | None) -> frozenset[str]:
    """English (and Chinese) stop words; custom lists are matched lower-cased and Simplified."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    if stop_words is None:
        return frozenset()
    if isinstance(stop_words, str):
        if stop_words != "english":
            raise InvalidParameterError(
                "The 'stop_words' parameter of cluster_keywords must be 'english', a list of "
                f"words or None. Got {stop_words!r} instead."
            )
        return frozenset(ENGLISH_STOP_WORDS) | ZH_STOP_WORDS
    return frozenset(to_simplified(w.lower()) for w in stop_words)


def _analyzer(japanese: bool, stop: frozenset[str]) -> Callable[[str], list[str]]:
    """Lower-cased words of 2+ letters; Chinese words by jieba; Japanese character pairs."""

    def words(text: str) -> list[str]:
        return [w for w in _WORD.findall(text.lower()) if len(w) > 1 and w not in stop]

    def pairs(text: str) -> list[str]:
        tokens = [run[i : i + 2] for run in _CJK_RUN.findall(text) for i in range(len(run) - 1)]
        return tokens + words(_CJK_RUN.sub(" ", text))

    def chinese(text: str) -> list[str]:
        out: list[str] = []
        for token in segment(text):
            if not has_han(token):
                out += words(token)
            elif _HAN_WORD.fullmatch(token) and not _stopped(to_simplified(token.lower())):
                out.append(token)  # jieba keeps "A股" or "iPhone4" whole: keep them too
        return out

    def _stopped(token: str) -> bool:
        # Also chat-style repeats of a stop word: 哈哈哈哈, 啊啊啊, 嘻嘻 (jieba keeps them whole).
        return token in stop or (len(set(token)) == 1 and token[0] in stop)

    def tokens(text: str) -> list[str]:
        if not _CJK_CHAR.search(text):
            return words(text)
        return pairs(text) if japanese else chinese(text)

    return tokens


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
        Words never used as keywords: "english" is scikit-learn's English list plus a Chinese
        one (:mod:`embedlens.zh_stopwords`); a list replaces both (Chinese entries match
        Traditional text too).
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
    japanese = _is_japanese(docs)
    analyzer = _analyzer(japanese, _stop_set(stop_words))
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
        order = idx[np.lexsort((idx, -vals))]
        if japanese:
            result[int(cls)] = [str(terms[i]) for i in order[:top_n]]
            continue
        rows = np.flatnonzero(inverse == row)
        result[int(cls)] = _whole_words(order, terms, doc_counts, rows, docs, top_n)
    return result


def _whole_words(
    order: np.ndarray,
    terms: np.ndarray,
    doc_counts: sparse.csr_matrix,
    rows: np.ndarray,
    docs: Sequence[str],
    top_n: int,
) -> list[str]:
    """The first ``top_n`` terms of ``order`` that read as words in the cluster's texts.

    A Chinese term counts when jieba cut it out whole in at least half of the cluster's texts
    that contain it: 人 or 增 are tokens in some titles but mostly sit inside other words (男人,
    增长), so they would mislabel the cluster. Other terms always count.
    """
    out: list[str] = []
    token_docs: np.ndarray | None = None
    for i in order:
        term = str(terms[i])
        if has_han(term):
            if token_docs is None:
                token_docs = np.diff(sparse.csc_matrix(doc_counts[rows]).indptr)
            containing = sum(term in docs[r] for r in rows)
            if token_docs[i] < 0.5 * containing:
                continue
        out.append(term)
        if len(out) == top_n:
            break
    return out
