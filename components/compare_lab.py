"""Compare page, other tabs: PCA vs t-SNE vs UMAP of the same vectors, and the similarity lab."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from components import clusters, jobs, pipeline
from components.feedback import user_errors
from components.forms import METHOD_LABELS
from components.jobs import Job
from embedlens.compare import MapComparison, compare_maps
from embedlens.compare.figures import comparison_map
from embedlens.dataset import Dataset
from embedlens.embedders import EmbedResult
from embedlens.i18n import _
from embedlens.pipeline import fingerprint
from embedlens.plotting.text import shorten
from embedlens.reduce import REDUCERS, ProjectionParams
from embedlens.similarity import LAB_METHODS, SimilarityLab, similarity_lab

PROJ_STARTED = "compare.projections_started"
LAB_MODE = "compare.lab_mode"
LAB_ROW = "compare.lab_row"
LAB_TEXT = "compare.lab_text"
LAB_K = "compare.lab_k"
LAB_ROW_OPTIONS = 10_000


def projections(emb: EmbedResult) -> dict | list[Job]:
    """PCA, t-SNE and UMAP 2-D maps of ``emb`` (those installed), or the jobs still running."""
    maps, pending = {}, []
    for method in ("pca", "tsne", "umap"):
        if REDUCERS.unavailable_reason(method) is not None:
            continue
        proj = pipeline.projection(emb, ProjectionParams(method=method, dims=2))
        if isinstance(proj, Job):
            pending.append(proj)
        else:
            maps[method] = proj.coords
    return pending or maps


@st.cache_data(show_spinner=False, max_entries=8)
def _compare_maps(key: tuple, _X: np.ndarray, _maps: dict) -> MapComparison:
    return compare_maps(_X, _maps, k=10, metric="cosine")


def map_comparison(emb: EmbedResult, maps: dict) -> MapComparison:
    """The maps aligned to the first (PCA) with each one's trustworthiness (cosine, k=10)."""
    key = (fingerprint(emb.vectors), *(fingerprint(c) for c in maps.values()), *maps)
    with user_errors(_("Comparing the maps")):
        return _compare_maps(key, emb.vectors, maps)


def projections_view(ds: Dataset, emb: EmbedResult, clustering, theme: str) -> None:
    """Three aligned maps side by side, coloured by cluster, each with its trustworthiness."""
    found = projections(emb)
    if isinstance(found, list):
        jobs.wait_for(found)
        return
    mc = map_comparison(emb, found)
    labels = None
    if clustering is not None:
        codes, names = clusters.effective(clustering)
        labels = np.asarray([names.get(int(c), str(c)) for c in codes], dtype=object)
    texts = ds.texts or None
    for col, name in zip(st.columns(len(mc.names)), mc.names, strict=True):
        with col:
            fig = comparison_map(
                mc.coords[name], list(ds.ids), color=labels, categorical=labels is not None,
                color_title=_("Cluster"), texts=texts, theme=theme, point_size=4,
                title=METHOD_LABELS.get(name, name), axis_prefix=METHOD_LABELS.get(name, name),
            )  # fmt: skip
            fig.update_layout(showlegend=False, height=360)
            st.plotly_chart(fig, width="stretch", key=f"compare.proj.{name}")
            st.metric(_("Trustworthiness (k={k})").format(k=mc.k), f"{mc.trust[name]:.3f}")
            if name != mc.names[0]:
                st.caption(
                    _("Procrustes disparity to {ref}: {d:.2f} (0 = same shape).").format(
                        ref=METHOD_LABELS.get(mc.names[0], mc.names[0]), d=mc.disparity[name]
                    )
                )
    for note in mc.notes:
        st.caption(f":material/info: {note}")


def lab(ds: Dataset, emb: EmbedResult, *, row: int | None, query, k: int) -> SimilarityLab:
    """The similarity lab for a row or a query vector."""
    with user_errors(_("The similarity lab")):
        return similarity_lab(emb.vectors, row=row, query=query, k=k)


METHOD_NAMES = {
    "cosine": "Cosine",
    "dot": "Dot product",
    "euclidean": "Euclidean",
    "spherized": "Spherized cosine",
}
SCORE_LABELS = {
    "cosine": "score (cosine)",
    "dot": "score (dot)",
    "euclidean": "score (distance)",
    "spherized": "score (cosine)",
}


def lab_tables(ds: Dataset, result: SimilarityLab) -> None:
    """The four lists side by side: text, score and vector length of each neighbour."""
    texts = ds.texts
    base = set(result.lists["cosine"].rows.tolist())
    for col, method in zip(st.columns(len(LAB_METHODS)), LAB_METHODS, strict=True):
        item = result.lists[method]
        with col:
            st.markdown(f"**{_(METHOD_NAMES[method])}**")
            frame = pd.DataFrame({
                _(SCORE_LABELS[method]): np.round(item.scores, 3),
                _("length"): np.round(item.norms, 2),
                _("Text"): [
                    ("" if r in base or method == "cosine" else "★ ")
                    + shorten(texts[r] if texts else str(ds.ids[r]), 60)
                    for r in item.rows.tolist()
                ],
            })  # fmt: skip
            st.dataframe(frame, hide_index=True, width="stretch", key=f"compare.lab.{method}")
            if method != "cosine":
                st.caption(
                    _("{shared} of {k} also in the cosine list; ★ = new.").format(
                        shared=item.shared_with_cosine, k=len(item.rows)
                    )
                )


def lab_explanation(result: SimilarityLab) -> list[str]:
    """What changed between the lists, and why, in plain sentences."""
    q = result.norm_quartiles
    lists = result.lists
    k = len(lists["cosine"].rows)
    out = [
        _(
            "Vector lengths in this data: shortest {lo:.2f}, median {med:.2f}, longest {hi:.2f};"
            " the query's is {q:.2f}."
        ).format(lo=q[0], med=q[2], hi=q[4], q=result.query_norm)
    ]
    if result.equal_length:
        out.append(
            _(
                "Every vector is about as long as the others (within 1%), so cosine, dot "
                "product and Euclidean distance rank the rows (almost) the same way; only "
                "spherizing can change the list."
            )
        )
    else:
        out.append(
            _(
                "Dot product kept {shared} of the {k} cosine neighbours. It is cosine times both"
                " lengths, so long vectors climb: its neighbours average length {dot:.2f}, the "
                "cosine ones {cos:.2f}."
            ).format(
                shared=lists["dot"].shared_with_cosine,
                k=k,
                dot=float(lists["dot"].norms.mean()),
                cos=float(lists["cosine"].norms.mean()),
            )
        )
        out.append(
            _(
                "Euclidean distance kept {shared}: it counts differences in length as well as in"
                " direction, so it prefers rows about as long as the query (average length "
                "{euc:.2f})."
            ).format(
                shared=lists["euclidean"].shared_with_cosine,
                euc=float(lists["euclidean"].norms.mean()),
            )
        )
    out.append(
        _(
            "Spherizing (subtract the mean vector, then scale every row to length 1) kept "
            "{shared}. The mean vector is {m:.0%} as long as a typical row: the larger that "
            "share, the more all rows point the same way and the more centring changes."
        ).format(shared=lists["spherized"].shared_with_cosine, m=result.mean_norm)
    )
    return out
