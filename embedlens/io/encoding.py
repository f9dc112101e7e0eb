"""Turn a file's bytes into text: detect the encoding, refuse binary files and mojibake.

The order follows what our users have: UTF-8 (with or without BOM), UTF-16 (with BOM, or
BOM-less when NUL bytes sit on one side of each byte pair), GB18030/GBK for Chinese files,
and Latin-1 (Windows-1252 when it has smart quotes) only as a last resort.
"""

from __future__ import annotations

import codecs
import re
from collections import Counter

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


def _plausible_chinese(text: str) -> bool:
    """True when the non-ASCII characters of a GB18030 decode are mostly common (GB2312) ones.

    Latin-1 or Windows-1252 bytes often decode "successfully" as GB18030 into rare CJK
    characters; real Chinese text is dominated by the GB2312 set.
    """
    counts = Counter(ch for ch in text[:_SAMPLE_CHARS] if ord(ch) > 0x7F)
    total = sum(counts.values())
    if total == 0:
        return True
    common = 0
    for ch, n in counts.items():
        try:
            ch.encode("gb2312")
        except UnicodeEncodeError:
            continue
        common += n
    return common >= 0.5 * total


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
        ``"utf-16-be"``, ``"utf-32"``, ``"gb18030"``, ``"cp1252"`` or ``"latin-1"``.

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
        f"{source} could not be read as text in UTF-8, UTF-16, GB18030 or Latin-1 "
        "(it looks binary or damaged); save it as UTF-8 CSV and try again."
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
    text = _decode(data, "gb18030")
    if text is not None and _plausible(text) and _plausible_chinese(text):
        return text, "gb18030"
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
