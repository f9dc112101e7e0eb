"""Semantic textual similarity: read sentence-pair files and score embeddings against gold.

Two layouts are read: STS-B's raw TSV (no header; genre, filename, year, id, score, sentence1,
sentence2, sometimes two more trailing fields) and a CSV with the header
``sentence1,sentence2,score``. STS-B has unbalanced double quotes, so its lines are split on
TAB by hand, with no quoting at all.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy.stats import pearsonr, spearmanr

from embedlens.errors import DataError
from embedlens.validation import check_vectors

Source = str | Path | bytes

_STSB_FIELDS = 7
_CSV_COLUMNS = ("sentence1", "sentence2", "score")


@dataclass(frozen=True, eq=False)
class StsPairs:
    """Sentence pairs with gold similarity scores.

    Attributes
    ----------
    sentence1, sentence2 : list of str
    gold : ndarray of shape (n,), float64
    """

    sentence1: list[str]
    sentence2: list[str]
    gold: np.ndarray

    def __len__(self) -> int:
        return len(self.sentence1)


def _read_text(source: Source, label: str) -> str:
    try:
        raw = source if isinstance(source, bytes) else Path(source).read_bytes()
    except OSError as exc:
        raise DataError(f"cannot open {label}: {exc.strerror}; check the path.") from None
    from embedlens.io.encoding import read_text_file

    return read_text_file(raw, source=label)[0]  # UTF-8, GB18030, Big5 ... as the table loader


def _score(text: str, label: str, where: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise DataError(
            f"{label}, {where}: score {text!r} is not a finite number; fix or remove that row."
        )
    return value


def _is_stsb(first_line: str) -> bool:
    parts = first_line.split("\t")
    if len(parts) < _STSB_FIELDS:
        return False
    try:
        float(parts[4])
    except ValueError:
        return False
    return True


def _parse_stsb(text: str, label: str) -> tuple[list[str], list[str], list[float]]:
    s1: list[str] = []
    s2: list[str] = []
    gold: list[float] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = line.split("\t")
        if len(parts) < _STSB_FIELDS:
            raise DataError(
                f"{label}, line {number}: expected at least {_STSB_FIELDS} TAB-separated fields "
                f"(genre, filename, year, id, score, sentence1, sentence2), got {len(parts)}; "
                "fix or remove that line."
            )
        gold.append(_score(parts[4], label, f"line {number}"))
        s1.append(parts[5])
        s2.append(parts[6])
    return s1, s2, gold


def _parse_csv(text: str, label: str) -> tuple[list[str], list[str], list[float]]:
    reader = csv.reader(io.StringIO(text))
    header = [h.strip().lower() for h in next(reader, [])]
    missing = [c for c in _CSV_COLUMNS if c not in header]
    if missing:
        raise DataError(
            f"{label}: not STS-B TSV and the header lacks {', '.join(missing)} "
            f"(found: {', '.join(header) or 'nothing'}); use a CSV with the header "
            "sentence1,sentence2,score or the STS-B layout."
        )
    cols = [header.index(c) for c in _CSV_COLUMNS]
    s1: list[str] = []
    s2: list[str] = []
    gold: list[float] = []
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue
        where = f"line {reader.line_num}"
        if len(row) <= max(cols):
            raise DataError(
                f"{label}, {where}: {len(row)} fields but the header has {len(header)}; "
                "fix or remove that row."
            )
        s1.append(row[cols[0]])
        s2.append(row[cols[1]])
        gold.append(_score(row[cols[2]], label, where))
    return s1, s2, gold


def load_sts_pairs(path_or_bytes: Source, *, name: str | None = None) -> StsPairs:
    r"""Read sentence pairs and gold scores (STS-B raw TSV or a sentence1,sentence2,score CSV).

    Parameters
    ----------
    path_or_bytes : str, Path or bytes
        UTF-8 text (a BOM is allowed).
    name : str, default=None
        Name used in messages (default: the file name).

    Returns
    -------
    StsPairs

    Raises
    ------
    DataError
        Too few fields, a score that is not a number (naming the line or row), a CSV header
        without the three columns, or no pairs at all.

    Examples
    --------
    >>> pairs = load_sts_pairs(b"sentence1,sentence2,score\nA cat.,A dog.,1.5\n")
    >>> pairs.sentence2, pairs.gold.tolist()
    (['A dog.'], [1.5])
    """
    if name is not None:
        label = name
    elif isinstance(path_or_bytes, bytes):
        label = "<uploaded bytes>"
    else:
        label = Path(path_or_bytes).name
    text = _read_text(path_or_bytes, label)
    first = next((line for line in text.splitlines() if line.strip()), "")
    s1, s2, gold = _parse_stsb(text, label) if _is_stsb(first) else _parse_csv(text, label)
    if not gold:
        raise DataError(f"{label} holds no sentence pairs; check that it is the right file.")
    return StsPairs(sentence1=s1, sentence2=s2, gold=np.asarray(gold, dtype=np.float64))


def score_sts(pairs: StsPairs, emb1: Any, emb2: Any) -> dict[str, Any]:
    """Spearman and Pearson correlation of the pairs' cosine similarity with the gold scores.

    Parameters
    ----------
    pairs : StsPairs
    emb1, emb2 : array-like of shape (n, d)
        Embeddings of ``pairs.sentence1`` and ``pairs.sentence2``, row for row.

    Returns
    -------
    dict
        ``n``, ``spearman``, ``pearson`` (-1..1, higher is better).

    Raises
    ------
    DataError
        Row counts that do not match the pairs, different dimensions, or zero vectors.
    """
    n = len(pairs)
    A = check_vectors(emb1, n_rows=n, name="sentence1 embeddings").astype(np.float64)
    B = check_vectors(emb2, n_rows=n, name="sentence2 embeddings").astype(np.float64)
    if A.shape[1] != B.shape[1]:
        raise DataError(
            f"sentence1 embeddings have {A.shape[1]} dimensions and sentence2 embeddings "
            f"{B.shape[1]}; embed both sides with the same model."
        )
    na, nb = np.linalg.norm(A, axis=1), np.linalg.norm(B, axis=1)
    zero = int(((na == 0) | (nb == 0)).sum())
    if zero:
        raise DataError(
            f"{zero} pairs have a zero vector (norm 0), so cosine similarity is undefined for "
            "them; remove those pairs or check the embedder."
        )
    if n < 2:
        raise DataError(f"correlation needs at least 2 pairs; got {n}; use more pairs.")
    if np.ptp(pairs.gold) == 0:
        raise DataError(
            f"every gold score is {pairs.gold[0]:g}, so correlation with them is undefined; "
            "use pairs with different scores."
        )
    cos = np.einsum("ij,ij->i", A, B) / (na * nb)
    return {
        "n": n,
        "spearman": float(spearmanr(cos, pairs.gold).statistic),
        "pearson": float(pearsonr(cos, pairs.gold).statistic),
    }
