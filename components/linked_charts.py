"""Linked charts under the map: a bar chart or histogram per chosen column, and text search.

The map's lasso/box selection filters the charts (the selection drawn over the whole data);
clicking a bar (or box-selecting histogram bins) highlights those rows on the map, with the
removable chip above it. Search shows how many rows match and lists them.
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from components import state
from embedlens.dataset import Dataset
from embedlens.i18n import _
from embedlens.palettes import CONTEXT_COLOR
from embedlens.plotting.maps import highlight_mask

CHART_KEY = "map.chart_columns"
APPLIED_KEY = "map.chart_applied"  # last chart click turned into a highlight, per chart
MAX_BARS = 15
BINS = 30
NUMERIC_MIN_VALUES = 20  # numeric columns with fewer distinct values get bars
SELECTION_COLOR = "#0072B2"
SEARCH_ROWS = 200


def chart_columns(ds: Dataset, frame: pd.DataFrame) -> list[str]:
    """Columns a chart can be drawn of: metadata and the cluster name, not text nor vectors."""
    skip = {"id", "x", "y", "z", "cluster", ds.text_column, ds.vector_column}
    out = []
    for col in frame.columns:
        if col in skip:
            continue
        values = frame[col]
        if len(values) and isinstance(values.iloc[0], list | tuple | np.ndarray):
            continue
        out.append(str(col))
    return out


def _default_columns(frame: pd.DataFrame, options: list[str]) -> list[str]:
    picks = ["cluster_label"] if "cluster_label" in options else []
    for col in options:
        if col != "cluster_label" and 2 <= frame[col].nunique(dropna=True) <= 50:
            return [*picks, col]
    return picks


def _is_numeric(values: pd.Series) -> bool:
    return bool(
        pd.api.types.is_numeric_dtype(values)
        and not pd.api.types.is_bool_dtype(values)
        and values.nunique(dropna=True) >= NUMERIC_MIN_VALUES
    )


def _layout(fig: go.Figure, title: str, height: int, theme: str) -> go.Figure:
    ink = "#e8e8e8" if theme == "dark" else "#333333"
    fig.update_layout(
        title={"text": title, "font": {"size": 13}},
        barmode="overlay",
        height=height,
        margin={"l": 8, "r": 8, "t": 32, "b": 8},
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        font={"color": ink, "family": "Noto Sans CJK SC, Noto Sans, sans-serif"},
        legend={"orientation": "h", "y": -0.15, "x": 0},
    )  # no dragmode: Streamlit turns click-to-select off under "select"/"lasso" dragmodes
    return fig


def bar_figure(
    values: pd.Series, inside: np.ndarray | None, title: str, *, theme: str = "light"
) -> go.Figure:
    """Horizontal bars of the most common values: all rows, and the selection over them."""
    text = values.astype("string").fillna(_("(missing)"))
    counts = text.value_counts()
    top = counts.index[:MAX_BARS].tolist()[::-1]  # largest at the top
    shown = [html.escape(v if len(v) <= 40 else v[:39] + "…") for v in top]
    fig = go.Figure()
    fig.add_bar(
        y=shown,
        x=[int(counts[v]) for v in top],
        orientation="h",
        name=_("all rows"),
        marker={"color": CONTEXT_COLOR[theme]},
        customdata=top,
        hovertemplate="%{y}: %{x:,}<extra>" + _("all rows") + "</extra>",
    )
    if inside is not None:
        sel = text[inside].value_counts()
        fig.add_bar(
            y=shown,
            x=[int(sel.get(v, 0)) for v in top],
            orientation="h",
            name=_("selection"),
            marker={"color": SELECTION_COLOR},
            customdata=top,
            hovertemplate="%{y}: %{x:,}<extra>" + _("selection") + "</extra>",
        )
    fig.update_yaxes(automargin=True, tickfont={"size": 11})
    height = 70 + 20 * len(top)
    return _layout(fig, title, height, theme)


def histogram_figure(
    values: pd.Series, inside: np.ndarray | None, title: str, *, theme: str = "light"
) -> go.Figure:
    """A histogram of all rows with the selection's over it (same bins)."""
    v = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    ok = np.isfinite(v)
    edges = np.histogram_bin_edges(v[ok], bins=BINS) if ok.any() else np.array([0.0, 1.0])
    whole, _e = np.histogram(v[ok], bins=edges)
    mids = (edges[:-1] + edges[1:]) / 2
    spans = np.column_stack([edges[:-1], edges[1:]])
    fig = go.Figure()
    fig.add_bar(
        x=mids,
        y=whole,
        width=np.diff(edges),
        name=_("all rows"),
        marker={"color": CONTEXT_COLOR[theme]},
        customdata=spans,
        hovertemplate="%{customdata[0]:.3g}–%{customdata[1]:.3g}: %{y:,}<extra></extra>",
    )
    if inside is not None:
        sel, _e = np.histogram(v[ok & inside], bins=edges)
        fig.add_bar(
            x=mids,
            y=sel,
            width=np.diff(edges),
            name=_("selection"),
            marker={"color": SELECTION_COLOR},
            customdata=spans,
            hovertemplate="%{customdata[0]:.3g}–%{customdata[1]:.3g}: %{y:,}<extra></extra>",
        )
    return _layout(fig, title, 220, theme)


def rows_of_event(values: pd.Series, points: list[dict], numeric: bool) -> np.ndarray:
    """Row mask of the bars (values) or bins (ranges) picked in a chart event."""
    mask = np.zeros(len(values), dtype=bool)
    if numeric:
        v = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
        for p in points:
            lo, hi = p.get("customdata") or (None, None)
            if lo is not None:
                mask |= (v >= float(lo)) & (v <= float(hi))
        return mask
    text = values.astype("string").fillna(_("(missing)")).to_numpy(dtype=object)
    picked = {str(p.get("customdata", p.get("y"))) for p in points}
    return np.isin(text, list(picked))


def _apply_click(key: str, event, values: pd.Series, ids: np.ndarray, numeric: bool) -> None:
    """Highlight the rows of a new chart pick on the map (each pick applied once)."""
    points = (event or {}).get("selection", {}).get("points", []) if event else []
    signature = tuple(sorted(str(p.get("customdata", p.get("y"))) for p in points))
    applied = st.session_state.setdefault(APPLIED_KEY, {})
    if not points or applied.get(key) == signature:
        return
    applied[key] = signature
    st.session_state.pop(state.QUERY_POINT, None)
    st.session_state[state.HIGHLIGHT] = ids[rows_of_event(values, points, numeric)].tolist()
    st.rerun()


def linked_charts(ds: Dataset, frame: pd.DataFrame, selected_ids: list) -> None:
    """The chosen columns' charts, filtered by the map selection; a click highlights rows."""
    options = chart_columns(ds, frame)
    if not options:
        return
    if CHART_KEY not in st.session_state:
        st.session_state[CHART_KEY] = _default_columns(frame, options)
    st.session_state[CHART_KEY] = [c for c in st.session_state[CHART_KEY] if c in options]
    chosen = st.multiselect(
        _("Charts of columns (linked to the map selection)"),
        options,
        key=CHART_KEY,
        format_func=lambda c: _("Cluster") if c == "cluster_label" else c,
    )
    if not chosen:
        return
    ids = frame["id"].to_numpy()
    inside = None
    if selected_ids:
        inside = np.isin(ids.astype(str), [str(i) for i in selected_ids])
        st.caption(
            _(
                "Blue: the {n:,} selected rows ({share:.0%} of {total:,}); grey: every row. "
                "Click a bar to highlight its rows on the map."
            ).format(n=int(inside.sum()), share=inside.mean(), total=len(ids))
        )
    else:
        st.caption(
            _("Every row. Select points on the map to compare; click a bar to highlight its rows.")
        )
    theme = st.session_state.get(state.THEME, "light")
    cols = st.columns(min(2, len(chosen)))
    for i, col in enumerate(chosen):
        values = frame[col]
        numeric = _is_numeric(values)
        title = _("Cluster") if col == "cluster_label" else str(col)
        make = histogram_figure if numeric else bar_figure
        fig = make(values, inside, html.escape(title), theme=theme)
        key = f"map.linked.{col}"
        with cols[i % len(cols)]:
            event = st.plotly_chart(
                fig,
                width="stretch",
                key=key,
                on_select="rerun",
                selection_mode=("points", "box") if numeric else ("points",),
                config={"displayModeBar": False},
            )
        _apply_click(key, event, values, ids, numeric)


def search_results(ds: Dataset, frame: pd.DataFrame, search: str) -> None:
    """How many rows contain the search text, and the first of them."""
    if not search or not ds.text_column:
        return
    mask = highlight_mask(ds, search, None)
    n = int(mask.sum()) if mask is not None else 0
    title = _("Search “{query}”: {n:,} matching rows").format(query=search[:40], n=n)
    with st.expander(title, expanded=n > 0, icon=":material/search:"):
        if not n:
            st.caption(_("No row contains this text."))
            return
        cols = [c for c in ("id", ds.text_column, "cluster_label") if c in frame.columns]
        rows = frame.loc[mask, cols].head(SEARCH_ROWS)
        st.dataframe(rows, hide_index=True, width="stretch", height=min(300, 38 + 35 * len(rows)))
        if n > SEARCH_ROWS:
            st.caption(_("The first {shown:,} of {n:,}.").format(shown=SEARCH_ROWS, n=n))
