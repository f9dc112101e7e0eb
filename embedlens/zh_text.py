"""Chinese word segmentation (jieba), shared by keyword labels and their checks.

jieba loads its dictionary once per process (about 1 s; later processes read jieba's own
cache file) and quietly. Its dictionary is Simplified Chinese: Traditional text is segmented
through a character-by-character Simplified copy (``hanziconv``, one character for one, so the
cut positions carry over) and the tokens are returned in the text's own characters.
"""

from __future__ import annotations

import logging
import re
import threading
from functools import lru_cache
from typing import Any

__all__ = ["HAN", "has_han", "segment", "simplify_table", "to_simplified"]

HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HAN_CHAR = re.compile(f"[{HAN}]")
_lock = threading.Lock()
_tokenizer: Any = None


def _jieba() -> Any:
    """Jieba's default tokenizer, initialised once, with its log messages silenced."""
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                jieba.initialize()
                _tokenizer = jieba.dt
    return _tokenizer


@lru_cache(maxsize=1)
def simplify_table() -> dict[int, str]:
    """``str.translate`` table Traditional -> Simplified (hanziconv's character map, 1:1)."""
    from hanziconv.charmap import simplified_charmap, traditional_charmap

    table: dict[int, str] = {}
    for trad, simp in zip(traditional_charmap, simplified_charmap, strict=False):
        if trad != simp:
            table.setdefault(ord(trad), simp)  # first entry wins, as in HanziConv.toSimplified
    return table


def to_simplified(text: str) -> str:
    """``text`` with each Traditional character replaced by its Simplified one (same length)."""
    return text.translate(simplify_table())


def has_han(text: str) -> bool:
    """Whether ``text`` holds at least one Chinese character."""
    return _HAN_CHAR.search(text) is not None


def segment(text: str) -> list[str]:
    """Jieba tokens of ``text`` in its own characters (Traditional stays Traditional).

    Whitespace tokens are dropped; punctuation and numbers stay (callers filter them).

    Examples
    --------
    >>> segment("房价继续上涨")
    ['房价', '继续', '上涨']
    """
    simple = to_simplified(text)
    out: list[str] = []
    start = 0
    for token in _jieba().cut(simple, HMM=True):
        end = start + len(token)
        if not token.isspace():
            out.append(text[start:end])
        start = end
    return out
