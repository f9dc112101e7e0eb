"""Plotly figures for embedlens (no Streamlit here: every builder returns a ``go.Figure``).

All user strings (hover texts, category and cluster names, titles, tick labels) are
HTML-escaped before they reach a figure; see :mod:`embedlens.plotting.text`.

Modules: ``scatter`` (the 2-D/3-D map), ``density`` (heatmap for very large maps), ``charts``
(evaluation charts), ``export`` (offline HTML and story mode), ``clusters`` (labels),
``colour_groups`` (the map's legend entries and their colours),
``payload`` (size estimates), ``style``, ``text``, ``inputs``.
"""

from __future__ import annotations

from embedlens.plotting.charts import (
    confusion_figure,
    histogram_compare,
    metric_bars,
    similarity_heatmap,
    sts_scatter,
)
from embedlens.plotting.clusters import cluster_centres
from embedlens.plotting.density import density_figure
from embedlens.plotting.export import figure_to_html, figures_to_story_html
from embedlens.plotting.payload import (
    DENSITY_POINTS,
    MESSAGE_LIMIT_BYTES,
    estimate_payload_bytes,
    use_density,
)
from embedlens.plotting.scatter import scatter_figure
from embedlens.plotting.style import ScatterStyle
from embedlens.plotting.text import escape, hover_texts

__all__ = [
    "DENSITY_POINTS",
    "MESSAGE_LIMIT_BYTES",
    "ScatterStyle",
    "cluster_centres",
    "confusion_figure",
    "density_figure",
    "escape",
    "estimate_payload_bytes",
    "figure_to_html",
    "figures_to_story_html",
    "histogram_compare",
    "hover_texts",
    "metric_bars",
    "scatter_figure",
    "similarity_heatmap",
    "sts_scatter",
    "use_density",
]
