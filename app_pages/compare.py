"""Compare: this embedding vs another of the same rows, PCA vs t-SNE vs UMAP, similarity lab."""

import streamlit as st

from components import compare as cmp
from components import compare_lab as lab
from components import feedback, jobs, pipeline, state
from components import neighbors as nb
from components.jobs import Job
from embedlens.i18n import _

ds, emb, proj, clustering = state.require_results()
theme = st.session_state.get(state.THEME, "light")
prov = emb.provenance
name_a = _("this map ({model})").format(model=getattr(prov, "model", "") or emb.model_key)
st.markdown("### " + _("Compare"))
tab_emb, tab_proj, tab_lab = st.tabs(
    [_("Two embeddings"), _("PCA vs t-SNE vs UMAP"), _("Similarity lab")]
)

with tab_lab:  # filled first: the other tabs may stop the script while they wait
    st.caption(_("One query's neighbours under four ways of measuring similarity."))
    reason = nb.typed_query_reason(emb)
    modes = {"row": _("A row"), "text": _("Typed text")}
    mode = "row" if reason else st.segmented_control(
        _("Query"), list(modes), format_func=modes.get, key=lab.LAB_MODE, default="row"
    ) or "row"  # fmt: skip
    k = st.slider(_("Neighbours (k)"), 1, min(30, len(ds) - 1), min(10, len(ds) - 1),
                  key=lab.LAB_K)  # fmt: skip
    row = query = None
    if mode == "row":
        n_opts = min(len(ds), lab.LAB_ROW_OPTIONS)
        row = st.selectbox(_("Row"), range(n_opts), format_func=lambda p: nb.row_label(ds, p),
                           key=lab.LAB_ROW)  # fmt: skip
    else:
        text = st.text_input(_("Text"), key=lab.LAB_TEXT).strip()
        if text:
            with feedback.user_errors(_("Embedding the query")):
                query = nb.embed_query(text, emb, prov.backend, prov.model)[0]
    if row is not None or query is not None:
        found = lab.lab(ds, emb, row=row, query=query, k=k)
        lab.lab_tables(ds, found)
        st.markdown("#### " + _("What changed, and why"))
        for line in lab.lab_explanation(found):
            st.markdown(f"- {feedback.md_escape(line)}")

with tab_proj:
    st.caption(
        _("The same vectors mapped three ways and turned to line up with the PCA map "
          "(Procrustes). Trustworthiness: do a map's neighbours come from the original space?")
    )  # fmt: skip
    if st.button(_("Make the three maps"), key="compare.make_maps", icon=":material/compare:"):
        st.session_state[lab.PROJ_STARTED] = True
    if st.session_state.get(lab.PROJ_STARTED):
        lab.projections_view(ds, emb, clustering, theme)

with tab_emb:
    options = cmp.sources(ds, emb)
    left, mid, right = st.columns([3, 2, 2])
    source = left.selectbox(_("Compare with"), list(options), format_func=options.get,
                            key=cmp.SOURCE)  # fmt: skip
    model, upload = "", None
    if source == "backend:sentence-transformers":
        model = left.text_input(_("Model name or local path"), "all-MiniLM-L6-v2", key=cmp.MODEL)
        warning = pipeline.choose(ds, "sentence-transformers", model).warning
        if warning:  # an English-only model on Chinese text
            st.warning(warning, icon=":material/translate:")
    elif source == "upload":
        upload = left.file_uploader(
            _("Table with the same row ids and a vector column"),
            type=["parquet", "csv", "jsonl", "tsv"],
            key=cmp.UPLOAD,
        )
    k = mid.number_input(_("Neighbours per row (k)"), 1, max(1, min(100, len(ds) - 1)),
                         min(10, len(ds) - 1), key=cmp.K)  # fmt: skip
    label_opts = [None, *[c for c in ds.frame.columns if ds.frame[c].nunique() <= 100]]
    label = mid.selectbox(_("Label column (for accuracy)"), label_opts, key=cmp.LABEL,
                          format_func=lambda c: _("none") if c is None else str(c),
                          index=label_opts.index(ds.label_column) if ds.label_column in
                          label_opts else 0)  # fmt: skip
    ask = (source, model, getattr(upload, "name", None), int(k), label)
    if right.button(_("Compare"), type="primary", key="compare.go", icon=":material/compare:"):
        st.session_state[cmp.STARTED] = ask
    if st.session_state.get(cmp.STARTED) != ask:
        st.info(_("Choose what to compare this map with, then press Compare."),
                icon=":material/compare:")  # fmt: skip
        st.stop()
    side = cmp.other_side(ds, source, model, upload)
    if side is None:
        st.info(_("Upload a table to compare with."), icon=":material/upload:")
        st.stop()
    if isinstance(side, Job):
        jobs.wait_for([side])
        st.stop()
    comp = cmp.comparison(ds, emb, side, k=int(k), label=label, name_a=name_a)
    proj_b = cmp.second_map(side, proj.params)
    pending = [j for j in (comp, proj_b) if isinstance(j, Job)]
    if pending:
        jobs.wait_for(pending)
        st.stop()
    for note in comp.notes:
        st.caption(f":material/info: {feedback.md_escape(note)}")
    pair = cmp.map_pair(ds, proj, side, proj_b, comp)
    selected = cmp.linked_selection()
    fig_a, fig_b = cmp.figures(ds, pair, comp, proj.params.method, selected, theme)
    st.caption(
        _("Colour: how many of a row's {k} nearest neighbours the two embeddings share "
          "(Jaccard, 1 = the same). The right map is turned and scaled to line up with the left "
          "(Procrustes disparity {d:.2f}). Draw a lasso on either map: the same rows light up "
          "on both.").format(k=comp.k, d=pair.disparity)
    )  # fmt: skip
    col_a, col_b = st.columns(2)
    with col_a:
        cmp.draw(fig_a, cmp.CHART_A)
    with col_b:
        cmp.draw(fig_b, cmp.CHART_B)
    if selected:
        st.caption(_("{n:,} rows selected.").format(n=len(selected)))
    left, right = st.columns([3, 2])
    left.dataframe(cmp.metric_table(comp), hide_index=True, width="stretch",
                   key="compare.metrics")  # fmt: skip
    right.plotly_chart(cmp.histogram(comp), width="stretch", key="compare.hist")
    st.markdown("#### " + _("Most changed rows"))
    st.dataframe(cmp.most_changed(ds, comp), hide_index=True, width="stretch",
                 key="compare.changed")  # fmt: skip
    with st.expander(_("Export the comparison"), icon=":material/download:"):
        cmp.downloads(ds, comp, pair, fig_a, fig_b, theme)
        if st.button(_("Save both maps as views for a story"), key="compare.save_views",
                     icon=":material/bookmark_add:"):  # fmt: skip
            with feedback.user_errors(_("Saving the views")):
                saved = cmp.save_views(comp, side, proj_b, selected)
            st.success(_("Saved {n} view(s); add them to a story on the Story page.").format(
                n=len(saved)))  # fmt: skip
