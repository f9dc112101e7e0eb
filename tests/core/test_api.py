"""The Python API: explore() -> Map, on the core pipeline, and the notebook that shows it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import embedlens
from embedlens.errors import DataError, InvalidParameterError

ROOT = Path(__file__).resolve().parents[2]


def _frame(n: int = 90) -> pd.DataFrame:
    topics = {
        "business": "stock market shares bank profit investors",
        "sport": "football match goal league striker coach",
        "science": "rocket orbit space telescope planet probe",
    }
    rows = []
    for i in range(n):
        label = list(topics)[i % 3]
        words = topics[label].split()
        rows.append({"label": label, "text": " ".join(words[j % 6] for j in range(i % 4 + 3))
                     + f" report {i}"})
    return pd.DataFrame(rows)


@pytest.fixture
def small_map(tmp_path):
    return embedlens.explore(_frame(), model="tfidf-svd", method="pca", k=3, workspace=tmp_path)


def test_map_data_has_the_input_and_the_map_columns(small_map):
    data = small_map.data
    assert len(data) == 90
    assert {"label", "text", "x", "y", "cluster", "cluster_label"} <= set(data.columns)
    assert data["cluster"].nunique() == 3
    assert "TF-IDF" in repr(small_map)
    prov = small_map.provenance
    assert prov["embedding"]["backend"] == "tfidf-svd"
    assert prov["projection"]["params"]["method"] == "pca"


def test_neighbours_of_a_row_leave_the_row_out(small_map):
    found = small_map.neighbors(0, k=5)
    assert list(found["rank"]) == [1, 2, 3, 4, 5]
    assert 0 not in found.index
    assert np.all(np.diff(found["score"].to_numpy()) <= 1e-6)
    assert (found["label"] == "business").sum() >= 4


def test_typed_query_on_corpus_vectors_is_refused(small_map):
    with pytest.raises(DataError, match="fitted on the whole corpus"):
        small_map.neighbors("stock market")
    with pytest.raises(InvalidParameterError, match="row id"):
        small_map.neighbors(10_000)


def test_evaluate_gives_the_cli_figures(small_map):
    from embedlens.metrics import evaluate

    got = small_map.evaluate("label")
    want = evaluate(
        small_map.embedding.vectors,
        labels=np.asarray(small_map.data["label"].astype(str).tolist(), dtype=object),
        coords=small_map.projection.coords,
    )
    assert got == want and got["knn_accuracy"] > 0.8
    with pytest.raises(InvalidParameterError, match="label_column"):
        small_map.evaluate("nope")


def test_to_html_is_one_offline_file(small_map, tmp_path):
    path = small_map.to_html(tmp_path / "map.html")
    html = path.read_text(encoding="utf-8")
    assert '<script src="http' not in html and "<script src='http" not in html
    assert len(html) > 1_000_000  # plotly.js itself is inlined


def test_widget_selection_follows_the_lasso(small_map):
    w = small_map.widget()
    assert w.selection.empty
    fw = w.figure_widget
    trace = next(i for i, t in enumerate(fw.data) if t.customdata is not None)
    picked = [0, 1]
    ids = [fw.data[trace].customdata[i] for i in picked]
    # What the browser sends after a lasso on that trace (plotly's own message format).
    fw._js2py_pointsCallback = {
        "event_type": "plotly_selected",
        "points": {
            "trace_indexes": [trace, trace],
            "point_indexes": picked,
            "xs": [0.0, 0.0],
            "ys": [0.0, 0.0],
        },
        "selector": None,
    }
    assert sorted(map(str, w.selection.index)) == sorted(map(str, ids))
    assert {"text", "x", "cluster"} <= set(w.selection.columns)


def test_explore_reads_a_path_and_reuses_the_cache(tmp_path):
    csv = tmp_path / "t.csv"
    _frame().to_csv(csv, index=False)
    first = embedlens.explore(csv, model="tfidf-svd", method="pca", k=3, workspace=tmp_path / "w")
    again = embedlens.explore(csv, model="tfidf-svd", method="pca", k=3, workspace=tmp_path / "w")
    assert first.embedding.embedded > 0 and again.embedding.embedded == 0
    np.testing.assert_array_equal(first.projection.coords, again.projection.coords)
    assert again.projection.provenance.run_id == first.projection.provenance.run_id


def test_bad_data_is_refused():
    with pytest.raises(InvalidParameterError, match="'data' parameter of explore"):
        embedlens.explore(42)
    with pytest.raises(InvalidParameterError, match="'method' parameter"):
        embedlens.explore(_frame(), method="mds")


def test_explore_matches_the_cli(tmp_path):
    """explore() and `embed` + `project --method pca` give the same coordinates."""
    csv = tmp_path / "t.csv"
    _frame().to_csv(csv, index=False)
    m = embedlens.explore(csv, model="tfidf-svd", method="pca", workspace=tmp_path / "w")
    cli = [sys.executable, "-m", "embedlens", "--quiet", "--workspace", str(tmp_path / "w")]
    subprocess.run([*cli, "embed", str(csv), "--backend", "tfidf-svd", "--text-column", "text",
                    "-o", str(tmp_path / "e.parquet")], check=True, capture_output=True)
    subprocess.run([*cli, "project", str(tmp_path / "e.parquet"), "--method", "pca",
                    "-o", str(tmp_path / "p.parquet")], check=True, capture_output=True)
    out = pd.read_parquet(tmp_path / "p.parquet")
    np.testing.assert_allclose(out[["x", "y"]].to_numpy(), m.projection.coords, atol=1e-5)


@pytest.mark.slow
@pytest.mark.external
def test_example_notebook_runs_in_a_real_kernel(tmp_path):
    """docs/explore.ipynb executes top to bottom in an IPython kernel (bundled model, offline)."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    (tmp_path / "docs").mkdir()
    (tmp_path / "sample_data").mkdir()
    shutil.copy(ROOT / "sample_data" / "headlines.csv", tmp_path / "sample_data")
    nb = nbformat.read(ROOT / "docs" / "explore.ipynb", as_version=4)
    client = nbclient.NotebookClient(
        nb, timeout=600, kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path / "docs")}},
    )
    client.execute()
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert (tmp_path / "docs" / "headlines_map.html").is_file()
    text = "\n".join(str(o.get("data", {}).get("text/plain", "")) for o in outputs)
    assert "embedlens.Map" in text and "knn_accuracy" in text
