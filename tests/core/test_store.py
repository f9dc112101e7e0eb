"""Workspace round trips, idempotence, cascades, damage handling and path safety."""

from __future__ import annotations

import json
import os
import pickle
import sqlite3
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from embedlens.dataset import Dataset, LoadReport
from embedlens.errors import DataError, InvalidParameterError
from embedlens.store import (
    DamagedFilesError,
    NotFoundError,
    Workspace,
    atomic_save_npy,
    atomic_write_bytes,
    atomic_write_parquet,
    default_home,
    safe_name,
)


def make_dataset(rng: np.random.Generator, *, n: int = 6, vectors: bool = True) -> Dataset:
    texts = ["héllo wörld", "世界你好", None, "<script>alert(1)</script>", "🙂 emoji", "مرحبا"]
    frame = pd.DataFrame(
        {
            "text": texts[:n],
            "label": ["a", "b", "a", "c", "b", "a"][:n],
            "score": rng.random(n),
            "flag": [True, False] * (n // 2),
        }
    )
    return Dataset(
        name="news",
        frame=frame,
        ids=np.array([f"row-{i}" for i in range(n)], dtype=object),
        text_column="text",
        label_column="label",
        vectors=rng.random((n, 5), dtype=np.float32) if vectors else None,
        report=LoadReport("news.csv", n + 1, n, {"empty text": 1}, ("utf-8 detected",), "utf-8"),
    )


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return Workspace(tmp_path / "ws")


# datasets ---------------------------------------------------------------------------------


def test_dataset_round_trip_keeps_arrow_strings_unicode_ids_vectors(ws, rng):
    ds = make_dataset(rng)
    assert str(ds.frame["text"].dtype) == "str"  # pandas 3 Arrow-backed strings
    dataset_id = ws.save_dataset(ds)
    back = ws.load_dataset(dataset_id)
    pd.testing.assert_frame_equal(back.frame, ds.frame)
    assert back.ids.tolist() == ds.ids.tolist()
    assert back.vectors.dtype == np.float32 and back.vectors.flags.c_contiguous
    np.testing.assert_array_equal(back.vectors, ds.vectors)
    assert (back.text_column, back.label_column) == ("text", "label")
    assert asdict(back.report) == asdict(ds.report)
    assert back.fingerprint() == ds.fingerprint() == dataset_id


def test_dataset_round_trip_other_dtypes_and_int_ids(ws):
    frame = pd.DataFrame(
        {
            "cat": pd.Categorical(["x", "y", "x"]),
            "when": pd.to_datetime(["2024-01-01", None, "2024-03-01"]),
            "num": [1.5, np.nan, -2.0],
            "mixed": pd.Series([1, "two", None], dtype=object),  # Arrow refuses: stored as text
        }
    )
    ds = Dataset(name="misc", frame=frame, ids=np.array([7, 3, 11]), text_column="mixed")
    dataset_id = ws.save_dataset(ds)
    back = ws.load_dataset(dataset_id)
    assert back.ids.dtype == np.int64 and back.ids.tolist() == [7, 3, 11]
    pd.testing.assert_frame_equal(back.frame.drop(columns="mixed"), frame.drop(columns="mixed"))
    assert back.texts == ["1", "two", ""]
    assert back.vectors is None and back.report is None
    assert back.fingerprint() == dataset_id


def test_save_same_content_twice_keeps_one_copy(ws, rng):
    ds = make_dataset(rng)
    first = ws.save_dataset(ds, name="first name")
    usage = ws.disk_usage()
    again = ws.save_dataset(make_dataset(np.random.default_rng(0)), name="other name")
    assert again == first
    assert len(ws.list_datasets()) == 1
    assert len(os.listdir(ws.root / "datasets")) == 1
    assert ws.list_datasets()[0].name == "first name"
    assert ws.disk_usage() <= usage + 4096  # the catalog WAL may grow a page, no second copy


def test_list_rename_and_info_fields(ws, rng):
    a = ws.save_dataset(make_dataset(rng, vectors=False), name="A")
    b = ws.save_dataset(make_dataset(rng, n=4), name="B")
    infos = {i.id: i for i in ws.list_datasets()}
    assert set(infos) == {a, b}
    assert infos[a].rows == 6 and not infos[a].has_vectors and infos[b].has_vectors
    assert infos[b].text_column == "text" and infos[b].label_column == "label"
    assert infos[a].size_bytes > 0 and not infos[a].missing
    ws.rename_dataset(a, "  Renamed ")
    assert {i.name for i in ws.list_datasets()} == {"Renamed", "B"}
    assert ws.load_dataset(a).name == "Renamed"
    with pytest.raises(InvalidParameterError, match="dataset name must be a non-empty"):
        ws.rename_dataset(a, "   ")


def test_delete_dataset_cascades_to_runs_and_files(ws, rng):
    keep = ws.save_dataset(make_dataset(rng, n=4))
    gone = ws.save_dataset(make_dataset(rng))
    emb = ws.save_run(gone, "embedding", {"model": "m"}, {"vectors": rng.random((6, 3))})
    ws.save_run(gone, "projection", {"method": "pca"}, {"coords": rng.random((6, 2))}, parent=emb)
    other = ws.save_run(keep, "embedding", {"model": "m"}, {"vectors": rng.random((4, 3))})
    ws.delete_dataset(gone)
    assert [d.id for d in ws.list_datasets()] == [keep]
    assert [r.id for r in ws.list_runs()] == [other]
    assert sorted(os.listdir(ws.root / "runs")) == [other]
    assert sorted(os.listdir(ws.root / "datasets")) == [keep]
    with pytest.raises(NotFoundError, match="No dataset with id"):
        ws.load_dataset(gone)
    with pytest.raises(NotFoundError, match="No dataset with id"):
        ws.delete_dataset(gone)


def test_name_with_dot_dot_cannot_escape_the_root(tmp_path, rng):
    ws = Workspace(tmp_path / "ws")
    ds = make_dataset(rng)
    dataset_id = ws.save_dataset(ds, name="../../etc")
    ws.save_view("../../etc/passwd", {"x": 1})
    assert os.listdir(tmp_path) == ["ws"]
    root = ws.root.resolve()
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            assert Path(dirpath, name).resolve().is_relative_to(root)
    assert ws.list_datasets()[0].name == "../../etc"
    for bad in ("../../etc", "..", "/etc/passwd", "ABCDEF0123456789"):
        with pytest.raises(NotFoundError, match="not a dataset id"):
            ws.load_dataset(bad)
    with pytest.raises(InvalidParameterError, match="Array name '../x' is not allowed"):
        ws.save_run(dataset_id, "embedding", {}, {"../x": np.zeros(2)})


@given(st.text(max_size=120))
def test_safe_name_is_a_plain_file_name(name):
    slug = safe_name(name)
    assert 1 <= len(slug) <= 81
    assert "/" not in slug and "\\" not in slug and ".." not in slug
    assert not slug.startswith(".") and "\x00" not in slug
    assert not any(c in slug for c in '<>:"|?*')
    assert Path("/ws", slug).parent == Path("/ws")
    assert safe_name(slug) == slug


def test_safe_name_examples():
    assert safe_name("../../etc/passwd") == "etc_passwd"
    assert safe_name("News: été 2024?") == "News_été_2024"
    assert safe_name("CON") == "_CON"
    assert safe_name("...") == "untitled"


# runs -------------------------------------------------------------------------------------


def test_run_round_trip_records_params_versions_and_seconds(ws, rng):
    dataset_id = ws.save_dataset(make_dataset(rng))
    coords = rng.random((6, 2), dtype=np.float32)
    labels = np.array([0, 1, 1, 2, 0, -1])
    keywords = np.array(["alpha", "β", "c"], dtype=object)
    params = {"method": "umap", "n_neighbors": 15, "min_dist": 0.1, "metric": "cosine"}
    run_id = ws.save_run(
        dataset_id,
        "clustering",
        params,
        {"coords": coords, "labels": labels, "keywords": keywords},
        extra={"seconds": 2.5, "note": "ok"},
    )
    info, arrays = ws.load_run(run_id)
    assert info.params == params and info.kind == "clustering" and info.dataset_id == dataset_id
    assert info.seconds == 2.5 and info.extra["note"] == "ok"
    assert info.versions["numpy"] == np.__version__ and "pandas" in info.versions
    assert info.size_bytes == sum(p.stat().st_size for p in (ws.root / "runs" / run_id).iterdir())
    np.testing.assert_array_equal(arrays["coords"], coords)
    assert arrays["coords"].dtype == np.float32
    np.testing.assert_array_equal(arrays["labels"], labels)
    assert arrays["keywords"].tolist() == ["alpha", "β", "c"]
    on_disk = json.loads((ws.root / "runs" / run_id / "run.json").read_text(encoding="utf-8"))
    assert on_disk["params"] == params and on_disk["dataset_id"] == dataset_id


def test_run_id_is_canonical_and_save_is_idempotent(ws, rng):
    dataset_id = ws.save_dataset(make_dataset(rng))
    params = {"perplexity": 30.0, "dims": (2,), "seed": np.int64(0)}
    first = ws.save_run(dataset_id, "projection", params, {"coords": np.ones((6, 2))})
    same = {"seed": 0, "dims": [2], "perplexity": 30}
    again = ws.save_run(dataset_id, "projection", same, {"coords": np.zeros((6, 2))})
    assert again == first and len(ws.list_runs()) == 1
    assert ws.load_run(first)[1]["coords"].sum() == 12  # the first result is kept
    found = ws.find_run(dataset_id, "projection", same)
    assert found is not None and found.id == first
    assert ws.find_run(dataset_id, "projection", {**same, "perplexity": 31}) is None
    assert ws.find_run(dataset_id, "clustering", same) is None
    child = ws.save_run(dataset_id, "projection", same, {"c": np.ones(2)}, parent=first)
    assert child != first


def test_delete_run_deletes_its_children(ws, rng):
    dataset_id = ws.save_dataset(make_dataset(rng))
    emb = ws.save_run(dataset_id, "embedding", {"m": 1}, {"vectors": np.ones((6, 3))})
    proj = ws.save_run(dataset_id, "projection", {"p": 1}, {"coords": np.ones((6, 2))}, parent=emb)
    clus = ws.save_run(dataset_id, "clustering", {"k": 3}, {"labels": np.ones(6)}, parent=proj)
    other = ws.save_run(dataset_id, "embedding", {"m": 2}, {"vectors": np.ones((6, 3))})
    ws.delete_run(emb)
    assert [r.id for r in ws.list_runs(dataset_id)] == [other]
    assert os.listdir(ws.root / "runs") == [other]
    for run_id in (emb, proj, clus):
        with pytest.raises(NotFoundError, match="No run with id"):
            ws.load_run(run_id)


def test_save_run_validates_its_inputs(ws, rng):
    dataset_id = ws.save_dataset(make_dataset(rng))
    with pytest.raises(InvalidParameterError, match="'kind' parameter of Workspace.save_run"):
        ws.save_run(dataset_id, "painting", {}, {})
    with pytest.raises(NotFoundError, match="save the dataset"):
        ws.save_run("0123456789abcdef", "embedding", {}, {"v": np.ones(2)})
    with pytest.raises(NotFoundError, match="parent run"):
        ws.save_run(dataset_id, "projection", {}, {"v": np.ones(2)}, parent="0123456789abcdef")
    with pytest.raises(InvalidParameterError, match="JSON-able"):
        ws.save_run(dataset_id, "embedding", {"model": object()}, {"v": np.ones(2)})
    with pytest.raises(InvalidParameterError, match="dtype object"):
        ws.save_run(dataset_id, "embedding", {}, {"v": np.array([{"a": 1}], dtype=object)})
    other = ws.save_dataset(make_dataset(rng, n=4))
    parent = ws.save_run(other, "embedding", {}, {"v": np.ones(2)})
    with pytest.raises(InvalidParameterError, match="same dataset"):
        ws.save_run(dataset_id, "projection", {}, {"v": np.ones(2)}, parent=parent)
    assert [r.id for r in ws.list_runs()] == [parent]
    assert os.listdir(ws.root / "tmp") == []  # failed saves leave no staging behind


# damage and tolerance ---------------------------------------------------------------------


def test_damaged_or_missing_files_are_reported_and_repaired_by_saving_again(ws, rng):
    ds = make_dataset(rng)
    dataset_id = ws.save_dataset(ds)
    frame_file = ws.root / "datasets" / dataset_id / "frame.parquet"
    data = bytearray(frame_file.read_bytes())
    data[len(data) // 2] ^= 0xFF  # same size, one flipped byte
    frame_file.write_bytes(bytes(data))
    assert not ws.list_datasets()[0].missing  # a size check cannot see it ...
    with pytest.raises(DamagedFilesError, match="frame.parquet: checksum differs"):
        ws.load_dataset(dataset_id)  # ... the checksum does
    assert any("frame.parquet" in p for p in ws.check())
    assert ws.save_dataset(ds) == dataset_id
    pd.testing.assert_frame_equal(ws.load_dataset(dataset_id).frame, ds.frame)

    (ws.root / "datasets" / dataset_id / "vectors.npy").unlink()
    assert ws.list_datasets()[0].missing
    with pytest.raises(DamagedFilesError, match="vectors.npy: missing"):
        ws.load_dataset(dataset_id)
    ws.save_dataset(ds)
    assert ws.check() == []


def test_run_whose_files_are_gone_is_missing_not_a_crash(ws, rng):
    dataset_id = ws.save_dataset(make_dataset(rng))
    params = {"method": "pca"}
    run_id = ws.save_run(dataset_id, "projection", params, {"coords": np.ones((6, 2))})
    (ws.root / "runs" / run_id / "coords.npy").write_bytes(b"\x93NUMPY trunc")
    assert ws.list_runs()[0].missing
    assert ws.find_run(dataset_id, "projection", params) is None
    with pytest.raises(DamagedFilesError, match="coords.npy"):
        ws.load_run(run_id)
    assert ws.save_run(dataset_id, "projection", params, {"coords": np.ones((6, 2))}) == run_id
    assert ws.find_run(dataset_id, "projection", params).id == run_id


def test_readers_ignore_unknown_json_keys(ws, rng):
    ds = make_dataset(rng)
    dataset_id = ws.save_dataset(ds)
    meta_file = ws.root / "datasets" / dataset_id / "meta.json"
    meta = json.loads(meta_file.read_text(encoding="utf-8"))
    meta["added_by_a_newer_version"] = {"x": 1}
    meta["report"]["new_field"] = 3
    meta_file.write_text(json.dumps(meta), encoding="utf-8")
    size = meta_file.stat().st_size
    from embedlens.store.files import file_stamp

    with sqlite3.connect(ws.root / "catalog.sqlite") as conn:  # as a newer writer would
        files = json.loads(conn.execute("SELECT files FROM datasets").fetchone()[0])
        files["meta.json"] = file_stamp(meta_file)
        conn.execute("UPDATE datasets SET files = ?", (json.dumps(files),))
    assert files["meta.json"]["size"] == size
    back = ws.load_dataset(dataset_id)
    assert asdict(back.report) == asdict(ds.report) and back.text_column == "text"


def test_catalog_from_a_newer_version_is_refused(tmp_path):
    Workspace(tmp_path / "ws")
    with sqlite3.connect(tmp_path / "ws" / "catalog.sqlite") as conn:
        conn.execute("PRAGMA user_version = 99")
    with pytest.raises(DataError, match="newer embedlens"):
        Workspace(tmp_path / "ws")


def test_cleanup_removes_interrupted_leftovers_only(ws, rng):
    dataset_id = ws.save_dataset(make_dataset(rng))
    stale = [ws.root / "tmp" / "abc123", ws.root / "runs" / "0123456789abcdef"]
    for folder in stale:
        folder.mkdir()
        (folder / "coords.npy").write_bytes(b"half")
        os.utime(folder, (0, 0))
    fresh = ws.root / "tmp" / "fresh"
    fresh.mkdir()
    assert ws.cleanup(older_than_s=60) == 2
    assert not any(p.exists() for p in stale) and fresh.exists()
    assert ws.load_dataset(dataset_id).fingerprint() == dataset_id


# views, stories, home ---------------------------------------------------------------------


def test_views_and_stories(ws):
    view = {"dataset": "0123456789abcdef", "camera": np.array([1.0, 2.0]), "k": np.int32(5)}
    v1 = ws.save_view("Clusters", view, caption="first")
    assert ws.save_view("Clusters", view, caption="better caption") == v1
    v2 = ws.save_view("Zoom", {"zoom": 2, "filter": {"label": ["a", "b"]}})
    loaded = ws.load_view(v1)
    assert loaded.view == {"dataset": "0123456789abcdef", "camera": [1.0, 2.0], "k": 5}
    assert loaded.caption == "better caption" and loaded.name == "Clusters"
    assert {v.id for v in ws.list_views()} == {v1, v2}
    story = ws.save_story("Tour", [v2, v1])
    assert ws.load_story(story).view_ids == (v2, v1)
    ws.delete_view(v2)
    assert ws.load_story(story).missing_views == (v2,)
    assert [s.id for s in ws.list_stories()] == [story]
    ws.delete_story(story)
    assert ws.list_stories() == [] and [v.id for v in ws.list_views()] == [v1]
    with pytest.raises(InvalidParameterError, match="view must be JSON-able"):
        ws.save_view("bad", {"x": object()})
    with pytest.raises(NotFoundError, match="No view with id"):
        ws.load_view(v2)


def test_default_home_and_handle_pickles(tmp_path, monkeypatch, isolated_workspace):
    assert default_home() == isolated_workspace
    assert Workspace().root == isolated_workspace
    monkeypatch.delenv("EMBEDLENS_HOME")
    assert default_home() == Path.home() / ".embedlens"
    ws = Workspace(tmp_path / "p")
    assert pickle.loads(pickle.dumps(ws)).root == ws.root


def test_atomic_writers_replace_whole_files(tmp_path):
    target = tmp_path / "f.bin"
    atomic_write_bytes(target, b"old")
    atomic_write_bytes(target, b"new content")
    assert target.read_bytes() == b"new content"
    frame = pd.DataFrame({"s": ["a", "ü"], "n": [1, 2]})
    atomic_write_parquet(frame, tmp_path / "f.parquet")
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "f.parquet"), frame)
    arr = np.arange(6, dtype=np.float32).reshape(3, 2)
    atomic_save_npy(arr, tmp_path / "a.npy")
    np.testing.assert_array_equal(np.load(tmp_path / "a.npy", allow_pickle=False), arr)
    with pytest.raises(ValueError, match="without pickle"):
        atomic_save_npy(np.array([{}], dtype=object), tmp_path / "o.npy")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.npy", "f.bin", "f.parquet"]
