"""The result table, the selection panel and the download buttons."""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Callable

import numpy as np
import pandas as pd
import streamlit as st

from components import clusters
from components.feedback import md_escape
from embedlens.cluster import Clustering
from embedlens.dataset import Dataset
from embedlens.i18n import _
from embedlens.io import to_safe_csv
from embedlens.keywords import cluster_keywords
from embedlens.plotting import figure_to_html
from embedlens.store import safe_name


def result_frame(ds: Dataset, coords: np.ndarray, clustering: Clustering | None) -> pd.DataFrame:
    """Rows with id, the dataset's columns, x, y (z), cluster and cluster_label."""
    frame = ds.frame.copy()
    if "id" not in frame.columns:
        frame.insert(0, "id", list(ds.ids))
    for axis, name in enumerate("xyz"[: coords.shape[1]]):
        frame[name] = coords[:, axis]
    if clustering is not None:
        labels, names = clusters.effective(clustering)
        frame["cluster"] = labels
        frame["cluster_label"] = [names.get(int(c), "") for c in labels]
    return frame


def download_buttons(frame: pd.DataFrame, stem: str, *, key: str) -> None:
    """CSV (formula-safe) and Parquet downloads of ``frame``, built only when clicked.

    (Built eagerly they cost every rerun of the map ~5 s at 100k rows and ~50 s at 1M.)
    """
    stem = safe_name(stem) or "embedlens"
    left, right = st.columns(2)
    left.download_button(
        _("Download CSV"),
        lambda: to_safe_csv(frame),
        f"{stem}.csv",
        "text/csv",
        key=f"{key}.csv",
        icon=":material/download:",
        width="stretch",
    )

    def parquet() -> bytes:
        buf = io.BytesIO()
        frame.to_parquet(buf, index=False)
        return buf.getvalue()

    right.download_button(
        _("Download Parquet"),
        parquet,
        f"{stem}.parquet",
        "application/octet-stream",
        key=f"{key}.parquet",
        icon=":material/download:",
        width="stretch",
    )


def figure_download(fig, stem: str, *, key: str, after: Callable[[], str] | None = None) -> None:
    """The map as one self-contained interactive HTML file (built when clicked).

    ``after``: trusted HTML under the map (the image strip of an image dataset).
    """
    st.download_button(
        _("Download interactive HTML"),
        lambda: figure_to_html(fig, title=stem, after=after() if after else "").encode("utf-8"),
        f"{safe_name(stem) or 'map'}.html",
        "text/html",
        key=key,
        icon=":material/public:",
        width="stretch",
    )


def selection_panel(ds: Dataset, frame: pd.DataFrame, selected_ids: list) -> None:
    """Summary (count, top clusters, top keywords), the rows, and a download of the selection."""
    if not selected_ids:
        if "z" in frame.columns:  # a 3-D scene has neither box nor lasso
            st.caption(_("To select points, switch Dimensions to 2D and draw a box or lasso."))
        else:
            st.caption(_("Draw a box or lasso on the map (toolbar, top right) to select points."))
        return
    wanted = {str(i) for i in selected_ids}
    rows = frame[frame["id"].astype(str).isin(wanted)]
    st.subheader(_("Selection: {n:,} rows").format(n=len(rows)))
    cols = st.columns(2)
    if "cluster_label" in rows:
        top = Counter(rows["cluster_label"]).most_common(5)
        cols[0].markdown(
            _("**Top clusters**\n\n") + "\n".join(f"- {md_escape(n)}: {c:,}" for n, c in top)
        )
    if ds.text_column and len(rows) >= 2:
        inside = np.isin(frame["id"].astype(str), list(wanted)).astype(np.int64)
        words = cluster_keywords(frame[ds.text_column].astype(str).tolist(), inside, top_n=8).get(
            1, []
        )
        cols[1].markdown(
            _("**Distinguishing words**\n\n") + (", ".join(md_escape(w) for w in words) or "—")
        )
    st.dataframe(rows, hide_index=True, width="stretch", height=300)
    download_buttons(rows, f"{ds.name}-selection", key="map.selection_download")
