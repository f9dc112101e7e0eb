"""Colour palettes: colour-blind-safe categorical lists, continuous and diverging scales.

Categorical palettes are short (5-9 colours). :func:`categorical_colors` first extends them with
27 Glasbey colours chosen to stay distinct for colour-blind readers and readable on white and
dark backgrounds (:mod:`embedlens.palette_glasbey`), so up to 33-36 categories get distinct
colours with one marker symbol; beyond that it cycles the colours with a lightness shift *and* a
different marker symbol on every pass, so 300 categories still get 300 different pairs.
"""

from __future__ import annotations

import colorsys
from collections.abc import Sequence

from embedlens.palette_glasbey import GLASBEY_EXTENSION
from embedlens.validation import check_choice, check_in_range

# Okabe & Ito (2008), "Color Universal Design"; black last (swapped for near-white on dark).
OKABE_ITO: tuple[str, ...] = (
    "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000",
)
# Paul Tol's "muted" scheme without its pale grey, which Tol reserves for bad data (our noise).
TOL_MUTED: tuple[str, ...] = (
    "#CC6677", "#332288", "#DDCC77", "#117733", "#88CCEE",
    "#882255", "#44AA99", "#999933", "#AA4499",
)
# Paul Tol's "bright" scheme without its grey.
TOL_BRIGHT: tuple[str, ...] = ("#4477AA", "#EE6677", "#228833", "#CCBB44", "#66CCEE", "#AA3377")
# IBM Design Library colour-blind-safe palette.
IBM: tuple[str, ...] = ("#648FFF", "#785EF0", "#DC267F", "#FE6100", "#FFB000")

CATEGORICAL: dict[str, tuple[str, ...]] = {
    "okabe-ito": OKABE_ITO,
    "tol-muted": TOL_MUTED,
    "tol-bright": TOL_BRIGHT,
    "ibm": IBM,
}
CONTINUOUS: dict[str, str] = {"viridis": "Viridis", "cividis": "Cividis"}
"""Perceptually uniform sequential scales (name -> Plotly colourscale name)."""
DIVERGING: dict[str, str] = {"RdBu": "RdBu"}
"""Diverging scales (name -> Plotly colourscale name)."""
PALETTES: tuple[str, ...] = (*CATEGORICAL, *CONTINUOUS, *DIVERGING)

NOISE_COLOR = "#9E9E9E"
"""Grey for the noise cluster (-1) and missing values."""
CONTEXT_COLOR = {"light": "#D0D0D0", "dark": "#4A4A4A"}
"""Grey for dimmed context points (not matched by a highlight), per theme."""

SYMBOLS_2D: tuple[str, ...] = (
    "circle", "square", "diamond", "triangle-up", "cross", "x", "triangle-down", "hexagon",
)
"""Marker symbols for 2-D (``scattergl``); ``star`` is kept for typed queries."""
SYMBOLS_3D: tuple[str, ...] = (
    "circle", "square", "diamond", "cross", "x", "circle-open", "square-open", "diamond-open",
)
"""The eight symbols ``scatter3d`` supports."""

# Lightness per pass over the palette (None = the palette colour itself): 7 steps, coprime
# with the 8 symbols, so the (lightness, symbol) pair repeats only after 56 passes (448
# categories with Okabe-Ito). Absolute values in a visible band, so no two steps coincide.
_LIGHTNESS: tuple[float | None, ...] = (None, 0.78, 0.32, 0.88, 0.22, 0.65, 0.45)


def _hex_to_rgb(color: str) -> tuple[float, float, float]:
    c = color.lstrip("#")
    return (int(c[0:2], 16) / 255, int(c[2:4], 16) / 255, int(c[4:6], 16) / 255)


def _rgb_to_hex(rgb: Sequence[float]) -> str:
    return "#" + "".join(f"{round(min(max(v, 0.0), 1.0) * 255):02X}" for v in rgb)


def shift_lightness(color: str, amount: float, *, clamp: bool = False) -> str:
    """Return ``color`` (``#RRGGBB``) made lighter (``amount > 0``) or darker (``amount < 0``).

    Parameters
    ----------
    color : str
        A ``#RRGGBB`` colour.
    amount : float
        In [-1, 1]: the fraction of the way towards white (positive) or black (negative).
    clamp : bool, default=False
        Keep the lightness within [0.12, 0.88] so the colour stays visible on white and black.

    Returns
    -------
    str
        The shifted ``#RRGGBB`` colour.

    Examples
    --------
    >>> shift_lightness("#000000", 0.5)
    '#808080'
    """
    h, lightness, s = colorsys.rgb_to_hls(*_hex_to_rgb(color))
    if amount >= 0:
        lightness = lightness + (1.0 - lightness) * amount
    else:
        lightness = lightness * (1.0 + amount)
    if clamp:
        lightness = min(max(lightness, 0.12), 0.88)
    return _rgb_to_hex(colorsys.hls_to_rgb(h, lightness, s))


def with_lightness(color: str, lightness: float, *, away: float = 0.0) -> str:
    """Return ``color`` (``#RRGGBB``) with its HLS lightness set to ``lightness`` in [0, 1].

    When the colour's own lightness is within ``away`` of the target, the target moves 0.15
    further from it, so the result stays visibly different from the input.
    """
    h, own, s = colorsys.rgb_to_hls(*_hex_to_rgb(color))
    if abs(own - lightness) < away:
        lightness = lightness + 0.15 if lightness < 0.5 else lightness - 0.15
    return _rgb_to_hex(colorsys.hls_to_rgb(h, lightness, s))


def base_colors(palette: str = "okabe-ito", *, n: int | None = None, theme: str = "light"):
    """Return the base colours of a palette as ``#RRGGBB`` strings.

    Parameters
    ----------
    palette : str, default="okabe-ito"
        A name from :data:`PALETTES`. Continuous and diverging scales are sampled evenly into
        ``n`` colours (``n`` is then required).
    n : int or None, default=None
        Number of colours to sample from a continuous scale.
    theme : {"light", "dark"}, default="light"
        On "dark", black becomes near-white so it stays visible.

    Returns
    -------
    list of str
        The colours.
    """
    check_choice("palette", palette, PALETTES, owner="base_colors")
    if palette in CATEGORICAL:
        colors = list(CATEGORICAL[palette])
    else:
        from plotly.colors import sample_colorscale

        scale = CONTINUOUS.get(palette) or DIVERGING[palette]
        count = max(int(n or 1), 1)
        points = [0.5] if count == 1 else [i / (count - 1) for i in range(count)]
        colors = [_rgb_to_hex(_parse_rgb(c)) for c in sample_colorscale(scale, points)]
    if theme == "dark":
        colors = ["#F0F0F0" if c.upper() == "#000000" else c for c in colors]
    return colors


def _parse_rgb(color: str) -> tuple[float, float, float]:
    if color.startswith("#"):
        return _hex_to_rgb(color)
    parts = color[color.index("(") + 1 : color.index(")")].split(",")
    return tuple(float(p) / 255 for p in parts[:3])  # type: ignore[return-value]


def categorical_colors(
    n: int,
    palette: str = "okabe-ito",
    *,
    theme: str = "light",
    symbols: Sequence[str] = SYMBOLS_2D,
) -> list[tuple[str, str]]:
    """Return ``n`` (colour, marker symbol) pairs that stay distinct beyond the palette.

    The first pass uses the palette's colours, then the Glasbey extension (colours far from
    the palette's and from each other, also under simulated colour blindness), all with the
    first symbol. Each later pass changes the lightness (7 steps) and the symbol (8 symbols),
    so the pairs only repeat after ``(len(palette) + 27) * 56`` categories.

    Parameters
    ----------
    n : int
        Number of categories (>= 0).
    palette : str, default="okabe-ito"
        A categorical palette name, or a continuous/diverging one (sampled into ``n``
        distinct colours, all with the first symbol).
    theme : {"light", "dark"}, default="light"
        Swaps black for near-white on "dark".
    symbols : sequence of str, default=SYMBOLS_2D
        Marker symbols to cycle; pass :data:`SYMBOLS_3D` for ``scatter3d``.

    Returns
    -------
    list of (str, str)
        ``(#RRGGBB colour, symbol)`` per category.

    Raises
    ------
    InvalidParameterError
        If ``n`` is negative or ``palette``/``theme`` is unknown.

    Examples
    --------
    >>> categorical_colors(2)
    [('#E69F00', 'circle'), ('#56B4E9', 'circle')]
    >>> len({c for c, _ in categorical_colors(35)}), {s for _, s in categorical_colors(35)}
    (35, {'circle'})
    >>> len(set(categorical_colors(300)))
    300
    """
    check_in_range("n", n, low=0, owner="categorical_colors", kind=int)
    check_choice("theme", theme, ("light", "dark"), owner="categorical_colors")
    if n == 0:
        return []
    if palette not in CATEGORICAL:
        return [(c, symbols[0]) for c in base_colors(palette, n=n, theme=theme)]
    base = base_colors(palette, theme=theme)
    if n > len(base):
        taken = {c.upper() for c in base}
        base += [c for c in GLASBEY_EXTENSION if c.upper() not in taken]
    out: list[tuple[str, str]] = []
    shifted: dict[tuple[int, int], str] = {}
    used: set[tuple[str, str]] = set()
    for i in range(n):
        cycle, k = divmod(i, len(base))
        s = cycle % len(_LIGHTNESS)
        symbol = symbols[cycle % len(symbols)]
        if (k, s) not in shifted:
            target = _LIGHTNESS[s]
            color = base[k] if target is None else with_lightness(base[k], target, away=0.08)
            nudge = 0.0
            while (color, symbol) in used and target is not None and nudge < 0.5:
                nudge += 0.02  # two hues that meet at one lightness: keep them apart
                color = with_lightness(base[k], min(target + nudge, 0.95), away=0.08)
            shifted[(k, s)] = color
        used.add((shifted[(k, s)], symbol))
        out.append((shifted[(k, s)], symbol))
    return out


def colorscale(palette: str, *, default: str = "viridis") -> str:
    """Return the Plotly colourscale name for numeric colouring.

    Parameters
    ----------
    palette : str
        A palette name; categorical palettes fall back to ``default``.
    default : str, default="viridis"
        The continuous scale used when ``palette`` is categorical.

    Returns
    -------
    str
        A Plotly colourscale name such as ``"Viridis"``.
    """
    check_choice("palette", palette, PALETTES, owner="colorscale")
    if palette in CONTINUOUS:
        return CONTINUOUS[palette]
    if palette in DIVERGING:
        return DIVERGING[palette]
    return CONTINUOUS[default]
