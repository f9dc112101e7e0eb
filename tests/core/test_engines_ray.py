"""The ray engine on a real local Ray (``ray.init(num_cpus=2)``), against the local functions.

One Ray for the module (starting one costs ~6 s); every check compares the Ray result with
what the same step gives in this process. The ``slow`` ones load MiniLM in two actors or
compile UMAP in them (16 tests: 13.5 min at a load average of 15 on 2 cores).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from embedlens.cluster import ClusterParams, cluster
from embedlens.embedders import embed_texts
from embedlens.errors import DataError
from embedlens.neighbors import top_k
from embedlens.pipeline import EmbedSpec
from embedlens.reduce import ProjectionParams
from embedlens.reduce_scale import fit_sample_transform
from embedlens.store import EmbeddingCache
from tests.conftest import ROOT, SHARED_DATASETS

ray = pytest.importorskip("ray")

MINILM = EmbedSpec(backend="sentence-transformers", model="all-MiniLM-L6-v2", precision="float32")


@pytest.fixture(scope="module")
def engine():
    from embedlens.engines.ray_engine import RayEngine

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    eng = RayEngine(workers=2)
    yield eng
    eng.close()
    ray.shutdown()


@pytest.fixture(scope="module")
def ag3k() -> list[str]:
    """3,000 AG News titles (the shared test file), else the sample headlines, numbered."""
    path = SHARED_DATASETS / "ag_news_test.csv"
    if path.is_file():
        return [str(t) for t in pd.read_csv(path, header=None, nrows=3000)[1]]
    heads = pd.read_csv(ROOT / "sample_data" / "headlines.csv")["text"].astype(str).tolist()
    return [f"{heads[i % len(heads)]} ({i // len(heads)})" for i in range(3000)]


@pytest.fixture(scope="module")
def vectors3k(ag3k) -> np.ndarray:
    """The 3,000 titles by TF-IDF + SVD (fast), plus seeded noise: no all-stop-word zero rows."""
    X = embed_texts(ag3k, backend="tfidf-svd").vectors
    return (X + np.random.default_rng(0).normal(scale=0.01, size=X.shape)).astype(np.float32)


def row_cosine(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    return (a * b).sum(axis=1)


@pytest.mark.slow  # 1.5-4 min on the busy 2-core machine
@pytest.mark.external
def test_embed_minilm_equals_local_with_two_workers(engine, ag3k, tmp_path):
    assert engine.name == "ray" and engine.workers == 2
    local = embed_texts(ag3k, backend=MINILM.backend, model=MINILM.model, precision="float32")
    cache = EmbeddingCache(tmp_path / "embeddings.sqlite")
    messages: list[tuple[float, str]] = []
    result = engine.embed(
        ag3k, MINILM, cache=cache, on_progress=lambda f, m: messages.append((f, m))
    )
    assert result.vectors.shape == local.vectors.shape == (3000, 384)
    assert result.vectors.dtype == np.float32 and result.vectors.flags.c_contiguous
    assert row_cosine(result.vectors, local.vectors).min() >= 0.999
    assert result.model_key == local.model_key
    assert result.embedded == local.embedded and result.duplicates == local.duplicates
    assert messages[-1][0] == 1.0 and "Ray" in messages[-1][1]
    assert len(engine.last_worker_pids) == 2  # both actors embedded a share
    # A second run is served by the cache: nothing goes to Ray.
    again = engine.embed(ag3k, MINILM, cache=cache)
    assert again.embedded == 0 and again.cached == 3000
    np.testing.assert_array_equal(again.vectors, result.vectors)


@pytest.mark.slow  # 1.5-4 min on the busy 2-core machine
@pytest.mark.external
def test_embed_sends_only_cache_misses(engine, tmp_path):
    texts = [f"headline number {i} about markets and weather" for i in range(300)]
    cache = EmbeddingCache(tmp_path / "embeddings.sqlite")
    first = engine.embed(texts[:200], MINILM, cache=cache)
    assert first.embedded == 200
    mixed = engine.embed(texts[100:] + texts[:5], MINILM, cache=cache)
    assert mixed.embedded == 100 and mixed.cached == 105 and len(mixed.vectors) == 205
    local = embed_texts(texts[100:] + texts[:5], backend=MINILM.backend, precision="float32")
    assert row_cosine(mixed.vectors, local.vectors).min() >= 0.999


def test_embed_corpus_backend_runs_as_one_task_and_equals_local(engine, ag3k, tmp_path):
    spec = EmbedSpec(backend="tfidf-svd", model="")
    cache = EmbeddingCache(tmp_path / "embeddings.sqlite")
    result = engine.embed(ag3k[:500], spec, cache=cache)
    local = embed_texts(ag3k[:500], backend="tfidf-svd")
    assert result.model_key == local.model_key
    np.testing.assert_allclose(result.vectors, local.vectors, atol=1e-5)
    assert engine.embed(ag3k[:500], spec, cache=cache).embedded == 0


def test_a_model_missing_on_the_workers_is_a_data_error(engine):
    spec = EmbedSpec(backend="sentence-transformers", model="/no/such/model", precision="float32")
    with pytest.raises(DataError, match="not on this machine"):
        engine.embed(["one text", "another"], spec)


def test_actor_pool_takes_gpus_only_when_the_cluster_has_them(engine):
    import copy

    from embedlens.engines import EngineUnavailable

    assert engine.gpus == 0 and engine.pool().num_gpus == 0 and engine.pool().device == "cpu"
    with pytest.raises(EngineUnavailable, match="no GPUs"):
        engine.pool(device="cuda")
    on_gpus = copy.copy(engine)  # as RayEngine sets itself up on a cluster with GPUs
    on_gpus.gpus, on_gpus.num_gpus = 4.0, 1.0
    pool = on_gpus.pool(precision="auto")
    assert (pool.device, pool.num_gpus, pool.workers) == ("cuda", 1.0, 2)
    assert pool.precision in ("float32", "bfloat16")
    assert pool.map_args(object, batch_format="numpy")["num_gpus"] == 1.0
    cpu = on_gpus.pool(device="cpu")
    assert (cpu.device, cpu.num_gpus) == ("cpu", 0.0)


def test_embed_rejects_empty_input(engine):
    with pytest.raises(DataError, match="no texts"):
        engine.embed([], MINILM)


def test_project_sample_places_every_row(engine, vectors3k):
    # PCA here; UMAP placed by actors is tests/integration/test_engines_ray_cli.py's check
    # (each actor loads umap-learn's compiled code: minutes on 2 cores, paid once there).
    params = ProjectionParams(method="pca")
    seen: list[float] = []
    proj = engine.project(
        vectors3k, params, sample_size=1000, on_progress=lambda f, m: seen.append(f)
    )
    assert proj.coords.shape == (3000, 2) and np.isfinite(proj.coords).all()
    assert len(np.unique(proj.coords, axis=0)) > 2900  # every row placed, not piled up
    assert any("placed the rest" in n and "Ray" in n for n in proj.notes)
    assert seen[-1] == 1.0 and proj.model is None


def test_project_pca_sample_equals_local_fit_sample_transform(engine, vectors3k):
    params = ProjectionParams(method="pca", dims=3)
    ray_proj = engine.project(vectors3k, params, sample_size=500)
    local = fit_sample_transform(vectors3k, params, sample_size=500)
    np.testing.assert_allclose(ray_proj.coords, local.coords, atol=1e-5)


def test_project_without_sample_runs_the_whole_fit(engine, vectors3k):
    params = ProjectionParams(method="pca")
    from embedlens.reduce import project

    np.testing.assert_allclose(
        engine.project(vectors3k[:800], params).coords,
        project(vectors3k[:800], params).coords,
        atol=1e-5,
    )


@pytest.mark.parametrize("metric", ["cosine", "dot", "euclidean"])
def test_neighbours_top_k_merge_equals_brute_force(engine, metric):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(2001, 24)).astype(np.float32)
    Q = X[:150]
    exclude = np.arange(150)
    got = engine.neighbors(X, Q, k=7, metric=metric, exclude=exclude)
    want = top_k(X, Q, k=7, metric=metric, exclude=exclude)
    np.testing.assert_array_equal(got.indices, want.indices)
    np.testing.assert_allclose(got.scores, want.scores, rtol=1e-5, atol=1e-5)
    assert not (got.indices == exclude[:, None]).any()


def test_neighbours_merge_across_more_shards_than_k(engine):
    from embedlens.engines.ray_steps import top_k_on_ray

    rng = np.random.default_rng(4)
    X = rng.normal(size=(97, 5)).astype(np.float32)
    got = top_k_on_ray(X, X[:9], k=12, metric="cosine", shards=13)  # shards of 7-8 rows
    want = top_k(X, X[:9], k=12, metric="cosine")
    np.testing.assert_array_equal(got.indices, want.indices)


def test_kmeans_predict_covers_every_row_and_equals_local(engine, vectors3k, ag3k):
    params = ClusterParams(method="kmeans", k=4)
    got = engine.cluster(vectors3k, params, texts=ag3k)
    want = cluster(vectors3k, params, texts=ag3k)
    assert got.labels.shape == (3000,) and (got.labels >= 0).all()
    assert set(np.unique(got.labels)) == {0, 1, 2, 3}
    np.testing.assert_array_equal(got.labels, want.labels)
    assert got.names == want.names


def test_kmeans_fitted_on_a_sample_above_the_fit_rows(engine, monkeypatch):
    import embedlens.cluster as cluster_module

    monkeypatch.setattr(cluster_module, "AUTO_K_FIT_ROWS", 500)  # a 500-row fit sample
    rng = np.random.default_rng(5)
    centres = rng.normal(size=(3, 8)) * 5
    X = (centres[rng.integers(0, 3, 4000)] + rng.normal(size=(4000, 8))).astype(np.float32)
    params = ClusterParams(method="kmeans", k=3, metric="euclidean")
    got = engine.cluster(X, params)
    want = cluster(X, params)
    np.testing.assert_array_equal(got.labels, want.labels)
    assert any("sample of 500 of 4,000" in n for n in got.notes)


def test_automatic_k_on_ray_is_the_local_choice_with_its_curve(engine):
    rng = np.random.default_rng(3)
    centres = rng.normal(size=(5, 16)) * 6
    X = (centres[rng.integers(0, 5, 800)] + rng.normal(size=(800, 16))).astype(np.float32)
    params = ClusterParams(method="kmeans", k=None, metric="euclidean")
    got, want = engine.cluster(X, params), cluster(X, params)
    assert want.k_choice is not None and got.k_choice is not None
    assert got.k_choice.k == want.k_choice.k == got.params.k
    np.testing.assert_array_equal(got.labels, want.labels)


def test_other_cluster_methods_run_as_a_task(engine, vectors3k):
    params = ClusterParams(method="hdbscan", min_cluster_size=20)
    got = engine.cluster(vectors3k[:600], params)
    want = cluster(vectors3k[:600], params)
    np.testing.assert_array_equal(got.labels, want.labels)


@pytest.mark.slow  # 1.5-4 min on the busy 2-core machine
@pytest.mark.external
def test_embed_parquet_in_shards_keeps_row_order(engine, tmp_path):
    texts = [f"row {i}: " + "word " * (i % 17) for i in range(700)]
    source = tmp_path / "in"
    source.mkdir()
    for part, start in enumerate(range(0, 700, 250)):
        pd.DataFrame(
            {"id": range(start, min(start + 250, 700)), "text": texts[start : start + 250]}
        ).to_parquet(source / f"part-{part}.parquet")
    out = tmp_path / "out"
    assert engine.embed_parquet(source, out, MINILM, text_column="text") == 700
    frame = pd.read_parquet(out)
    assert frame["id"].tolist() == list(range(700))
    got = np.stack(frame["embedding"].to_numpy()).astype(np.float32)
    local = embed_texts(texts, backend=MINILM.backend, precision="float32").vectors
    assert row_cosine(got, local).min() >= 0.999


def test_embed_parquet_refuses_a_folder_that_holds_parquet(engine, tmp_path):
    path = tmp_path / "t.parquet"
    pd.DataFrame({"text": ["a", "b"]}).to_parquet(path)
    out = tmp_path / "out"
    out.mkdir()
    pd.DataFrame({"text": ["old"]}).to_parquet(out / "part-00000.parquet")
    with pytest.raises(DataError, match="already holds Parquet files"):
        engine.embed_parquet(path, out, MINILM, text_column="text")


def test_shard_writer_keeps_order_splits_shards_and_survives_a_null_batch(tmp_path, monkeypatch):
    import pyarrow as pa

    from embedlens.engines import ray_embed

    monkeypatch.setattr(ray_embed, "SHARD_ROWS", 4)
    batches = [
        pa.table({"id": [0, 1, 2], "note": ["a", "b", "c"]}),
        pa.table({"id": [3, 4], "note": pa.nulls(2)}),  # all null: read as another type
        pa.table({"id": [5], "note": ["f"]}),
        pa.table({"id": [6], "other": [1.5]}),  # another schema: a shard of its own
    ]
    with ray_embed._ShardWriter(tmp_path) as shards:
        for table in batches:
            shards.write(table)
    assert shards.rows == 7
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["part-00000.parquet", "part-00001.parquet", "part-00002.parquet"]
    first = pd.read_parquet(tmp_path / files[0])
    assert first["id"].tolist() == [0, 1, 2, 3, 4]
    assert first["note"].tolist()[:3] == ["a", "b", "c"] and first["note"].isna()[3:].all()
    assert pd.read_parquet(tmp_path / files[1])["id"].tolist() == [5]
    assert pd.read_parquet(tmp_path / files[2])["other"].tolist() == [1.5]


def test_embed_parquet_names_a_missing_column(engine, tmp_path):
    path = tmp_path / "t.parquet"
    pd.DataFrame({"title": ["a", "b"]}).to_parquet(path)
    with pytest.raises(DataError, match="no column 'text'"):
        engine.embed_parquet(path, tmp_path / "o", MINILM, text_column="text")
