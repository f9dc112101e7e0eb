"""Issue 14's check of the Python API on 2,000 AG News rows with the default model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import embedlens
from tests.integration.conftest import run_cli

pytestmark = [pytest.mark.slow, pytest.mark.external]

AG_LABELS = {1: "World", 2: "Sports", 3: "Business", 4: "Sci/Tech"}


def test_explore_ag_news_2000(ag_news_csv, tmp_path):
    frame = pd.read_csv(ag_news_csv, header=None, names=["label", "title", "description"])
    rows = frame.head(2000).assign(label=lambda f: f["label"].map(AG_LABELS))
    csv = tmp_path / "ag2000.csv"
    rows.to_csv(csv, index=False)
    home = tmp_path / "ws"

    m = embedlens.explore(pd.read_csv(csv), text="description", method="pca", workspace=home)
    data = m.data
    assert len(data) == 2000
    assert {"label", "title", "description", "x", "y", "cluster", "cluster_label"} <= set(
        data.columns
    )
    assert m.embedding.provenance.model == "all-MiniLM-L6-v2"

    # The same PCA coordinates as `embedlens embed` + `embedlens project --method pca`.
    run_cli("embed", str(csv), "--text-column", "description", "-o", str(tmp_path / "e.parquet"),
            home=home)
    run_cli("project", str(tmp_path / "e.parquet"), "--method", "pca",
            "-o", str(tmp_path / "p.parquet"), home=home)
    cli = pd.read_parquet(tmp_path / "p.parquet")
    np.testing.assert_allclose(cli[["x", "y"]].to_numpy(), data[["x", "y"]].to_numpy(), atol=1e-4)

    top = m.neighbors("stocks fall as oil prices rise and investors sell bank shares", k=10)
    assert (top["label"] == "Business").sum() >= 6, top[["score", "label", "title"]]
    assert m.evaluate("label")["knn_accuracy"] >= 0.8

    html = m.to_html(tmp_path / "ag.html").read_text(encoding="utf-8")
    assert '<script src="http' not in html
    assert m.widget().selection.empty
