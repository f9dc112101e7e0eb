"""Evaluate page: shared helpers (cached results, metric lines), cluster and map-faithfulness tabs.

Heavy results live in bounded ``st.cache_resource`` slots keyed by content fingerprints (the
pattern of ``components.pipeline``), so the ``timed_status`` box appears only when something is
really computed; results are never mutated after they are stored.
"""

from __future__ import annotations

import hashlib
import math
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from components import clusters, state
from components.feedback import md_escape, timed_status
from embedlens.cluster import Clustering
from embedlens.dataset import Dataset, array_fingerprint
from embedlens.embedders import EmbedResult
from embedlens.errors import EmbedlensError
from embedlens.i18n import _, translate_note
from embedlens.metrics import (
    METRIC_INFO,
    cluster_quality,
    continuity,
    label_agreement,
    neighbor_preservation,
    trustworthiness,
)
from embedlens.plotting import ScatterStyle, metric_bars, scatter_figure
from embedlens.reduce import Projection

FAITH_SAMPLE = 5000  # trustworthiness / continuity above this many points use a seeded sample
MAX_CLASSES = 200
_FINGERPRINTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_FINGERPRINTS_LOCK = threading.Lock()


# ---------------------------------------------------------------- shared helpers


def fingerprint(obj: EmbedResult | Projection | Dataset) -> str:
    """Content hash of an embedding's vectors, a map's coords or a dataset (computed once)."""
    with _FINGERPRINTS_LOCK:
        found = _FINGERPRINTS.get(obj)
    if found is None:
        if isinstance(obj, Dataset):
            found = obj.fingerprint()
        elif isinstance(obj, Projection):
            found = array_fingerprint(obj.coords)
        else:
            found = array_fingerprint(obj.vectors)
        with _FINGERPRINTS_LOCK:
            _FINGERPRINTS[obj] = found
    return found


def values_fingerprint(values: Any) -> str:
    """Content hash of a 1-D sequence of values (labels, masks), compared as text."""
    h = hashlib.sha1()
    for v in np.asarray(values, dtype=object).tolist():
        h.update(str(v).encode("utf-8", "surrogatepass") + b"\x00")
    return h.hexdigest()[:16]


@st.cache_resource(show_spinner=False, max_entries=48)
def result_slot(kind: str, key: tuple) -> dict:
    """A holder for one computed result (bounded; shared, never mutated once filled)."""
    return {}


def cached(kind: str, key: tuple, label: str, compute: Callable[[], Any]) -> Any:
    """``compute()`` once per ``(kind, key)``, inside a timed status box when it really runs."""
    slot = result_slot(kind, key)
    if "value" not in slot:
        with timed_status(label):
            slot["value"] = compute()
    return slot["value"]


@contextmanager
def soft_errors(action: str) -> Iterator[bool]:
    """Show an EmbedlensError as st.error without stopping the rest of the tab."""
    try:
        yield True
    except EmbedlensError as exc:
        message = _("{action} failed: {exc}").format(action=action, exc=exc)
        st.error(message, icon=":material/error:")


def remember(name: str, value: Any) -> None:
    """Keep the latest result of tab ``name`` in the session (story, exports, tests)."""
    results = dict(st.session_state.get(state.EVALUATE_RESULTS) or {})
    results[name] = value
    st.session_state[state.EVALUATE_RESULTS] = results


def fmt(value: float | None, digits: int = 3) -> str:
    """A metric value for display ("n/a" when undefined)."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "n/a"
    return f"{value:,.{digits}f}"


def metric_lines(items: list[tuple[str, str, float | None]], *, per_row: int = 3) -> None:
    """One ``st.metric`` per (METRIC_INFO key, label, value), each with its one-line meaning."""
    for start in range(0, len(items), per_row):
        cols = st.columns(per_row)
        for col, (key, label, value) in zip(cols, items[start : start + per_row], strict=False):
            col.metric(label, fmt(value))
            col.caption(METRIC_INFO.get(key, ""))


def bars(
    values: dict[str, float | None], *, title: str, key: str, height: int | None = None
) -> None:
    """A horizontal bar per metric (values printed on the bars)."""
    style = ScatterStyle(
        theme=st.session_state.get(state.THEME, "light"),
        height=height or max(220, 60 * len(values) + 100),
    )
    st.plotly_chart(
        metric_bars(values, title=title, style=style),
        width="stretch",
        key=key,
        config={"displaylogo": False},
    )


def notes(lines: list[str]) -> None:
    """Caveats a computation reported (sampling, lowered folds, ...)."""
    for line in lines:
        st.caption(f":material/info: {translate_note(line)}")


def class_columns(ds: Dataset) -> list[str]:
    """Columns that look like classes: text-like with 2..200 values, or integers with <= 20."""
    out = []
    for name in ds.frame.columns:
        if name == ds.text_column:
            continue
        col = ds.frame[name]
        try:
            distinct = col.nunique(dropna=True)
        except TypeError:  # lists or other unhashable cells
            continue
        if pd.api.types.is_bool_dtype(col) or isinstance(col.dtype, pd.CategoricalDtype):
            ok = distinct >= 2
        elif pd.api.types.is_integer_dtype(col):
            ok = 2 <= distinct <= 20
        elif pd.api.types.is_string_dtype(col) or col.dtype == object:
            ok = 2 <= distinct <= min(MAX_CLASSES, max(2, len(col) // 2))
        else:
            ok = False
        if ok:
            out.append(name)
    if ds.label_column in out:
        out.remove(ds.label_column)
        out.insert(0, ds.label_column)
    return out


def column_labels(ds: Dataset, column: str) -> tuple[np.ndarray, np.ndarray]:
    """(labels as an object array of str, mask of the rows that have one) for ``column``."""
    col = ds.frame[column]
    keep = col.notna().to_numpy()
    if pd.api.types.is_string_dtype(col) or col.dtype == object:
        keep = keep & (col.astype(str).str.strip() != "").to_numpy()
    labels = np.asarray([str(v) for v in col[keep].tolist()], dtype=object)
    return labels, keep


def theme_style(**kwargs: Any) -> ScatterStyle:
    """ScatterStyle in the session's theme."""
    return ScatterStyle(theme=st.session_state.get(state.THEME, "light"), **kwargs)


# ---------------------------------------------------------------- clusters tab


def cluster_report(
    ds: Dataset, emb: EmbedResult, clustering: Clustering | None, label_column: str | None
) -> dict | None:
    """Internal cluster quality and, with a label column, agreement with the labels."""
    if clustering is None:
        st.info(_("The map has no clustering yet; open the map first."), icon=":material/info:")
        return None
    labels, names = clusters.effective(clustering)
    key = (fingerprint(emb), array_fingerprint(labels))
    quality = cached(
        "cluster_quality", key, _("Cluster quality"), lambda: cluster_quality(emb.vectors, labels)
    )
    st.caption(
        _(
            "{n_clusters} clusters ({method}, after your merges) over {n_points:,} points, "
            "scored in the original {shape}-dimensional space."
        ).format(
            n_clusters=quality['n_clusters'],
            method=clustering.params.method,
            n_points=quality['n_points'],
            shape=emb.vectors.shape[1],
        )
    )
    result: dict[str, Any] = {"quality": quality, "agreement": None, "label_column": label_column}
    scores = {
        _("Silhouette (cosine)"): quality["silhouette_cosine"],
        _("Silhouette (euclidean)"): quality["silhouette_euclidean"],
    }
    if label_column:
        truth, keep = column_labels(ds, label_column)
        agreement = label_agreement(truth, labels[keep])
        result["agreement"] = agreement
        scores.update(
            {
                _("Purity"): agreement["purity"],
                "NMI": agreement["nmi"],
                _("Adjusted Rand index"): agreement["ari"],
            }
        )
    bars(scores, title=_("Cluster scores (higher is better)"), key="evaluate.cluster_bars")
    st.caption(
        _(
            "What these are computed on: the map's {n_clusters} clusters (not a new k-means) "
            "of {n_points:,} rows; silhouettes in the original {dim}-dimensional vectors, not "
            "the 2D map{sample}. `embedlens evaluate` reports other figures: NMI of a fresh "
            "k-means with k = the number of labels, and the silhouette of the labels "
            "themselves (its JSON says so under computed_on)."
        ).format(
            n_clusters=quality["n_clusters"],
            n_points=quality["n_points"],
            dim=emb.vectors.shape[1],
            sample=_(", on a seeded sample of 5,000 rows") if quality["n_points"] > 5000 else "",
        )
    )
    if label_column:
        st.markdown(
            _("**Clusters vs the {label_column} column**").format(
                label_column=md_escape(label_column)
            )
        )
        metric_lines(
            [
                ("purity", _("Purity"), agreement["purity"]),
                ("nmi", "NMI", agreement["nmi"]),
                ("ari", _("Adjusted Rand index"), agreement["ari"]),
            ]
        )
        if keep.sum() < len(ds):
            st.caption(
                _(
                    ":material/info: {n:,} rows without a {label_column} value are left out of"
                    " purity, NMI and ARI."
                ).format(
                    n=len(ds) - int(keep.sum()), label_column=md_escape(label_column)
                )
            )
    st.markdown(_("**Cluster shape in the original space**"))
    intra, inter = "mean_intra_distance", "mean_inter_distance"
    metric_lines(
        [
            ("silhouette_cosine", _("Silhouette (cosine)"), quality["silhouette_cosine"]),
            ("silhouette_euclidean", _("Silhouette (euclidean)"), quality["silhouette_euclidean"]),
            ("davies_bouldin", "Davies-Bouldin", quality["davies_bouldin"]),
            ("calinski_harabasz", "Calinski-Harabasz", quality["calinski_harabasz"]),
            ("mean_intra_distance", _("Mean intra-cluster distance"), quality[intra]),
            ("mean_inter_distance", _("Mean inter-cluster distance"), quality[inter]),
        ]
    )
    notes(quality["notes"])
    sizes = pd.Series(labels).value_counts()
    st.dataframe(
        pd.DataFrame(
            {
                _("cluster"): [names.get(int(c), str(c)) for c in sizes.index],
                _("rows"): sizes.to_numpy(),
            }
        ),
        hide_index=True,
        width="stretch",
        height=min(38 + 35 * len(sizes), 300),
    )
    remember("clusters", result)
    return result


# ---------------------------------------------------------------- map faithfulness tab


def max_faith_k(n_rows: int) -> int:
    """Largest k trustworthiness accepts on this many rows (k < half the points used)."""
    return max(1, min(50, (min(n_rows, FAITH_SAMPLE) - 1) // 2))


def default_space_metric(proj: Projection) -> str:
    """The original-space metric the map itself used (PCA works on raw, euclidean vectors)."""
    return "euclidean" if proj.params.method == "pca" else proj.params.metric


def faithfulness_report(emb: EmbedResult, proj: Projection, *, k: int, metric: str) -> dict:
    """Trustworthiness and continuity of the map at ``k``."""
    key = (fingerprint(emb), fingerprint(proj), k, metric)

    def compute() -> dict:
        return {
            "k": k,
            "metric": metric,
            "trustworthiness": trustworthiness(
                emb.vectors, proj.coords, k=k, metric=metric, sample_size=FAITH_SAMPLE
            ),
            "continuity": continuity(
                emb.vectors, proj.coords, k=k, metric=metric, sample_size=FAITH_SAMPLE
            ),
        }

    label = _("Trustworthiness and continuity at k={k}").format(k=k)
    result = cached("faithfulness", key, label, compute)
    bars(
        {_("Trustworthiness"): result["trustworthiness"], _("Continuity"): result["continuity"]},
        title=_("Map faithfulness at k={k}").format(k=k),
        key="evaluate.faith_bars",
        height=220,
    )
    metric_lines(
        [
            ("trustworthiness", _("Trustworthiness"), result["trustworthiness"]),
            ("continuity", _("Continuity"), result["continuity"]),
        ],
        per_row=2,
    )
    if len(proj.coords) > FAITH_SAMPLE:
        notes(
            [
                _(
                    "Computed on a random sample of {sample:,} of {n:,} points (seed 0): the "
                    "cost grows with the square of the points."
                ).format(sample=FAITH_SAMPLE, n=len(proj.coords))
            ]
        )
    remember("faithfulness", result)
    return result


def preservation_map(
    ds: Dataset, emb: EmbedResult, proj: Projection, *, k: int, metric: str
) -> np.ndarray:
    """The map coloured by each point's neighbour preservation (continuous scale)."""
    key = (fingerprint(emb), fingerprint(proj), k, metric)
    values = cached(
        "preservation",
        key,
        _("Neighbour preservation of {n:,} points").format(n=len(ds)),
        lambda: neighbor_preservation(emb.vectors, proj.coords, k=k, metric=metric),
    )
    fig = scatter_figure(
        proj.coords,
        ids=list(ds.ids),
        texts=ds.texts or None,
        color=values,
        color_name=_("share of {k} neighbours kept").format(k=k),
        color_kind="numeric",
        style=theme_style(palette="viridis", point_size=5.0, height=560),
        axis_prefix=proj.params.method.upper(),
        uirevision="evaluate.preservation",
    )
    st.plotly_chart(
        fig, width="stretch", key="evaluate.preservation_map", config={"displaylogo": False}
    )
    mean = float(values.mean())
    st.caption(
        _(
            "{neighbor_preservation} Mean {mean:.2f}. Dark points sit among strangers on the "
            "map: read their surroundings with care."
        ).format(
            neighbor_preservation=METRIC_INFO['neighbor_preservation'], mean=mean
        )
    )
    remember("preservation", {"k": k, "metric": metric, "mean": mean})
    return values
