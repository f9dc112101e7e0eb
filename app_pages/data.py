"""Data: open the sample, upload a file or paste text; check columns and the load report."""

import streamlit as st

from components import datasets, engines, images, state, uploads
from components.feedback import md_escape, user_errors
from embedlens.i18n import N_, _, translate_note

st.markdown(_("### Data"))
current = state.dataset()
if current is not None:
    st.caption(
        _(
            "Open now: **{name}** ({n:,} rows). Loading another file keeps it until the new "
            "one is opened."
        ).format(
            name=md_escape(current.name), n=len(current)
        )
    )
engines.caption()  # where the map's embedding and UMAP run (local workers or Ray)

source = st.segmented_control(
    _("Source"),
    [N_("Upload a file"), N_("Paste text"), N_("Sample")],
    default="Upload a file",
    format_func=_,
    key="data.source",
)
ds = None
stored = None  # the uploaded files, on disk
if source == "Sample":
    st.write(_("Short news-style texts on 8 topics, written by the embedlens team (sample_data/)."))
    ds = datasets.sample()
elif source == "Paste text":
    text = st.text_area(_("One text per line"), height=200, key="data.paste")
    if text.strip():
        with user_errors(_("Reading the pasted text"), untrusted_input=True):
            ds = datasets.from_pasted(text)
else:
    files = st.file_uploader(
        _(
            "A table (CSV, TSV, Parquet, JSONL), word vectors (GloVe .txt, word2vec/fastText "
            ".vec) or vectors (.npy). Several files at once make one dataset: TensorFlow "
            "Projector tensors (.bytes or vectors.tsv) with metadata.tsv and "
            "projector_config.json, or a table with a .npy of its row vectors."
        ),
        key=uploads.uploader_key(),
        type=[*datasets.UPLOAD_TYPES, *images.UPLOAD_TYPES],
        accept_multiple_files=True,
    )
    st.caption(images.upload_hint())
    if files and images.is_image_upload(tuple(u.name for u in files)):
        with user_errors(_("Reading the images"), untrusted_input=True):
            ds = images.from_uploads(
                tuple(u.file_id for u in files),
                tuple(u.name for u in files),
                tuple(u.getvalue() for u in files),
            )
        images.skipped_panel()
    else:
        if files:  # to a file on disk, out of memory; the page reruns with an empty uploader
            with user_errors(_("Saving {name}").format(name=", ".join(u.name for u in files))):
                uploads.ingest(files)
        stored = uploads.pending()
    if stored:
        st.caption(
            _("Read from {names} ({size:,} bytes); upload another file to replace it.").format(
                names=md_escape(", ".join(s.name for s in stored)),
                size=sum(s.size for s in stored),
            )
        )
        header, delimiter = datasets.reading_options()
        keys = tuple(s.key for s in stored)
        sig = datasets.upload_choices_key(keys, header, delimiter)
        names = ", ".join(s.name for s in stored)
        with user_errors(_("Reading {name}").format(name=names), untrusted_input=True):
            ds = datasets.read_uploads(
                keys, header, delimiter, st.session_state.get(f"data.text_column.{sig}"), stored
            )
        ds = datasets.column_choices(ds, sig)

if ds is not None:
    report = ds.report
    if report is not None:
        st.success(datasets.report_summary(report), icon=":material/check_circle:")
        for note in report.notes:
            st.caption(f":material/info: {md_escape(translate_note(note))}")
    facts = [
        _("text: `{column}`").format(column=ds.text_column)
        if ds.text_column
        else _("no text column"),
        _("labels: `{column}`").format(column=ds.label_column)
        if ds.label_column
        else _("no label column"),
        _("vectors: {dims}-d").format(dims=ds.vectors.shape[1])
        if ds.vectors is not None
        else _("no vectors (will embed the text)"),
    ]
    if images.is_image_dataset(ds) and ds.vectors is None:
        facts[2] = _("no vectors yet (the map embeds the images)")
    st.caption(" · ".join(facts))
    st.dataframe(ds.frame.head(200), hide_index=True, width="stretch", height=280)
    too_small = len(ds) < datasets.MIN_ROWS
    if too_small:
        st.error(
            _(
                "A map needs at least {MIN_ROWS} rows; this data has {n}. Add rows, or pick "
                "another file. The data open now stays open."
            ).format(
                MIN_ROWS=datasets.MIN_ROWS, n=len(ds)
            ),
            icon=":material/error:",
        )
    if st.button(
        _("Open on the map"),
        type="primary",
        key="data.open",
        disabled=too_small,
        icon=":material/scatter_plot:",
    ):
        datasets.open_dataset(ds)
        if stored:  # the dataset is in the workspace now: the uploaded copies can go
            uploads.forget(stored)
        st.switch_page("app_pages/map.py")
