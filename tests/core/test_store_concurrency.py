"""Several writers at once, and a writer killed mid-write: nothing corrupt, mixed or lost."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from embedlens.store import Workspace

# One source for the writers: run as a script by the subprocesses, exec'd here for the threads.
WORKER_SRC = r'''
import os, sys, time, zlib
import numpy as np
import pandas as pd
from embedlens.dataset import Dataset
from embedlens.store import Workspace, model_key

KEY = model_key("fake", "crc32")


def vec(texts):
    """A vector that is a pure function of the text, whichever writer computes it."""
    return np.array([[zlib.crc32(t.encode()) % 997] * 4 for t in texts], dtype=np.float32)


def numbered_dataset(i, n=400):
    rng = np.random.default_rng(i)
    texts = [f"doc {i}-{k} é" for k in range(n)]
    frame = pd.DataFrame({"text": texts, "label": ["a", "b"] * (n // 2)})
    return Dataset(name=f"crash-{i}", frame=frame, ids=np.arange(n), text_column="text",
                   label_column="label", vectors=rng.random((n, 32), dtype=np.float32))


def work(root, wid, n, go=None):
    ws = Workspace(root)
    cache = ws.embedding_cache()
    if go is not None:
        print("ready", flush=True)
        while not os.path.exists(go):
            time.sleep(0.005)
    did = ws.save_dataset(numbered_dataset(0, n=40))  # the same content from every writer
    for j in range(n):
        ws.save_run(did, "projection", {"writer": wid, "j": j},
                    {"coords": np.full((20, 2), wid * 1000 + j, dtype=np.float32)})
        ws.save_run(did, "clustering", {"shared": True},  # one key for all writers
                    {"a": np.full(50, wid), "b": np.full(50, wid)})
        texts = [f"w{wid}-{j}-{k}" for k in range(30)] + [f"shared-{j}-{k}" for k in range(30)]
        cache.put_many(KEY, texts, vec(texts))


def crash_loop(root, start):
    ws = Workspace(root)
    cache = ws.embedding_cache()
    print("ready", flush=True)
    i = start
    while True:
        texts = [f"batch{i}-{k}" for k in range(300)]
        cache.put_many(KEY, texts, vec(texts))
        ds = numbered_dataset(i)
        did = ws.save_dataset(ds)
        ws.save_run(did, "embedding", {"i": i}, {"vectors": ds.vectors * 2})
        print(i, flush=True)
        i += 1


if __name__ == "__main__":
    if sys.argv[1] == "work":
        work(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5])
    else:
        crash_loop(sys.argv[2], int(sys.argv[3]))
'''

W: dict = {}
exec(compile(WORKER_SRC, "store_worker", "exec"), W)
N_PER_WRITER = 6


def _spawn(script: Path, *args: object) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    return subprocess.Popen(
        [sys.executable, str(script), *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _integrity(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def test_threads_and_processes_write_one_workspace_at_once(tmp_path):
    root = tmp_path / "ws"  # not created yet: every writer races to create the schema
    script = tmp_path / "worker.py"
    script.write_text(WORKER_SRC, encoding="utf-8")
    go = tmp_path / "go"
    procs = [_spawn(script, "work", root, wid, N_PER_WRITER, go) for wid in (1, 2, 3)]
    try:
        for proc in procs:
            assert proc.stdout.readline().strip() == "ready", proc.stderr.read()
        errors: list[BaseException] = []

        def thread_main(wid: int) -> None:
            try:
                W["work"](str(root), wid, N_PER_WRITER)
            except BaseException as exc:  # reported below; a thread cannot fail the test
                errors.append(exc)

        threads = [threading.Thread(target=thread_main, args=(w,)) for w in (11, 12, 13, 14)]
        for t in threads:
            t.start()
        go.touch()
        for t in threads:
            t.join(timeout=60)
        for proc in procs:
            _, err = proc.communicate(timeout=60)
            assert proc.returncode == 0, err
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
    assert errors == []

    ws = Workspace(root)
    writers = (1, 2, 3, 11, 12, 13, 14)
    [dataset] = ws.list_datasets()
    runs = ws.list_runs(dataset.id)
    assert len(runs) == len(writers) * N_PER_WRITER + 1
    for info in runs:
        _, arrays = ws.load_run(info.id)
        if info.kind == "projection":
            expected = info.params["writer"] * 1000 + info.params["j"]
            assert (arrays["coords"] == expected).all()
        else:  # the shared key: both arrays come from the same single writer, never mixed
            assert arrays["a"][0] in writers and (arrays["a"] == arrays["b"][0]).all()
    cache = ws.embedding_cache()
    texts = [f"w{w}-{j}-{k}" for w in writers for j in range(N_PER_WRITER) for k in range(30)]
    texts += [f"shared-{j}-{k}" for j in range(N_PER_WRITER) for k in range(30)]
    got, found = cache.get_many(W["KEY"], texts)
    assert found.all() and cache.count() == len(texts)
    np.testing.assert_array_equal(got, W["vec"](texts))
    assert _integrity(root / "catalog.sqlite") == "ok"
    assert _integrity(root / "embeddings.sqlite") == "ok"
    assert ws.check() == []
    assert os.listdir(root / "tmp") == []


def _check_after_crash(root: Path, done: list[int]) -> None:
    ws = Workspace(root)
    assert ws.check() == []  # integrity of both databases + every row's files (sha256)
    saved = {}
    for info in ws.list_datasets():
        ds = ws.load_dataset(info.id)
        i = int(info.name.split("-")[1])
        assert ds.fingerprint() == W["numbered_dataset"](i).fingerprint() == info.id
        saved[i] = info.id
    for info in ws.list_runs():
        _, arrays = ws.load_run(info.id)
        expected = W["numbered_dataset"](info.params["i"]).vectors * 2
        np.testing.assert_array_equal(arrays["vectors"], expected)
    assert set(done) <= set(saved)  # every finished iteration survived the kill
    cache = ws.embedding_cache()
    for i in range(max(done, default=0) + 3):
        texts = [f"batch{i}-{k}" for k in range(300)]
        got, found = cache.get_many(W["KEY"], texts)
        assert found.all() or not found.any()  # a batch is all there or not at all
        if i in done:
            assert found.all()
        if found.all():
            np.testing.assert_array_equal(got, W["vec"](texts))


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX SIGKILL")
@pytest.mark.parametrize("seed", [7])
def test_kill_mid_write_leaves_nothing_half_written(tmp_path, seed):
    rng = np.random.default_rng(seed)
    root = tmp_path / "ws"
    script = tmp_path / "worker.py"
    script.write_text(WORKER_SRC, encoding="utf-8")
    done: list[int] = []
    start = 0
    for _round in range(2):
        proc = _spawn(script, "crash", root, start)
        try:
            assert proc.stdout.readline().strip() == "ready", proc.stderr.read()
            time.sleep(float(rng.uniform(0.05, 0.8)))
        finally:
            proc.send_signal(signal.SIGKILL)
        out, _ = proc.communicate(timeout=30)
        assert proc.returncode == -signal.SIGKILL
        finished = [int(line) for line in out.split()]
        done += finished
        _check_after_crash(root, done)
        start = (max(done) if done else start) + 100
    # writing continues where the killed writer left off
    ws = Workspace(root)
    ds = W["numbered_dataset"](999, n=10)
    dataset_id = ws.save_dataset(ds)
    run_id = ws.save_run(dataset_id, "embedding", {"i": 999}, {"vectors": ds.vectors * 2})
    texts = ["after the crash", "again"]
    ws.embedding_cache().put_many(W["KEY"], texts, W["vec"](texts))
    assert ws.load_dataset(dataset_id).fingerprint() == dataset_id
    assert ws.load_run(run_id)[0].params == {"i": 999}
    assert ws.embedding_cache().get_many(W["KEY"], texts)[1].all()
    ws.cleanup(older_than_s=0)  # the killed writers' staging leftovers
    assert os.listdir(root / "tmp") == [] and ws.check() == []
