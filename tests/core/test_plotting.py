"""embedlens.plotting and embedlens.palettes: figure dicts, escaping, sizes, offline HTML."""

from __future__ import annotations

import html
import json
import re

import numpy as np
import pytest
from plotly.offline import get_plotlyjs

from embedlens.errors import DataError, InvalidParameterError
from embedlens.palettes import (
    NOISE_COLOR,
    OKABE_ITO,
    SYMBOLS_3D,
    categorical_colors,
    shift_lightness,
)
from embedlens.plotting import (
    ScatterStyle,
    confusion_figure,
    density_figure,
    estimate_payload_bytes,
    figure_to_html,
    figures_to_story_html,
    histogram_compare,
    hover_texts,
    metric_bars,
    scatter_figure,
    similarity_heatmap,
    sts_scatter,
    use_density,
)
from embedlens.plotting.scatter import MAX_CATEGORY_TRACES

HOSTILE = [
    "<script>alert('x')</script>",
    "<img src=x onerror=alert(1)>",
    "<a href=javascript:alert(1)>click</a>",
    "<b onmouseover=alert(1)>bold</b> & more",
]
# The only markup our builders may emit themselves.
ALLOWED_TAG = re.compile(r"</?(br|b|extra)>")


def all_strings(obj, skip=()) -> list[str]:
    if isinstance(obj, str):
        return [obj]
    if isinstance(obj, dict):
        return [s for k, v in obj.items() if k not in skip for s in all_strings(v, skip)]
    if isinstance(obj, (list, tuple)):
        return [s for v in obj for s in all_strings(v, skip)]
    return []


def assert_no_user_markup(fig, skip=()) -> list[str]:
    """Decode the figure JSON (Plotly writes < as \\u003c) and check every '<' is ours."""
    strings = all_strings(json.loads(fig.to_json()), skip)
    for s in strings:
        assert "<" not in ALLOWED_TAG.sub("", s), s
    return strings


def point_traces(fig):
    return [t for t in fig.data if t.meta in ("points", "context")]


def blobs(rng, n=300, k=3, dims=2):
    labels = rng.integers(0, k, size=n)
    centres = rng.normal(scale=10, size=(k, dims))
    return (centres[labels] + rng.normal(size=(n, dims))).astype(np.float32), labels


# ---------------------------------------------------------------- palettes


def test_categorical_colors_start_with_the_palette_and_stay_distinct_beyond_it():
    pairs = categorical_colors(300, "okabe-ito")
    assert [c for c, _ in pairs[:8]] == list(OKABE_ITO)
    assert {s for _, s in pairs[:8]} == {"circle"}
    assert len(set(pairs)) == 300
    assert len(set(categorical_colors(448, "okabe-ito"))) == 448
    assert len(categorical_colors(1000, "tol-muted")) == 1000


def test_categorical_colors_3d_symbols_dark_theme_and_continuous_palettes():
    assert {s for _, s in categorical_colors(100, symbols=SYMBOLS_3D)} <= set(SYMBOLS_3D)
    assert "#000000" not in {c for c, _ in categorical_colors(8, theme="dark")}
    sampled = categorical_colors(12, "viridis")
    assert len({c for c, _ in sampled}) == 12
    assert shift_lightness("#000000", 0.5) == "#808080"


def test_palette_validation_messages():
    with pytest.raises(InvalidParameterError, match="'palette' parameter .* Got 'rainbow'"):
        categorical_colors(3, "rainbow")
    with pytest.raises(InvalidParameterError, match="'n' parameter"):
        categorical_colors(-1)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"point_size": 0}, r"'point_size' parameter of ScatterStyle .* \(0, 30\]"),
        ({"opacity": 1.5}, "'opacity' parameter"),
        ({"theme": "blue"}, "'theme' parameter .* Got 'blue'"),
        ({"palette": "jet"}, "'palette' parameter"),
        ({"height": 50}, "'height' parameter"),
        ({"wrap": 2.5}, "'wrap' parameter .* an int"),
    ],
)
def test_scatter_style_validation(kwargs, match):
    with pytest.raises(InvalidParameterError, match=match):
        ScatterStyle(**kwargs)


# ---------------------------------------------------------------- scatter


def test_categorical_scatter_traces_counts_order_and_ids(rng):
    xy, _ = blobs(rng, n=200)
    color = np.array(["big"] * 120 + ["mid"] * 60 + ["small"] * 20, dtype=object)
    ids = np.array([f"row-{i}" for i in range(200)], dtype=object)
    fig = scatter_figure(xy, ids=ids, color=color, color_name="size", axis_prefix="UMAP")
    traces = point_traces(fig)
    assert {t.type for t in traces} == {"scattergl"}
    ranked = sorted(traces, key=lambda t: t.legendrank)
    assert [t.name for t in ranked] == ["big", "mid", "small"]
    assert [len(t.x) for t in ranked] == [120, 60, 20]
    # customdata is one flat id per point, and maps back to that row's coordinates
    row_of = {f"row-{i}": i for i in range(200)}
    seen = []
    for t in traces:
        for x, y, cd in zip(t.x, t.y, t.customdata, strict=True):
            i = row_of[cd]
            assert (x, y) == (xy[i, 0], xy[i, 1])
            assert color[i] == t.name
            seen.append(cd)
    assert sorted(seen) == sorted(ids)
    layout = fig.layout
    assert layout.dragmode == "lasso" and layout.uirevision == "embedlens"
    assert layout.legend.itemsizing == "constant"
    assert (layout.xaxis.title.text, layout.yaxis.title.text) == ("UMAP 1", "UMAP 2")


def test_cluster_colouring_noise_grey_and_last_with_labels_at_medians(rng):
    xy, labels = blobs(rng, n=300, k=3)
    labels = labels.copy()
    labels[:40] = -1
    names = {0: "sports", 1: "politics", 2: "science"}
    fig = scatter_figure(xy, ids=np.arange(300), cluster_labels=labels, cluster_names=names)
    traces = point_traces(fig)
    noise = [t for t in traces if t.name == "Noise"]
    assert len(noise) == 1 and noise[0].marker.color == NOISE_COLOR and len(noise[0].x) == 40
    assert max(traces, key=lambda t: t.legendrank).name == "Noise"
    assert fig.data[0].name == "Noise"  # drawn first, underneath
    assert sum(len(t.x) for t in traces) == 300
    notes = {a.text: (a.x, a.y) for a in fig.layout.annotations}
    assert set(notes) == set(names.values())
    for k, name in names.items():
        median = np.median(xy[labels == k], axis=0)
        assert notes[name] == pytest.approx(tuple(median), abs=1e-5)
    hidden = scatter_figure(
        xy, ids=np.arange(300), cluster_labels=labels, style=ScatterStyle(show_labels=False)
    )
    assert not hidden.layout.annotations


def test_3d_uses_scatter3d_with_scene_titles_and_text_labels(rng):
    xy, labels = blobs(rng, n=120, dims=3)
    fig = scatter_figure(
        xy,
        ids=np.arange(120),
        cluster_labels=labels,
        axis_prefix="PCA",
        query_points=np.zeros((1, 3)),
        query_labels=["my query"],
    )
    assert {t.type for t in fig.data} == {"scatter3d"}
    assert sum(len(t.x) for t in point_traces(fig)) == 120
    assert fig.layout.scene.zaxis.title.text == "PCA 3"
    (lab,) = [t for t in fig.data if t.meta == "labels"]
    assert lab.mode == "text" and len(lab.text) == 3
    (query,) = [t for t in fig.data if t.meta == "query"]
    assert query.marker.symbol in SYMBOLS_3D and query.customdata is None


def test_numeric_colour_gives_one_trace_with_a_colourbar(rng):
    xy, _ = blobs(rng, n=100)
    score = rng.normal(size=100)
    score[3] = np.nan
    fig = scatter_figure(xy, ids=np.arange(100), color=score, color_name="toxicity")
    (main,) = [t for t in point_traces(fig) if t.name == "toxicity"]
    assert main.marker.showscale and main.marker.colorbar.title.text == "toxicity"
    assert main.marker.cmin == pytest.approx(np.nanmin(score), rel=1e-6)
    assert len(main.x) == 99
    (missing,) = [t for t in point_traces(fig) if t.name == "(missing)"]
    assert list(missing.customdata) == [3]
    assert "<b>toxicity</b>: " in main.text[0]


def test_integer_colour_with_few_values_is_categorical_many_is_numeric(rng):
    xy, _ = blobs(rng, n=200)
    few = scatter_figure(xy, ids=np.arange(200), color=rng.integers(0, 5, 200))
    assert len(point_traces(few)) == 5
    many = scatter_figure(xy, ids=np.arange(200), color=np.arange(200))
    assert len(point_traces(many)) == 1 and point_traces(many)[0].marker.showscale
    forced = scatter_figure(
        xy, ids=np.arange(200), color=np.arange(200) % 60, color_kind="categorical"
    )
    assert len(point_traces(forced)) == 60


@pytest.mark.parametrize("k", [25, 300])
def test_many_categories_stay_distinguishable(rng, k):
    n = 3000
    xy = rng.normal(size=(n, 2))
    color = np.array([f"c{i % k}" for i in range(n)], dtype=object)
    fig = scatter_figure(xy, ids=np.arange(n), color=color)
    traces = point_traces(fig)
    assert len(traces) == k and sum(len(t.x) for t in traces) == n
    assert len({(t.marker.color, t.marker.symbol) for t in traces}) == k


def test_thousands_of_categories_fold_the_rarest_into_one_other_trace(rng):
    n = 2000
    color = np.array([f"v{i}" for i in range(n)], dtype=object)  # e.g. colour by an id column
    color[:300] = "common"
    fig = scatter_figure(rng.normal(size=(n, 2)), ids=np.arange(n), color=color,
                         color_name="key")
    traces = point_traces(fig)
    assert len(traces) == MAX_CATEGORY_TRACES
    assert sum(len(t.x) for t in traces) == n
    (other,) = [t for t in traces if t.name.startswith("Other (")]
    assert other.name == f"Other ({1701 - (MAX_CATEGORY_TRACES - 1):,} values)"
    assert min(traces, key=lambda t: t.legendrank).name == "common"
    row = int(other.customdata[0])
    assert f"<b>key</b>: v{row}" in other.text[0]


def test_hostile_strings_are_escaped_everywhere(rng):
    n = 8
    xy = rng.normal(size=(n, 2))
    texts = [HOSTILE[i % 4] for i in range(n)]
    fig = scatter_figure(
        xy,
        ids=texts,
        texts=texts,
        color=[HOSTILE[i % 2] for i in range(n)],
        color_name=HOSTILE[2],
        hover_columns={HOSTILE[3]: texts},
        cluster_labels=np.arange(n) % 2,
        cluster_names={0: HOSTILE[1], 1: HOSTILE[0]},
        query_points=np.zeros((1, 2)),
        query_labels=[HOSTILE[0]],
        title=HOSTILE[0],
        axis_prefix=HOSTILE[1],
        highlight=np.arange(4),
    )
    # customdata holds the raw ids (never rendered: no template references it)
    assert all("customdata" not in (t.hovertemplate or "") for t in fig.data)
    strings = assert_no_user_markup(fig, skip=("customdata",))
    joined = "\n".join(strings)
    assert "&lt;script&gt;alert(" in joined and "&lt;img src=x onerror" in joined
    assert "&lt;a href=javascript:alert(1)&gt;" in joined
    assert fig.layout.title.text == html.escape(HOSTILE[0])
    # ids stay raw in customdata so selections map back to the exact id
    assert set(np.concatenate([t.customdata for t in point_traces(fig)])) == set(texts)


def test_hover_text_is_wrapped_shortened_and_carries_columns(rng):
    long = " ".join(["word"] * 200)
    fig = scatter_figure(
        rng.normal(size=(2, 2)),
        ids=[1, 2],
        texts=[long, "short <x> & y"],
        hover_columns={"year": [1999, 2001], "score": [0.123456, np.nan]},
        style=ScatterStyle(max_hover_chars=100, wrap=30),
    )
    text = {
        int(cd): t for tr in point_traces(fig) for cd, t in zip(tr.customdata, tr.text, strict=True)
    }
    lines = text[1].split("<br>")
    body = [ln for ln in lines if not ln.startswith("<b>")]
    assert all(len(ln) <= 30 for ln in body)
    assert len(" ".join(body)) <= 100 and body[-1].endswith("…")
    assert "<b>year</b>: 1999" in lines and "<b>score</b>: 0.1235" in lines
    assert text[2].split("<br>")[0] == "short &lt;x&gt; &amp; y"
    assert "<b>score</b>" not in text[2]  # missing values are left out


def test_hover_texts_cache_and_missing_values():
    texts = ["a\nb\tc", None, float("nan"), "x" * 10]
    first = hover_texts(texts, wrap=10, max_chars=5)
    assert first == ["a b c", "", "", "xxxx…"]
    assert hover_texts(texts, wrap=10, max_chars=5) == first
    assert hover_texts([], wrap=10) == []


def test_highlight_dims_the_rest_and_keeps_every_point(rng):
    xy, labels = blobs(rng, n=200)
    mask = np.zeros(200, dtype=bool)
    mask[[3, 50, 120]] = True
    by_mask = scatter_figure(xy, ids=np.arange(200), cluster_labels=labels, highlight=mask)
    by_pos = scatter_figure(
        xy, ids=np.arange(200), cluster_labels=labels, highlight=np.array([3, 50, 120])
    )
    for fig in (by_mask, by_pos):
        (context,) = [t for t in fig.data if t.meta == "context"]
        assert len(context.x) == 197 and context.marker.opacity <= 0.35
        matched = [t for t in fig.data if t.meta == "points"]
        assert sorted(np.concatenate([t.customdata for t in matched])) == [3, 50, 120]
        assert fig.data[0].meta == "context"  # drawn underneath
        assert sum(len(t.x) for t in point_traces(fig)) == 200
    with pytest.raises(DataError, match="outside 0..199"):
        scatter_figure(xy, ids=np.arange(200), highlight=np.array([500]))


def test_query_points_are_stars_without_ids(rng):
    fig = scatter_figure(
        rng.normal(size=(10, 2)),
        ids=np.arange(10),
        query_points=np.ones((2, 2)),
        query_labels=["cats", "<dogs>"],
    )
    (q,) = [t for t in fig.data if t.meta == "query"]
    assert q.marker.symbol == "star" and list(q.text) == ["cats", "&lt;dogs&gt;"]
    assert q.customdata is None
    with pytest.raises(DataError, match="query_points have 3 columns but coords have 2"):
        scatter_figure(rng.normal(size=(10, 2)), ids=np.arange(10), query_points=np.ones((1, 3)))


def test_query_star_sits_below_the_matches_and_its_label_stays_inside(rng):
    xy = rng.uniform(size=(50, 2))
    top_left = np.array([[0.02, 0.99]])
    fig = scatter_figure(xy, ids=np.arange(50), highlight=np.arange(5), query_points=top_left)
    metas = [t.meta for t in fig.data]
    assert metas[:2] == ["context", "query"] and "points" in metas[2:]  # matches drawn on top
    (q,) = [t for t in fig.data if t.meta == "query"]
    assert list(q.textposition) == ["bottom right"]  # not above the top edge, not past the left


def test_argument_errors_name_the_argument(rng):
    xy = rng.normal(size=(5, 2))
    with pytest.raises(DataError, match="texts has 3 values but coords has 5 rows"):
        scatter_figure(xy, ids=np.arange(5), texts=["a", "b", "c"])
    with pytest.raises(DataError, match="ids has 4 values"):
        scatter_figure(xy, ids=np.arange(4))
    with pytest.raises(DataError, match="coords must have 2 or 3 columns"):
        scatter_figure(rng.normal(size=(5, 4)), ids=np.arange(5))
    with pytest.raises(DataError, match="NaN"):
        scatter_figure(np.full((5, 2), np.nan), ids=np.arange(5))
    with pytest.raises(DataError, match="cluster_labels must be integers"):
        scatter_figure(xy, ids=np.arange(5), cluster_labels=np.array([0.5] * 5))
    with pytest.raises(InvalidParameterError, match="'color_kind' parameter"):
        scatter_figure(xy, ids=np.arange(5), color_kind="fancy")


def test_dark_theme_sets_template_and_backgrounds(rng):
    fig = scatter_figure(
        rng.normal(size=(5, 2)), ids=np.arange(5), style=ScatterStyle(theme="dark", height=500)
    )
    assert fig.layout.paper_bgcolor == fig.layout.plot_bgcolor == "#111111"
    assert fig.layout.template.layout.paper_bgcolor == "rgb(17,17,17)"  # plotly_dark
    assert fig.layout.height == 500


def test_payload_estimate_tracks_the_real_json_size(rng):
    n = 3000
    words = np.array(["alpha", "beta", "gamma", "delta", "epsilon"], dtype=object)
    texts = [" ".join(rng.choice(words, size=rng.integers(5, 40))) for _ in range(n)]
    fig = scatter_figure(
        rng.normal(size=(n, 2)),
        ids=np.arange(n),
        texts=texts,
        hover_columns={"year": rng.integers(1990, 2020, n)},
    )
    real = len(fig.to_json())
    mean_len = np.mean([len(t) for t in texts])
    estimate = estimate_payload_bytes(n, mean_len, n_hover_columns=1)
    assert 0.75 * real < estimate < 1.25 * real
    assert use_density(300_000) and not use_density(10_000, mean_text_len=200)
    assert use_density(150_000, mean_text_len=5000)  # payload over half the message limit


def test_100k_points_go_out_as_webgl_typed_arrays(rng):
    """What keeps 100k points fast: WebGL traces fed numpy arrays, never Python lists
    (timings in benchmarks/bench_unit_timings.py)."""
    n = 100_000
    xy = rng.normal(size=(n, 2)).astype(np.float32)
    fig = scatter_figure(xy, ids=np.arange(n), color=rng.integers(-1, 15, n))
    traces = point_traces(fig)
    assert sum(len(t.x) for t in traces) == n
    assert len(traces) <= MAX_CATEGORY_TRACES + 1
    for t in traces:
        assert t.type == "scattergl"
        assert isinstance(t.x, np.ndarray) and t.x.dtype == np.float32
        assert isinstance(t.customdata, np.ndarray)


# ---------------------------------------------------------------- density


def test_density_of_a_million_points_counts_every_point(rng):
    n = 1_000_000
    xy = rng.normal(size=(n, 2)).astype(np.float32)
    labels = (xy[:, 0] > 0).astype(np.int64)
    fig = density_figure(xy, bins=128, cluster_labels=labels, cluster_names={0: "west", 1: "east"})
    (heat,) = fig.data
    assert heat.type == "heatmap" and heat.z.shape == (128, 128)
    assert int(heat.customdata.sum()) == n
    counts = heat.customdata
    assert np.allclose(heat.z[counts > 0], np.log10(counts[counts > 0]))
    assert np.isnan(heat.z[counts == 0]).all()
    # bins left of x=0 are all "west", right of it "east"
    text = np.asarray(heat.text)
    west = text[:, heat.x < -0.1][counts[:, heat.x < -0.1] > 0]
    assert all("west (100%)" in t for t in west)
    assert {a.text for a in fig.layout.annotations} == {"west", "east"}
    assert text.size == 128 * 128  # one hover text per bin, not per point


def test_density_hover_examples_are_escaped_and_3d_says_so(rng):
    xy = rng.normal(size=(500, 3))
    texts = [HOSTILE[i % 4] for i in range(500)]
    fig = density_figure(
        xy,
        bins=10,
        texts=texts,
        title=HOSTILE[0],
        cluster_labels=np.arange(500) % 3,
        cluster_names={0: HOSTILE[1]},
    )
    assert_no_user_markup(fig)
    assert "first two of 3 dimensions" in fig.layout.title.text
    assert any("<b>Example</b>: &lt;" in t for t in np.asarray(fig.data[0].text).ravel())
    same = density_figure(np.zeros((7, 2)), bins=4)  # all points in one place
    assert int(same.data[0].customdata.sum()) == 7
    with pytest.raises(InvalidParameterError, match="'bins' parameter"):
        density_figure(xy, bins=1)


# ---------------------------------------------------------------- charts


def test_similarity_heatmap_keeps_duplicate_labels_apart_and_escapes():
    m = np.array([[1.0, 0.2, -0.5], [0.2, 1.0, 0.1], [-0.5, 0.1, 1.0]])
    labels = ["same", HOSTILE[0], "same"]
    fig = similarity_heatmap(m, labels, metric="cosine")
    hostile = html.escape(HOSTILE[0])
    assert list(fig.layout.yaxis.ticktext) == ["1. same", f"2. {hostile}", "3. same"]
    # names only on the y axis: on x they would be turned 90 degrees (unreadable Chinese)
    assert list(fig.layout.xaxis.ticktext) == ["1", "2", "3"] and fig.layout.xaxis.tickangle == 0
    assert fig.data[0].z.shape == (3, 3)
    assert (fig.data[0].zmin, fig.data[0].zmax) == (-1.0, 1.0)
    assert_no_user_markup(fig)
    with pytest.raises(DataError, match="must be square"):
        similarity_heatmap(np.zeros((2, 3)), ["a", "b"], metric="cosine")
    with pytest.raises(DataError, match="3 rows but 2 labels"):
        similarity_heatmap(m, ["a", "b"], metric="dot")


def test_confusion_figure_shares_accuracy_and_escaping():
    m = np.array([[8, 2], [1, 9]])
    fig = confusion_figure(m, ["<cat>", "dog"])
    assert np.allclose(np.asarray(fig.data[0].z).sum(axis=1), 1.0)
    assert "accuracy 0.850" in fig.layout.title.text
    assert_no_user_markup(fig)
    with pytest.raises(DataError, match="negative counts"):
        confusion_figure(-m, ["a", "b"])


def test_sts_histogram_and_metric_bars(rng):
    gold = rng.random(50) * 5
    fig = sts_scatter(
        gold, gold / 5 + rng.normal(scale=0.01, size=50), spearman=0.91, pearson=float("nan")
    )
    assert (
        "Spearman ρ = 0.910" in fig.layout.title.text and "Pearson r = n/a" in fig.layout.title.text
    )
    assert [t.name for t in fig.data] == ["Pairs", "Least-squares fit"]
    with pytest.raises(DataError, match="predicted scores has 3 rows"):
        sts_scatter([1, 2], [1, 2, 3], spearman=0, pearson=0)

    hist = histogram_compare(
        [1, 2, 3], [3, 2, 1], [0, 1, 2, 3], name_a="<model A>", name_b="B", title="cosine"
    )
    assert [t.name for t in hist.data] == ["&lt;model A&gt;", "B"]
    assert_no_user_markup(hist)
    with pytest.raises(DataError, match="one more edge than bins"):
        histogram_compare([1, 2], [1, 2], [0, 1], name_a="a", name_b="b", title="t")

    bars = metric_bars({"trustworthiness": 0.93, "<knn>": float("nan")}, title="Quality")
    assert list(bars.data[0].text) == ["0.930", "n/a"]
    assert list(bars.layout.yaxis.ticktext) == ["trustworthiness", "&lt;knn&gt;"]


# ---------------------------------------------------------------- HTML export


def _outside_bundle(page: str) -> str:
    bundle = get_plotlyjs()
    assert page.count(bundle) == 1
    return page.replace(bundle, "")


def test_figure_to_html_is_offline_and_escapes_the_title(rng):
    fig = scatter_figure(rng.normal(size=(20, 2)), ids=np.arange(20))
    page = figure_to_html(fig, title="<script>x</script>")
    rest = _outside_bundle(page)
    assert "<title>&lt;script&gt;x&lt;/script&gt;</title>" in rest
    assert "<script src" not in rest and "<link" not in rest
    assert "http://" not in rest and "https://" not in rest


def test_story_html_one_bundle_n_slides_navigation_and_escaping(rng):
    xy, labels = blobs(rng, n=100)
    slides = [
        (
            "Overview " + HOSTILE[0],
            "All rows " + HOSTILE[2],
            scatter_figure(xy, ids=np.arange(100), cluster_labels=labels),
        ),
        ("Density", "Same rows, aggregated", density_figure(xy, bins=16)),
        ("Quality", "Scores", metric_bars({"a": 0.5}, title="m")),
    ]
    page = figures_to_story_html(slides, title="Q3 " + HOSTILE[1], theme="dark")
    rest = _outside_bundle(page)
    assert rest.count('class="slide-figure"') == 3
    assert "<script src" not in rest and "<link" not in rest
    assert "http://" not in rest and "https://" not in rest
    assert "ArrowRight" in rest and "ArrowLeft" in rest
    assert 'id="prev"' in rest and 'id="next"' in rest and 'id="counter"' in rest
    for text in ("Overview " + HOSTILE[0], "All rows " + HOSTILE[2], "Q3 " + HOSTILE[1]):
        assert html.escape(text) in rest and text not in rest
    specs = re.findall(
        r'<script type="application/json" id="figure-data-(\d+)">(.*?)</script>', rest, flags=re.S
    )
    assert [i for i, _ in specs] == ["0", "1", "2"]
    first = json.loads(specs[0][1])
    assert len(first["data"]) == len(slides[0][2].data)
    assert first["layout"]["font"]["size"] >= 16 and first["layout"]["paper_bgcolor"] == "#111111"
    assert "height" not in first["layout"]  # the slide fills its box
    assert slides[0][2].layout.height == 640  # the caller's figure is unchanged
    with pytest.raises(InvalidParameterError, match="at least one slide"):
        figures_to_story_html([], title="x")
    with pytest.raises(InvalidParameterError, match="'theme' parameter"):
        figures_to_story_html(slides, title="x", theme="sepia")
