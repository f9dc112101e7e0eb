"""Issue checks on real data: AG News test (7,600 texts) and STS-B with all-MiniLM-L6-v2."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import normalized_mutual_info_score

from tests.integration.conftest import last_json, run_cli

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def ag_with_header(ag_news_csv, tmp_path_factory):
    """AG News test with the header row the issues speak of (written to tmp, not the repo)."""
    path = tmp_path_factory.mktemp("agh") / "ag_news_header.csv"
    path.write_text(
        "class_index,title,description\n" + ag_news_csv.read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    return path


def test_embed_reports_every_row_embedded(ag_embedded):
    out, summary, _ = ag_embedded
    assert summary["rows"] == 7600 and summary["output"] == str(out)
    assert summary["embedded"] + summary["duplicates"] == 7600 and summary["cached"] == 0
    frame = pd.read_parquet(out)
    assert list(frame.columns) == ["col0", "col1", "col2", "embedding"]
    assert len(frame["embedding"].iloc[0]) == 384


def test_second_run_makes_no_model_calls_and_is_10x_faster(
    ag_embedded, ag_news_csv, ag_home, tmp_path
):
    _, first, first_seconds = ag_embedded
    started = time.perf_counter()
    proc = run_cli(
        "embed",
        str(ag_news_csv),
        "--no-header",
        "--text-column",
        "col2",
        "-o",
        str(tmp_path / "again.parquet"),
        home=ag_home,
    )
    seconds = time.perf_counter() - started
    summary = last_json(proc)
    assert summary["embedded"] == 0 and summary["cached"] == 7600
    assert seconds < first_seconds / 10, (seconds, first_seconds)
    again = np.stack(pd.read_parquet(tmp_path / "again.parquet")["embedding"].to_numpy())
    first_vectors = np.stack(pd.read_parquet(ag_embedded[0])["embedding"].to_numpy())
    np.testing.assert_array_equal(again, first_vectors)


def test_appending_ten_rows_embeds_only_those(ag_embedded, ag_news_csv, ag_home, tmp_path):
    extra = "".join(
        f'"2","New row {i}","A freshly written sentence number {i} about a cup final in Lisbon."\n'
        for i in range(10)
    )
    edited = tmp_path / "edited.csv"
    edited.write_text(ag_news_csv.read_text(encoding="utf-8") + extra, encoding="utf-8")
    proc = run_cli(
        "embed",
        str(edited),
        "--no-header",
        "--text-column",
        "col2",
        "-o",
        str(tmp_path / "edited.parquet"),
        home=ag_home,
    )
    summary = last_json(proc)
    assert summary["embedded"] == 10 and summary["cached"] == 7600 and summary["rows"] == 7610


def test_umap_then_kmeans_recovers_the_four_classes(ag_embedded, ag_home, tmp_path):
    projected, clustered = tmp_path / "p.parquet", tmp_path / "c.parquet"
    summary = last_json(
        run_cli(
            "project", str(ag_embedded[0]), "--method", "umap", "-o", str(projected), home=ag_home
        )
    )
    assert summary["rows"] == 7600 and summary["method"] == "umap"
    summary = last_json(
        run_cli(
            "cluster",
            str(projected),
            "--method",
            "kmeans",
            "--k",
            "4",
            "-o",
            str(clustered),
            home=ag_home,
        )
    )
    assert summary["n_clusters"] == 4
    frame = pd.read_parquet(clustered)
    assert {"x", "y", "cluster", "cluster_label", "embedding"} <= set(frame.columns)
    assert np.isfinite(frame[["x", "y"]].to_numpy()).all()
    nmi = normalized_mutual_info_score(frame["col0"], frame["cluster"])
    assert nmi >= 0.5, nmi
    assert frame["cluster_label"].str.len().min() > 0


def test_evaluate_reproduces_reference_figures(ag_embedded, ag_home):
    summary = last_json(
        run_cli("evaluate", str(ag_embedded[0]), "--label-column", "col0", home=ag_home)
    )
    assert summary["n"] == 7600 and summary["dim"] == 384
    assert abs(summary["knn_accuracy"] - 0.880) <= 0.01, summary
    assert abs(summary["nmi"] - 0.582) <= 0.03, summary
    assert 0.0 < summary["logreg_accuracy"] <= 1.0


@pytest.mark.parametrize("metric", ["cosine", "dot", "euclidean"])
def test_neighbors_match_numpy_brute_force(ag_embedded, ag_home, metric):
    frame = pd.read_parquet(ag_embedded[0])
    X = np.stack(frame["embedding"].to_numpy()).astype(np.float32)
    for row in (0, 1234, 7599):
        got = last_json(
            run_cli(
                "neighbors",
                str(ag_embedded[0]),
                "--row",
                str(row),
                "--k",
                "10",
                "--metric",
                metric,
                home=ag_home,
            )
        )
        q = X[row]
        if metric == "cosine":
            score = X @ q / (np.linalg.norm(X, axis=1) * np.linalg.norm(q))
        elif metric == "dot":
            score = X @ q
        else:
            score = -np.linalg.norm(X - q, axis=1)
        score[row] = -np.inf
        expected = np.argsort(-score, kind="stable")[:10]
        assert [r["id"] for r in got] == expected.tolist()


def test_finance_query_returns_business_rows(ag_embedded, ag_home):
    got = last_json(
        run_cli(
            "neighbors",
            str(ag_embedded[0]),
            "--query",
            "stock markets fall as investors worry about interest rates",
            "--k",
            "10",
            home=ag_home,
        )
    )
    frame = pd.read_parquet(ag_embedded[0])
    classes = [int(frame["col0"].iloc[r["id"]]) for r in got]
    assert sum(c == 3 for c in classes) >= 7, classes  # 3 = Business
    assert got[0]["score"] >= got[-1]["score"]


def test_pipeline_with_header_row_detects_description(ag_with_header, ag_home, tmp_path):
    proc = run_cli("embed", str(ag_with_header), "-o", str(tmp_path / "h.parquet"), home=ag_home)
    summary = last_json(proc)
    assert summary["text_column"] == "description" and summary["cached"] == 7600


def test_sts_benchmark_spearman(shared_datasets, ag_home):
    summary = last_json(
        run_cli("sts", str(shared_datasets / "stsbenchmark_sts-test.csv"), home=ag_home)
    )
    assert summary["n"] == 1379
    assert abs(summary["spearman"] - 0.8203) <= 0.01, summary
