"""Figure style shared by every figure builder: :class:`ScatterStyle` and the themed layout."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import plotly.io as pio

from embedlens.palettes import PALETTES
from embedlens.plotting.text import escape
from embedlens.validation import check_choice, check_in_range

BACKGROUND = {"light": "#FFFFFF", "dark": "#111111"}
FOREGROUND = {"light": "#222222", "dark": "#EEEEEE"}
LABEL_BACKGROUND = {"light": "rgba(255,255,255,0.75)", "dark": "rgba(17,17,17,0.75)"}
TEMPLATE = {"light": "plotly_white", "dark": "plotly_dark"}
# Latin UI fonts, then CJK ones (Linux, macOS, Windows) so Chinese hover text, labels and the
# one-file HTML use a real CJK sans-serif rather than whatever fallback the browser finds.
FONT_FAMILY = (
    "system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, 'Noto Sans CJK SC', "
    "'Source Han Sans SC', 'PingFang SC', 'Microsoft YaHei', sans-serif"
)


@dataclass(frozen=True, kw_only=True)
class ScatterStyle:
    """How figures look.

    Parameters
    ----------
    point_size : float, default=5.0
        Marker size in pixels, in (0, 30].
    opacity : float, default=0.8
        Marker opacity, in (0, 1].
    show_labels : bool, default=True
        Draw cluster labels at cluster centres.
    theme : {"light", "dark"}, default="light"
        ``plotly_white`` or ``plotly_dark`` with matching backgrounds.
    palette : str, default="okabe-ito"
        A name from :data:`embedlens.palettes.PALETTES`. Categorical palettes colour
        categories (numeric colour then uses viridis); continuous/diverging ones colour
        numbers (and are sampled for categories).
    height : int, default=640
        Figure height in pixels, in [200, 4000].
    max_hover_chars : int, default=240
        Hover texts are cut to this many characters, in [10, 10000].
    wrap : int, default=60
        Hover line width in characters, in [10, 1000].
    """

    point_size: float = 5.0
    opacity: float = 0.8
    show_labels: bool = True
    theme: str = "light"
    palette: str = "okabe-ito"
    height: int = 640
    max_hover_chars: int = 240
    wrap: int = 60

    def __post_init__(self) -> None:
        owner = "ScatterStyle"
        check_in_range("point_size", self.point_size, low=0, high=30, closed="right", owner=owner)
        check_in_range("opacity", self.opacity, low=0, high=1, closed="right", owner=owner)
        check_choice("show_labels", self.show_labels, (True, False), owner=owner)
        check_choice("theme", self.theme, ("light", "dark"), owner=owner)
        check_choice("palette", self.palette, PALETTES, owner=owner)
        check_in_range("height", self.height, low=200, high=4000, owner=owner, kind=int)
        check_in_range(
            "max_hover_chars", self.max_hover_chars, low=10, high=10000, owner=owner, kind=int
        )
        check_in_range("wrap", self.wrap, low=10, high=1000, owner=owner, kind=int)


def base_layout(style: ScatterStyle, *, title: str = "", height: int | None = None) -> dict:
    """Return the layout every figure starts from: template, backgrounds, font, escaped title.

    Parameters
    ----------
    style : ScatterStyle
        The theme and height come from here.
    title : str, default=""
        Figure title (escaped here).
    height : int or None, default=None
        Overrides ``style.height``.

    Returns
    -------
    dict
        Keyword arguments for ``go.Layout``.
    """
    theme = style.theme
    layout: dict[str, Any] = {
        "template": pio.templates[TEMPLATE[theme]],  # the object: a name costs ~70 ms
        "paper_bgcolor": BACKGROUND[theme],
        "plot_bgcolor": BACKGROUND[theme],
        "font": {"family": FONT_FAMILY, "color": FOREGROUND[theme]},
        "height": int(height or style.height),
        "margin": {"l": 50, "r": 20, "t": 60 if title else 30, "b": 50},
        "legend": {"itemsizing": "constant"},
        # Hover boxes in the theme's colours (Plotly's default fills them with the point colour:
        # pale mint or yellow made the text unreadable); traces frame them in their colour.
        "hoverlabel": {
            "align": "left",
            "bgcolor": BACKGROUND[theme],
            "bordercolor": FOREGROUND[theme],
            "font": {"color": FOREGROUND[theme], "family": FONT_FAMILY},
        },
    }
    if title:
        layout["title"] = {"text": escape(title), "x": 0.01, "xanchor": "left"}
    return layout
