"""Figures of saved views: the map as it was saved, for slides, previews and the HTML export.

Nothing here touches session state, so the story's HTML can be built on the download thread.
"""

from __future__ import annotations

import plotly.graph_objects as go

from embedlens.embedders import EMBEDDERS
from embedlens.pipeline.views import ViewData, apply_cluster_edits, load_view_data  # noqa: F401
from embedlens.plotting import escape, figures_to_story_html
from embedlens.plotting.image_strip import MAX_HTML_BYTES, image_strip, strip_html
from embedlens.plotting.maps import METHOD_LABELS, MapDisplay, map_figure
from embedlens.store import Workspace
from embedlens.store.thumbs import ThumbStore

PRECOMPUTED = "precomputed"  # the backend name of a file's own vectors (components.pipeline)
SLIDE_HEIGHT = 520  # fits a 1280x720 projector with the title, caption and buttons


def subtitle(view: dict, n: int) -> str:
    """One sentence explaining how to read the map."""
    method = METHOD_LABELS.get(view.get("projection", {}).get("method"), "a projection")
    return (
        f"Each dot is one of {n:,} texts; dots close together have similar meaning "
        f"({method} of {vectors_name(view.get('embedding') or {})}). The axes have no units."
    )


def vectors_name(embedding: dict) -> str:
    """Readable name of a view's vectors: the model, the backend's label, or the file's own.

    Never the raw cache key (``tfidf-svd:dim=auto:seed=0|corpus=...`` means nothing on a slide).
    """
    backend = str(embedding.get("backend") or "")
    key = str(embedding.get("key") or "")
    if backend == PRECOMPUTED or key.startswith(f"{PRECOMPUTED}:"):
        return "the file's own vectors"
    if backend == "sentence-transformers" and embedding.get("model"):
        return f"{embedding['model']} embeddings"
    if backend in EMBEDDERS.names():
        return EMBEDDERS.entry(backend).label.split(" (", 1)[0] + " vectors"
    return "the vectors"


def view_figure(
    data: ViewData,
    view: dict,
    *,
    title: str,
    theme: str = "light",
    palette: str = "okabe-ito",
    height: int = 640,
    large: bool = False,
) -> go.Figure:
    """The saved map: colours, names, highlight and camera as saved; large fonts for slides."""
    labels, names = data.labels, data.names
    if labels is not None:
        labels, names = apply_cluster_edits(
            labels, names, view.get("cluster_names", {}), view.get("cluster_merges", {})
        )
    out = map_figure(
        data.ds,
        data.coords,
        labels=labels,
        names=names,
        display=MapDisplay.from_dict(view.get("display", {})),
        method=view.get("projection", {}).get("method", ""),
        highlight_ids=view.get("highlight_ids"),
        theme=theme,
        palette=palette,
        height=height,
        title=title,
        camera=view.get("camera"),
        large=large,
    )
    fig = out.figure
    fig.update_layout(title_subtitle_text=escape(subtitle(view, len(data.ds))))
    if not large:
        fig.update_layout(margin_t=90)
    return fig


def story_html(
    ws: Workspace,
    slides: list[tuple[str, str, dict]],
    *,
    title: str,
    theme: str = "light",
    palette: str = "okabe-ito",
) -> str:
    """ONE offline HTML file stepping through ``(name, caption, view)`` slides."""
    figures = []
    thumbs = ThumbStore(ws.root)
    for name, caption, view in slides:
        data = load_view_data(ws, view)
        strip = image_strip(  # images only: a few thumbnails per slide, under one shared cap
            data.ds, data.labels, data.names, thumbs, coords=data.coords, per_cluster=6,
            max_clusters=4, max_bytes=MAX_HTML_BYTES // len(slides),
        )  # fmt: skip
        fig = view_figure(data, view, title=name, theme=theme, palette=palette, large=True)
        # the slide shows the name as its heading: the figure's title explains how to read it
        # ... just above the axes, below the toolbar that Plotly pins to the figure's top right
        fig.update_layout(
            title_text=escape(subtitle(view, len(data.ds))),
            title_subtitle_text="",
            title_font_size=16,
            title_yref="paper",
            title_y=1,
            title_yanchor="bottom",
            title_pad_b=10,
            margin_t=72,
        )
        figures.append((name, caption, fig, strip_html(strip) if strip else ""))
    return figures_to_story_html(figures, title=title, theme=theme)


def image_config(name: str, fmt: str) -> dict:
    """Plotly toolbar config: the camera button saves a 1280x720 PNG or SVG of the figure."""
    stem = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in name).strip("-") or "view"
    return {
        "displaylogo": False,
        "toImageButtonOptions": {
            "format": fmt,
            "filename": stem[:80],
            "width": 1280,
            "height": 720,
            "scale": 2,
        },
    }
