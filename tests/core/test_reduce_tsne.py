"""t-SNE on exact neighbours from embedlens: never openTSNE's own index, and the right ones."""

from __future__ import annotations

import numpy as np
import openTSNE
import pytest
from openTSNE.affinity import PerplexityBasedNN
from openTSNE.nearest_neighbors import PrecomputedNeighbors
from sklearn.datasets import make_blobs
from sklearn.manifold import trustworthiness

from embedlens import reduce_tsne
from embedlens.reduce import ProjectionParams, project, transform_points
from embedlens.reduce_scale import fit_sample_transform
from embedlens.reduce_tsne import ExactNeighbors, exact_neighbors


def _brute(data: np.ndarray, queries: np.ndarray, k: int, own: bool):
    """numpy reference: all distances in float64, self left out by position."""
    full = np.linalg.norm(queries[:, None, :].astype(np.float64) - data[None], axis=2)
    if own:
        np.fill_diagonal(full, np.inf)
    order = np.argsort(full, axis=1, kind="stable")[:, :k]
    return order, np.take_along_axis(full, order, axis=1)


@pytest.fixture(scope="module")
def blobs() -> tuple[np.ndarray, np.ndarray]:
    X, y = make_blobs(n_samples=300, n_features=20, centers=4, random_state=0)
    return X.astype(np.float32), y


@pytest.fixture
def no_opentsne_index(monkeypatch):
    """openTSNE's own neighbour searches raise: a t-SNE that falls back to them fails."""

    def refuse(self, *args, **kwargs):
        raise AssertionError(f"openTSNE's own {type(self).__name__} index was used")

    for name in ("Sklearn", "Annoy", "NNDescent", "HNSW"):
        cls = getattr(openTSNE.nearest_neighbors, name, None)
        if cls is not None:
            monkeypatch.setattr(cls, "build", refuse)
            monkeypatch.setattr(cls, "query", refuse)


def test_exact_neighbors_match_a_brute_force_search():
    rng = np.random.default_rng(0)
    data = rng.normal(size=(300, 8)).astype(np.float32)
    idx, dist = exact_neighbors(data, 12)
    ref_idx, ref_dist = _brute(data, data, 12, own=True)
    np.testing.assert_array_equal(idx, ref_idx)
    np.testing.assert_allclose(dist, ref_dist, rtol=1e-5, atol=1e-5)
    queries = rng.normal(size=(40, 8)).astype(np.float32)
    q_idx, q_dist = exact_neighbors(data, 15, queries=queries)
    ref_idx, ref_dist = _brute(data, queries, 15, own=False)
    np.testing.assert_array_equal(q_idx, ref_idx)
    np.testing.assert_allclose(q_dist, ref_dist, rtol=1e-5, atol=1e-5)


def test_exact_neighbors_do_not_depend_on_the_block_size(monkeypatch):
    data = np.random.default_rng(1).normal(size=(257, 6)).astype(np.float32)
    whole = exact_neighbors(data, 9)
    monkeypatch.setattr(reduce_tsne, "_SCORE_BLOCK", 64 * 50)  # 16-row query blocks
    monkeypatch.setattr(reduce_tsne, "_DATA_CHUNK", 50)  # 6 data chunks, merged
    blocked = exact_neighbors(data, 9)
    np.testing.assert_array_equal(blocked[0], whole[0])
    np.testing.assert_allclose(blocked[1], whole[1], rtol=1e-6)


def test_a_duplicate_row_is_a_neighbour_and_the_row_itself_is_not():
    data = np.random.default_rng(2).normal(size=(50, 4)).astype(np.float32)
    data[7] = data[3]
    idx, dist = exact_neighbors(data, 5)
    assert (idx != np.arange(50)[:, None]).all()
    assert idx[3, 0] == 7 and idx[7, 0] == 3 and dist[3, 0] == 0.0


def test_tsne_affinities_come_from_exact_neighbours(blobs, no_opentsne_index):
    X, y = blobs
    proj = project(X, ProjectionParams(method="tsne", metric="euclidean", pca_dims=0))
    affinities = proj.model.estimator.affinities
    index = affinities.knn_index
    assert isinstance(index, ExactNeighbors) and index.k == 90  # openTSNE's 3 x perplexity
    # The same P as openTSNE builds from brute-force neighbours handed over as precomputed.
    ref_idx, ref_dist = _brute(X, X, 90, own=True)
    reference = PerplexityBasedNN(
        perplexity=30.0, knn_index=PrecomputedNeighbors(ref_idx, ref_dist)
    ).P
    assert abs(affinities.P - reference).max() < 1e-6 * reference.max()
    assert trustworthiness(X, proj.coords, n_neighbors=10) > 0.9


def test_cosine_neighbours_are_euclidean_on_unit_rows(blobs, no_opentsne_index):
    X, _ = blobs
    proj = project(X, ProjectionParams(method="tsne", metric="cosine", pca_dims=0))
    index = proj.model.estimator.affinities.knn_index
    np.testing.assert_allclose(np.linalg.norm(index.data, axis=1), 1.0, rtol=1e-5)
    idx, dist = index.build()
    U = X / np.linalg.norm(X, axis=1, keepdims=True)
    cos = np.einsum("ij,ikj->ik", U, U[idx])
    np.testing.assert_allclose(dist, np.sqrt(np.maximum(2 - 2 * cos, 0)), atol=1e-3)


def test_pre_reduced_tsne_is_reproducible_and_separates_clusters(blobs, no_opentsne_index):
    X, y = blobs
    params = ProjectionParams(method="tsne", pca_dims=5, seed=3)
    first, second = project(X, params), project(X, params)
    np.testing.assert_array_equal(first.coords, second.coords)
    centres = np.stack([first.coords[y == c].mean(axis=0) for c in range(4)])
    spread = max(np.linalg.norm(first.coords[y == c] - centres[c], axis=1).mean() for c in range(4))
    gaps = np.linalg.norm(centres[:, None] - centres[None], axis=2)[np.triu_indices(4, 1)]
    assert gaps.min() > 2 * spread


def test_new_rows_are_placed_by_their_exact_neighbours_in_the_sample(blobs, no_opentsne_index):
    X, y = blobs
    proj = fit_sample_transform(X, ProjectionParams(method="tsne"), sample_size=200)
    assert proj.coords.shape == (300, 2) and np.isfinite(proj.coords).all()
    assert "openTSNE's transform" in proj.notes[-1]
    index = proj.model.estimator.affinities.knn_index
    new = proj.model.prepare(X[:20])
    q_idx, q_dist = index.query(new, 15)
    ref_idx, ref_dist = _brute(index.data, new, 15, own=False)
    np.testing.assert_array_equal(q_idx, ref_idx)
    np.testing.assert_allclose(q_dist, ref_dist, rtol=1e-4, atol=1e-5)
    # A point placed by transform lands among its own cluster on the fitted map.
    placed, how = transform_points(proj, X, X[:20])
    assert how.startswith("openTSNE transform")
    coords = proj.coords
    for row, point in zip(range(20), placed, strict=True):
        nearest = np.argsort(np.linalg.norm(coords - point, axis=1))[1:11]
        assert np.mean(y[nearest] == y[row]) >= 0.8


def test_the_tripwire_catches_openTSNEs_own_index(blobs, no_opentsne_index):
    # What reduce.py did before: openTSNE finds the neighbours itself. The fixture must stop it.
    with pytest.raises(AssertionError, match="openTSNE's own"):
        openTSNE.TSNE(n_iter=10, random_state=0).fit(blobs[0])


def test_a_pickled_tsne_model_still_places_rows(blobs):
    # The Ray engine ships the fitted model to its workers (cloudpickle, by reference here).
    import pickle

    from embedlens.reduce_place import model_transform

    X, _ = blobs
    proj = project(X[:200], ProjectionParams(method="tsne"))
    model = pickle.loads(pickle.dumps(proj.model))
    assert isinstance(model.estimator.affinities.knn_index, ExactNeighbors)
    placed, _ = model_transform(model, X[200:210])
    expected, _ = model_transform(proj.model, X[200:210])
    np.testing.assert_allclose(placed, expected, rtol=1e-5, atol=1e-5)
