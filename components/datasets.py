"""Opening datasets: the bundled sample, uploads, pasted text and workspace entries."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from components import state
from components.feedback import user_errors
from components.pipeline import home, workspace
from embedlens.dataset import Dataset
from embedlens.i18n import N_, Translated, _, current_language, translate_note
from embedlens.io import load_table
from embedlens.io.bundle import load_files
from embedlens.store.uploads import StoredUpload

MIN_ROWS = 3  # PCA, t-SNE and UMAP all need at least three points
UPLOAD_TYPES = [
    "csv", "tsv", "tab", "txt", "parquet", "jsonl", "ndjson", "json", "npy", "vec", "bytes",
]  # fmt: skip
DELIMITERS = Translated(
    {"": N_("Detect"), ",": N_("comma"), "\t": N_("tab"), ";": N_("semicolon"), "|": N_("pipe"),
     " ": N_("space")}
)  # fmt: skip
SAMPLE = Path(__file__).resolve().parents[1] / "sample_data" / "headlines.csv"
SAMPLE_ZH = SAMPLE.with_name("headlines_zh.csv")  # the Chinese twin, opened in a Chinese UI
_SAMPLE_OPEN = "data.sample_language"  # language of the sample the session opened, if open


def sample() -> Dataset:
    """The bundled sample in the UI language (the Chinese twin when the UI is Chinese)."""
    return _sample(current_language())


@st.cache_resource(show_spinner=False, max_entries=2)
def _sample(language: str) -> Dataset:
    if language == "zh_CN" and SAMPLE_ZH.is_file():
        return load_table(
            str(SAMPLE_ZH), name="示例：新闻标题", text_column="text", label_column="topic"
        )
    return load_table(
        str(SAMPLE), name="Sample: news headlines", text_column="text", label_column="topic"
    )


def _sample_follows_language() -> None:
    """After a language switch, swap the untouched sample for its twin in the new language."""
    opened = st.session_state.get(_SAMPLE_OPEN)
    if opened is None or opened == current_language():
        return
    if st.session_state.get(state.DATASET_ID) != st.session_state.get(f"{_SAMPLE_OPEN}.id"):
        st.session_state.pop(_SAMPLE_OPEN, None)  # another dataset is open: leave it
        return
    _open_sample()


def _open_sample() -> None:
    st.session_state[f"{_SAMPLE_OPEN}.id"] = open_dataset(sample())
    st.session_state[_SAMPLE_OPEN] = current_language()


def open_dataset(ds: Dataset) -> str:
    """Save ``ds`` in the workspace (idempotent) and make it the session's dataset."""
    dataset_id = workspace(home()).save_dataset(ds, name=ds.name)
    state.set_dataset(ds, dataset_id)
    return dataset_id


def open_saved(dataset_id: str) -> bool:
    """Open a workspace dataset by id; False when it is not there."""
    ws = workspace(home())
    if dataset_id not in {info.id for info in ws.list_datasets()}:
        return False
    with user_errors(_("Opening the dataset")):
        ds = ws.load_dataset(dataset_id)
    state.set_dataset(ds, dataset_id)
    return True


def ensure_dataset() -> None:
    """On a session's first run: reopen the dataset in the URL, else open the sample."""
    if state.dataset() is not None:
        _sample_follows_language()
        return
    wanted = st.query_params.get("dataset")
    if wanted and open_saved(wanted):
        return
    _open_sample()


@st.cache_resource(show_spinner=False, max_entries=4)
def parse_uploads(
    keys: tuple[str, ...],
    header: bool,
    delimiter: str,
    text_column: str | None,
    label_column: str | None,
    _files: tuple[StoredUpload, ...],
) -> Dataset:
    """Read one upload, or several that make one dataset, from disk once per (files, options).

    ``keys`` (content hash and name of each file, :attr:`StoredUpload.key`) identify the
    files: the same file uploaded again is the same entry; no bytes are hashed.
    """
    options = {"header": header, "text_column": text_column, "label_column": label_column}
    if delimiter:
        options["delimiter"] = delimiter
    if len(_files) == 1:
        return load_table(_files[0].path, name=_files[0].name, **options)
    return load_files([(f.name, f.path) for f in _files], **options)


def read_uploads(
    keys: tuple[str, ...],
    header: bool,
    delimiter: str,
    text_column: str | None,
    files: tuple[StoredUpload, ...],
) -> Dataset:
    """The uploaded files read with the detected columns, or with the text column chosen.

    The detected reading is always the cached one, so the same file uploaded again (whose
    text-column choice is still set) is read from the cache, not parsed again.
    """
    ds = parse_uploads(keys, header, delimiter, None, None, files)
    if text_column is None or text_column == ds.text_column:
        return ds
    return parse_uploads(keys, header, delimiter, text_column, None, files)


def reading_options() -> tuple[bool, str]:
    """Header and delimiter, changeable at any time after upload (the file is re-read)."""
    left, right = st.columns(2)
    header = left.toggle(
        _("First row is a header"),
        True,
        key="data.header",
        help=_("A first row of numbers is always read as data."),
    )
    delimiter = right.selectbox(
        _("Delimiter"),
        list(DELIMITERS),
        key="data.delimiter",
        format_func=lambda d: _(DELIMITERS[d]),
    )
    return bool(header), str(delimiter)


def upload_choices_key(file_keys: tuple[str, ...], header: bool, delimiter: str) -> str:
    """Widget-key suffix for column choices: new files or reading options start afresh."""
    import hashlib

    raw = "|".join((*file_keys, str(header), delimiter)).encode()
    return hashlib.sha1(raw, usedforsecurity=False).hexdigest()[:12]


def from_pasted(text: str) -> Dataset:
    """One row per non-empty pasted line, in a ``text`` column."""
    import numpy as np
    import pandas as pd

    from embedlens.dataset import LoadReport

    lines = text.splitlines()
    kept = [line.strip() for line in lines if line.strip()]
    report = LoadReport(
        source=_("pasted text"),
        rows_read=len(lines),
        rows_kept=len(kept),
        dropped={_("empty lines"): len(lines) - len(kept)} if len(lines) > len(kept) else {},
    )
    frame = pd.DataFrame({"text": kept})
    return Dataset(
        name=_("Pasted text"),
        frame=frame,
        ids=np.arange(len(kept)),
        text_column="text",
        report=report,
    )


def column_choices(ds: Dataset, file_id: str) -> Dataset:
    """Let the user change the detected text and label columns; returns the dataset to open."""
    import dataclasses

    columns = [None, *ds.frame.columns]
    left, right = st.columns(2)
    left.selectbox(
        _("Text column"),
        columns,
        index=columns.index(ds.text_column),
        key=f"data.text_column.{file_id}",
        help=_("Rows with empty text are dropped and counted."),
    )
    label = right.selectbox(
        _("Label column (optional)"),
        columns,
        key=f"data.label_column.{file_id}",
        index=columns.index(ds.label_column) if ds.label_column in columns else 0,
        help=_("Known classes: colour by them and score the embedding against them."),
    )
    if label != ds.label_column:
        ds = dataclasses.replace(ds, label_column=label)
    return ds


def report_summary(report) -> str:
    """The load report's sentence in the UI language (the core's ``summary()`` is English)."""
    text = _("Kept {kept:,} of {read:,} rows").format(kept=report.rows_kept, read=report.rows_read)
    if report.dropped:
        reasons = _(", ").join(
            _("{n:,} {why}").format(n=n, why=translate_note(why))
            for why, n in report.dropped.items()
        )
        text += _(" (dropped: {reasons})").format(reasons=reasons)
    return text + _(".")
