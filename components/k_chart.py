"""The automatic k, shown where the cluster count is chosen: the curves and how sure it is."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from components import state
from embedlens.auto_k import KChoice
from embedlens.i18n import _


def k_figure(choice: KChoice, *, theme: str = "light") -> go.Figure:
    """Modularity (left axis) and silhouette (right) per k, the chosen k and the knee's bar."""
    ink = "#e8e8e8" if theme == "dark" else "#333333"
    fig = go.Figure()
    fig.add_scatter(
        x=list(choice.ks),
        y=list(choice.modularity),
        name=_("modularity"),
        mode="lines+markers",
        line={"color": "#0072B2"},
        hovertemplate="k=%{x}: %{y:.3f}<extra>" + _("modularity") + "</extra>",
    )
    fig.add_scatter(
        x=list(choice.ks),
        y=list(choice.silhouette),
        name=_("silhouette"),
        mode="lines",
        line={"color": "#E69F00", "dash": "dot"},
        yaxis="y2",
        hovertemplate="k=%{x}: %{y:.3f}<extra>" + _("silhouette") + "</extra>",
    )
    fig.add_hline(y=choice.threshold, line={"color": "#999999", "width": 1, "dash": "dash"})
    fig.add_vline(x=choice.k, line={"color": "#D55E00", "width": 2})
    fig.update_layout(
        height=210,
        margin={"l": 8, "r": 8, "t": 40, "b": 8},
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        font={"size": 10, "color": ink},
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0, "font": {"size": 10}},
        xaxis={"title": None, "dtick": 2 if len(choice.ks) > 8 else 1, "tickangle": 0},
        yaxis={"title": None, "showgrid": False, "nticks": 4},
        yaxis2={
            "overlaying": "y",
            "side": "right",
            "showgrid": False,
            "showticklabels": False,
            "title": None,
        },
        showlegend=True,
    )
    return fig


def k_curve(choice: KChoice | None, *, preview: bool = False) -> None:
    """The curve chart and the confidence sentence (nothing for a fixed k)."""
    if preview:
        st.caption(_("The final map chooses the number of clusters itself."))
        return
    if choice is None:
        return
    st.plotly_chart(
        k_figure(choice, theme=st.session_state.get(state.THEME, "light")),
        width="stretch",
        key="map.k_curve",
        config={"displayModeBar": False},
    )
    st.caption(
        choice.statement()
        + " "
        + _("Curves on {sample:,} sampled rows, {seconds:.0f} s.").format(
            sample=choice.sample, seconds=choice.seconds
        )
    )
