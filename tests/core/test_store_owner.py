"""Owners and share links: on a shared server nobody sees another owner's rows by accident."""

from __future__ import annotations

import pickle
import sqlite3

import numpy as np
import pandas as pd
import pytest

from embedlens.dataset import Dataset
from embedlens.store import NotFoundError, Workspace


def _ds(texts=("北京欢迎你", "hello", "third row")) -> Dataset:
    frame = pd.DataFrame({"text": list(texts)})
    return Dataset(name="mine.csv", frame=frame, ids=np.arange(len(texts)), text_column="text")


@pytest.fixture
def two(tmp_path):
    local = Workspace(tmp_path / "ws")
    return local, local.for_owner("browser:a"), local.for_owner("browser:b")


def _with_run(ws: Workspace) -> tuple[str, str, str]:
    dataset_id = ws.save_dataset(_ds())
    run_id = ws.save_run(dataset_id, "projection", {"m": "pca"}, {"coords": np.zeros((3, 2))})
    view_id = ws.save_view(
        "A's view", {"dataset_id": dataset_id, "projection_run": run_id}, caption="secret"
    )
    return dataset_id, run_id, view_id


def test_an_owner_sees_only_its_rows_and_not_by_id(two):
    local, a, b = two
    dataset_id, run_id, view_id = _with_run(a)
    story_id = a.save_story("A's story", [view_id])
    assert [i.id for i in a.list_datasets()] == [dataset_id]
    assert b.list_datasets() == [] and b.list_runs() == [] and b.list_views() == []
    assert b.list_stories() == [] and b.list_runs(dataset_id) == []
    for load, item in [
        (b.load_dataset, dataset_id),
        (b.load_run, run_id),
        (b.load_view, view_id),
        (b.load_story, story_id),
    ]:
        with pytest.raises(NotFoundError):
            load(item)
    for change in [
        lambda: b.rename_dataset(dataset_id, "mine now"),
        lambda: b.delete_dataset(dataset_id),
        lambda: b.delete_run(run_id),
        lambda: b.delete_view(view_id),
        lambda: b.delete_story(story_id),
        lambda: b.save_run(dataset_id, "projection", {"m": "x"}, {"c": np.zeros(3)}),
    ]:
        with pytest.raises(NotFoundError):
            change()
    assert b.find_run(dataset_id, "projection", {"m": "pca"}) is None
    assert a.load_dataset(dataset_id).texts[0] == "北京欢迎你"  # nothing of A's was touched
    # the local single user (CLI, Python API, serve on 127.0.0.1) sees the whole workspace
    assert [i.id for i in local.list_datasets()] == [dataset_id]
    assert local.load_run(run_id)[0].id == run_id


def test_the_same_file_uploaded_by_two_owners_gives_two_private_copies(two):
    local, a, b = two
    id_a, id_b = a.save_dataset(_ds(), name="a.csv"), b.save_dataset(_ds(), name="b.csv")
    assert id_a != id_b != _ds().fingerprint()
    assert [i.name for i in b.list_datasets()] == ["b.csv"]  # B never learns A's name
    b.delete_dataset(id_b)
    assert [i.name for i in a.list_datasets()] == ["a.csv"]


def test_runs_recorded_by_the_shared_pipeline_belong_to_the_dataset_owner(two):
    local, a, b = two
    dataset_id = a.save_dataset(_ds())
    run_id = local.save_run(dataset_id, "embedding", {"model": "m"}, {"vectors": np.eye(3)})
    assert [r.id for r in a.list_runs(dataset_id)] == [run_id]
    assert b.list_runs() == []


def test_a_share_link_opens_read_only_and_revoking_closes_it(two):
    local, a, b = two
    dataset_id, run_id, view_id = _with_run(a)
    a.save_dataset(_ds(("other", "private", "rows")), name="not shared")
    with pytest.raises(NotFoundError):
        b.share("view", view_id)  # only the owner shares
    token = a.share("view", view_id)
    assert a.share("view", view_id) == token and len(token) >= 32
    shared = b.open_share(token)
    assert (shared.kind, shared.id) == ("view", view_id)
    reader = shared.workspace
    assert reader.load_view(view_id).caption == "secret"
    assert reader.load_dataset(dataset_id).texts[1] == "hello"
    assert reader.load_run(run_id)[1]["coords"].shape == (3, 2)
    assert [i.name for i in reader.list_datasets()] == ["mine.csv"]  # not A's other dataset
    with pytest.raises(NotFoundError):
        reader.delete_view(view_id)  # read-only
    with pytest.raises(NotFoundError):
        reader.rename_dataset(dataset_id, "x")
    a.revoke_share("view", view_id)
    assert a.share_token("view", view_id) is None
    with pytest.raises(NotFoundError, match="not valid"):
        b.open_share(token)
    with pytest.raises(NotFoundError, match="not valid"):
        b.open_share("../../etc/passwd")


def test_a_shared_story_opens_its_views(two):
    local, a, b = two
    _, run_id, view_id = _with_run(a)
    story_id = a.save_story("A's story", [view_id])
    reader = b.open_share(a.share("story", story_id)).workspace
    story = reader.load_story(story_id)
    assert story.view_ids == (view_id,) and story.missing_views == ()
    assert reader.load_run(run_id)[0].id == run_id


def test_a_schema_1_workspace_is_migrated_and_its_rows_stay_local(tmp_path):
    root = tmp_path / "old"
    root.mkdir()
    conn = sqlite3.connect(root / "catalog.sqlite")
    conn.execute(
        "CREATE TABLE views (id TEXT PRIMARY KEY, name TEXT NOT NULL, caption TEXT NOT NULL, "
        "created TEXT NOT NULL, view TEXT NOT NULL)"
    )
    conn.execute("INSERT INTO views VALUES ('00aa11bb22cc33dd', 'old', '', '2026', '{}')")
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    ws = Workspace(root)
    assert [v.name for v in ws.list_views()] == ["old"]
    assert ws.for_owner("browser:x").list_views() == []  # private by default on a server
    info = sqlite3.connect(root / "catalog.sqlite").execute("PRAGMA table_info(views)")
    cols = {r[1] for r in info}
    assert {"owner", "share_token"} <= cols


def test_an_owner_bound_handle_survives_pickling(two):
    _, a, _ = two
    dataset_id = a.save_dataset(_ds())
    again = pickle.loads(pickle.dumps(a))
    assert again.owner == "browser:a" and [i.id for i in again.list_datasets()] == [dataset_id]
