"""AG News test: all-MiniLM-L6-v2 vs the offline TF-IDF baseline through `embedlens compare`."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.integration.conftest import last_json, run_cli

pytestmark = pytest.mark.slow


def test_minilm_beats_tfidf_and_per_row_has_every_row(ag_embedded, ag_news_csv, ag_home,
                                                      tmp_path):  # fmt: skip
    minilm, summary, _ = ag_embedded
    assert "MiniLM" in summary["model"]
    tfidf = tmp_path / "ag_tfidf.parquet"
    run_cli("embed", str(ag_news_csv), "--no-header", "--text-column", "col2", "--backend",
            "tfidf-svd", "-o", str(tfidf), home=ag_home)  # fmt: skip
    per_row = tmp_path / "per_row.parquet"
    s = last_json(
        run_cli("compare", str(minilm), str(tfidf), "--k", "10", "--label-column", "col0",
                "-o", str(per_row), home=ag_home)  # fmt: skip
    )
    assert s["n_rows"] == 7600 and s["dropped_a"] == s["dropped_b"] == 0
    assert s["knn_accuracy_a"] > s["knn_accuracy_b"]
    assert s["knn_accuracy_a"] == pytest.approx(0.880, abs=0.01)  # datasets README figure
    assert s["overlap_chance"] < s["overlap_at_k"] < 1  # related, not the same
    assert 0 < s["cka"] < 1 and 0 < s["ari"] < 1
    frame = pd.read_parquet(per_row)
    assert len(frame) == 7600 and frame["overlap"].between(0, 1).all()
    assert frame["overlap"].mean() == pytest.approx(s["overlap_at_k"])
