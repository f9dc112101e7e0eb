"""Turn a file's bytes into text: detect the encoding, refuse binary files and mojibake.

The order follows what our users have: UTF-8 (with or without BOM), UTF-16 (with BOM, or
BOM-less when NUL bytes sit on one side of each byte pair), then the East Asian double-byte
encodings GB18030/GBK (Simplified Chinese), Big5 (Traditional Chinese), EUC-KR/CP949 (Korean)
and Shift-JIS/EUC-JP (Japanese), and Latin-1 (Windows-1252 when it has smart quotes) only as a
last resort. The double-byte encodings overlap (most Big5 and all EUC-KR byte pairs are also
valid GB18030), so when more than one decodes the file charset-normalizer ranks them, and the
winner must still look like its language (mostly common characters), else the next one is
tried. The table loader, the projector/bundle readers and the STS and word-vector readers all
decode through this one module.
"""

from __future__ import annotations

import codecs
import re
from collections import Counter
from collections.abc import Callable

from embedlens.errors import DataError

# Known binary signatures: (magic prefix, what it is, what to do).
_MAGIC: tuple[tuple[bytes, str, str], ...] = (
    (b"PAR1", "a Parquet file", "rename it to .parquet or pass fmt='parquet'"),
    (b"\x93NUMPY", "a NumPy .npy array", "rename it to .npy or pass fmt='npy'"),
    (b"PK\x03\x04", "a ZIP archive (or an Excel .xlsx file)", "unzip it or export it to CSV"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Excel/Office file", "export it to CSV"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image", "choose a CSV, TSV, JSONL or Parquet file"),
    (b"\xff\xd8\xff", "a JPEG image", "choose a CSV, TSV, JSONL or Parquet file"),
    (b"GIF87a", "a GIF image", "choose a CSV, TSV, JSONL or Parquet file"),
    (b"GIF89a", "a GIF image", "choose a CSV, TSV, JSONL or Parquet file"),
    (b"%PDF-", "a PDF document", "export its text to CSV first"),
    (b"\x1f\x8b", "a gzip-compressed file", "decompress it first"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive", "extract it first"),
    (b"SQLite format 3\x00", "an SQLite database", "export the table to CSV or Parquet"),
    (b"\x7fELF", "a program (ELF binary)", "choose a data file"),
)
_BZ2 = re.compile(rb"^BZh[1-9]1AY&SY")
_PICKLE = re.compile(rb"^\x80[\x02-\x05]")

# C0 control characters other than tab, LF and CR, plus the C1 range (mojibake marker).
_BAD_CONTROL = re.compile("[\x00-\x08\x0b-\x0c\x0e-\x1f\x7f-\x9f]")
_LATIN1_C0 = re.compile("[\x00-\x08\x0b-\x0c\x0e-\x1f]")
_SAMPLE_CHARS = 1_000_000


def binary_kind(data: bytes) -> tuple[str, str] | None:
    """Return ``(what it is, what to do)`` when ``data`` starts with a known binary signature."""
    for magic, kind, hint in _MAGIC:
        if data.startswith(magic):
            return kind, hint
    if _BZ2.match(data):
        return "a bzip2-compressed file", "decompress it first"
    if _PICKLE.match(data):
        return "a Python pickle (never loaded, it can run code)", "save the data as CSV or .npy"
    return None


def _plausible(text: str, *, max_bad_ratio: float = 0.001) -> bool:
    """True when the decoded text has no NUL and (almost) no control characters."""
    if "\x00" in text:
        return False
    sample = text[:_SAMPLE_CHARS]
    bad = sum(1 for _ in _BAD_CONTROL.finditer(sample))
    return bad <= max_bad_ratio * len(sample)


def _common_chinese(ch: str) -> bool:
    """A GB2312 (common Simplified) character, or a frequent Traditional one (Big5 level 1)."""
    try:
        ch.encode("gb2312")
        return True
    except UnicodeEncodeError:
        pass
    try:
        return ch.encode("big5")[0] <= 0xC6
    except UnicodeEncodeError:
        return False


def _plausible_chinese(text: str) -> bool:
    """True when the non-ASCII characters of a GB18030 decode are mostly common ones.

    Latin-1 or Windows-1252 bytes often decode "successfully" as GB18030 into rare CJK
    characters; real Chinese text is dominated by the GB2312 set, or (Traditional text saved
    as GBK) by Big5's frequent level-1 characters.
    """
    counts = Counter(ch for ch in text[:_SAMPLE_CHARS] if ord(ch) > 0x7F)
    total = sum(counts.values())
    if total == 0:
        return True
    common = sum(n for ch, n in counts.items() if _common_chinese(ch))
    return common >= 0.5 * total


def _common_share(text: str, codec: str, *, common: Callable[[bytes], bool]) -> float:
    """Share of the non-ASCII characters (a sample) whose ``codec`` bytes pass ``common``."""
    counts = Counter(ch for ch in text[:_SAMPLE_CHARS] if ord(ch) > 0x7F)
    total = sum(counts.values())
    if total == 0:
        return 1.0
    hits = 0
    for ch, n in counts.items():
        try:
            hits += n * common(ch.encode(codec))
        except UnicodeEncodeError:
            continue
    return hits / total


def _big5_like(text: str) -> bool:
    """Big5's frequent characters (symbols and level 1) have lead bytes 0xA1-0xC6."""
    return _common_share(text, "big5", common=lambda b: b[0] <= 0xC6) >= 0.6


def _korean_like(text: str) -> bool:
    """EUC-KR text is mostly symbols (lead bytes 0xA1-0xAC) and Hangul (0xB0-0xC8), not Hanja."""
    return _common_share(text, "euc-kr", common=lambda b: b[0] <= 0xC8) >= 0.6


def _japanese_like(text: str) -> bool:
    """Japanese text has kana among its non-ASCII characters."""
    high = [ch for ch in text[:_SAMPLE_CHARS] if ord(ch) > 0x7F]
    return sum("\u3040" <= ch <= "\u30ff" for ch in high) >= 0.05 * max(1, len(high))


# The double-byte encodings tried after UTF-8, each with its check that the decoded text
# looks like its language (GB18030: mostly GB2312 characters).
_EAST_ASIAN: dict[str, Callable[[str], bool]] = {
    "gb18030": _plausible_chinese,
    "big5": _big5_like,
    "cp949": _korean_like,
    "cp932": _japanese_like,
    "euc-jp": _japanese_like,
}
_CHARSET_NAMES = {"gb2312": "gb18030", "gbk": "gb18030", "cp950": "big5", "euc_kr": "cp949"}
_CHARSET_NAMES |= {"shift_jis": "cp932", "euc_jis_2004": "euc-jp", "big5hkscs": "big5"}


def _line_sample(data: bytes, size: int = 1 << 18) -> bytes:
    """The first ``size`` bytes of ``data`` cut back to a line end (no character is split)."""
    cut = data.rfind(b"\n", 0, size) if len(data) > size else -1
    return data[: cut + 1] if cut > 0 else data


def _charset_order(sample: bytes, codecs_: list[str]) -> list[str]:
    """``codecs_`` ranked by charset-normalizer on ``sample``."""
    from charset_normalizer import from_bytes

    ranked: list[str] = []
    for match in from_bytes(sample, cp_isolation=list(codecs_)):
        name = _CHARSET_NAMES.get(match.encoding, match.encoding.replace("_", "-"))
        if name in codecs_ and name not in ranked:
            ranked.append(name)
    return ranked + [c for c in codecs_ if c not in ranked]


def _east_asian(data: bytes) -> tuple[str, str] | None:
    """``(text, codec)`` for a GB18030, Big5, EUC-KR or Japanese file; None if none fits.

    Candidates are judged on a line-aligned sample (a quarter megabyte); only the winner
    decodes the whole file.
    """
    sample = _line_sample(data)
    decoded = {c: t for c in _EAST_ASIAN if (t := _decode(sample, c)) is not None}
    decoded = {c: t for c, t in decoded.items() if _plausible(t) and _EAST_ASIAN[c](t)}
    order = list(decoded) if len(decoded) < 2 else _charset_order(sample, list(decoded))
    for codec in order:
        text = decoded[codec] if len(sample) == len(data) else _decode(data, codec)
        if text is not None and _plausible(text):
            return text, codec
    return None


def _utf16_without_bom(data: bytes) -> str | None:
    """The codec name when NUL bytes sit on one side of the byte pairs, like UTF-16 text."""
    sample = data[: 1 << 16]
    sample = sample[: len(sample) - len(sample) % 2]
    if not sample:
        return None
    even = sample[0::2].count(0)
    odd = sample[1::2].count(0)
    nuls = even + odd
    if nuls < max(1, 0.01 * len(sample)):
        return None
    if odd >= 0.8 * nuls:
        return "utf-16-le"
    if even >= 0.8 * nuls:
        return "utf-16-be"
    return None


def _decode(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def read_text_file(data: bytes, *, source: str) -> tuple[str, str]:
    r"""Decode a text file's bytes, detecting the encoding.

    Parameters
    ----------
    data : bytes
        The whole file.
    source : str
        The file name, used in error messages.

    Returns
    -------
    text : str
        The decoded text, without a byte-order mark.
    encoding : str
        The codec used: ``"utf-8"``, ``"utf-8-sig"``, ``"utf-16"``, ``"utf-16-le"``,
        ``"utf-16-be"``, ``"utf-32"``, ``"gb18030"``, ``"big5"``, ``"cp949"`` (EUC-KR and its
        superset), ``"cp932"`` (Shift-JIS), ``"euc-jp"``, ``"cp1252"`` or ``"latin-1"``.

    Raises
    ------
    DataError
        When the file is empty, is a known binary format, or does not decode to plausible text.

    Examples
    --------
    >>> read_text_file("标题\n".encode("gb18030"), source="t.txt")
    ('标题\n', 'gb18030')
    """
    if len(data) == 0:
        raise DataError(
            f"{source} is empty (0 bytes); choose a file with a header row and at least one "
            "data row."
        )
    kind = binary_kind(data)
    if kind is not None:
        what, hint = kind
        raise DataError(f"{source} looks like {what}, not a text table; {hint}.")

    undecodable = DataError(
        f"{source} could not be read as text in UTF-8, UTF-16, GB18030, Big5, EUC-KR, "
        "Shift-JIS or Latin-1 (it looks binary or damaged); save it as UTF-8 and try again."
    )
    binary = DataError(
        f"{source} contains control characters: it looks like a binary file, not a text "
        "table; choose a CSV, TSV, JSONL or Parquet file."
    )
    candidates: list[str] = []
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        candidates = ["utf-32"]
    elif data.startswith(codecs.BOM_UTF8):
        candidates = ["utf-8-sig"]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ["utf-16"]
    elif b"\x00" in data:
        utf16 = _utf16_without_bom(data)
        if utf16 is None:
            raise DataError(
                f"{source} contains NUL bytes: it looks like a binary file, not a text table; "
                "choose a CSV, TSV, JSONL or Parquet file."
            )
        candidates = [utf16]
    if candidates:
        # A byte-order mark or UTF-16 layout is decisive: never fall back to a guess.
        text = _decode(data, candidates[0])
        if text is None:
            raise undecodable
        if not _plausible(text):
            raise binary
        return text.removeprefix("\ufeff"), candidates[0]

    text = _decode(data, "utf-8")
    if text is not None:
        if not _plausible(text):
            raise binary
        return text, "utf-8"
    found = _east_asian(data)
    if found is not None:
        return found
    # Last resort: Latin-1 (Windows-1252 when its printable 0x80-0x9F characters are used),
    # accepted only when the text has no C0 control characters other than tab/CR/LF and is
    # mostly ASCII, as Western European text is (accented letters are a few percent).
    if _LATIN1_C0.search(data.decode("latin-1")) is not None:
        raise binary
    sample = data[: 1 << 20]
    if sum(1 for b in sample if b > 0x7F) > 0.3 * len(sample):
        raise undecodable
    if re.search(rb"[\x80-\x9f]", data):
        text = _decode(data, "cp1252")
        if text is not None:
            return text, "cp1252"
        raise undecodable
    return data.decode("latin-1"), "latin-1"


def sniff_codec(head: bytes, *, source: str, complete: bool) -> str:
    """The codec :func:`read_text_file` would use, judged on the first bytes of a large file.

    ``head`` is cut back to its last line end unless ``complete`` (the whole file), so no
    character is split. Used by readers that stream big files line by line (word vectors).
    """
    if not complete:
        cut = head.rfind(b"\n")
        head = head[: cut + 1] if cut > 0 else head
    return read_text_file(head, source=source)[1]
