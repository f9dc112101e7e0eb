"""The core pipeline: cache and workspace resolution, one run key, typed provenance."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from embedlens.cluster import ClusterParams
from embedlens.dataset import Dataset
from embedlens.pipeline import PRECOMPUTED, EmbedSpec, Pipeline, Provenance, run_params
from embedlens.reduce import ProjectionParams

TFIDF = EmbedSpec(backend="tfidf-svd", model="")


def _text_ds(n: int = 60) -> Dataset:
    topics = ["stocks bank market shares", "football goal match league", "rocket space orbit"]
    texts = [f"{topics[i % 3]} story number {i}" for i in range(n)]
    frame = pd.DataFrame({"text": texts, "topic": [i % 3 for i in range(n)]})
    return Dataset(name="t", frame=frame, ids=np.arange(n), text_column="text")


def _vector_ds(rng, n: int = 300) -> Dataset:
    X = rng.normal(size=(n, 8)).astype(np.float32)
    frame = pd.DataFrame({"id": np.arange(n)})
    return Dataset(name="v", frame=frame, ids=np.arange(n), vector_column="embedding", vectors=X)


def test_run_key_records_the_sample_only_when_it_applies():
    full = run_params("projection", {"method": "umap"}, source="fp")
    sampled = run_params("projection", {"method": "umap"}, source="fp", sample_size=100)
    assert "sample_size" not in full and sampled["sample_size"] == 100
    assert full != sampled


def test_embedding_is_cached_and_carries_provenance(tmp_path):
    pipe = Pipeline(tmp_path)
    ds = _text_ds()
    first = pipe.embed(ds, TFIDF)
    again = pipe.embed(ds, TFIDF)
    assert first.embedded > 0 and again.embedded == 0 and again.cached == len(ds)
    np.testing.assert_array_equal(first.vectors, again.vectors)
    prov = again.provenance
    assert isinstance(prov, Provenance)
    assert prov.kind == "embedding" and prov.backend == "tfidf-svd"
    assert prov.source == ds.fingerprint() and prov.cache_key == again.model_key
    assert "scikit-learn" in prov.versions
    assert Provenance.from_dict(prov.to_dict()) == prov


def test_no_cache_embeds_again(tmp_path):
    pipe = Pipeline(tmp_path, use_cache=False)
    ds = _text_ds()
    pipe.embed(ds, TFIDF)
    assert pipe.embed(ds, TFIDF).embedded > 0


def test_own_vectors_are_used_as_they_are(tmp_path, rng):
    ds = _vector_ds(rng)
    emb = Pipeline(tmp_path).embed(ds)
    assert emb.provenance.backend == PRECOMPUTED and emb.provenance.model == "embedding"
    assert emb.vectors is ds.vectors
    assert emb.provenance.vectors_name() == "the file's own vectors"


def test_projection_runs_are_recorded_and_reused(tmp_path, rng):
    pipe = Pipeline(tmp_path)
    ds = _vector_ds(rng)
    dataset_id = pipe.workspace.save_dataset(ds)
    emb = pipe.embed(ds, dataset_id=dataset_id)
    assert emb.provenance.run_id is not None
    params = ProjectionParams(method="pca")
    first = pipe.project(emb, params, dataset_id=dataset_id)
    assert first.provenance.run_id is not None
    found = pipe.find_projection(emb, params, dataset_id=dataset_id)
    assert found is not None and found.provenance.run_id == first.provenance.run_id
    np.testing.assert_array_equal(found.coords, first.coords)


def test_a_sampled_fit_is_never_served_for_a_full_fit(tmp_path, rng):
    """The run-key bug: a view of a map fitted on a sample pointed at the full fit's key."""
    pipe = Pipeline(tmp_path)
    ds = _vector_ds(rng, n=400)
    dataset_id = pipe.workspace.save_dataset(ds)
    emb = pipe.embed(ds, dataset_id=dataset_id)
    params = ProjectionParams(method="tsne", perplexity=10.0)
    sampled = pipe.project(emb, params, sample_size=150, dataset_id=dataset_id)
    assert sampled.provenance.sample_size == 150
    assert pipe.find_projection(emb, params, dataset_id=dataset_id) is None
    hit = pipe.find_projection(emb, params, sample_size=150, dataset_id=dataset_id)
    assert hit is not None and hit.provenance.run_id == sampled.provenance.run_id
    # Recording the same result again (as a saved view does) lands on the same run.
    unrecorded = type(sampled)(
        coords=sampled.coords, params=sampled.params, notes=(), seconds=0.0,
        provenance=sampled.provenance.with_run(None),
    )
    again = pipe.record_projection(emb, unrecorded, sample_size=150, dataset_id=dataset_id)
    assert again.provenance.run_id == sampled.provenance.run_id


def test_sample_size_at_or_above_the_rows_is_a_full_fit(tmp_path, rng):
    pipe = Pipeline(tmp_path)
    emb = pipe.embed(_vector_ds(rng, n=50))
    key = pipe.projection_key(emb, ProjectionParams(method="umap"), sample_size=50)
    assert "sample_size" not in key
    assert "sample_size" not in pipe.projection_key(
        emb, ProjectionParams(method="pca"), sample_size=10
    )


def test_clustering_runs_are_recorded_with_keywords_and_reused(tmp_path):
    pipe = Pipeline(tmp_path)
    ds = _text_ds()
    dataset_id = pipe.workspace.save_dataset(ds)
    emb = pipe.embed(ds, TFIDF, dataset_id=dataset_id)
    proj = pipe.project(emb, ProjectionParams(method="pca"), dataset_id=dataset_id)
    params = ClusterParams(k=3)
    first = pipe.cluster(ds, emb, proj, params, dataset_id=dataset_id)
    again = pipe.cluster(ds, emb, proj, params, dataset_id=dataset_id)
    assert first.provenance.run_id == again.provenance.run_id is not None
    np.testing.assert_array_equal(first.labels, again.labels)
    assert again.names == first.names and again.keywords == first.keywords
    on_map = pipe.cluster(ds, emb, proj, ClusterParams(k=3, space="map"), dataset_id=dataset_id)
    assert on_map.provenance.source == proj.provenance.run_id


def test_map_clustering_needs_a_projection(tmp_path, rng):
    pipe = Pipeline(tmp_path)
    ds = _vector_ds(rng)
    with pytest.raises(ValueError, match="needs a projection"):
        pipe.cluster(ds, pipe.embed(ds), None, ClusterParams(space="map"))


def test_progress_is_reported(tmp_path):
    seen = []
    Pipeline(tmp_path).embed(_text_ds(), TFIDF, on_progress=lambda f, m: seen.append(f))
    assert seen and seen[-1] == 1.0


def test_pipeline_pickles_without_its_loader(tmp_path):
    import pickle

    pipe = Pipeline(tmp_path, embedder_loader=lambda b, m: None)
    copy = pickle.loads(pickle.dumps(pipe))
    assert copy.workspace.root == pipe.workspace.root and copy.embedder_loader is None
