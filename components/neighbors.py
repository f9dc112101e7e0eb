"""Neighbours page logic: typed or row queries, the top-k table, the map, heatmap and overlap."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from components import clusters, images, state
from components.pipeline import FAST_BACKENDS, PRECOMPUTED, embedder, embedding_cache, home
from embedlens.cluster import Clustering
from embedlens.dataset import Dataset, array_fingerprint
from embedlens.embedders import EmbedResult, embed_texts
from embedlens.errors import DataError
from embedlens.i18n import N_, Translated, _
from embedlens.neighbors import (
    NeighborResult,
    describe_metric,
    filter_threshold,
    top_k,
)
from embedlens.pipeline.images import IMAGE_BACKENDS
from embedlens.plotting.text import shorten
from embedlens.reduce import Projection, transform_points

TYPED, ROW = "text", "row"
SCORE_NAMES = Translated(
    cosine=N_("cosine similarity"), dot=N_("dot product"), euclidean=N_("distance")
)
METRIC_LABELS = Translated(cosine=N_("cosine"), dot=N_("dot"), euclidean=N_("euclidean"))
MAX_ROW_OPTIONS = 10_000  # above this a row is chosen by typing its id


def restore_widgets(page: str, defaults: dict[str, Any]) -> None:
    """Keep a page's widget values across visits to other pages, which Streamlit forgets.

    Call at the top of the page: missing keys come back from the last snapshot (else their
    default; None means leave unset), then the current values are snapshotted. Widgets using
    these keys must not pass their own default value.
    """
    saved_key = f"{page}.saved_widgets"
    saved = st.session_state.get(saved_key, {})
    for key, default in defaults.items():
        if key not in st.session_state:
            value = saved.get(key, default)
            if value is not None:
                st.session_state[key] = value
    st.session_state[saved_key] = {
        key: st.session_state[key] for key in defaults if key in st.session_state
    }


def keep_choice(key: str, options: Sequence[Any], default: Any = None) -> None:
    """Reset widget ``key`` to ``default`` (first option if None) when its value is not offered."""
    if st.session_state.get(key) not in options and options:
        st.session_state[key] = options[0] if default is None else default


def typed_query_reason(emb: EmbedResult) -> str | None:
    """Why a typed query cannot be embedded like the data (None when it can)."""
    if emb.provenance.backend in IMAGE_BACKENDS:  # CLIP: typed texts share the images' space
        return images.typed_query_reason(emb.provenance.backend)
    if emb.provenance.backend == PRECOMPUTED:
        return _(
            "This dataset brings its own vectors, so there is no model to embed a typed text "
            "with. Choose a row instead."
        )
    if not _per_text(emb.provenance.backend):
        return _(
            "TF-IDF + SVD vectors are fitted on the whole corpus, so a new text has no place in "
            "the same space. Choose a row instead, or switch the map to Sentence-Transformers."
        )
    return None


def _per_text(backend: str) -> bool:
    """Whether the backend embeds each text alone (not fitted on the whole corpus)."""
    return backend not in FAST_BACKENDS


@st.cache_data(show_spinner="Embedding the query…", max_entries=64)
def _query_vector(text: str, backend: str, model: str) -> tuple[np.ndarray, str]:
    result = embed_texts(
        [text],
        backend=backend,
        model=model,
        embedder=lambda: embedder(backend, model),
        cache=embedding_cache(home()),
    )
    return result.vectors, result.model_key


def embed_query(text: str, emb: EmbedResult, backend: str, model: str) -> np.ndarray:
    """The typed text as a (1, d) vector from the model that embedded the data."""
    if backend in IMAGE_BACKENDS:
        return images.query_vector(text, backend, model)
    vector, key = _query_vector(text, backend, model)
    if key != emb.model_key:
        raise DataError(
            _(
                "the query was embedded with {key!r} but the map's vectors come from "
                "{model_key!r}; open the map again so both use the same model."
            ).format(key=key, model_key=emb.model_key)
        )
    return vector


def sync_row_default(ds: Dataset) -> None:
    """Point the row picker at the first row selected on the map when that selection changes.

    With no typed text, a fresh map selection also switches the query to that row.
    """
    selection = st.session_state.get(state.SELECTION) or []
    first = str(selection[0]) if selection else None
    if first == st.session_state.get(state.NEIGHBORS_SEEN_SELECTION):
        return
    st.session_state[state.NEIGHBORS_SEEN_SELECTION] = first
    if first is not None:
        pos = positions_of(ds, [first])
        if len(pos):
            st.session_state[state.NEIGHBORS_ROW] = int(pos[0])
            st.session_state[state.NEIGHBORS_ROW_ID] = first
            if not str(st.session_state.get(state.NEIGHBORS_QUERY) or "").strip():
                st.session_state[state.NEIGHBORS_MODE] = ROW


def positions_of(ds: Dataset, ids) -> np.ndarray:
    """Row positions of ``ids`` (compared as text), unknown ids left out, order kept."""
    index = pd.Index(np.asarray(ds.ids).astype(str))
    found = index.get_indexer([str(i) for i in ids])
    return found[found >= 0]


def texts_at(ds: Dataset, positions) -> list[str]:
    """The texts of a few rows ('' without a text column or for missing values)."""
    positions = np.asarray(positions, dtype=np.int64)
    if ds.text_column is None:
        return [""] * len(positions)
    values = ds.frame[ds.text_column].iloc[positions].tolist()
    return ["" if pd.isna(v) else str(v) for v in values]


def row_label(ds: Dataset, pos: int, width: int = 70) -> str:
    """``id · shortened text`` for row position ``pos``."""
    text = texts_at(ds, [pos])[0]
    return f"{ds.ids[pos]} · {shorten(text, width)}" if text else str(ds.ids[pos])


def row_picker(ds: Dataset) -> int | None:
    """Choose one row by id: a searchable select box, or a typed id for very large tables."""
    if len(ds) <= MAX_ROW_OPTIONS:
        texts = ds.texts
        ids = np.asarray(ds.ids)

        def fmt(pos: int) -> str:
            return f"{ids[pos]} · {shorten(texts[pos], 70)}" if texts else str(ids[pos])

        current = st.session_state.get(state.NEIGHBORS_ROW)
        if not isinstance(current, (int, np.integer)) or not 0 <= current < len(ds):
            st.session_state[state.NEIGHBORS_ROW] = 0
        return st.selectbox(
            _("Row"),
            range(len(ds)),
            key=state.NEIGHBORS_ROW,
            format_func=fmt,
            help=_("Type to search the rows; defaults to the first row selected on the map."),
        )
    if not st.session_state.get(state.NEIGHBORS_ROW_ID):
        current = st.session_state.get(state.NEIGHBORS_ROW)
        ok = isinstance(current, (int, np.integer)) and 0 <= current < len(ds)
        st.session_state[state.NEIGHBORS_ROW_ID] = str(ds.ids[current if ok else 0])
    typed = st.text_input(_("Row id"), key=state.NEIGHBORS_ROW_ID)
    pos = positions_of(ds, [typed.strip()])
    if not len(pos):
        st.warning(_(
                "No row has the id {strip!r}; type one of the table's ids."
            ).format(
                strip=typed.strip()
            ))
        return None
    return int(pos[0])


def search(
    emb: EmbedResult, query: np.ndarray, *, k: int, metric: str, exclude: int | None
) -> NeighborResult:
    """The exact top-k rows for one query vector (its own row left out for row queries)."""
    return top_k(
        emb.vectors, query, k=k, metric=metric, exclude=None if exclude is None else [exclude]
    )


def threshold_slider(result: NeighborResult) -> float | None:
    """A slider that hides weak matches; its range follows the metric (and the scores)."""
    metric, scores = result.metric, result.scores[0]
    key = f"{state.NEIGHBORS_THRESHOLD}.{metric}"
    if metric == "cosine":
        low, high, step = -1.0, 1.0, 0.01
    else:
        low = float(np.floor(scores.min() * 100) / 100)
        high = float(np.ceil(scores.max() * 100) / 100)
        if high - low < 1e-6:
            st.caption(_("All matches have the same score: nothing to filter."))
            return None
        step = max((high - low) / 100, 1e-6)
    keep_all = high if metric == "euclidean" else low
    value = st.session_state.get(key)
    if not isinstance(value, (int, float)) or not low <= value <= high:
        st.session_state[key] = keep_all
    label = (
        _("Hide matches farther than (distance)")
        if metric == "euclidean"
        else _("Hide matches with {score} below").format(score=SCORE_NAMES[metric])
    )
    return st.slider(
        label,
        low,
        high,
        step=step,
        key=key,
        help=_("Weak matches disappear from the table, the map and the heatmap."),
    )


@dataclass(frozen=True, eq=False)
class QueryResult:
    """What the page shows for one query."""

    frame: pd.DataFrame  # rank, id, score, (text), (cluster) of the matches kept
    matches: np.ndarray  # their row positions
    query_point: tuple  # (coords (1, dims), label) for the map's star
    placed: str  # one line on how the star was placed
    typed: tuple | None  # (vector (1, d), label) of a typed query, None for a row query


def run_query(
    ds: Dataset,
    emb: EmbedResult,
    proj: Projection,
    clustering: Clustering | None,
    *,
    text: str,
    row: int | None,
    k: int,
    metric: str,
    backend: str,
    model: str,
) -> QueryResult:
    """Search (typed text when ``row`` is None, else that row) and draw the threshold slider."""
    typed = None
    if row is None:
        query = embed_query(text, emb, backend, model)
        result = search(emb, query, k=k, metric=metric, exclude=None)
        coords, how = place_query(proj, emb, query, text)
        label = _("Query: {text}").format(text=shorten(text, 60))
        query_point, typed = (coords, label), (query, label)
        placed = _("The star is your query. How it was placed: {how}.").format(how=how)
    else:
        result = search(emb, emb.vectors[row], k=k, metric=metric, exclude=row)
        query_point = (proj.coords[row : row + 1], _("Row {id}").format(id=ds.ids[row]))
        placed = _("The star is row {id} itself (left out of its own matches).").format(
            id=ds.ids[row]
        )
    with st.sidebar:
        threshold = threshold_slider(result)
    frame, matches = result_frame(ds, result, clustering, threshold)
    return QueryResult(frame, matches, query_point, placed, typed)


def result_frame(
    ds: Dataset, result: NeighborResult, clustering: Clustering | None, threshold: float | None
) -> tuple[pd.DataFrame, np.ndarray]:
    """(rank, id, score, text, cluster) of the matches at least as good as ``threshold``,
    and their row positions."""
    kept = filter_threshold(result, threshold)[0]
    pos = np.asarray([p for p, _ in kept], dtype=np.int64)
    frame = pd.DataFrame(
        {
            "rank": np.arange(1, len(kept) + 1),
            "id": [ds.ids[p] for p in pos],
            SCORE_NAMES[result.metric]: [s for _, s in kept],
            "text": texts_at(ds, pos),
        }
    )
    if ds.text_column is None:
        frame = frame.drop(columns="text")
    if images.is_image_dataset(ds):
        frame.insert(1, "thumbnail", images.thumbnail_uris(ds, pos))
    if clustering is not None:
        labels, names = clusters.effective(clustering)
        frame["cluster"] = [names.get(int(labels[p]), str(labels[p])) for p in pos]
    return frame, pos


def results_table(frame: pd.DataFrame, metric: str) -> None:
    """The matches as a table (user text shown as text)."""
    score = SCORE_NAMES[metric]
    st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        height=min(38 + 35 * len(frame), 420),
        column_config={
            "rank": st.column_config.NumberColumn(_("Rank"), width="small"),
            "thumbnail": st.column_config.ImageColumn(_("Thumbnail"), width="small"),
            "id": st.column_config.TextColumn(_("id")),
            "cluster": st.column_config.TextColumn(_("Cluster")),
            score: st.column_config.NumberColumn(
                score.capitalize(), format="%.3f", help=describe_metric(metric)
            ),
            "text": st.column_config.TextColumn(_("Text"), width="large"),
        },
    )


@st.cache_data(show_spinner="Placing the query on the map…", max_entries=64)
def _placed(
    coords_fp: str, text: str, _proj: Projection, _vectors: np.ndarray, _query: np.ndarray
) -> tuple[np.ndarray, str]:
    return transform_points(_proj, _vectors, _query)


def place_query(
    proj: Projection, emb: EmbedResult, query: np.ndarray, text: str
) -> tuple[np.ndarray, str]:
    """Map coordinates (1, dims) of a typed query and one line on how it was placed."""
    return _placed(
        array_fingerprint(proj.coords), f"{emb.model_key}\x00{text}", proj, emb.vectors, query
    )


def publish(ds: Dataset, frame: pd.DataFrame, query_point) -> None:
    """Share the matches with the map page: highlighted ids and the query's marker."""
    st.session_state[state.HIGHLIGHT] = list(frame["id"])
    st.session_state[state.NEIGHBORS_RESULT] = frame
    if query_point is None:
        st.session_state.pop(state.QUERY_POINT, None)
    else:
        st.session_state[state.QUERY_POINT] = query_point
