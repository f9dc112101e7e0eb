"""Extra categorical colours after a short palette: Glasbey's, filtered for colour-blind readers.

:data:`GLASBEY_EXTENSION` is the output of :func:`glasbey_extension` on Okabe-Ito, stored so
drawing a map needs no colorcet import; a test regenerates it from ``colorcet`` and compares.
Filter: CIELAB lightness in [30, 78] (readable on white and near-black, no pale mint or
yellow), and every colour at least 18 ΔE76 from all colours before it, and at least 8 under
simulated deuteranopia and protanopia (Machado et al. 2009, severity 1); then ordered
farthest-first from the palette, so the first extra colours are the most distinct.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

GLASBEY_EXTENSION: tuple[str, ...] = (
    "#1726FF", "#E452FF", "#783619", "#802790", "#005759", "#8388FF", "#B8005B", "#00D6D5",
    "#93B8B6", "#645474", "#D2B75B", "#95B578", "#D70000", "#2F3EA8", "#DB05B1", "#AA7131",
    "#C55746", "#D38C8F", "#8C3CFF", "#0774D8", "#DA546E", "#A300C4", "#6ED0A7", "#7A2E36",
    "#C33489", "#00ACC7", "#579B55",
)  # fmt: skip

_XYZ = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
_WHITE = np.array([0.95047, 1.0, 1.08883])
_DEUTAN = np.array(
    [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.01182, 0.04294, 0.968881]]
)
_PROTAN = np.array(
    [
        [0.152286, 1.052583, -0.204868],
        [0.114503, 0.786281, 0.099216],
        [-0.003882, -0.048116, 1.051998],
    ]
)


def _linear(rgb: np.ndarray) -> np.ndarray:
    return np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)


def _gamma(lin: np.ndarray) -> np.ndarray:
    lin = np.clip(lin, 0, 1)
    return np.where(lin <= 0.0031308, 12.92 * lin, 1.055 * lin ** (1 / 2.4) - 0.055)


def lab(rgb: np.ndarray) -> np.ndarray:
    """CIELAB (D65) of sRGB colours in [0, 1], shape (..., 3)."""
    xyz = _linear(np.asarray(rgb, dtype=float)) @ _XYZ.T / _WHITE
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.stack(
        [116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])], -1
    )


def simulate(rgb: np.ndarray, kind: str) -> np.ndarray:
    """The sRGB colours as seen with deuteranopia (``"deutan"``) or protanopia (``"protan"``)."""
    matrix = _DEUTAN if kind == "deutan" else _PROTAN
    return _gamma(_linear(np.asarray(rgb, dtype=float)) @ matrix.T)


def to_rgb(color: str) -> np.ndarray:
    """``#RRGGBB`` as floats in [0, 1]."""
    c = color.lstrip("#")
    return np.array([int(c[i : i + 2], 16) / 255 for i in (0, 2, 4)])


def glasbey_extension(
    base: Sequence[str], candidates: Sequence[Sequence[float]], *, normal: float = 18.0,
    cvd: float = 8.0, lightness: tuple[float, float] = (30.0, 78.0),
) -> list[str]:  # fmt: skip
    """Candidates (sRGB in [0, 1], e.g. ``colorcet.glasbey_bw_minc_20``) kept after ``base``."""
    chosen = [to_rgb(c) for c in base]
    out: list[str] = []
    for cand in candidates:
        c = np.asarray(cand, dtype=float)
        if not lightness[0] <= lab(c)[0] <= lightness[1]:
            continue
        pool = np.array(chosen)
        if np.linalg.norm(lab(pool) - lab(c), axis=-1).min() < normal:
            continue
        if any(
            np.linalg.norm(lab(simulate(pool, k)) - lab(simulate(c, k)), axis=-1).min() < cvd
            for k in ("deutan", "protan")
        ):
            continue
        chosen.append(c)
        out.append("#" + "".join(f"{round(v * 255):02X}" for v in c))
    return _farthest_first(base, out)


def _farthest_first(base: Sequence[str], colours: list[str]) -> list[str]:
    """``colours`` reordered so each is the one farthest (ΔE76) from ``base`` and those before.

    A map with a few clusters past the base palette then gets the most distinct extra colours
    (Glasbey's own order put a bright blue next to Okabe-Ito's blue at cluster 15).
    """
    pool = [lab(np.asarray(to_rgb(c))) for c in base]
    left = list(colours)
    out: list[str] = []
    while left:
        gaps = [min(float(np.linalg.norm(lab(np.asarray(to_rgb(c))) - p)) for p in pool)
                for c in left]  # fmt: skip
        best = left.pop(int(np.argmax(gaps)))
        out.append(best)
        pool.append(lab(np.asarray(to_rgb(best))))
    return out
