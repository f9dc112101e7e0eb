"""Plotly figures of a comparison: a map coloured by overlap, linked selection, histogram."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from embedlens.plotting.text import escape, hover_texts

_THEMES = {
    "light": {"template": "plotly_white", "bg": "#ffffff", "fg": "#1f2328"},
    "dark": {"template": "plotly_dark", "bg": "#0e1117", "fg": "#e6edf3"},
}


def comparison_map(
    coords: np.ndarray,
    ids: Sequence,
    *,
    color: np.ndarray | None = None,
    color_title: str = "",
    categorical: bool = False,
    texts: Sequence[str] | None = None,
    selected: np.ndarray | None = None,
    title: str = "",
    axis_prefix: str = "",
    theme: str = "light",
    point_size: float = 5.0,
) -> go.Figure:
    """One 2-D map of a comparison, selectable, hover text escaped.

    Parameters
    ----------
    coords : ndarray of shape (n, 2)
    ids : sequence of length n
        Row ids, carried as ``customdata`` so a selection speaks in ids.
    color : ndarray of shape (n,), default=None
        Values to colour by: continuous (e.g. per-row overlap, 0..1 on a fixed scale) or, with
        ``categorical``, one trace per value (e.g. clusters).
    color_title : str, default=""
        Colour bar / legend title (already translated).
    categorical : bool, default=False
    texts : sequence of str, default=None
        Hover text per row (escaped here).
    selected : ndarray of int, default=None
        Row positions to light up; the other points fade (Plotly ``selectedpoints``).
    title, axis_prefix : str, default=""
        Figure title and axis name prefix (already translated; escaped here).
    theme : {"light", "dark"}, default="light"
    point_size : float, default=5.0

    Returns
    -------
    plotly.graph_objects.Figure

    Examples
    --------
    >>> fig = comparison_map(np.zeros((3, 2)), ["a", "b", "<c>"], texts=["x", "y", "<z>"])
    >>> fig.data[0].hovertext[2]
    '&lt;c&gt;<br>&lt;z&gt;'
    """
    coords = np.asarray(coords, dtype=np.float32)
    ids = list(ids)
    n = len(ids)
    head = hover_texts([str(i) for i in ids], max_chars=60)
    body = hover_texts(list(texts), max_chars=200) if texts is not None else [""] * n
    hover = [f"{h}<br>{b}" if b else h for h, b in zip(head, body, strict=True)]
    sel = None if selected is None else np.asarray(selected, dtype=np.int64)
    style = _THEMES.get(theme, _THEMES["light"])
    fig = go.Figure()

    def add(rows: np.ndarray, name: str, marker: dict, showlegend: bool) -> None:
        trace_sel = None
        if sel is not None:
            trace_sel = np.flatnonzero(np.isin(rows, sel)).tolist()
        fig.add_trace(
            go.Scattergl(
                x=coords[rows, 0],
                y=coords[rows, 1],
                mode="markers",
                name=name,
                customdata=[[ids[i]] for i in rows],
                hovertext=[hover[i] for i in rows],
                hoverinfo="text",
                marker=marker,
                showlegend=showlegend,
                selectedpoints=trace_sel,
                selected={"marker": {"opacity": 1.0}},
                unselected={"marker": {"opacity": 0.12}},
            )
        )

    if color is not None and categorical:
        values = np.asarray(color, dtype=object).astype(str)
        for value in sorted(set(values.tolist()), key=_natural):
            rows = np.flatnonzero(values == value)
            add(rows, escape(value), {"size": point_size}, True)
    else:
        marker: dict = {"size": point_size}
        if color is not None:
            marker.update(
                color=np.asarray(color, dtype=np.float32),
                colorscale="Viridis",
                cmin=0.0,
                cmax=1.0,
                colorbar={"title": {"text": escape(color_title)}, "thickness": 12},
            )
        add(np.arange(n), escape(color_title) or "rows", marker, False)
    fig.update_layout(
        title={"text": escape(title)} if title else None,
        template=style["template"],
        paper_bgcolor=style["bg"],
        plot_bgcolor=style["bg"],
        font={"color": style["fg"]},
        margin={"l": 10, "r": 10, "t": 40 if title else 10, "b": 10},
        height=420,
        dragmode="lasso",
        legend={"itemsizing": "constant"},
        uirevision="compare",
    )
    prefix = escape(axis_prefix)
    fig.update_xaxes(title=f"{prefix} 1".strip(), showticklabels=False, zeroline=False)
    fig.update_yaxes(title=f"{prefix} 2".strip(), showticklabels=False, zeroline=False)
    return fig


def _natural(value: str) -> tuple[int, float, str]:
    try:
        return (0, float(value), "")
    except ValueError:
        return (1, 0.0, value)


def overlap_histogram(
    overlap: np.ndarray, *, title: str = "", x_title: str = "", y_title: str = "", bins: int = 10
) -> go.Figure:
    """Bar chart of per-row overlap in ``bins`` equal bins over [0, 1] (labels translated)."""
    counts, edges = np.histogram(np.asarray(overlap, dtype=float), bins=bins, range=(0.0, 1.0))
    centres = (edges[:-1] + edges[1:]) / 2
    fig = go.Figure(go.Bar(x=centres, y=counts, width=1.0 / bins * 0.95))
    fig.update_layout(
        title={"text": escape(title)} if title else None,
        template="plotly_white",
        height=260,
        margin={"l": 10, "r": 10, "t": 40 if title else 10, "b": 10},
    )
    fig.update_xaxes(title=escape(x_title), range=[0, 1])
    fig.update_yaxes(title=escape(y_title))
    return fig
