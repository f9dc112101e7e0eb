"""The map's colour groups: one legend entry (and WebGL trace) per category or cluster.

:func:`categorical_groups` orders categories by frequency, colours clusters by their id (a
cluster keeps its colour across maps), greys noise and missing values, and folds the rarest
categories into one "Other" group above MAX_CATEGORY_TRACES.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from embedlens.i18n import _
from embedlens.palettes import NOISE_COLOR, SYMBOLS_2D, SYMBOLS_3D, categorical_colors
from embedlens.plotting.clusters import cluster_display_name
from embedlens.plotting.style import ScatterStyle
from embedlens.plotting.text import label

__all__ = [
    "MAX_AUTO_CATEGORIES",
    "MAX_CATEGORY_TRACES",
    "ColourGroup",
    "categorical_groups",
    "is_categorical",
    "is_noise",
    "rows_by_code",
]

MAX_AUTO_CATEGORIES = 50
"""Integer colour columns with at most this many distinct values are treated as categories."""
MAX_CATEGORY_TRACES = 512
"""Above this many categories the rarest ones share one grey "Other (k values)" trace (one
WebGL trace per category would stall the browser); the hover still names each point's value."""


@dataclass(frozen=True)
class ColourGroup:
    """One legend entry of the map: its name, row positions, colour, marker and order."""

    name: str
    idx: np.ndarray
    color: str
    symbol: str
    rank: int


def rows_by_code(codes: np.ndarray, k: int) -> list[np.ndarray]:
    """Row positions per code 0..k-1 (codes < 0 ignored), without a per-code scan."""
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(k + 1))
    return [order[bounds[i] : bounds[i + 1]] for i in range(k)]


def categorical_groups(
    values: np.ndarray, style: ScatterStyle, dims: int, names: dict[int, str] | None
) -> list[ColourGroup]:
    """One group per category, most frequent first, noise (-1) and missing values grey.

    With ``names`` (cluster ids) a cluster's colour follows its id, so it keeps its colour
    across maps; above MAX_CATEGORY_TRACES categories the rarest share one "Other" group.
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    uniques = np.asarray(uniques, dtype=object)
    k = len(uniques)
    counts = np.bincount(codes[codes >= 0], minlength=k)
    noisy = np.array([is_noise(u) for u in uniques], dtype=bool)
    order = sorted(range(k), key=lambda i: (bool(noisy[i]), -counts[i]))
    symbols = SYMBOLS_2D if dims == 2 else SYMBOLS_3D
    if names is not None:  # clusters: colour by id, so a cluster keeps its colour across maps
        top = max((int(u) for u, noise in zip(uniques, noisy, strict=True) if not noise),
                  default=-1)  # fmt: skip
        by_id = categorical_colors(top + 1, style.palette, theme=style.theme, symbols=symbols)
        pairs = iter([by_id[int(uniques[i])] for i in order if not noisy[i]])
    else:
        pairs = iter(categorical_colors(int((~noisy).sum()), style.palette,
                                        theme=style.theme, symbols=symbols))  # fmt: skip
    rows = rows_by_code(codes, k)
    groups = []
    if k > MAX_CATEGORY_TRACES:
        rest = order[MAX_CATEGORY_TRACES - 1 :]
        order = order[: MAX_CATEGORY_TRACES - 1]
        other = np.sort(np.concatenate([rows[i] for i in rest]))
        other_name = _("Other ({n:,} values)").format(n=len(rest))
        groups.append(ColourGroup(other_name, other, NOISE_COLOR, symbols[0], k))
    for rank, i in enumerate(order):
        value = uniques[i]
        if names is not None:
            raw = cluster_display_name(int(value), names)
        else:
            raw = _("Noise") if noisy[i] else value
        color, symbol = (NOISE_COLOR, symbols[0]) if noisy[i] else next(pairs)
        groups.append(ColourGroup(label(raw, 40), rows[i], color, symbol, rank))
    missing = np.flatnonzero(codes < 0)
    if missing.size:
        groups.append(ColourGroup(_("(missing)"), missing, NOISE_COLOR, symbols[0], k))
    return groups


def is_noise(value: Any) -> bool:
    """Whether a category value is the noise label -1."""
    return isinstance(value, (int, float, np.integer, np.floating)) and value == -1


def is_categorical(values: np.ndarray, color_kind: str) -> bool:
    """Whether colour values are categories (``color_kind="auto"``: not floats, few integers)."""
    if color_kind != "auto":
        return color_kind == "categorical"
    if values.dtype.kind == "f":
        return False
    if values.dtype.kind in "iu":
        return len(np.unique(values)) <= MAX_AUTO_CATEGORIES
    return True
