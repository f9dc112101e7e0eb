"""Issue 15 on real Chinese data: THUCNews test titles (10,000, 10 topics) with no model flag.

`embedlens embed` picks its model by the text's language (``--model auto``, the default): on
this offline machine that is the character 1-2-gram TF-IDF + SVD baseline. Its 5-fold 10-NN
accuracy on the topic must reach 0.74, and at least 95% of the Chinese cluster keywords must be
words (jieba, segmenting the cluster's own texts, cuts the keyword out whole in at least half
of the texts holding it; see tests/zh_words.py).
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from tests.conftest import SHARED_DATASETS
from tests.integration.conftest import last_json, run_cli
from tests.zh_words import keyword_word_share

pytestmark = pytest.mark.slow  # 2 min of CPU; 7 min wall on the shared 2 cores

TITLES = SHARED_DATASETS / "chinese_thucnews_titles_test.txt"
CLASSES = SHARED_DATASETS / "chinese_thucnews_class.txt"


@pytest.fixture(scope="module")
def thucnews_csv(tmp_path_factory):
    """The titles as the CSV the issue speaks of: header 标题,类别, the class by name."""
    if not TITLES.is_file() or not CLASSES.is_file():
        pytest.skip(f"THUCNews test titles not found at {TITLES}")
    names = CLASSES.read_text(encoding="utf-8").split()
    frame = pd.read_csv(TITLES, sep="\t", header=None, names=["标题", "id"], quoting=3)
    frame["类别"] = [names[int(i)] for i in frame["id"]]
    path = tmp_path_factory.mktemp("thuc") / "thucnews.csv"
    frame[["标题", "类别"]].to_csv(path, index=False, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def embedded(thucnews_csv, tmp_path_factory):
    home = tmp_path_factory.mktemp("thuc_home")
    out = thucnews_csv.with_name("thucnews_embedded.parquet")
    summary = last_json(run_cli("embed", str(thucnews_csv), "-o", str(out), home=home))
    return out, summary, home


def test_no_flag_picks_the_chinese_path_and_reaches_074(embedded):
    out, summary, home = embedded
    print("embed:", json.dumps({k: summary[k] for k in ("model", "backend", "seconds")}))
    assert summary["rows"] == 10000 and summary["text_column"] == "标题"
    assert summary["backend"] == "tfidf-char", summary
    scores = last_json(run_cli("evaluate", str(out), "--label-column", "类别", home=home))
    print("evaluate:", json.dumps(scores, ensure_ascii=False))
    assert scores["knn_accuracy"] >= 0.74, scores


def test_cluster_keywords_are_words(embedded, tmp_path):
    out, _, home = embedded
    clustered = tmp_path / "clustered.parquet"
    summary = last_json(run_cli("cluster", str(out), "-o", str(clustered), home=home))
    keywords = {int(k): v["keywords"] for k, v in summary["clusters"].items()}
    frame = pd.read_parquet(clustered)
    share = keyword_word_share(keywords, frame["标题"].tolist(), frame["cluster"].to_numpy())
    print("clusters:", json.dumps({k: v["label"] for k, v in summary["clusters"].items()},
                                  ensure_ascii=False))  # fmt: skip
    print(f"keywords that are words: {share.words}/{share.chinese} = {share.share:.3f}")
    assert share.chinese >= 5 * summary["n_clusters"], summary  # real Chinese labels
    assert share.share >= 0.95, share.failures
