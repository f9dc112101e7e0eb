"""Evaluation charts: similarity and confusion heatmaps, STS scatter, histograms, metric bars.

Category axes use integer positions with escaped ``ticktext``: Plotly merges equal category
names, so two labels that shorten to the same text would otherwise share a row.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from embedlens.errors import DataError
from embedlens.i18n import N_, _
from embedlens.palettes import categorical_colors, colorscale
from embedlens.plotting.style import ScatterStyle, base_layout
from embedlens.plotting.text import escape, label
from embedlens.validation import check_vectors

MAX_TICK_LABELS = 80
"""Heatmaps with more rows than this show no tick labels (the hover still names each cell)."""


def _matrix(matrix: np.ndarray, labels: Sequence, *, name: str, square: bool) -> np.ndarray:
    m = check_vectors(matrix, name=name).astype(np.float64)
    if square and m.shape[0] != m.shape[1]:
        raise DataError(f"{name} must be square; got shape {m.shape}.")
    if len(labels) != m.shape[0]:
        raise DataError(
            f"{name} has {m.shape[0]} rows but {len(labels)} labels were given; "
            "pass one label per row."
        )
    return m


def _category_axis(labels: list[str], *, title: str) -> dict:
    axis = {"title": {"text": title}, "showgrid": False, "zeroline": False}
    if len(labels) <= MAX_TICK_LABELS:
        axis.update(tickmode="array", tickvals=list(range(len(labels))), ticktext=labels)
    else:
        axis.update(showticklabels=False)
    return axis


def _fmt(value: float, digits: int = 3) -> str:
    return "n/a" if value is None or not math.isfinite(value) else f"{value:.{digits}f}"


def similarity_heatmap(
    matrix: np.ndarray, labels: Sequence[str], *, metric: str, style: ScatterStyle = ScatterStyle()
) -> go.Figure:
    """Draw a square similarity (or distance) matrix between labelled items.

    Parameters
    ----------
    matrix : ndarray of shape (k, k)
        Pairwise scores, finite.
    labels : sequence of str of length k
        Item names (escaped; shortened to 30 characters on the axes, 120 in the hover).
    metric : str
        "cosine" (diverging scale fixed to [-1, 1]), "dot" (diverging around 0), "euclidean"
        or another distance (reversed sequential scale), or any other name (sequential).
    style : ScatterStyle, default=ScatterStyle()
        Theme, palette and height.

    Returns
    -------
    plotly.graph_objects.Figure
        One ``heatmap`` trace; the first row is at the top.

    Raises
    ------
    DataError
        If the matrix is not square and finite or the labels do not match it.
    """
    m = _matrix(matrix, labels, name="similarity matrix", square=True)
    k = m.shape[0]
    full = [label(s, 120) for s in labels]
    lowered = str(metric).lower()
    metric_text = label(_(lowered) if lowered in ("cosine", "dot", "euclidean") else metric, 40)
    is_distance = "euclid" in lowered or "dist" in lowered or "manhattan" in lowered
    heat: dict = {"colorscale": colorscale(style.palette)}
    if lowered == "cosine":
        heat = {"colorscale": "RdBu", "zmin": -1.0, "zmax": 1.0, "reversescale": True}
    elif lowered == "dot":
        heat = {"colorscale": "RdBu", "zmid": 0.0, "reversescale": True}
    elif is_distance:
        heat["reversescale"] = True
    text = np.array([[f"{full[i]}<br>{full[j]}" for j in range(k)] for i in range(k)],
                    dtype=object).reshape(k, k)
    kind = N_("{metric} distance") if is_distance else N_("{metric} similarity")
    trace = go.Heatmap(
        z=m, x=list(range(k)), y=list(range(k)), text=text,
        hovertemplate=f"%{{text}}<br><b>{metric_text}</b>: %{{z:.3f}}<extra></extra>",
        colorbar={"title": {"text": metric_text}}, **heat,
    )
    # Rows are named on the y axis and numbered on the x axis: long (or Chinese) names on the
    # x axis would be turned 90 degrees, which nobody can read.
    short = [f"{i + 1}. {label(s, 30)}" for i, s in enumerate(labels)]
    numbers = [str(i + 1) for i in range(k)]
    layout = base_layout(style, title=_(kind).format(metric=metric_text))
    layout.update(xaxis={**_category_axis(numbers, title=""), "tickangle": 0},
                  yaxis={**_category_axis(short, title=""), "autorange": "reversed"})
    return go.Figure(data=[trace], layout=layout)


def sts_scatter(
    gold: Sequence[float] | np.ndarray,
    predicted: Sequence[float] | np.ndarray,
    *,
    spearman: float,
    pearson: float,
    style: ScatterStyle = ScatterStyle(),
) -> go.Figure:
    """Scatter gold STS scores against predicted similarities, with a least-squares line.

    Parameters
    ----------
    gold, predicted : sequence of float
        Same length, finite.
    spearman, pearson : float
        Correlations shown in the title (NaN shows as "n/a").
    style : ScatterStyle, default=ScatterStyle()
        Theme, palette, point size, opacity and height.

    Returns
    -------
    plotly.graph_objects.Figure
        A points trace (``scattergl`` above 5,000 pairs) and, when defined, a fit line.

    Raises
    ------
    DataError
        If the lengths differ or values are not finite.
    """
    g = check_vectors(np.asarray(gold, dtype=float).reshape(-1, 1), name="gold scores")[:, 0]
    p = check_vectors(np.asarray(predicted, dtype=float).reshape(-1, 1),
                      name="predicted scores", n_rows=len(g))[:, 0]
    color = categorical_colors(1, style.palette, theme=style.theme)[0][0]
    scatter = go.Scattergl if len(g) > 5000 else go.Scatter
    traces = [scatter(
        x=g, y=p, mode="markers", name=_("Pairs"),
        marker={"size": style.point_size, "opacity": style.opacity, "color": color},
        hovertemplate=_("gold %{x:.3f}<br>predicted %{y:.3f}") + "<extra></extra>",
    )]
    if len(g) >= 2 and np.ptp(g) > 0:
        slope, intercept = np.polyfit(g.astype(np.float64), p.astype(np.float64), 1)
        xs = np.array([g.min(), g.max()], dtype=np.float64)
        traces.append(go.Scatter(x=xs, y=slope * xs + intercept, mode="lines",
                                 name=_("Least-squares fit"), hoverinfo="skip",
                                 line={"dash": "dash", "width": 2}))
    title = _("STS: Spearman ρ = {spearman}, Pearson r = {pearson} ({n:,} pairs)").format(
        spearman=_fmt(spearman), pearson=_fmt(pearson), n=len(g)
    )
    layout = base_layout(style, title=title)
    layout.update(xaxis={"title": {"text": _("Gold score")}},
                  yaxis={"title": {"text": _("Predicted similarity")}})
    return go.Figure(data=traces, layout=layout)


def confusion_figure(
    matrix: np.ndarray, classes: Sequence[str], *, style: ScatterStyle = ScatterStyle()
) -> go.Figure:
    """Draw a confusion matrix: colour = share of the true class, text = counts.

    Parameters
    ----------
    matrix : ndarray of shape (k, k)
        Counts; rows are true classes, columns predicted classes.
    classes : sequence of str of length k
        Class names (escaped and shortened).
    style : ScatterStyle, default=ScatterStyle()
        Theme, palette and height.

    Returns
    -------
    plotly.graph_objects.Figure
        One ``heatmap`` trace; the title gives the accuracy.

    Raises
    ------
    DataError
        If the matrix is not square, finite and non-negative, or the names do not match it.
    """
    m = _matrix(matrix, classes, name="confusion matrix", square=True)
    if (m < 0).any():
        raise DataError("confusion matrix has negative counts; pass raw counts per cell.")
    k = m.shape[0]
    rows = m.sum(axis=1, keepdims=True)
    share = np.divide(m, rows, out=np.zeros_like(m), where=rows > 0)
    names = [label(c, 60) for c in classes]
    counts = [[f"{v:g}" for v in row] for row in m.tolist()]
    cell = _("<b>True</b>: {true}<br><b>Predicted</b>: {predicted}<br>"
             "<b>Count</b>: {count} ({share:.0%} of the true class)")
    hover = [[cell.format(true=names[i], predicted=names[j], count=counts[i][j], share=share[i, j])
              for j in range(k)] for i in range(k)]
    trace = go.Heatmap(
        z=share, x=list(range(k)), y=list(range(k)), text=counts, customdata=hover,
        hovertemplate="%{customdata}<extra></extra>", zmin=0.0, zmax=1.0,
        colorscale=colorscale(style.palette), colorbar={"title": {"text": _("Share of row")}},
        texttemplate="%{text}" if k <= 30 else None,
    )
    total = m.sum()
    accuracy = float(np.trace(m) / total) if total else float("nan")
    short = [label(c, 25) for c in classes]
    title = _("Confusion matrix (accuracy {accuracy})").format(accuracy=_fmt(accuracy))
    layout = base_layout(style, title=title)
    layout.update(xaxis=_category_axis(short, title=_("Predicted")),
                  yaxis={**_category_axis(short, title=_("True")), "autorange": "reversed"})
    return go.Figure(data=[trace], layout=layout)


def histogram_compare(
    hist_a: Sequence[float] | np.ndarray,
    hist_b: Sequence[float] | np.ndarray,
    edges: Sequence[float] | np.ndarray,
    *,
    name_a: str,
    name_b: str,
    title: str,
    style: ScatterStyle = ScatterStyle(),
) -> go.Figure:
    """Overlay two histograms that share bin edges (e.g. similarity distributions).

    Parameters
    ----------
    hist_a, hist_b : sequence of float of length b
        Heights (counts or densities).
    edges : sequence of float of length b + 1
        Increasing bin edges.
    name_a, name_b : str
        Legend names (escaped).
    title : str
        Figure title (escaped).
    style : ScatterStyle, default=ScatterStyle()
        Theme, palette and height.

    Returns
    -------
    plotly.graph_objects.Figure
        Two overlaid ``bar`` traces.

    Raises
    ------
    DataError
        If the lengths do not fit together or the edges do not increase.
    """
    a = np.asarray(hist_a, dtype=float).reshape(-1)
    b = np.asarray(hist_b, dtype=float).reshape(-1)
    e = np.asarray(edges, dtype=float).reshape(-1)
    if len(a) != len(b) or len(e) != len(a) + 1:
        raise DataError(
            f"histograms have {len(a)} and {len(b)} bins and there are {len(e)} edges; "
            "both need the same number of bins and one more edge than bins."
        )
    if len(a) == 0 or not np.isfinite(e).all() or (np.diff(e) <= 0).any():
        raise DataError("histogram edges must be finite and strictly increasing.")
    centres, widths = (e[:-1] + e[1:]) / 2, np.diff(e)
    (c_a, _), (c_b, _) = categorical_colors(2, style.palette, theme=style.theme)
    traces = [
        go.Bar(x=centres, y=h, width=widths, name=label(name, 40), marker={"color": c},
               opacity=0.6, hovertemplate=f"<b>{label(name, 40)}</b><br>%{{x:.3g}}: "
               "%{y:.4g}<extra></extra>")
        for h, name, c in ((a, name_a, c_a), (b, name_b, c_b))
    ]
    layout = base_layout(style, title=title)
    layout.update(barmode="overlay", bargap=0.0)
    return go.Figure(data=traces, layout=layout)


def metric_bars(
    values: dict[str, float], *, title: str, style: ScatterStyle = ScatterStyle()
) -> go.Figure:
    """Draw one horizontal bar per metric, in the dict's order, values printed on the bars.

    Parameters
    ----------
    values : dict of str to float
        Metric name -> value; NaN/None shows as "n/a" with an empty bar.
    title : str
        Figure title (escaped).
    style : ScatterStyle, default=ScatterStyle()
        Theme, palette and height.

    Returns
    -------
    plotly.graph_objects.Figure
        One ``bar`` trace.
    """
    names = [label(k, 60) for k in values]
    raw = [float("nan") if v is None else float(v) for v in values.values()]
    color = categorical_colors(1, style.palette, theme=style.theme)[0][0]
    trace = go.Bar(
        x=[v if math.isfinite(v) else 0.0 for v in raw], y=list(range(len(names))),
        orientation="h", text=[_fmt(v) for v in raw], textposition="auto",
        customdata=names, hovertemplate="%{customdata}: %{text}<extra></extra>",
        marker={"color": color}, name=escape(title) or "metrics",
    )
    height = min(max(120 + 40 * len(names), 200), style.height)
    layout = base_layout(style, title=title, height=height)
    layout.update(yaxis={**_category_axis(names, title=""), "autorange": "reversed"},
                  xaxis={"zeroline": True})
    return go.Figure(data=[trace], layout=layout)
