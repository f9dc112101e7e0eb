"""Self-contained, offline HTML: one figure, or a step-through "story" of several.

plotly.js is inlined (never a CDN), no web fonts, no ``<script src>`` or ``<link href>``.
Figure JSON comes from Plotly's ``to_json``, which writes ``<``, ``>`` and ``/`` as JSON unicode
escapes, so no string inside a figure can close the ``<script>`` that holds it.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence

import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from embedlens.errors import InvalidParameterError
from embedlens.i18n import _, html_lang
from embedlens.plotting.style import BACKGROUND, FONT_FAMILY, FOREGROUND, TEMPLATE
from embedlens.validation import check_choice

PLOTLY_CONFIG = {"displaylogo": False, "responsive": True}


def figure_to_html(fig: go.Figure, *, title: str = "embedlens", after: str = "") -> str:
    """Return one figure as a self-contained HTML page that works offline.

    Parameters
    ----------
    fig : plotly.graph_objects.Figure
        The figure.
    title : str, default="embedlens"
        The page title (escaped).
    after : str, optional
        Trusted HTML placed under the figure (e.g. the image strip of
        :mod:`embedlens.plotting.image_strip`, which escapes its own captions).

    Returns
    -------
    str
        A full HTML document with plotly.js inlined.
    """
    page = fig.to_html(full_html=True, include_plotlyjs=True, config=PLOTLY_CONFIG)
    head = (f'<meta charset="utf-8" />\n    <title>{html.escape(title)}</title>\n'
            '    <meta name="viewport" content="width=device-width, initial-scale=1" />')
    page = page.replace('<meta charset="utf-8" />', head, 1)
    if after:
        cut = page.rindex("</body>")
        page = page[:cut] + after + "\n" + page[cut:]
    return page


_CSS = """
* { box-sizing: border-box; }
html, body { margin: 0; height: 100%; background: @BG@; color: @FG@;
  font-family: @FONT@; }
header { display: flex; align-items: center; gap: 1rem; padding: 0.6rem 1.2rem;
  border-bottom: 1px solid @LINE@; }
header h1 { font-size: 1.4rem; margin: 0; flex: 1; }
button { font-size: 1.1rem; padding: 0.35rem 1rem; border-radius: 6px; cursor: pointer;
  border: 1px solid @LINE@; background: transparent; color: @FG@; }
button:disabled { opacity: 0.35; cursor: default; }
#counter { font-size: 1.1rem; min-width: 4.5rem; text-align: center; }
.slide { display: none; padding: 0.8rem 1.2rem; height: calc(100% - 3.6rem); }
.slide.active { display: flex; flex-direction: column; }
.slide h2 { font-size: 1.9rem; margin: 0.2rem 0 0.3rem; }
.slide p { font-size: 1.25rem; margin: 0 0 0.6rem; max-width: 70rem; line-height: 1.4; }
.slide-figure { flex: 1; min-height: 320px; }
"""

_JS = """
(function () {
  var slides = document.querySelectorAll('.slide');
  var current = -1;
  function figureData(i) {
    return JSON.parse(document.getElementById('figure-data-' + i).textContent);
  }
  function show(i) {
    if (i < 0 || i >= slides.length || i === current) { return; }
    if (current >= 0) {
      slides[current].classList.remove('active');
      Plotly.purge(document.getElementById('figure-' + current));  // frees its WebGL context
    }
    current = i;
    slides[i].classList.add('active');
    var spec = figureData(i);
    Plotly.newPlot('figure-' + i, spec.data, spec.layout, @CONFIG@);
    document.getElementById('counter').textContent = (i + 1) + ' / ' + slides.length;
    document.getElementById('prev').disabled = i === 0;
    document.getElementById('next').disabled = i === slides.length - 1;
    history.replaceState(null, '', '#' + (i + 1));
  }
  document.getElementById('prev').onclick = function () { show(current - 1); };
  document.getElementById('next').onclick = function () { show(current + 1); };
  document.addEventListener('keydown', function (e) {
    if (e.key === 'ArrowRight' || e.key === 'PageDown') { show(current + 1); }
    if (e.key === 'ArrowLeft' || e.key === 'PageUp') { show(current - 1); }
  });
  var start = parseInt((location.hash || '#1').slice(1), 10) - 1;
  show(isNaN(start) ? 0 : Math.min(Math.max(start, 0), slides.length - 1));
})();
"""


def _story_figure(fig: go.Figure, theme: str) -> str:
    """Figure JSON restyled for a slide: theme, large fonts, clean legend, fills its box."""
    story = go.Figure(fig)  # a copy; the caller's figure is left alone
    story.update_layout(
        template=TEMPLATE[theme], paper_bgcolor=BACKGROUND[theme], plot_bgcolor=BACKGROUND[theme],
        font={"size": 16, "family": FONT_FAMILY, "color": FOREGROUND[theme]},
        legend={"itemsizing": "constant", "font": {"size": 15}},
        autosize=True, height=None, width=None,
    )
    return story.to_json()


def figures_to_story_html(
    slides: Sequence[tuple[str, str, go.Figure]], *, title: str, theme: str = "light"
) -> str:
    """Return ONE offline HTML file that steps through figures, one slide per figure.

    plotly.js is inlined once; each slide has a title, a caption and its interactive figure
    (drawn when the slide is shown, purged when left, so many WebGL maps do not exhaust the
    browser's WebGL contexts). Navigate with the left/right arrow keys or Prev/Next buttons;
    a counter shows "2 / 5" and the URL hash (``#2``) opens a given slide.

    Parameters
    ----------
    slides : sequence of (str, str, plotly.graph_objects.Figure[, str])
        ``(slide title, caption, figure)``; titles and captions are escaped. An optional
        fourth item is trusted HTML under the figure (a slide's image strip).
    title : str
        The story title (page title and header; escaped).
    theme : {"light", "dark"}, default="light"
        Page and figure colours.

    Returns
    -------
    str
        A full HTML document with no network references.

    Raises
    ------
    InvalidParameterError
        If there are no slides or ``theme`` is unknown.
    """
    check_choice("theme", theme, ("light", "dark"), owner="figures_to_story_html")
    if not slides:
        raise InvalidParameterError(
            "The 'slides' parameter of figures_to_story_html must hold at least one slide. "
            "Got none instead; a story needs at least one slide."
        )
    fg, bg = FOREGROUND[theme], BACKGROUND[theme]
    line = "#444444" if theme == "dark" else "#DDDDDD"
    css = (_CSS.replace("@BG@", bg).replace("@FG@", fg).replace("@FONT@", FONT_FAMILY)
           .replace("@LINE@", line))
    js = _JS.replace("@CONFIG@", json.dumps(PLOTLY_CONFIG))
    parts = [
        f'<!doctype html>\n<html lang="{html_lang()}">\n<head>\n<meta charset="utf-8" />\n',
        '<meta name="viewport" content="width=device-width, initial-scale=1" />\n',
        f"<title>{html.escape(title)}</title>\n<style>{css}</style>\n",
        "<script>window.PlotlyConfig = {MathJaxConfig: 'local'};</script>\n",
        f"<script>{get_plotlyjs()}</script>\n</head>\n<body>\n<header>",
        f"<h1>{html.escape(title)}</h1>",
        f'<button id="prev" type="button">&larr; {html.escape(_("Prev"))}</button>',
        '<span id="counter"></span>',
        f'<button id="next" type="button">{html.escape(_("Next"))} &rarr;</button></header>\n',
    ]
    for i, (slide_title, caption, fig, *after) in enumerate(slides):
        parts.append(
            f'<section class="slide" id="slide-{i}"><h2>{html.escape(slide_title)}</h2>'
            f"<p>{html.escape(caption)}</p>"
            f'<div class="slide-figure" id="figure-{i}"></div>'
            f'<script type="application/json" id="figure-data-{i}">'
            f"{_story_figure(fig, theme)}</script>{''.join(after)}</section>\n"
        )
    parts.append(f"<script>{js}</script>\n</body>\n</html>\n")
    return "".join(parts)
