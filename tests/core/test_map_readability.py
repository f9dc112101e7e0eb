"""Busy maps stay readable: many distinct colours, labels without overlap, readable hovers."""

from __future__ import annotations

import numpy as np
import pytest

from embedlens.palette_glasbey import GLASBEY_EXTENSION, glasbey_extension, lab, simulate, to_rgb
from embedlens.palettes import OKABE_ITO, categorical_colors
from embedlens.plotting.clusters import PLOT_PX, cluster_annotations, text_px
from embedlens.plotting.scatter import scatter_figure
from embedlens.plotting.style import ScatterStyle


def test_stored_extension_is_what_colorcet_gives():
    colorcet = pytest.importorskip("colorcet")
    assert tuple(glasbey_extension(OKABE_ITO, colorcet.glasbey_bw_minc_20)) == GLASBEY_EXTENSION


def test_fifteen_and_thirty_clusters_get_distinct_colours_before_any_symbol():
    for n in (15, 30):
        pairs = categorical_colors(n)
        assert len({c for c, _ in pairs}) == n and {s for _, s in pairs} == {"circle"}
    colours = np.array([to_rgb(c) for c, _ in categorical_colors(35)])
    for view in (colours, simulate(colours, "deutan"), simulate(colours, "protan")):
        d = np.linalg.norm(lab(view)[:, None] - lab(view)[None], axis=-1)
        assert d[np.triu_indices(len(view), 1)].min() > 5  # no two look the same, even CVD


def _blobs(rng, k: int, n: int = 1500):
    centres = rng.uniform(-10, 10, size=(k, 2))
    labels = np.arange(n) % k
    return centres[labels] + rng.normal(scale=0.6, size=(n, 2)), labels


def _boxes(anns, xy, style):
    lo, hi = xy.min(0), xy.max(0)
    pad = (hi - lo) * 0.05
    span = hi - lo + 2 * pad
    unit = max(span[0] / PLOT_PX[0], span[1] / (style.height - 90))
    out = []
    for a in anns:
        x, y = (a["ax"], a["ay"]) if a["showarrow"] else (a["x"], a["y"])
        w, h = text_px(a["text"]) * unit, 20 * unit
        out.append((x - w / 2, x + w / 2, y - h / 2, y + h / 2))
    return out


@pytest.mark.parametrize("k", [15, 40])
def test_cluster_labels_do_not_overlap_and_largest_are_kept(rng, k):
    xy, labels = _blobs(rng, k)
    names = {i: f"高考·报名·考试网络·保持 {i}" for i in range(k)}
    style = ScatterStyle()
    anns = cluster_annotations(xy, labels, names, style)
    boxes = _boxes(anns, xy, style)
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not (a[0] < b[1] and b[0] < a[1] and a[2] < b[3] and b[2] < a[3])
    assert len(anns) >= min(k, 10)  # thinned, not emptied
    fig = scatter_figure(xy, ids=np.arange(len(xy)), cluster_labels=labels, cluster_names=names)
    assert len(fig.layout.annotations) == len(anns)


def test_hover_boxes_use_the_theme_not_the_point_colour(rng):
    xy, labels = _blobs(rng, 3, 30)
    for theme, bg in (("light", "#FFFFFF"), ("dark", "#111111")):
        fig = scatter_figure(xy, ids=np.arange(30), cluster_labels=labels,
                             style=ScatterStyle(theme=theme))  # fmt: skip
        assert fig.layout.hoverlabel.bgcolor == bg
        assert fig.layout.hoverlabel.font.color != bg
        pts = [t for t in fig.data if t.meta == "points"]
        assert all(t.hoverlabel.bordercolor == t.marker.color for t in pts)
