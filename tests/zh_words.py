"""The issue-15 check that Chinese cluster keywords are words, shared by tests and benchmarks.

A keyword with Chinese characters counts as a word when jieba, segmenting the cluster's own
texts, yields it as one whole token in at least half of the cluster's texts that contain it
(as a substring). Character pairs cut across words (富汗 from 阿富汗) fail: they occur in the
texts but jieba never cuts them out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from embedlens.zh_text import has_han, segment


@dataclass(frozen=True)
class WordShare:
    """How many Chinese keywords are words, and which are not (cluster id, keyword, rate)."""

    words: int
    chinese: int
    failures: tuple[tuple[int, str, float], ...]

    @property
    def share(self) -> float:
        """Share of the Chinese keywords that are words (1.0 when there are none)."""
        return self.words / self.chinese if self.chinese else 1.0


def keyword_word_share(
    keywords: Mapping[int, Sequence[str]], texts: Sequence[str], labels: Sequence[int]
) -> WordShare:
    """Check every Chinese keyword of every cluster against jieba on that cluster's texts."""
    labels = np.asarray(labels).astype(np.int64)
    texts = ["" if not isinstance(t, str) else t for t in texts]
    words = chinese = 0
    failures: list[tuple[int, str, float]] = []
    for cid, kws in keywords.items():
        own = [texts[i] for i in np.flatnonzero(labels == int(cid))]
        tokens: list[set[str] | None] = [None] * len(own)
        for kw in kws:
            if not has_han(kw):
                continue
            chinese += 1
            containing = [j for j, t in enumerate(own) if kw in t]
            whole = 0
            for j in containing:
                if tokens[j] is None:
                    tokens[j] = set(segment(own[j]))
                whole += kw in tokens[j]  # type: ignore[operator]
            rate = whole / len(containing) if containing else 0.0
            if containing and rate >= 0.5:
                words += 1
            else:
                failures.append((int(cid), kw, rate))
    return WordShare(words, chinese, tuple(failures))
