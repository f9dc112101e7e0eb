"""Readers and writers: CSV/TSV/Parquet/JSONL/.npy tables, TensorFlow Projector files, exports.

Every reader returns an :class:`embedlens.dataset.Dataset` whose ``report`` says what was
detected (encoding, text/label/vector columns) and which rows were dropped and why. Bad input
raises :class:`embedlens.errors.DataError` naming the file, row and column.
"""

from __future__ import annotations

from embedlens.io.encoding import read_text_file
from embedlens.io.projector import load_projector
from embedlens.io.tables import FORMATS, SUPPORTED_EXTENSIONS, load_table
from embedlens.io.vectors import parse_vector_column
from embedlens.io.writers import WRITE_EXTENSIONS, frame_with_vectors, to_safe_csv, write_table

__all__ = [
    "FORMATS",
    "SUPPORTED_EXTENSIONS",
    "WRITE_EXTENSIONS",
    "frame_with_vectors",
    "load_projector",
    "load_table",
    "parse_vector_column",
    "read_text_file",
    "to_safe_csv",
    "write_table",
]
