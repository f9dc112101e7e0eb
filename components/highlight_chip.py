"""The highlight another page left on the map, shown as a chip the user can remove."""

from __future__ import annotations

import streamlit as st

from components import state
from embedlens.i18n import _


def _clear() -> None:
    st.session_state[state.HIGHLIGHT] = []
    st.session_state.pop(state.QUERY_POINT, None)


def chip_label() -> str | None:
    """The chip's text, or None when nothing is highlighted."""
    ids = st.session_state.get(state.HIGHLIGHT) or []
    if not ids:
        return None
    query = st.session_state.get(state.QUERY_POINT)
    name = None
    if isinstance(query, tuple | list) and len(query) == 2 and query[1]:
        name = str(query[1])[:60]
    if name:
        return _("Highlight: {n:,} neighbours of “{query}”").format(n=len(ids), query=name)
    return _("Highlight: {n:,} rows").format(n=len(ids))


def highlight_chip() -> None:
    """A removable chip above the map (× clears the highlight and the query star)."""
    text = chip_label()
    if text is None:
        return
    st.button(
        f"✕ {text}",
        key="map.clear_highlight",
        on_click=_clear,
        help=_("Remove the highlight: every point gets its colour back."),
    )
