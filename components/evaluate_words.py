"""Evaluate page: Semantic similarity (STS pairs) and Word vectors (analogies, word similarity)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from components.evaluate import bars, metric_lines, remember, result_slot, soft_errors, theme_style
from components.feedback import md_escape, progress_bar
from components.pipeline import PRECOMPUTED, embedder, embedding_cache, home
from embedlens.embedders import EmbedResult, embed_texts
from embedlens.i18n import N_, _
from embedlens.metrics import METRIC_INFO
from embedlens.plotting import sts_scatter
from embedlens.sts import StsPairs, load_sts_pairs, score_sts
from embedlens.wordvecs import (
    WordVectors,
    analogy,
    load_word_vectors,
    score_analogies,
    score_word_similarity,
)

STS_REFERENCE = N_(
    "For scale: all-MiniLM-L6-v2 reaches a Spearman of 0.82 on the STS-B test set; TF-IDF "
    "baselines land far lower."
)

# ---------------------------------------------------------------- semantic similarity tab


def _file_key(upload) -> tuple[str, str, int]:
    return (upload.file_id, upload.name, upload.size)


def sts_report(emb: EmbedResult, upload, *, backend: str, model: str) -> dict | None:
    """Embed both sides of the uploaded pairs with the map's model and correlate with gold."""
    if emb.provenance.backend == PRECOMPUTED:
        st.info(
            _(
                "This dataset brings its own vectors, so there is no model to embed the "
                "sentences with. Open a text dataset to score a model."
            ),
            icon=":material/info:",
        )
        return None
    slot = result_slot("sts", (*_file_key(upload), backend, model))
    if "value" not in slot:
        with soft_errors(_("Reading {name}").format(name=upload.name)):
            pairs = load_sts_pairs(upload.getvalue(), name=upload.name)
            slot["value"] = _score_pairs(pairs, backend, model)
    if "value" not in slot:
        return None
    result = slot["value"]
    if "|corpus=" in result["model_key"]:
        st.caption(
            _(
                ":material/info: TF-IDF + SVD is fitted per corpus: here it was fitted on the "
                "file's own sentences, so this scores the method, not the map's vectors."
            )
        )
    st.caption(
        _(
            "{n:,} pairs, both sides embedded with {model_key}; the model's score of a pair is"
            " the cosine similarity of its two vectors."
        ).format(
            n=result['n'], model_key=md_escape(result['model_key'])
        )
    )
    metric_lines(
        [("spearman", "Spearman", result["spearman"]), ("pearson", "Pearson", result["pearson"])],
        per_row=2,
    )
    st.caption(_(STS_REFERENCE))
    fig = sts_scatter(
        result["gold"],
        result["predicted"],
        spearman=result["spearman"],
        pearson=result["pearson"],
        style=theme_style(height=460, opacity=0.5),
    )
    st.plotly_chart(fig, width="stretch", key="evaluate.sts_scatter", config={"displaylogo": False})
    st.caption(
        _(
            "Each dot is one pair: human score across, model similarity up. A good model puts "
            "the dots along a rising band."
        )
    )
    remember("sts", {k: v for k, v in result.items() if k not in ("gold", "predicted")})
    return result


def _score_pairs(pairs: StsPairs, backend: str, model: str) -> dict:
    texts = pairs.sentence1 + pairs.sentence2
    on_progress, bar = progress_bar(_("Embedding {n:,} sentences with {x}").format(
            n=len(texts), x=model or backend
        ))
    try:
        embedded = embed_texts(
            texts,
            backend=backend,
            model=model,
            embedder=lambda: embedder(backend, model),
            cache=embedding_cache(home()),
            on_progress=on_progress,
        )
    finally:
        bar.empty()
    n = len(pairs)
    a, b = embedded.vectors[:n], embedded.vectors[n:]
    scores = score_sts(pairs, a, b)
    norms = np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)
    predicted = np.einsum("ij,ij->i", a, b) / norms
    return {**scores, "model_key": embedded.model_key, "gold": pairs.gold, "predicted": predicted}


# ---------------------------------------------------------------- word vectors tab


@st.cache_resource(show_spinner="Reading the word vectors…", max_entries=2)
def _word_vectors(file_id: str, name: str, size: int, _data: bytes) -> WordVectors:
    return load_word_vectors(_data, name=name)


def word_vectors(upload) -> WordVectors | None:
    """The uploaded word2vec / GloVe text file, parsed once per upload."""
    with soft_errors(_("Reading {name}").format(name=upload.name)):
        wv = _word_vectors(*_file_key(upload), upload.getvalue())
        fmt = _("word2vec (header line)") if wv.header else _("GloVe (no header)")
        st.caption(_(
                "{n:,} words × {shape} dimensions, {fmt} text format."
            ).format(
                n=len(wv), shape=wv.vectors.shape[1], fmt=fmt
            ))
        return wv
    return None


def analogy_box(wv: WordVectors, a: str, b: str, c: str) -> list[tuple[str, float]] | None:
    """The best answers to a : b :: c : ? (3CosAdd)."""
    if not (a and b and c):
        st.caption(_("Fill in the three words, e.g. man : king :: woman : ? (answer: queen)."))
        return None
    with soft_errors(_("The analogy")):
        answers = analogy(wv, a, b, c, topn=5)
        cos = _("cosine similarity")
        st.dataframe(
            pd.DataFrame(
                {_("answer"): [w for w, _s in answers], cos: [s for _w, s in answers]}
            ),
            hide_index=True,
            width="stretch",
            column_config={cos: st.column_config.NumberColumn(format="%.3f")},
        )
        st.caption(
            _(
                "Words closest to b − a + c (unit vectors), leaving out a, b and c; cosine "
                "similarity 1 would be an exact hit."
            )
        )
        remember("analogy", {"question": (a, b, c), "answers": answers})
        return answers
    return None


def analogy_report(wv: WordVectors, wv_upload, upload) -> dict | None:
    """Accuracy per section and coverage on a questions-words style file."""
    slot = result_slot("analogies", (*_file_key(wv_upload), *_file_key(upload)))
    if "value" not in slot:
        scoring = _("Scoring {name}").format(name=upload.name)
        with soft_errors(scoring), st.spinner(_("Answering the analogies…")):
            slot["value"] = score_analogies(wv, upload.getvalue(), name=upload.name)
    if "value" not in slot:
        return None
    result = slot["value"]
    metric_lines(
        [
            ("accuracy", _("Accuracy"), result["accuracy"]),
            ("coverage", _("Coverage"), result["coverage"]),
        ],
        per_row=2,
    )
    st.caption(
        _(
            "{n_correct:,} right of {n_used:,} questions answerable with this vocabulary "
            "({n_total:,} in the file)."
        ).format(
            n_correct=result['n_correct'], n_used=result['n_used'], n_total=result['n_total']
        )
    )
    sections = {name: s["accuracy"] for name, s in result["sections"].items() if s["n"]}
    if sections:
        bars(
            sections,
            title=_("Accuracy per section (sections the vocabulary can answer)"),
            key="evaluate.analogy_bars",
            height=max(260, 28 * len(sections) + 120),
        )
    skipped = len(result["sections"]) - len(sections)
    if skipped:
        st.caption(
            _(
                ":material/info: {skipped} section(s) have no question whose four words are "
                "all in the vocabulary; they are left out of the chart."
            ).format(
                skipped=skipped
            )
        )
    if result["sections"]:
        st.dataframe(
            pd.DataFrame(
                {
                    _("section"): list(result["sections"]),
                    _("accuracy"): [s["accuracy"] for s in result["sections"].values()],
                    _("questions used"): [s["n"] for s in result["sections"].values()],
                    _("questions"): [s["n_total"] for s in result["sections"].values()],
                }
            ),
            hide_index=True,
            width="stretch",
            column_config={_("accuracy"): st.column_config.NumberColumn(format="%.3f")},
        )
    remember("analogies", result)
    return result


def word_similarity_report(wv: WordVectors, wv_upload, upload) -> dict | None:
    """Spearman / Pearson of cosine similarity with human word-pair scores, and coverage."""
    slot = result_slot("wordsim", (*_file_key(wv_upload), *_file_key(upload)))
    if "value" not in slot:
        with soft_errors(_("Scoring {name}").format(name=upload.name)):
            slot["value"] = score_word_similarity(wv, upload.getvalue(), name=upload.name)
    if "value" not in slot:
        return None
    result = slot["value"]
    metric_lines(
        [
            ("spearman", "Spearman", result["spearman"]),
            ("pearson", "Pearson", result["pearson"]),
            ("coverage", _("Coverage"), result["coverage"]),
        ]
    )
    st.caption(
        _(
            "{n_used:,} of {n_pairs:,} pairs have both words in the vocabulary and are scored."
        ).format(
            n_used=result['n_used'], n_pairs=result['n_pairs']
        )
    )
    if result["spearman"] is None:
        st.caption(
            _(
                ":material/info: Too few usable pairs for a correlation. {coverage}"
            ).format(
                coverage=METRIC_INFO['coverage']
            )
        )
    remember("word_similarity", result)
    return result
