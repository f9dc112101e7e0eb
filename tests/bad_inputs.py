"""A corpus of bad and hostile input files, shared by the loader, CLI and app tests.

Each bad file comes with a fragment of the message it must give: the message names what is
wrong (and where), so the user knows what to fix. The hostile files load; what matters is how
their content is shown.
"""

from __future__ import annotations

import gzip
import io
import zipfile

import numpy as np
import pandas as pd


def _npy(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=array.dtype == object)  # object arrays: a hostile file
    return buf.getvalue()


def _parquet(frame: pd.DataFrame) -> bytes:
    buf = io.BytesIO()
    frame.to_parquet(buf, index=False)
    return buf.getvalue()


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    return buf.getvalue()


def bad_files() -> dict[str, tuple[bytes, str]]:
    """File name -> (content, a fragment the error message must contain)."""
    rng = np.random.default_rng(0)
    rows = "\n".join(f't{i},"[{i},2,3]"' for i in range(5))
    return {
        "empty.csv": (b"", "is empty (0 bytes)"),
        "blank_lines.csv": (b"\n\n  \n\n", "contains only blank lines"),
        "header_only.csv": (b"text,label\n", "has a header row (text, label) but no data rows"),
        "duplicate_columns.csv": (b"text,text\na,b\nc,d\n", "'text' appears twice"),
        "missing_markers.csv": (b"text\nNaN\nNone\nnull\n", "empty or a missing-value marker"),
        "ragged_vectors.csv": (
            f'text,vector\n{rows}\nlast,"[1,2]"\n'.encode(),
            "row 6, column 'vector': vector has 2 values but the first row has 3",
        ),
        "unparsable_vector.csv": (
            f'text,embedding\nfirst,"[1,two,3]"\n{rows}\n'.encode(),
            "row 1, column 'embedding': '[1,two,3]' is not a list of numbers",
        ),
        "nan_vector.csv": (
            f'text,vector\n{rows}\nlast,"[1,NaN,3]"\n'.encode(),
            "row 6, column 'vector': the vector contains NaN or infinite values",
        ),
        "inf_vector.csv": (
            f'text,vector\n{rows}\nlast,"[1,Infinity,3]"\n'.encode(),
            "row 6, column 'vector': the vector contains NaN or infinite values",
        ),
        "stray_word.csv": (
            b"v0,v1,v2\n1,2,3\n4,five,6\n7,8,9\n",
            "row 2, column 'v1': 'five' is not a finite number",
        ),
        "undecodable.csv": (b"text\n\xff\xfe\xfa\x80\x81\n\x9d\x9e\x9f\n", "could not be read as"),
        "image_renamed.csv": (b"\x89PNG\r\n\x1a\n" + rng.bytes(2000), "looks like a PNG image"),
        "excel_renamed.csv": (_zip(), "looks like a ZIP archive (or an Excel .xlsx file)"),
        "gzipped.csv": (gzip.compress(b"text\na\nb\nc\n"), "gzip-compressed"),
        "nul_bytes.csv": (b"text\nhel\x00lo\nwor\x00ld\n", "contains NUL bytes"),
        "not_parquet.parquet": (b"text\na\nb\nc\n", "could not be read as Parquet"),
        "damaged.parquet": (b"PAR1" + rng.bytes(300), "could not be read as Parquet"),
        "text_renamed.npy": (b"text\na\nb\nc\n", "is not a readable numeric .npy array"),
        "objects.npy": (_npy(np.array([{"a": 1}, None], dtype=object)), "numeric .npy"),
        "cube.npy": (_npy(np.zeros((3, 2, 2), np.float32)), "vectors must be 2-D"),
        "deep.json": (b"[" * 100_000 + b"]" * 100_000, "too deeply nested"),
        "mixed_lines.jsonl": (
            b'{"text": "a"}\n[1, 2]\n{"text": "b"}\n',
            "line 2: expected a JSON object, got list",
        ),
        "no_text_no_vectors.parquet": (
            _parquet(pd.DataFrame({"flag": [True, False, True]})),
            "found no text column",
        ),
        # issue 17: values float32 cannot hold became inf with a vague message
        "float32_overflow.csv": (
            f'text,vector\n{rows}\nlast,"[1,1e39,3]"\n'.encode(),
            "row 6, column 'vector': 1e+39 is too large for a float32 vector",
        ),
        "float32_overflow_columns.csv": (
            b"v0,v1,v2\n1,2,3\n4,-1e39,6\n7,8,9\n",
            "row 2, column 'v1': -1e+39 is too large for a float32 vector",
        ),
        # issue 17: 100,000 columns took 57 s to parse; refused on the header line instead
        "too_many_columns.csv": (
            (",".join(f"c{i}" for i in range(20_000)) + "\n" + "1," * 19_999 + "1\n").encode(),
            "has about 20,000 columns; this server accepts up to 10,000",
        ),
        # issue 17: a header promising 1.2 TB made NumPy report "out of memory"
        "lying_header.npy": (
            _npy(np.zeros((2, 3), np.float32)).replace(b"(2, 3), }", b"(99999999999, 3), }"),
            "the .npy header says shape (99999999999, 3)",
        ),
    }


def bad_word_vectors() -> dict[str, tuple[bytes, str]]:
    """Word-vector files (word similarity, analogies) -> a fragment of their message."""
    return {
        "zero_dims.vec": (b"2 0\nking\nqueen\n", "line 1: the word2vec header '2 0'"),
        "inf.vec": (b"2 2\nking 1 inf\nqueen 0 1\n", "line 2: NaN or infinite value"),
    }


def bad_sts_pairs() -> dict[str, tuple[bytes, str]]:
    """Sentence-pair files (STS) -> a fragment of their message (load or score)."""
    header = b"sentence1,sentence2,score\n"
    return {
        "inf_gold.csv": (header + b"A,B,inf\nC,D,1\nE,F,2\n", "score 'inf' is not a finite"),
        "nan_gold.csv": (header + b"A,B,1\nC,D,NaN\nE,F,2\n", "score 'NaN' is not a finite"),
        "constant_gold.csv": (header + b"A,B,3\nC,D,3\nE,F,3\n", "every gold score is 3"),
    }


HOSTILE_TEXTS = [
    "<script>alert('xss')</script>",
    '<img src=x onerror="alert(1)">',
    "[click me](javascript:alert(1))",
    "=HYPERLINK(\"http://evil.example\",\"click\")",
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "**not bold** `not code` $not math$",
]
HOSTILE_COLUMN = "<b onmouseover=alert(1)>topic</b>"


def hostile_csv() -> bytes:
    """A CSV whose texts, labels and a column name are HTML, JavaScript and formulas."""
    texts = HOSTILE_TEXTS + [f"an ordinary sentence about topic {i}" for i in range(8)]
    frame = pd.DataFrame(
        {"text": texts, HOSTILE_COLUMN: [HOSTILE_TEXTS[i % 3] for i in range(len(texts))]}
    )
    return frame.to_csv(index=False).encode()

