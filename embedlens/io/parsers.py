"""Parse decoded text into a DataFrame: delimited text and JSON Lines (Parquet: io.parquet)."""

from __future__ import annotations

import csv
import io
import json
import re
import warnings
from collections import Counter
from typing import Any

import pandas as pd

from embedlens.errors import DataError
from embedlens.i18n import N_
from embedlens.io.parquet import PARQUET_BATCH_ROWS, parse_parquet

_CANDIDATES = ("\t", ",", ";", "|")
_DELIM_NAMES = {"\t": "tab", ",": "comma", ";": "semicolon", "|": "pipe"}
_FIELDS = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")
_SNIFF_CHARS = 1 << 16


def delimiter_name(sep: str) -> str:
    """A readable name for a delimiter (``tab``, ``comma``, or the character itself)."""
    return _DELIM_NAMES.get(sep, repr(sep))


def sniff_delimiter(
    text: str, *, prefer: str | None = None, quoting: int = csv.QUOTE_MINIMAL
) -> str | None:
    """The delimiter that splits the first lines into a consistent number (>= 2) of fields."""
    sample = text[:_SNIFF_CHARS]
    if len(text) > _SNIFF_CHARS and "\n" in sample:
        sample = sample[: sample.rindex("\n")]
    best: tuple[float, int, int, str] | None = None
    for rank, sep in enumerate(_CANDIDATES):
        if sep not in sample:
            continue
        counts: list[int] = []
        try:
            for row in csv.reader(io.StringIO(sample), delimiter=sep, quoting=quoting):
                if row:
                    counts.append(len(row))
                if len(counts) >= 50:
                    break
        except csv.Error:
            continue
        if not counts:
            continue
        width, freq = Counter(counts).most_common(1)[0]
        consistency = freq / len(counts)
        if width < 2 or consistency < 0.9:
            continue
        key = (consistency, int(sep == prefer), -rank, sep)
        if best is None or key[:3] > best[:3]:
            best = key
    return None if best is None else best[3]


def _header_names(text: str, sep: str, quoting: int) -> list[str] | None:
    if len(sep) != 1:
        return text.split("\n", 1)[0].rstrip("\r").split(sep)
    try:  # the header is within the first MiB (slicing avoids copying a large file)
        return next(csv.reader(io.StringIO(text[: 1 << 20]), delimiter=sep, quoting=quoting), None)
    except csv.Error:
        return None


def _check_duplicates(names: list[str] | None, source: str) -> None:
    if not names:
        return
    seen: dict[str, int] = {}
    for i, raw in enumerate(names, 1):
        name = raw.strip()
        if not name:
            continue
        if name in seen:
            raise DataError(
                N_(
                    "{file}: the column name {name!r} appears twice in the header (columns {a} "
                    "and {b}); rename one so every column has a unique name."
                ).format(file=source, name=name, a=seen[name], b=i)
            )
        seen[name] = i


def _first_long_row(text: str, sep: str, quoting: int, width: int) -> tuple[int, int] | None:
    if len(sep) != 1:
        return None
    try:
        reader = csv.reader(io.StringIO(text), delimiter=sep, quoting=quoting)
        for i, row in enumerate(reader):
            if i and len(row) > width:
                return reader.line_num, len(row)
    except csv.Error:
        return None
    return None


def _read_delimited(text: str, *, sep: str, header: bool, quoting: int, source: str):
    """One pandas parse; raises DataError with the file, line and what to do."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            fast = {"engine": "c", "low_memory": False} if len(sep) == 1 else {"engine": "python"}
            frame = pd.read_csv(
                # bytes, not StringIO, which stores 4 bytes per character (300 MB of CSV ->
                # 1.2 GB); the text came from a strict decode, so it always encodes.
                io.BytesIO(text.encode("utf-8")),
                encoding="utf-8",
                sep=sep if len(sep) == 1 else re.escape(sep),
                header=0 if header else None,
                keep_default_na=False,
                na_values=[""],
                quoting=quoting,
                **fast,
            )
        except pd.errors.EmptyDataError:
            raise DataError(
                N_(
                    "{file} has no rows or columns (only blank lines); choose a file with a "
                    "header row and at least one data row."
                ).format(file=source)
            ) from None
        except (pd.errors.ParserError, csv.Error, ValueError, OverflowError) as exc:
            detail = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
            match = _FIELDS.search(detail)
            if match:
                expected, line, saw = match.groups()
                detail = N_(
                    "line {line} has {saw} fields but the lines before it have {expected}"
                ).format(line=line, saw=saw, expected=expected)
            raise DataError(
                N_(
                    "{file} could not be read as {sep}-separated text: {problem}; check the "
                    "delimiter and quote fields that contain it."
                ).format(file=source, sep=delimiter_name(sep), problem=detail)
            ) from None
    if header and not isinstance(frame.index, pd.RangeIndex):
        names = _header_names(text, sep, quoting) or list(frame.columns)
        where = _first_long_row(text, sep, quoting, len(names))
        if where:
            message = N_(
                "{file}: line {line} has {n} fields but the header row names {width} columns; "
                "add the missing column names or fix the delimiter."
            ).format(file=source, line=where[0], n=where[1], width=len(names))
        else:
            message = N_(
                "{file}: data rows have more fields but the header row names {width} columns; "
                "add the missing column names or fix the delimiter."
            ).format(file=source, width=len(names))
        raise DataError(message)
    if not header:
        frame.columns = [f"col{i}" for i in range(frame.shape[1])]
    return frame


def parse_delimited(
    text: str, *, source: str, sep: str | None, header: bool, fixed: bool, notes: list[str]
) -> pd.DataFrame:
    """Parse CSV/TSV text, retrying with a sniffed delimiter or without quoting when needed.

    ``sep=None`` sniffs the delimiter (a file with no consistent delimiter is read as one
    text per line). ``fixed=True`` (the user chose the delimiter) disables the retries.
    """
    if not text.strip():
        raise DataError(
            N_(
                "{file} contains only blank lines; choose a file with a header row and at "
                "least one data row."
            ).format(file=source)
        )
    if sep is None:
        sep = sniff_delimiter(text)
        if sep is None:
            return _lines_frame(text, header=header, source=source, notes=notes)
    if not fixed and sep not in _CANDIDATES:
        fixed = True
    seps = [sep]
    if not fixed:
        other = sniff_delimiter(text, prefer=sep) or sniff_delimiter(text, quoting=csv.QUOTE_NONE)
        if other is not None and other != sep:
            seps.append(other)
    first_error: DataError | None = None
    single: tuple[pd.DataFrame, str, int] | None = None
    for quoting in (csv.QUOTE_MINIMAL, csv.QUOTE_NONE):
        for attempt_sep in seps:
            try:
                frame = _read_delimited(
                    text, sep=attempt_sep, header=header, quoting=quoting, source=source
                )
            except DataError as exc:
                if fixed:
                    raise
                first_error = first_error or exc
                continue
            if frame.shape[1] == 1 and not fixed:
                # A one-column file is fine, unless another delimiter splits it.
                single = single or (frame, attempt_sep, quoting)
                continue
            return _accept(frame, text, sep, attempt_sep, quoting, header, source, notes)
        if single is not None:
            return _accept(*single[:1], text, sep, single[1], single[2], header, source, notes)
    if first_error is None:  # unreachable: every attempt either failed or returned
        first_error = DataError(
            N_("{file} could not be read as delimited text.").format(file=source)
        )
    if "\t" in text[:_SNIFF_CHARS] and sep != "\t":
        raise DataError(
            N_("{problem} If the file is tab-separated, pass delimiter='\\t'.").format(
                problem=first_error
            )
        )
    raise first_error


def _accept(
    frame: pd.DataFrame,
    text: str,
    sep: str,
    used: str,
    quoting: int,
    header: bool,
    source: str,
    notes: list[str],
) -> pd.DataFrame:
    """Check the header for duplicates and note any retry that was needed."""
    _check_duplicates(_header_names(text, used, quoting) if header else None, source)
    if used != sep:
        notes.append(
            N_(
                "The file is {used}-separated, not {sep}-separated; read it with delimiter "
                "{char!r}."
            ).format(used=delimiter_name(used), sep=delimiter_name(sep), char=used)
        )
    if quoting == csv.QUOTE_NONE:
        notes.append(
            N_('Quote characters (") were read as plain text: the file has unbalanced quotes.')
        )
    return _drop_trailing_empty(frame, header=header, notes=notes)


def _drop_trailing_empty(frame: pd.DataFrame, *, header: bool, notes: list[str]) -> pd.DataFrame:
    """Drop unnamed all-empty last columns.

    A delimiter at the end of every line (common in hand-written Projector ``vectors.tsv``
    files) is not one more column.
    """
    n = frame.shape[1]
    while n > 1:
        name = str(frame.columns[n - 1])
        unnamed = not header or name.startswith("Unnamed: ")
        if not (unnamed and frame.iloc[:, n - 1].isna().all()):
            break
        n -= 1
    if n == frame.shape[1]:
        return frame
    notes.append(N_("Every line ends with a delimiter; the empty last column was left out."))
    return frame.iloc[:, :n]


def _lines_frame(text: str, *, header: bool, source: str, notes: list[str]) -> pd.DataFrame:
    lines = [line for line in text.splitlines() if line.strip()]
    if header:
        name, lines = lines[0].strip(), lines[1:]
        notes.append(
            N_(
                "No delimiter found: read one text per line, with the first line {name!r} as "
                "the column name (pass header=False if it is a text)."
            ).format(name=name[:40])
        )
        if not lines:
            raise DataError(
                N_(
                    "{file} has a header line ({name!r}) but no data rows; add at least one "
                    "row, or pass header=False."
                ).format(file=source, name=name[:40])
            )
    else:
        name = "col0"
        notes.append(N_("No delimiter found: read one text per line."))
    return pd.DataFrame({name: pd.Series(lines, dtype="str")})


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(key)
        out[key] = value
    return out


class _DuplicateKey(Exception):
    pass


def parse_jsonl(text: str, *, source: str) -> pd.DataFrame:
    """JSON Lines (one object per line), or a JSON array of objects."""
    stripped = text.strip()
    if not stripped:
        raise DataError(
            N_("{file} contains only blank lines; add one JSON object per line.").format(
                file=source
            )
        )
    records: list[dict[str, Any]] = []
    if stripped.startswith("["):
        try:
            data = json.loads(stripped, object_pairs_hook=_no_duplicate_keys)
        except _DuplicateKey as exc:
            raise DataError(
                N_("{file}: the key {key!r} appears twice in one record; rename one.").format(
                    file=source, key=exc.args[0]
                )
            ) from None
        except (json.JSONDecodeError, RecursionError) as exc:
            msg = getattr(exc, "msg", N_("too deeply nested"))
            raise DataError(
                N_("{file} is not valid JSON ({problem}); write one object per line.").format(
                    file=source, problem=msg
                )
            ) from None
        if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
            raise DataError(
                N_("{file}: a JSON file must hold a list of objects (one per row).").format(
                    file=source
                )
            )
        records = data
    else:
        for lineno, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line, object_pairs_hook=_no_duplicate_keys)
            except _DuplicateKey as exc:
                raise DataError(
                    N_(
                        "{file}, line {line}: the key {key!r} appears twice; rename one so every "
                        "column has a unique name."
                    ).format(file=source, line=lineno, key=exc.args[0])
                ) from None
            except (json.JSONDecodeError, RecursionError) as exc:
                msg = getattr(exc, "msg", N_("too deeply nested"))
                raise DataError(
                    N_(
                        "{file}, line {line}: not valid JSON ({problem}); each line must be one "
                        'JSON object such as {{"text": "...", "label": "..."}}.'
                    ).format(file=source, line=lineno, problem=msg)
                ) from None
            if not isinstance(obj, dict):
                raise DataError(
                    N_(
                        "{file}, line {line}: expected a JSON object, got {kind}; each line must "
                        "be one object with named fields."
                    ).format(file=source, line=lineno, kind=type(obj).__name__)
                )
            records.append(obj)
    if not records:
        raise DataError(
            N_("{file} has no records; add at least one JSON object.").format(file=source)
        )
    frame = pd.DataFrame.from_records(records)
    if frame.shape[1] == 0:
        raise DataError(
            N_("{file}: every record is empty ({{}}); add named fields.").format(file=source)
        )
    return frame


__all__ = [
    "PARQUET_BATCH_ROWS",
    "delimiter_name",
    "parse_delimited",
    "parse_jsonl",
    "parse_parquet",
    "sniff_delimiter",
]
