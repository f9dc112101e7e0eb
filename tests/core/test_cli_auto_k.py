"""`embedlens cluster` without --k: the JSON says the k, the curve and how sure it is."""

from __future__ import annotations

from tests.core.test_cli import SAMPLE, cli, summary


def test_cluster_json_carries_the_automatic_k_and_its_curve(tmp_path):
    emb, clus = tmp_path / "e.parquet", tmp_path / "c.parquet"
    summary(cli("embed", str(SAMPLE), "--backend", "tfidf-svd", "-o", str(emb), cwd=tmp_path))
    s = summary(cli("cluster", str(emb), "-o", str(clus), cwd=tmp_path))
    auto = s["auto_k"]
    assert auto["k"] == s["n_clusters"] and 2 <= auto["k"] <= 15
    assert auto["confidence"] in ("sure", "fairly sure", "unsure")
    assert auto["statement"].startswith(f"k = {auto['k']}, {auto['confidence']}")
    assert [p["k"] for p in auto["curve"]] == list(range(2, 16))
    assert all(-1 <= p["silhouette"] <= 1 and -1 <= p["modularity"] <= 1 for p in auto["curve"])
    assert 0 <= auto["stability"] <= 1 and auto["sample"] == 506
    fixed = summary(cli("cluster", str(emb), "--k", "5", "-o", str(clus), cwd=tmp_path))
    assert fixed["auto_k"] is None and fixed["n_clusters"] == 5
