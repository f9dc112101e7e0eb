"""Evaluate: how good are the clusters, the map and the embeddings themselves?"""

import streamlit as st

from components import evaluate as ev
from components import evaluate_groups as groups
from components import evaluate_words as words
from components import feedback, state
from components import neighbors as nb
from components.feedback import user_errors
from embedlens.i18n import N_, _, translate_note

ds, emb, proj, clustering = state.require_results()
st.markdown(_("### Evaluate"))
st.caption(
    _(
        "{name} · {n:,} rows · {shape}-dimensional vectors from {vectors_name} · {upper} map. "
        "Each figure says what it measures and which way is better."
    ).format(
        name=feedback.md_escape(ds.name),
        n=len(ds),
        shape=emb.vectors.shape[1],
        vectors_name=feedback.md_escape(translate_note(emb.provenance.vectors_name())),
        upper=proj.params.method.upper(),
    )
)
label_columns = ev.class_columns(ds)
top_k = ev.max_faith_k(len(ds))
nb.restore_widgets(
    "evaluate",
    {
        state.EVALUATE_TAB: None,
        state.EVALUATE_CLUSTER_LABELS: ds.label_column
        if ds.label_column in label_columns
        else None,
        state.EVALUATE_FAITH_K: min(10, top_k),
        state.EVALUATE_FAITH_METRIC: ev.default_space_metric(proj),
        state.EVALUATE_DOWNSTREAM_LABELS: None,
        state.EVALUATE_ANALOGY_A: None,
        state.EVALUATE_ANALOGY_B: None,
        state.EVALUATE_ANALOGY_C: None,
        state.EVALUATE_DIV_MODE: None,
        state.EVALUATE_DIV_COLUMN: None,
        state.EVALUATE_DIV_A: None,
        state.EVALUATE_DIV_B: None,
    },
)
nb.keep_choice(state.EVALUATE_CLUSTER_LABELS, [None, *label_columns])
nb.keep_choice(state.EVALUATE_DOWNSTREAM_LABELS, label_columns)
st.session_state[state.EVALUATE_FAITH_K] = min(st.session_state[state.EVALUATE_FAITH_K], top_k)
names = [
    N_("Clusters"),
    N_("Map faithfulness"),
    N_("Downstream"),
    N_("Semantic similarity"),
    N_("Word vectors"),
    N_("Divergence"),
]
shown = [_(n) for n in names]
tabs = dict(zip(names, st.tabs(shown, key=state.EVALUATE_TAB, on_change="rerun"), strict=True))

if tabs["Clusters"].open:
    with tabs["Clusters"]:
        column = st.selectbox(
            _("Compare the clusters with a label column (optional)"),
            [None, *label_columns],
            key=state.EVALUATE_CLUSTER_LABELS,
            format_func=lambda c: "—" if c is None else c,
        )
        with user_errors(_("Scoring the clusters")):
            ev.cluster_report(ds, emb, clustering, column)

if tabs["Map faithfulness"].open:
    with tabs["Map faithfulness"]:
        st.caption(
            _(
                "Does the map keep each point's neighbourhood? Both scores compare the k "
                "nearest neighbours of every point in the original space and on the map."
            )
        )
        left, right = st.columns(2)
        k = left.slider(_("Neighbours (k)"), 1, top_k, key=state.EVALUATE_FAITH_K)
        metric = right.radio(
            _("Original-space distance"),
            ["cosine", "euclidean"],
            horizontal=True,
            key=state.EVALUATE_FAITH_METRIC,
        )
        with user_errors(_("Scoring the map")):
            ev.faithfulness_report(emb, proj, k=k, metric=metric)
        if st.button(
            _("Colour the map by neighbour preservation"),
            key=state.EVALUATE_PRESERVATION,
            icon=":material/palette:",
        ):
            st.session_state[state.EVALUATE_PRESERVATION_ON] = True
        if st.session_state.get(state.EVALUATE_PRESERVATION_ON):
            with user_errors(_("Neighbour preservation")):
                ev.preservation_map(ds, emb, proj, k=k, metric=metric)

if tabs["Downstream"].open:
    with tabs["Downstream"]:
        if not label_columns:
            st.info(
                _(
                    "No column holds classes (2 to 200 distinct values). Load data with a "
                    "label column to see how well the vectors predict it."
                ),
                icon=":material/info:",
            )
        else:
            column = st.selectbox(
                _("Label column to predict"), label_columns, key=state.EVALUATE_DOWNSTREAM_LABELS
            )
            with user_errors(_("Cross-validation")):
                groups.downstream_report(ds, emb, column)

if tabs["Semantic similarity"].open:
    with tabs["Semantic similarity"]:
        st.caption(
            _(
                "Upload sentence pairs scored by people: STS-B's TSV (genre, file, year, id, "
                "score, sentence1, sentence2) or a CSV with the header "
                "sentence1,sentence2,score. Both sides are embedded with the map's model."
            )
        )
        upload = st.file_uploader(
            _("Sentence pairs"), type=["tsv", "csv", "txt"], key=state.EVALUATE_STS_FILE
        )
        if upload is not None:
            words.sts_report(
                emb,
                upload,
                backend=emb.provenance.backend,
                model=emb.provenance.model,
            )

if tabs["Word vectors"].open:
    with tabs["Word vectors"]:
        st.caption(
            _(
                "Word vectors are scored on their own (not the map's vectors): upload a "
                "word2vec or GloVe text file (one word and its numbers per line)."
            )
        )
        wv_upload = st.file_uploader(
            _("Word vectors"), type=["txt", "vec"], key=state.EVALUATE_WV_FILE
        )
        wv = words.word_vectors(wv_upload) if wv_upload is not None else None
        if wv is not None:
            st.markdown(_("**Analogy: a is to b as c is to ?**"))
            cols = st.columns(3)
            a = cols[0].text_input("a", key=state.EVALUATE_ANALOGY_A, placeholder="man").strip()
            b = cols[1].text_input("b", key=state.EVALUATE_ANALOGY_B, placeholder="king").strip()
            c = cols[2].text_input("c", key=state.EVALUATE_ANALOGY_C, placeholder="woman").strip()
            words.analogy_box(wv, a, b, c)
            st.markdown(
                _(
                    "**Analogy test set** (questions-words layout: `: section` lines, then `a "
                    "b c d`)"
                )
            )
            analogies = st.file_uploader(
                _("Analogy questions"), type=["txt"], key=state.EVALUATE_ANALOGY_FILE
            )
            if analogies is not None:
                words.analogy_report(wv, wv_upload, analogies)
            st.markdown(
                _(
                    "**Word similarity** (WordSim-353 / SimLex-999 layout: `word1 TAB word2 "
                    "TAB score`)"
                )
            )
            pairs = st.file_uploader(
                _("Word pairs"), type=["txt", "tsv", "csv"], key=state.EVALUATE_WORDSIM_FILE
            )
            if pairs is not None:
                words.word_similarity_report(wv, wv_upload, pairs)

if tabs["Divergence"].open:
    with tabs["Divergence"]:
        st.caption(_("Are two groups of rows spread differently in the embedding space?"))
        chosen = groups.divergence_groups(ds, clustering, label_columns)
        if chosen is not None:
            with user_errors(_("Divergence")):
                groups.divergence_report(emb, proj, *chosen)
