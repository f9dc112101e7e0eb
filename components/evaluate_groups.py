"""Evaluate page: the Downstream tab (classifiers on the vectors) and the Divergence tab."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd
import streamlit as st

from components import clusters, state
from components.evaluate import (
    bars,
    cached,
    column_labels,
    fingerprint,
    metric_lines,
    notes,
    remember,
    theme_style,
    values_fingerprint,
)
from components.feedback import md_escape
from components.neighbors import positions_of
from embedlens.cluster import Clustering
from embedlens.dataset import Dataset
from embedlens.embedders import EmbedResult
from embedlens.i18n import N_, _
from embedlens.metrics import METRIC_INFO, downstream_accuracy, group_divergence
from embedlens.plotting import confusion_figure, histogram_compare
from embedlens.reduce import Projection

CLUSTER_COLUMN = N_("Cluster")
VALUES, SELECTION = "values", "selection"
DIVERGENCE_BINS = 30

# ---------------------------------------------------------------- downstream tab


def downstream_report(ds: Dataset, emb: EmbedResult, column: str) -> dict:
    """Stratified 5-fold k-NN and logistic accuracy of predicting ``column`` from the vectors."""
    labels, keep = column_labels(ds, column)
    X = emb.vectors if keep.all() else emb.vectors[keep]
    key = (fingerprint(emb), values_fingerprint(labels), values_fingerprint(keep))
    result = cached(
        "downstream",
        key,
        _("5-fold cross-validation on {n:,} rows").format(n=len(labels)),
        lambda: downstream_accuracy(X, labels, folds=5, seed=0),
    )
    majority = Counter(labels.tolist()).most_common(1)[0][1] / len(labels)
    st.caption(
        _(
            "Can a simple classifier tell the {column} of a row from its vector alone? {n} "
            "classes, {n2:,} rows, stratified {folds}-fold cross-validation. Always guessing "
            "the biggest class scores {majority:.3f}."
        ).format(
            column=md_escape(column),
            n=len(result['classes']),
            n2=result['n'],
            folds=result['folds'],
            majority=majority,
        )
    )
    bars(
        {
            _("k-NN accuracy"): result["knn_accuracy"],
            _("k-NN macro recall"): result["knn_recall_macro"],
            _("Logistic accuracy"): result["logreg_accuracy"],
            _("Logistic macro recall"): result["logreg_recall_macro"],
        },
        title=_("Predicting {column} (higher is better)").format(column=column),
        key="evaluate.downstream_bars",
    )
    metric_lines(
        [
            ("knn_accuracy", _("k-NN accuracy"), result["knn_accuracy"]),
            ("knn_recall_macro", _("k-NN macro recall"), result["knn_recall_macro"]),
            ("logreg_accuracy", _("Logistic accuracy"), result["logreg_accuracy"]),
            ("logreg_recall_macro", _("Logistic macro recall"), result["logreg_recall_macro"]),
        ],
        per_row=2,
    )
    notes(result["notes"])
    if not keep.all():
        left_out = _("{n:,} rows without a {column} value left out.")
        notes([left_out.format(n=int((~keep).sum()), column=md_escape(column))])
    n_classes = len(result["classes"])
    fig = confusion_figure(
        np.asarray(result["confusion"]),
        result["classes"],
        style=theme_style(height=min(900, max(380, 40 * n_classes + 200))),
    )
    st.plotly_chart(fig, width="stretch", key="evaluate.confusion", config={"displaylogo": False})
    st.caption(
        _(
            "Confusion matrix of the k-NN classifier: rows are the true classes, columns the "
            "predicted ones; colour is the share of the true class, so a strong diagonal means"
            " the classes are well separated and an off-diagonal cell names two classes it "
            "mixes up."
        )
    )
    remember("downstream", {"column": column, **result})
    return result


# ---------------------------------------------------------------- divergence tab


def group_values(ds: Dataset, clustering: Clustering | None, column: str) -> pd.Series:
    """The values of ``column`` (or of the cluster names) per row, as text."""
    if column == CLUSTER_COLUMN and clustering is not None:
        labels, names = clusters.effective(clustering)
        return pd.Series([names.get(int(c), str(c)) for c in labels], dtype=object)
    col = ds.frame[column]
    return pd.Series([None if pd.isna(v) else str(v) for v in col.tolist()], dtype=object)


def divergence_groups(
    ds: Dataset, clustering: Clustering | None, columns: list[str]
) -> tuple[np.ndarray, np.ndarray, str, str] | None:
    """The two groups to compare, as chosen by the user: (mask A, mask B, name A, name B)."""
    mode = st.radio(
        _("Compare"),
        [VALUES, SELECTION],
        horizontal=True,
        key=state.EVALUATE_DIV_MODE,
        format_func={
            VALUES: _("Two values of a column"),
            SELECTION: _("The map selection vs the rest"),
        }.get,
    )
    n = len(ds)
    if mode == SELECTION:
        selected = st.session_state.get(state.SELECTION) or []
        mask = np.zeros(n, dtype=bool)
        mask[positions_of(ds, selected)] = True
        if not mask.any() or mask.all():
            st.info(
                _(
                    "Select some points on the map first (box or lasso in the map's toolbar), "
                    "then come back."
                ),
                icon=":material/info:",
            )
            st.page_link("app_pages/map.py", label=_("Go to Map"), icon=":material/scatter_plot:")
            return None
        name_a = _("Selection ({n:,})").format(n=int(mask.sum()))
        return mask, ~mask, name_a, _("The rest ({n:,})").format(n=int((~mask).sum()))
    options = ([CLUSTER_COLUMN] if clustering is not None else []) + columns
    if not options:
        st.info(
            _("No column with a few distinct values to compare; use the map selection instead."),
            icon=":material/info:",
        )
        return None
    column = st.selectbox(
        _("Column"),
        options,
        key=state.EVALUATE_DIV_COLUMN,
        format_func=lambda c: _(c) if c == CLUSTER_COLUMN else c,
    )
    values = group_values(ds, clustering, column)
    counts = values.value_counts()
    choices = counts.index.tolist()
    if len(choices) < 2:
        st.info(_("That column has a single value; choose another."), icon=":material/info:")
        return None
    left, right = st.columns(2)
    fmt = lambda v: _("{value} ({n:,} rows)").format(value=v, n=counts[v])  # noqa: E731
    for key, default in ((state.EVALUATE_DIV_A, choices[0]), (state.EVALUATE_DIV_B, choices[1])):
        if st.session_state.get(key) not in choices:
            st.session_state[key] = default
    a = left.selectbox(_("Group A"), choices, key=state.EVALUATE_DIV_A, format_func=fmt)
    b = right.selectbox(_("Group B"), choices, key=state.EVALUATE_DIV_B, format_func=fmt)
    if a == b:
        st.info(_("Choose two different values."), icon=":material/info:")
        return None
    return (values == a).to_numpy(), (values == b).to_numpy(), str(a), str(b)


def divergence_report(
    emb: EmbedResult,
    proj: Projection,
    mask_a: np.ndarray,
    mask_b: np.ndarray,
    name_a: str,
    name_b: str,
) -> dict:
    """KL both ways and Jensen-Shannon between the two groups, with their histograms."""
    key = (
        fingerprint(emb),
        fingerprint(proj),
        values_fingerprint(mask_a),
        values_fingerprint(mask_b),
    )
    result = cached(
        "divergence",
        key,
        _("Divergence of the two groups"),
        lambda: group_divergence(
            emb.vectors, mask_a, mask_b, coords=proj.coords, bins=DIVERGENCE_BINS
        ),
    )
    sim = result["similarity"]
    st.caption(
        _(
            "What is compared: every row's cosine similarity to the centroid of all rows (one "
            "number per row); the histograms of that number for A ({n_a:,} rows) and B "
            "({n_b:,} rows) over {DIVERGENCE_BINS} shared bins, in bits."
        ).format(
            n_a=result['n_a'], n_b=result['n_b'], DIVERGENCE_BINS=DIVERGENCE_BINS
        )
    )
    metric_lines(
        [
            ("kl_ab", "KL(A‖B)", sim["kl_ab"]),
            ("kl_ba", "KL(B‖A)", sim["kl_ba"]),
            ("js", "Jensen-Shannon", sim["js"]),
        ]
    )
    fig = histogram_compare(
        sim["hist_a"],
        sim["hist_b"],
        sim["edges"],
        name_a=f"A: {name_a}",
        name_b=f"B: {name_b}",
        title=_("Cosine similarity to the centroid of all rows (share of each group per bin)"),
        style=theme_style(height=380),
    )
    st.plotly_chart(
        fig, width="stretch", key="evaluate.divergence_hist", config={"displaylogo": False}
    )
    if result["axes"]:
        prefix = proj.params.method.upper()
        st.markdown(_("**The same comparison along each map axis**"))
        st.dataframe(
            pd.DataFrame(
                {
                    "axis": [f"{prefix} {i + 1}" for i in range(len(result["axes"]))],
                    "KL(A‖B)": [a["kl_ab"] for a in result["axes"]],
                    "KL(B‖A)": [a["kl_ba"] for a in result["axes"]],
                    "Jensen-Shannon": [a["js"] for a in result["axes"]],
                }
            ),
            hide_index=True,
            width="stretch",
            column_config={
                c: st.column_config.NumberColumn(format="%.3f")
                for c in ("KL(A‖B)", "KL(B‖A)", "Jensen-Shannon")
            },
        )
        st.caption(METRIC_INFO["js"])
    remember("divergence", {"a": name_a, "b": name_b, **result})
    return result
