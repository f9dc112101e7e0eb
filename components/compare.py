"""Compare page, first tab: the current embedding vs another one of the same rows.

The other side is another model or backend, the file's own vectors, or an uploaded table with a
vector column (rows matched by id). Its map uses the current projection settings and is
Procrustes-aligned to the current map; a lasso on either map lights up the same rows on both.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st

from components import exports, pipeline
from components.feedback import user_errors
from components.forms import METHOD_LABELS
from components.jobs import Job, runner
from embedlens.compare import Comparison, align_procrustes, compare_embeddings, match_ids
from embedlens.compare.figures import comparison_map, overlap_histogram
from embedlens.dataset import Dataset
from embedlens.embedders import EMBEDDERS, EmbedResult
from embedlens.i18n import _
from embedlens.pipeline import PRECOMPUTED, ModelPick, fingerprint
from embedlens.plotting.text import shorten
from embedlens.store.files import safe_name

SOURCE = "compare.source"
MODEL = "compare.model"
UPLOAD = "compare.upload"
K = "compare.k"
LABEL = "compare.label"
STARTED = "compare.started"  # the (source, model, upload name) the user asked to compare
SELECTED = "compare.selected_ids"  # ids lit up on both maps
SEEN = "compare.seen"  # last selection read from each chart, to tell which one changed
CHART_A, CHART_B = "compare.map_a", "compare.map_b"
MOST_CHANGED = 10


@dataclass(frozen=True, eq=False)
class Side:
    """The other embedding: its name, row ids and vectors (as an EmbedResult)."""

    name: str
    ids: np.ndarray
    emb: EmbedResult


def sources(ds: Dataset, emb: EmbedResult) -> dict[str, str]:
    """Source key -> label of what the current embedding can be compared with."""
    out = {}
    if ds.text_column:
        for name, reason in EMBEDDERS.available().items():
            if reason is None:
                out[f"backend:{name}"] = _(EMBEDDERS.entry(name).label)
    backend = getattr(emb.provenance, "backend", "")
    if ds.vectors is not None and backend != PRECOMPUTED:
        out["own"] = _("The file's own vectors")
    out["upload"] = _("An uploaded table with a vector column")
    return out


def _text_only(ds: Dataset) -> Dataset:
    if ds.vectors is None:
        return ds
    return dataclasses.replace(ds, vectors=None, vector_column=None)


def other_side(ds: Dataset, source: str, model: str, upload) -> Side | Job | None:
    """The other embedding, the job computing it, or None (nothing uploaded yet)."""
    if source.startswith("backend:"):
        backend = source.removeprefix("backend:")
        model = model if backend == "sentence-transformers" else ""
        pick = ModelPick(backend=backend, model=model)
        result = pipeline.embeddings(_text_only(ds), pick)
        if isinstance(result, Job):
            return result
        name = f"{EMBEDDERS.entry(backend).label} {model}".strip()
        return Side(name=name, ids=np.asarray(ds.ids), emb=result)
    if source == "own":
        return Side(name=_("the file's own vectors"), ids=np.asarray(ds.ids), emb=_wrap(ds.vectors))
    if upload is None:
        return None
    with user_errors(_("Reading {name}").format(name=upload.name), untrusted_input=True):
        other = _read_upload(upload.name, upload.getvalue())
    return Side(name=upload.name, ids=np.asarray(other.ids), emb=_wrap(other.vectors))


@st.cache_data(show_spinner=False, max_entries=4)
def _read_upload(name: str, data: bytes) -> Dataset:
    from embedlens.errors import DataError
    from embedlens.io import load_table

    ds = load_table(data, name=name, text_column=None)
    if ds.vectors is None:
        raise DataError(
            f"{name}: no vector column found; upload a table with an embedding column "
            "(a list column, or one numeric column per dimension)."
        )
    return ds


def _wrap(vectors: np.ndarray) -> EmbedResult:
    return EmbedResult(
        vectors=vectors, model_key=f"{PRECOMPUTED}:{fingerprint(vectors)}", embedded=0,
        cached=len(vectors), duplicates=0, truncated=0, seconds=0.0,
    )  # fmt: skip


def comparison(
    ds: Dataset, emb: EmbedResult, side: Side, *, k: int, label: str | None, name_a: str
) -> Comparison | Job:
    """The comparison of the two sides, computed as a background job."""
    labels = None if not label else ds.frame[label].astype(str).to_numpy(dtype=object)
    key = ("compare", fingerprint(emb.vectors), fingerprint(side.emb.vectors),
           fingerprint(side.ids.astype(str)), k, label)  # fmt: skip
    job = runner().submit(
        key,
        _("Comparing {a} with {b}").format(a=name_a, b=side.name),
        _compare_job,
        np.asarray(ds.ids),
        emb.vectors,
        side.ids,
        side.emb.vectors,
        dict(k=k, labels=labels, name_a=name_a, name_b=side.name),
        lane="fast",
    )
    if not job.done:
        return job
    with user_errors(_("Comparing the embeddings")):
        return job.future.result()


def _compare_job(ids_a, X_a, ids_b, X_b, options: dict, *, on_progress) -> Comparison:
    return compare_embeddings(ids_a, X_a, ids_b, X_b, on_progress=on_progress, **options)


def second_map(side: Side, params) -> object:
    """The other side's projection with the current map's settings (or its job)."""
    return pipeline.projection(side.emb, params)


def _ids_of(event) -> list:
    points = ((event or {}).get("selection") or {}).get("points", []) if event else []
    out = []
    for p in points:
        cd = p.get("customdata")
        out.append(cd[0] if isinstance(cd, (list, tuple)) and cd else cd)
    return [str(i) for i in out if i is not None]


def linked_selection() -> list[str]:
    """The ids selected on whichever map changed last (read before the charts are drawn)."""
    now = (_ids_of(st.session_state.get(CHART_A)), _ids_of(st.session_state.get(CHART_B)))
    seen = st.session_state.get(SEEN, ([], []))
    current = st.session_state.get(SELECTED, [])
    for fresh, old in zip(now, seen, strict=True):
        if fresh != old:
            current = fresh
    st.session_state[SEEN] = now
    st.session_state[SELECTED] = current
    return current


@dataclass(frozen=True, eq=False)
class MapPair:
    """Both maps over the compared rows, the second aligned onto the first."""

    rows_a: np.ndarray  # positions in ds (and in per_row order)
    coords_a: np.ndarray
    coords_b: np.ndarray
    disparity: float


def map_pair(ds: Dataset, proj, side: Side, proj_b, comp: Comparison) -> MapPair:
    """Match the rows of both maps by id and align B's map onto A's (Procrustes)."""
    m = match_ids(ds.ids, side.ids)
    ca = proj.coords[m.rows_a, :2]
    with user_errors(_("Aligning the maps")):
        al = align_procrustes(ca, proj_b.coords[m.rows_b, :2])
    return MapPair(rows_a=m.rows_a, coords_a=ca, coords_b=al.coords, disparity=al.disparity)


def figures(ds: Dataset, pair: MapPair, comp: Comparison, method: str, selected, theme: str):
    """The two maps coloured by per-row overlap, the selection lit up on both."""
    ids = comp.per_row["id"].tolist()
    texts = [ds.texts[i] for i in pair.rows_a] if ds.text_column else None
    pos = np.flatnonzero(np.isin(np.asarray(ids, dtype=str), np.asarray(selected, dtype=str)))
    sel = pos if len(selected) else None
    overlap = comp.per_row["overlap"].to_numpy()
    title = _("Overlap@{k}").format(k=comp.k)
    axis = METHOD_LABELS.get(method, method)
    common = dict(color=overlap, color_title=title, texts=texts, selected=sel, theme=theme,
                  axis_prefix=axis)  # fmt: skip
    fig_a = comparison_map(pair.coords_a, ids, title=comp.name_a, **common)
    fig_b = comparison_map(pair.coords_b, ids, title=comp.name_b, **common)
    return fig_a, fig_b


def draw(fig, key: str) -> None:
    """One selectable map (its selection is read by ``linked_selection`` on the next run)."""
    st.plotly_chart(
        fig, width="stretch", key=key, on_select="rerun", selection_mode=("box", "lasso"),
        config={"displaylogo": False},
    )  # fmt: skip


METRIC_LABELS = {
    "overlap_at_k": "Neighbour overlap@k (mean Jaccard)",
    "overlap_chance": "Overlap if unrelated (chance)",
    "cka": "Linear CKA",
    "ari": "Cluster agreement (ARI)",
    "nmi": "Cluster agreement (NMI)",
    "dim": "Dimensions",
    "knn_accuracy": "10-NN accuracy (labels)",
    "logreg_accuracy": "Logistic accuracy (labels)",
    "silhouette": "Silhouette of the labels",
    "nmi_labels": "k-means NMI with the labels",
}


def metric_table(comp: Comparison) -> pd.DataFrame:
    """The metric table with translated names and column headers."""
    t = comp.metric_table()
    t["metric"] = [_(METRIC_LABELS.get(m, m)) for m in t["metric"]]
    for col in ("a", "b", "both"):
        t[col] = [_cell(v) for v in t[col]]
    t = t[["metric", "both", "a", "b"]]
    return t.rename(columns={"metric": _("Metric"), "a": comp.name_a, "b": comp.name_b,
                             "both": _("Both")})  # fmt: skip


def _cell(value) -> str:
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return ""
    if isinstance(value, (int, np.integer)) or float(value).is_integer():
        return str(int(value))
    return f"{float(value):.3f}"


def histogram(comp: Comparison):
    """Distribution of per-row overlap."""
    return overlap_histogram(
        comp.per_row["overlap"].to_numpy(),
        x_title=_("Overlap@{k}").format(k=comp.k),
        y_title=_("Rows"),
    )


def most_changed(ds: Dataset, comp: Comparison, n: int = MOST_CHANGED) -> pd.DataFrame:
    """The rows whose neighbours changed most, with their neighbours on each side (texts)."""
    texts = dict(zip(map(str, ds.ids), ds.texts, strict=True)) if ds.text_column else {}

    def show(ids) -> str:
        return " · ".join(shorten(texts.get(str(i), str(i)), 50) for i in ids)

    rows = []
    for r in comp.most_changed(n).itertuples(index=False):
        a, b = list(r.neighbors_a), list(r.neighbors_b)
        rows.append({
            _("Row"): str(r.id),
            _("Text"): shorten(texts.get(str(r.id), ""), 80),
            _("Overlap"): round(float(r.overlap), 3),
            _("Neighbours only in {name}").format(name=comp.name_a): show(
                [i for i in a if i not in b]),
            _("Neighbours only in {name}").format(name=comp.name_b): show(
                [i for i in b if i not in a]),
        })  # fmt: skip
    return pd.DataFrame(rows)


def export_frame(ds: Dataset, comp: Comparison, pair: MapPair) -> pd.DataFrame:
    """Per-row table plus both maps' coordinates and the text (CSV/Parquet download)."""
    frame = comp.per_row.copy()
    if ds.text_column:
        frame.insert(1, "text", [ds.texts[i] for i in pair.rows_a])
    frame["x_a"], frame["y_a"] = pair.coords_a[:, 0], pair.coords_a[:, 1]
    frame["x_b"], frame["y_b"] = pair.coords_b[:, 0], pair.coords_b[:, 1]
    for col in ("neighbors_a", "neighbors_b"):
        frame[col] = [[str(v) for v in ids] for ids in frame[col]]
    return frame


def story_html(comp: Comparison, fig_a, fig_b, theme: str) -> bytes:
    """One offline HTML story: a slide per map and one for the figures."""
    import plotly.graph_objects as go

    from embedlens.plotting.export import figures_to_story_html

    table = metric_table(comp)
    cells = [[str(v) for v in table[c]] for c in table.columns]
    cells = [[c if c not in ("None", "nan") else "" for c in col] for col in cells]
    table_fig = go.Figure(go.Table(header={"values": list(table.columns)}, cells={"values": cells}))
    caption = _("{n:,} rows matched by id; overlap@{k} {o:.2f} (chance {c:.3f}), CKA {cka:.2f}.")
    caption = caption.format(
        n=comp.n_rows, k=comp.k, o=comp.overlap_at_k, c=comp.overlap_chance, cka=comp.cka
    )
    slides = [
        (comp.name_a, caption, fig_a),
        (_("{name}, aligned to the first map").format(name=comp.name_b), caption, fig_b),
        (_("The figures"), caption, table_fig),
    ]
    title = _("{a} vs {b}").format(a=comp.name_a, b=comp.name_b)
    return figures_to_story_html(slides, title=title, theme=theme).encode("utf-8")


def save_views(comp: Comparison, side: Side, proj_b, selected: list) -> list[str]:
    """Save each side's map as a workspace view (selection highlighted) for the Story page.

    Side A is the current map (``story_views.capture_view``); side B is the same view pointing
    at B's recorded projection run, with B's embedder in its settings. Only sides whose map is
    in the workspace can be saved: an uploaded table has no embedder to reopen it with.
    """
    import copy

    from components import state, story_views

    ss = st.session_state
    before = ss.get(state.HIGHLIGHT, [])
    ss[state.HIGHLIGHT] = list(selected)
    try:
        view_a = story_views.capture_view(spotlight="none")
    finally:
        ss[state.HIGHLIGHT] = before
    ws = pipeline.workspace(pipeline.home())
    caption = _("Compared with {b}: overlap@{k} {o:.2f}, CKA {cka:.2f}.").format(
        b=comp.name_b, k=comp.k, o=comp.overlap_at_k, cka=comp.cka
    )
    saved = [ws.save_view(comp.name_a, view_a, caption=caption)]
    prov_b, emb_prov = getattr(proj_b, "provenance", None), side.emb.provenance
    if prov_b is not None and prov_b.run_id and emb_prov is not None:
        view_b = copy.deepcopy(view_a)
        view_b["embedding"] = {"backend": emb_prov.backend, "model": emb_prov.model,
                               "key": emb_prov.cache_key}  # fmt: skip
        view_b["settings"].update({state.BACKEND: emb_prov.backend, state.MODEL: emb_prov.model})
        view_b.update(projection_run=prov_b.run_id, clustering=None, clustering_run=None,
                      camera=story_views.camera(proj_b.coords), cluster_names={},
                      cluster_merges={})  # fmt: skip
        caption_b = _("Compared with {a}: overlap@{k} {o:.2f}, CKA {cka:.2f}.").format(
            a=comp.name_a, k=comp.k, o=comp.overlap_at_k, cka=comp.cka
        )
        saved.append(ws.save_view(comp.name_b, view_b, caption=caption_b))
    return saved


def downloads(ds: Dataset, comp: Comparison, pair: MapPair, fig_a, fig_b, theme: str) -> None:
    """CSV / Parquet of the per-row table and both maps, and the story HTML."""
    exports.download_buttons(export_frame(ds, comp, pair), f"{ds.name}-compare", key="compare.dl")
    st.download_button(
        _("Download as a story (HTML, both maps and the figures)"),
        lambda: story_html(comp, fig_a, fig_b, theme),
        f"{safe_name(ds.name) or 'compare'}-compare-story.html",
        "text/html",
        key="compare.dl.story",
        icon=":material/slideshow:",
        width="stretch",
    )
