"""Cluster names as the user sees them: keyword labels, with hand renames and merges applied."""

from __future__ import annotations

import numpy as np
import streamlit as st

from components import stable_colours, state
from embedlens.cluster import Clustering


def effective(clustering: Clustering) -> tuple[np.ndarray, dict[int, str]]:
    """(labels per row, {cluster id: display name}) after the session's merges and renames."""
    merges: dict[int, int] = st.session_state.get(state.CLUSTER_MERGES, {})
    renames: dict[int, str] = st.session_state.get(state.CLUSTER_NAMES, {})
    labels = clustering.labels.copy()
    for source, target in merges.items():
        labels[labels == source] = target
    names = {int(c): clustering.names.get(int(c), f"Cluster {c}") for c in np.unique(labels)}
    align = stable_colours.alignment(clustering)  # names kept from the preview map
    for cid, name in (align.names if align else {}).items():
        if cid in names and name not in names.values():
            names[cid] = name
    for cid, name in renames.items():
        if cid in names and name.strip():
            names[cid] = name.strip()
    return labels, names


def rename(cluster_id: int, name: str) -> None:
    """Give cluster ``cluster_id`` a hand-written name."""
    st.session_state[state.CLUSTER_NAMES] = {
        **st.session_state[state.CLUSTER_NAMES],
        cluster_id: name,
    }


def merge(sources: list[int], target: int) -> None:
    """Fold every cluster in ``sources`` into ``target``."""
    merges = dict(st.session_state[state.CLUSTER_MERGES])
    for source in sources:
        if source != target:
            merges[source] = target
    # a cluster merged earlier into a source now follows it to the target
    for k, v in list(merges.items()):
        if v in sources and v != target:
            merges[k] = target
    st.session_state[state.CLUSTER_MERGES] = merges
