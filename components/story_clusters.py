"""Cluster naming by hand: an editable table of names and a merge control (session state)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from components import clusters, state
from embedlens.i18n import N_, _

TABLE = "story.cluster_table"
NAME = N_("Your name")
COLUMNS = (N_("Cluster"), N_("Keywords"), N_("Rows"), N_("Merged in"))


def cluster_frame(clustering) -> pd.DataFrame:
    """One row per cluster shown on the map: id, keyword label, size, merged clusters, name."""
    labels, _ = clusters.effective(clustering)
    renames = st.session_state.get(state.CLUSTER_NAMES, {})
    merges = st.session_state.get(state.CLUSTER_MERGES, {})
    ids, counts = np.unique(labels, return_counts=True)
    rows = []
    for cid, count in zip(ids.tolist(), counts.tolist(), strict=True):
        merged = sorted(s for s, t in merges.items() if t == cid)
        rows.append(
            {
                "Cluster": int(cid),
                "Keywords": clustering.names.get(
                    int(cid), "noise" if cid < 0 else f"Cluster {cid}"
                ),
                "Rows": int(count),
                "Merged in": ", ".join(str(s) for s in merged),
                NAME: renames.get(int(cid), ""),
            }
        )
    return pd.DataFrame(rows)


def renamed(before: pd.DataFrame, after: pd.DataFrame) -> dict[int, str]:
    """{cluster id: new name} for the rows whose name the user changed in the editor."""
    out = {}
    for (_i, old), (_j, new) in zip(before.iterrows(), after.iterrows(), strict=True):
        name = "" if pd.isna(new[NAME]) else str(new[NAME]).strip()
        if name != str(old[NAME]).strip():
            out[int(old["Cluster"])] = name
    return out


def _reset_table() -> None:
    st.session_state.pop(TABLE, None)


def _merge() -> None:
    sources = st.session_state.get("story.merge_sources") or []
    target = st.session_state.get("story.merge_target")
    if target is not None and sources:
        clusters.merge([int(s) for s in sources], int(target))
        st.session_state["story.merge_sources"] = []
        _reset_table()


def _undo_merges() -> None:
    st.session_state[state.CLUSTER_MERGES] = {}
    _reset_table()


def cluster_editor(clustering) -> None:
    """Rename clusters in a table and merge them; the map, legend and exports use the names."""
    before = cluster_frame(clustering)
    st.caption(
        _(
            "Type a name in the last column (empty = keep the keywords). Names show on the "
            "map, in its legend, in saved views and in exports."
        )
    )
    after = st.data_editor(
        before,
        key=TABLE,
        hide_index=True,
        width="stretch",
        disabled=["Cluster", "Keywords", "Rows", "Merged in"],
        column_config={
            NAME: st.column_config.TextColumn(_(NAME), max_chars=60),
            **{c: st.column_config.Column(_(c)) for c in COLUMNS},
        },
    )
    for cid, name in renamed(before, after).items():
        clusters.rename(cid, name)
    _labels, names = clusters.effective(clustering)
    options = [c for c in before["Cluster"].tolist() if c >= 0]
    left, mid, right = st.columns([3, 2, 1], vertical_alignment="bottom")
    left.multiselect(
        _("Merge these clusters"),
        options,
        key="story.merge_sources",
        format_func=lambda c: f"{c}: {names.get(c, c)}",
    )
    mid.selectbox(
        _("into"),
        options,
        key="story.merge_target",
        format_func=lambda c: f"{c}: {names.get(c, c)}",
    )
    right.button(
        _("Merge"),
        key="story.merge",
        on_click=_merge,
        icon=":material/call_merge:",
        disabled=len(options) < 2,
    )
    if st.session_state.get(state.CLUSTER_MERGES):
        st.button(
            _("Undo all merges"), key="story.unmerge", on_click=_undo_merges, icon=":material/undo:"
        )
