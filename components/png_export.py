"""One-click PNG of the map (kaleido with the system Chromium; see embedlens.plotting.png)."""

from __future__ import annotations

import streamlit as st

from embedlens.i18n import _
from embedlens.plotting.png import browser_path, figure_to_png
from embedlens.store import safe_name


def png_button(fig, stem: str, *, key: str) -> None:
    """A download button that renders the map as a 1600x1000 PNG when clicked."""
    if browser_path() is None:
        st.caption(
            _(
                "PNG: no Chromium or Chrome here for a one-click export; use the camera button "
                "in the chart's toolbar, or set BROWSER_PATH."
            )
        )
        return
    st.download_button(
        _("Download PNG (1600×1000)"),
        lambda: figure_to_png(fig, width=1600, height=1000),
        f"{safe_name(stem) or 'map'}.png",
        "image/png",
        key=key,
        icon=":material/image:",
        width="stretch",
        help=_("Rendered on the server in a headless browser; takes a few seconds."),
    )
