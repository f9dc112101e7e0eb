"""AppTest: the Evaluate page, one test per tab, plus the guard."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

APP = Path(__file__).resolve().parents[2] / "app.py"
PAGE = "app_pages/evaluate.py"

STS_CSV = b"""sentence1,sentence2,score
The cat sits on the mat.,A cat is sitting on a mat.,4.8
The cat sits on the mat.,Stocks fell sharply today.,0.1
A man plays the guitar.,Someone is playing a guitar.,4.6
A man plays the guitar.,The bank raised interest rates.,0.0
Heavy rain flooded the town.,The town was flooded by heavy rain.,5.0
Heavy rain flooded the town.,A child eats an apple.,0.2
The team won the final.,The final was won by the team.,4.9
The team won the final.,The oven is too hot.,0.1
Prices rose again in March.,In March prices went up again.,4.7
Prices rose again in March.,A dog runs in the park.,0.3
"""

# Word vectors built so that king - man + woman = queen exactly, and paris/france ~ rome/italy.
_WORDS = {
    "man": [1, 0, 0, 0, 0.1], "woman": [1, 1, 0, 0, 0.1], "king": [1, 0, 1, 0, 0.1],
    "queen": [1, 1, 1, 0, 0.1], "paris": [0, 0, 0, 1, 1], "france": [0, 0.1, 0, 1, 0],
    "rome": [0, 0.2, 0.1, 1.1, 1.0], "italy": [0, 0.3, 0.1, 1.1, 0], "apple": [0.3, 0.2, 0.1, 0, 3],
}
GLOVE = "\n".join(f"{w} " + " ".join(str(v) for v in vec) for w, vec in _WORDS.items()).encode()
ANALOGIES = b""": family
man king woman queen
man woman king queen
boy girl king queen
: capitals
paris france rome italy
"""
WORDSIM = b"""# word1\tword2\tscore
king\tqueen\t8.5
man\twoman\t8.3
paris\tapple\t0.5
king\tapple\t0.8
rome\tparis\t6.9
unicorn\tking\t3.0
"""


def _mapped() -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.session_state["map.backend"] = "tfidf-svd"
    at.session_state["map.method"] = "pca"
    at.run()
    assert not at.exception
    return at


def _on_tab(at: AppTest, tab: str) -> AppTest:
    at.session_state["evaluate.tab"] = tab
    at.run()
    assert not at.exception
    return at


def _results(at: AppTest) -> dict:
    return at.session_state["evaluate.results"]


def _captions(at: AppTest) -> list[str]:
    return [c.value for c in at.caption]


@pytest.fixture
def evaluate() -> AppTest:
    at = _mapped().switch_page(PAGE).run()
    assert not at.exception and not at.error
    return at


def test_guard_without_results_points_to_the_map():
    at = _mapped()
    del at.session_state["map.projection"]
    at.switch_page(PAGE).run()
    assert not at.exception
    assert "Open the map first" in at.info[0].value
    assert "evaluate.results" not in at.session_state


def test_clusters_tab_scores_and_label_agreement(evaluate):
    at = evaluate
    result = _results(at)["clusters"]
    quality, agreement = result["quality"], result["agreement"]
    assert result["label_column"] == "topic"  # the sample's label column is preselected
    assert quality["n_clusters"] >= 2 and -1 <= quality["silhouette_cosine"] <= 1
    assert 0 <= agreement["purity"] <= 1 and 0 <= agreement["nmi"] <= 1
    labels = {m.label for m in at.metric}
    assert {"Purity", "NMI", "Silhouette (cosine)", "Davies-Bouldin"} <= labels
    assert any(c.startswith("Davies-Bouldin: 0 or more, lower is better") for c in _captions(at))
    assert len(at.get("plotly_chart")) == 1  # the score bars

    at.selectbox(key="evaluate.cluster_labels").set_value(None).run()
    assert not at.exception
    assert _results(at)["clusters"]["agreement"] is None
    assert "Purity" not in {m.label for m in at.metric}


def test_faithfulness_tab_k_and_neighbour_preservation(evaluate):
    at = _on_tab(evaluate, "Map faithfulness")
    first = _results(at)["faithfulness"]
    assert first["k"] == 10 and first["metric"] == "euclidean"  # PCA works on raw vectors
    assert 0 < first["trustworthiness"] <= 1 and 0 < first["continuity"] <= 1
    assert "downstream" not in _results(at)  # lazy tabs: only the opened ones ran

    at.slider(key="evaluate.faith_k").set_value(5).run()
    assert _results(at)["faithfulness"]["k"] == 5
    at.radio(key="evaluate.faith_metric").set_value("cosine").run()
    assert _results(at)["faithfulness"]["metric"] == "cosine"

    charts = len(at.get("plotly_chart"))
    at.button(key="evaluate.preservation").click().run()
    assert not at.exception
    kept = _results(at)["preservation"]
    assert kept["k"] == 5 and 0 <= kept["mean"] <= 1
    assert len(at.get("plotly_chart")) == charts + 1
    assert any(c.startswith("Neighbour preservation: 0..1") for c in _captions(at))
    at.slider(key="evaluate.faith_k").set_value(3).run()  # the coloured map stays, follows k
    assert _results(at)["preservation"]["k"] == 3


def test_downstream_tab_accuracy_and_confusion(evaluate):
    at = _on_tab(evaluate, "Downstream")
    down = _results(at)["downstream"]
    assert down["column"] == "topic" and len(down["classes"]) == 8
    assert down["knn_accuracy"] > 0.5 and down["logreg_accuracy"] > 0.5  # chance is 1/8
    assert int(np.asarray(down["confusion"]).sum()) == down["n"]
    assert any("Always guessing the biggest class" in c for c in _captions(at))
    at.selectbox(key="evaluate.downstream_labels").set_value("source").run()
    assert not at.exception
    assert _results(at)["downstream"]["column"] == "source"


def test_semantic_similarity_tab_scores_uploaded_pairs(evaluate):
    at = _on_tab(evaluate, "Semantic similarity")
    assert "sts" not in _results(at)
    at.file_uploader(key="evaluate.sts_file").upload("pairs.csv", STS_CSV, "text/csv")
    at.run()
    assert not at.exception and not at.error
    sts = _results(at)["sts"]
    assert sts["n"] == 10 and -1 <= sts["spearman"] <= 1 and -1 <= sts["pearson"] <= 1
    assert {"Spearman", "Pearson"} <= {m.label for m in at.metric}

    at.file_uploader(key="evaluate.sts_file").set_value(("bad.csv", b"a,b\n1,2\n", "text/csv"))
    at.run()
    assert not at.exception
    assert "lacks sentence1, sentence2, score" in at.error[0].value


def test_word_vectors_tab_analogy_box_and_test_files(evaluate):
    at = _on_tab(evaluate, "Word vectors")
    at.file_uploader(key="evaluate.wv_file").upload("tiny.txt", GLOVE, "text/plain")
    at.run()
    assert not at.exception and not at.error
    assert any("9 words × 5 dimensions" in c for c in _captions(at))

    at.text_input(key="evaluate.analogy_a").input("man")
    at.text_input(key="evaluate.analogy_b").input("king")
    at.text_input(key="evaluate.analogy_c").input("woman").run()
    assert _results(at)["analogy"]["answers"][0][0] == "queen"
    at.text_input(key="evaluate.analogy_c").input("unicorn").run()
    assert not at.exception and "'unicorn' is not in the vocabulary" in at.error[0].value

    at.file_uploader(key="evaluate.analogy_file").upload("q.txt", ANALOGIES, "text/plain")
    at.file_uploader(key="evaluate.wordsim_file").upload("ws.txt", WORDSIM, "text/plain")
    at.run()
    assert not at.exception
    analogies = _results(at)["analogies"]
    assert analogies["n_total"] == 4 and analogies["n_used"] == 3  # "boy"/"girl" are missing
    assert analogies["coverage"] == pytest.approx(0.75)
    assert analogies["sections"]["family"]["accuracy"] == 1.0
    sim = _results(at)["word_similarity"]
    assert sim["n_pairs"] == 6 and sim["n_used"] == 5 and sim["spearman"] > 0.5


def test_divergence_tab_values_and_map_selection(evaluate):
    at = _on_tab(evaluate, "Divergence")
    div = _results(at)["divergence"]
    assert at.selectbox(key="evaluate.div_column").value == "Cluster"
    assert div["a"] != div["b"] and div["n_a"] > 0 and div["n_b"] > 0
    assert 0 <= div["similarity"]["js"] <= 1 and div["similarity"]["kl_ab"] >= 0
    assert len(div["axes"]) == 2  # one comparison per map axis

    at.selectbox(key="evaluate.div_column").set_value("topic").run()
    at.selectbox(key="evaluate.div_a").set_value("sport")
    at.selectbox(key="evaluate.div_b").set_value("food").run()
    div = _results(at)["divergence"]
    assert (div["a"], div["b"], div["n_a"], div["n_b"]) == ("sport", "food", 64, 63)

    at.radio(key="evaluate.div_mode").set_value("selection").run()
    assert not at.exception and "Select some points on the map first" in at.info[0].value
    ds = at.session_state["data.dataset"]
    at.session_state["map.selection_ids"] = list(ds.ids[:30])
    at.run()
    div = _results(at)["divergence"]
    assert (div["n_a"], div["n_b"]) == (30, len(ds) - 30)
