"""AppTest: the Workspace page lists, opens, renames and deletes datasets and runs."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from embedlens.dataset import Dataset
from embedlens.store import Workspace

APP = Path(__file__).resolve().parents[2] / "app.py"
PAGE = "app_pages/workspace.py"


def _tables(at) -> list[pd.DataFrame]:
    return [df.value for df in at.dataframe]


@pytest.fixture
def seeded():
    """The app on the Workspace page with the sample, a second dataset and two runs saved."""
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.session_state["map.backend"] = "tfidf-svd"
    at.session_state["map.method"] = "pca"
    at.run()  # the map page first (AppTest needs one run before switch_page)
    at.switch_page(PAGE).run()
    assert not at.exception
    ws = Workspace(os.environ["EMBEDLENS_HOME"])
    sample_id = at.session_state["data.dataset_id"]
    words = ["refund", "login", "password", "invoice", "delivery", "late", "broken", "screen"]
    texts = [f"{words[i % 8]} {words[(i * 3) % 8]} {words[(i * 5 + 1) % 8]} ticket {i}"
             for i in range(40)]
    other = Dataset(name="Support tickets", frame=pd.DataFrame({"text": texts}),
                    ids=np.arange(40), text_column="text")
    other_id = ws.save_dataset(other)
    coords = np.random.default_rng(0).normal(size=(40, 2)).astype(np.float32)
    proj = ws.save_run(other_id, "projection", {"method": "umap", "dims": 2, "n_neighbors": 2,
                                                "min_dist": 0.1, "metric": "cosine", "seed": 0},
                       {"coords": coords}, extra={"seconds": 1.25})
    ws.save_run(other_id, "clustering", {"method": "kmeans", "k": 2},
                {"labels": np.arange(40) % 2}, parent=proj)
    at.run()
    return at, ws, sample_id, other_id, proj


def test_lists_datasets_runs_folder_and_size(seeded):
    at, ws, sample_id, other_id, _ = seeded
    assert not at.exception
    datasets = _tables(at)[0]
    assert set(datasets["Name"]) == {"Sample: news headlines", "Support tickets"}
    assert datasets.set_index("Name").loc["Support tickets", "Runs"] == 2
    assert any(str(ws.root) in c.value for c in at.code)
    assert at.metric[0].label == "Size on disk" and at.metric[0].value.endswith("B")
    # the current dataset is picked first; its runs table is empty until the map ran
    assert at.selectbox(key="workspace.dataset").value == sample_id
    at.selectbox(key="workspace.dataset").select(other_id).run()
    runs = _tables(at)[1]
    assert sorted(runs["Kind"]) == ["clustering", "projection"]
    what = runs.set_index("Kind").loc["projection", "What"]
    assert what.startswith("UMAP 2D") and "2 neighbours" in what
    assert runs.set_index("Kind").loc["projection", "Seconds"] == 1.25


def test_run_details_show_versions_and_delete_cascades(seeded):
    at, ws, _, other_id, proj = seeded
    at.selectbox(key="workspace.dataset").select(other_id).run()
    at.selectbox(key="workspace.run").select(proj).run()
    shown = " ".join(str(j.value) for j in at.json)
    assert "numpy" in shown and "n_neighbors" in shown
    at.button(key="workspace.run.delete").click().run()
    assert any("1 runs computed from it" in w.value for w in at.warning)
    assert len(ws.list_runs(other_id)) == 2  # nothing deleted before the confirmation
    at.button(key="workspace.run.confirm").click().run()
    assert not at.exception
    assert ws.list_runs(other_id) == []


def test_rename_dataset(seeded):
    at, ws, _, other_id, _ = seeded
    at.selectbox(key="workspace.dataset").select(other_id).run()
    at.text_input(key=f"workspace.new_name.{other_id}").input("Tickets <b>Q3</b>")
    at.button(key="workspace.rename").click().run()
    assert not at.exception
    names = {i.id: i.name for i in ws.list_datasets()}
    assert names[other_id] == "Tickets <b>Q3</b>"
    assert "Tickets <b>Q3</b>" in set(_tables(at)[0]["Name"])


def test_delete_dataset_asks_first_and_cancel_keeps_it(seeded):
    at, ws, _, other_id, _ = seeded
    at.selectbox(key="workspace.dataset").select(other_id).run()
    at.button(key="workspace.dataset.delete").click().run()
    assert any("cannot be undone" in w.value for w in at.warning)
    at.button(key="workspace.dataset.cancel").click().run()
    assert other_id in {i.id for i in ws.list_datasets()} and not at.warning
    at.button(key="workspace.dataset.delete").click().run()
    at.button(key="workspace.dataset.confirm").click().run()
    assert not at.exception
    assert other_id not in {i.id for i in ws.list_datasets()}
    assert ws.list_runs(other_id) == []
    assert "Support tickets" not in set(_tables(at)[0]["Name"])


def test_deleting_the_open_dataset_reopens_the_sample(seeded):
    at, ws, sample_id, other_id, _ = seeded
    at.selectbox(key="workspace.dataset").select(other_id).run()
    at.button(key="workspace.open").click().run()  # opens it on the map
    assert not at.exception
    assert at.session_state["data.dataset_id"] == other_id
    assert at.query_params["dataset"] == other_id
    at.switch_page(PAGE).run()
    assert at.selectbox(key="workspace.dataset").value == other_id
    at.button(key="workspace.dataset.delete").click().run()
    assert any("It is open now" in w.value for w in at.warning)
    at.button(key="workspace.dataset.confirm").click().run()
    assert not at.exception
    assert at.session_state["data.dataset_id"] == sample_id
    assert at.query_params["dataset"] == sample_id
