"""Vector files that are not plain tables, and several files that make one dataset.

* word2vec / GloVe / fastText text: one row per word, a ``word`` column plus the vectors;
* TensorFlow Projector: tensors (``vectors.tsv`` or raw float32 ``.bytes``) + ``metadata.tsv``,
  optionally described by ``projector_config.json`` (its ``tensorShape`` gives the dimensions);
* a table plus a ``.npy`` of its row vectors.

The format is decided from the content; the file name only breaks ties.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from embedlens.dataset import Dataset
from embedlens.errors import DataError
from embedlens.i18n import N_
from embedlens.io.columns import assemble
from embedlens.io.encoding import read_text_file
from embedlens.io.sniff import first_row_is_numbers, projector_config, word_vector_layout

_META_HINTS = ("metadata", "labels", "label", "meta")
_TENSOR_HINTS = ("tensors", "tensor", "vectors", "vecs", "embeddings")
_TABLE_EXT = (".tsv", ".txt", ".csv", ".tab")


def word_vectors_dataset(text: str, *, name: str, source: str, encoding: str | None) -> Dataset:
    """A word2vec/GloVe/fastText text file as a Dataset: a ``word`` column plus its vectors."""
    from embedlens.wordvecs import load_word_vectors

    wv = load_word_vectors(text.encode("utf-8"), name=source)
    note = (
        N_("Word vectors, word2vec/fastText (N D header): {n:,} words x {d} dimensions.")
        if wv.header
        else N_("Word vectors, GloVe (no header): {n:,} words x {d} dimensions.")
    ).format(n=len(wv), d=wv.vectors.shape[1])
    frame = pd.DataFrame({"word": pd.Series(wv.words, dtype="str")})
    return assemble(
        frame,
        name=name,
        source=source,
        text_column="word",
        vectors=wv.vectors,
        encoding=encoding,
        notes=[note],
    )


def _stem_key(name: str) -> str:
    stem = Path(name).stem.lower()
    for hint in (*_META_HINTS, *_TENSOR_HINTS):
        stem = stem.replace(hint, "")
    return stem.strip("_-. ")


def _named_like(name: str, hints: Sequence[str]) -> bool:
    stem = Path(name).stem.lower()
    return any(h in stem for h in hints)


def sibling_metadata(path: Path) -> Path | None:
    """The Projector metadata file beside a tensors file, or None.

    Matched by name: ``metadata.tsv`` for ``vectors.tsv``, ``<prefix>_labels.tsv`` for
    ``<prefix>_tensors.bytes``.
    """
    folder = path.parent
    try:
        candidates = sorted(p for p in folder.iterdir() if p.is_file() and p != path)
    except OSError:
        return None
    key = _stem_key(path.name)
    for p in candidates:
        if p.suffix.lower() in _TABLE_EXT and _named_like(p.name, _META_HINTS):
            if _stem_key(p.name) == key:
                return p
    return None


def _config_beside(path: Path) -> tuple[Any, Path] | None:
    """(entry, folder) of a ``projector_config.json`` beside ``path`` that names it."""
    for cfg_path in path.parent.glob("*.json"):
        try:
            entries = projector_config(cfg_path.read_bytes())
        except OSError:
            continue
        for entry in entries or ():
            if Path(entry.tensor_path).name == path.name:
                return entry, cfg_path.parent
    return None


def _projector_from_entry(entry: Any, folder: Path, **columns: Any) -> Dataset:
    from embedlens.io.projector import load_projector

    tensors = folder / entry.tensor_path
    if not tensors.exists():
        tensors = folder / Path(entry.tensor_path).name
    meta = None
    if entry.metadata_path:
        meta = folder / entry.metadata_path
        if not meta.exists():
            meta = folder / Path(entry.metadata_path).name
    dim = entry.shape[1] if entry.shape else None
    return load_projector(tensors, meta, dim=dim, name=entry.name, **columns)


def sniff_path_or_bytes(
    data: bytes,
    *,
    label: str,
    path: Path | None,
    kind: str,
    name: str,
    header: bool,
    text_column: str | None = None,
    label_column: str | None = None,
) -> tuple[Dataset | None, str | None, str | None]:
    """Load what a plain table parse would get wrong; ``(dataset or None, text, encoding)``.

    ``text``/``encoding`` are the decoded file when it was decoded, so the caller does not
    decode it twice.
    """
    from embedlens.io.projector import load_projector

    columns = {"text_column": text_column, "label_column": label_column}
    if kind == "bytes":
        if path is not None:
            found = _config_beside(path)
            if found is not None:
                return _projector_from_entry(found[0], found[1], **columns), None, None
            meta = sibling_metadata(path)
            if meta is not None:
                return load_projector(path, meta, **columns), None, None
        raise DataError(
            N_(
                "{file} holds raw float32 tensors (TensorFlow Projector .bytes); it needs the "
                "metadata .tsv (one row per vector) or the projector_config.json with its "
                "tensorShape. Open them together."
            ).format(file=label)
        )
    if kind == "jsonl":
        entries = projector_config(data)
        if entries is None:
            return None, None, None
        if path is None:
            named = [entries[0].tensor_path, entries[0].metadata_path]
            raise DataError(
                N_(
                    "{file} is a TensorFlow Projector config; open it together with the files "
                    "it names ({files})."
                ).format(file=label, files=", ".join(n for n in named if n))
            )
        return _projector_from_entry(entries[0], path.parent, **columns), None, None
    text, encoding = read_text_file(data, source=label)
    if word_vector_layout(text) is not None:
        return word_vectors_dataset(text, name=name, source=label, encoding=encoding), None, None
    if path is not None and header is not False and first_row_is_numbers(text, "\t"):
        meta = sibling_metadata(path)
        if meta is not None:
            ds = load_projector(path, meta, **columns)
            note = N_("Metadata read from {metadata}, found beside {file}.").format(
                metadata=meta.name, file=label
            )
            return _with_note(ds, note), None, None
    return None, text, encoding


def _with_note(ds: Dataset, note: str) -> Dataset:
    import dataclasses

    if ds.report is None:
        return ds
    report = dataclasses.replace(ds.report, notes=(*ds.report.notes, note))
    return dataclasses.replace(ds, report=report)


def _head(data: bytes | Path, size: int | None = None) -> bytes:
    """The first ``size`` bytes (all when None) of bytes or of a file."""
    if isinstance(data, bytes | bytearray):
        return bytes(data[:size]) if size is not None else bytes(data)
    with Path(data).open("rb") as fh:
        return fh.read(-1 if size is None else size)


def _tensor_candidate(name: str, data: bytes | Path) -> bool:
    if name.lower().endswith(".bytes"):
        return True
    if not name.lower().endswith(_TABLE_EXT):
        return False
    try:
        text = _head(data, 65536).decode("utf-8-sig", errors="strict")
    except UnicodeDecodeError:
        return False
    return first_row_is_numbers(text, "\t") and "\t" in text.split("\n", 1)[0]


def load_files(
    files: Sequence[tuple[str, bytes | Path]],
    *,
    header: bool = True,
    text_column: str | None = None,
    label_column: str | None = None,
    delimiter: str | None = None,
    encoding: str | None = None,
) -> Dataset:
    r"""Load one dataset from one or several uploaded files ``(name, bytes or path)``.

    Paths are read by the loaders from disk (a large table or ``.npy`` is never all in
    memory); ``name`` is the user's file name, which picks the format.

    Pairs recognised: Projector tensors (``.bytes`` or a numeric TSV) + metadata TSV (+ an
    optional ``projector_config.json``), and a table + a ``.npy`` of its row vectors. A single
    file goes to :func:`embedlens.io.load_table`.

    Examples
    --------
    >>> ds = load_files([("vectors.tsv", b"1\t2\n3\t4\n"), ("metadata.tsv", b"a\nb\n")])
    >>> ds.vectors.shape, ds.text_column
    ((2, 2), 'label')
    """
    from embedlens.io.projector import load_projector
    from embedlens.io.tables import load_table

    if not files:
        raise DataError(N_("No file given; choose at least one file."))
    options: dict[str, Any] = {"text_column": text_column, "label_column": label_column}
    by_name = {Path(n).name: d for n, d in files}
    if len(files) == 1:
        ((fname, data),) = files
        return load_table(
            data, name=fname, header=header, delimiter=delimiter, encoding=encoding, **options
        )
    configs = [
        (n, projector_config(_head(d))) for n, d in by_name.items() if n.lower().endswith(".json")
    ]
    configs = [(n, c) for n, c in configs if c]
    rest = {n: d for n, d in by_name.items() if n not in {c[0] for c in configs}}
    dim = None
    tensors = meta = None
    if configs:
        for entry in configs[0][1]:
            tname = Path(entry.tensor_path).name
            if tname in rest:
                tensors = tname
                mname = Path(entry.metadata_path).name if entry.metadata_path else None
                meta = mname if mname in rest else None
                dim = entry.shape[1] if entry.shape else None
                break
    npys = [n for n in rest if n.lower().endswith(".npy")]
    if tensors is None and npys and len(rest) == 2:
        table = next(n for n in rest if n not in npys)
        return load_table(
            rest[table],
            name=table,
            header=header,
            delimiter=delimiter,
            encoding=encoding,
            vectors_file=rest[npys[0]],
            **options,
        )
    if tensors is None:
        cands = [n for n, d in rest.items() if _tensor_candidate(n, d)]
        if len(cands) > 1:
            named = [n for n in cands if _named_like(n, _TENSOR_HINTS) or n.endswith(".bytes")]
            cands = named or cands
        if cands:
            tensors = cands[0]
    if tensors is not None and meta is None:
        others = [n for n in rest if n != tensors and n.lower().endswith(_TABLE_EXT)]
        named = [n for n in others if _named_like(n, _META_HINTS)]
        meta = (named or others or [None])[0]
    if tensors is None or len(rest) > 2:
        shown = ", ".join(sorted(by_name))
        raise DataError(
            N_(
                "These files do not make one dataset: {files}. Open one table; or a table with "
                "a .npy of its vectors; or TensorFlow Projector tensors (.bytes or vectors.tsv) "
                "with their metadata .tsv (and projector_config.json)."
            ).format(files=shown)
        )

    return load_projector(  # as bytes: the loader sniffs raw float32 in uploaded bytes only
        _head(rest[tensors]),
        _head(rest[meta]) if meta else None,
        dim=dim,
        name=Path(tensors).stem,
        tensors_name=tensors,
        metadata_name=meta,
        **options,
    )


__all__ = [
    "load_files",
    "sibling_metadata",
    "sniff_path_or_bytes",
    "word_vectors_dataset",
]
