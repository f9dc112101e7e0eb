from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest
from scipy.spatial.distance import pdist
from sklearn.datasets import make_blobs
from sklearn.manifold import trustworthiness
from sklearn.neighbors import KNeighborsClassifier

from embedlens.errors import DataError, InvalidParameterError
from embedlens.reduce import (
    REDUCERS,
    Projection,
    ProjectionParams,
    project,
    transform_points,
)
from embedlens.reduce_scale import estimate_cost, fit_sample_transform


@pytest.fixture(scope="module")
def blobs() -> tuple[np.ndarray, np.ndarray]:
    X, y = make_blobs(n_samples=90, n_features=20, centers=3, cluster_std=1.0, random_state=0)
    return X.astype(np.float32), y


@pytest.fixture(scope="module")
def fitted(blobs) -> dict[str, Projection]:
    """One 2-D projection per method, shared (UMAP's numba JIT costs ~10-20 s per process)."""
    X, _ = blobs
    return {name: project(X, ProjectionParams(method=name)) for name in REDUCERS.names()}


def _extent(coords: np.ndarray) -> float:
    return float(np.linalg.norm(np.ptp(coords, axis=0)))


def test_registry_lists_three_available_reducers():
    assert REDUCERS.names() == ["pca", "tsne", "umap"]
    assert REDUCERS.available() == {"pca": None, "tsne": None, "umap": None}


@pytest.mark.parametrize("name", REDUCERS.names())
@pytest.mark.parametrize("dims", [2, 3])
def test_reducer_contract(name, dims, blobs, fitted):
    X, y = blobs
    proj = fitted[name] if dims == 2 else project(X, ProjectionParams(method=name, dims=dims))
    assert proj.coords.shape == (len(X), dims)
    assert proj.coords.dtype == np.float32 and proj.coords.flags.c_contiguous
    assert np.isfinite(proj.coords).all()
    assert proj.params.method == name and proj.params.dims == dims
    assert proj.seconds >= 0
    # three separated blobs stay separated on every map
    knn = KNeighborsClassifier(n_neighbors=5).fit(proj.coords, y)
    assert knn.score(proj.coords, y) > 0.95


def test_pca_of_rank_two_data_is_an_isometry(rng):
    X = rng.normal(size=(60, 2)) @ rng.normal(size=(2, 12))
    coords = project(X, ProjectionParams(method="pca")).coords
    assert trustworthiness(X, coords, n_neighbors=5) == pytest.approx(1.0)
    # all the variance is in 2 components, so map distances equal the original distances
    np.testing.assert_allclose(pdist(coords), pdist(X), rtol=1e-3, atol=1e-3)


def test_pca_is_deterministic_and_sign_fixed(blobs):
    X, _ = blobs
    a = project(X, ProjectionParams(method="pca", seed=0)).coords
    b = project(X, ProjectionParams(method="pca", seed=7)).coords
    np.testing.assert_array_equal(a, b)
    model = project(X, ProjectionParams(method="pca")).model
    comps = model.estimator.components_
    assert (comps[np.arange(2), np.abs(comps).argmax(axis=1)] > 0).all()


@pytest.mark.parametrize("name", REDUCERS.names())
def test_same_seed_same_map(name, blobs, fitted):
    X, _ = blobs
    again = project(X, ProjectionParams(method=name))
    np.testing.assert_array_equal(again.coords, fitted[name].coords)


def test_tsne_different_seed_different_map(blobs, fitted):
    X, _ = blobs
    other = project(X, ProjectionParams(method="tsne", seed=1))
    assert not np.allclose(other.coords, fitted["tsne"].coords)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"method": "lle"}, r"'method' parameter of ProjectionParams must be one of"),
        ({"dims": 4}, r"'dims' parameter of ProjectionParams must be one of \{2, 3\}"),
        ({"seed": -1}, r"'seed' parameter .* an int in the range \[0, 4294967295\]"),
        ({"perplexity": 0.0}, r"'perplexity' parameter .* in the range \(0, inf\)"),
        ({"n_neighbors": 1}, r"'n_neighbors' parameter .* an int in the range \[2, inf\)"),
        ({"n_neighbors": 5.5}, r"'n_neighbors' parameter .* Got 5.5 instead"),
        ({"min_dist": 1.5}, r"'min_dist' parameter .* in the range \[0, 1\]"),
        ({"metric": "manhattan"}, r"'metric' parameter .* one of \{'cosine', 'euclidean'\}"),
        ({"pca_dims": -1}, r"'pca_dims' parameter .* \[0, inf\)"),
    ],
)
def test_params_validation(kwargs, match):
    with pytest.raises(InvalidParameterError, match=match):
        ProjectionParams(**kwargs)


def test_params_round_trip_ignores_unknown_keys():
    params = ProjectionParams(method="umap", dims=3, n_neighbors=7)
    data = params.to_dict() | {"added_in_a_later_version": 1}
    assert ProjectionParams.from_dict(data) == params


def test_fewer_than_three_rows():
    with pytest.raises(DataError, match="at least 3 rows"):
        project(np.ones((2, 4)) * [[1], [2]])


def test_non_finite_rows_are_named():
    X = np.arange(20, dtype=np.float32).reshape(5, 4)
    X[3, 1] = np.nan
    with pytest.raises(DataError, match=r"NaN or infinite .*row index 3"):
        project(X)


def test_pca_cannot_make_more_dims_than_input():
    X = np.random.default_rng(0).normal(size=(10, 2))
    shape = r"'dims' parameter of ProjectionParams must be at most .* \(2\).* Got 3 instead"
    with pytest.raises(InvalidParameterError, match=shape):
        project(X, ProjectionParams(method="pca", dims=3))


@pytest.mark.parametrize("name", ["pca", "tsne"])
def test_identical_vectors_are_refused(name):
    X = np.tile(np.arange(5, dtype=np.float32), (8, 1))
    with pytest.raises(DataError, match="all vectors are identical; a map would be a single"):
        project(X, ProjectionParams(method=name))


def test_parallel_vectors_are_identical_under_cosine():
    X = np.arange(1, 9, dtype=np.float32)[:, None] * np.ones((1, 4), dtype=np.float32)
    with pytest.raises(DataError, match="same direction"):
        project(X, ProjectionParams(method="tsne", metric="cosine"))


def test_zero_vectors_refused_under_cosine(blobs):
    X = blobs[0].copy()
    X[[4, 9]] = 0
    with pytest.raises(DataError, match=r"2 all-zero row\(s\) \(row index 4, 9\).*euclidean"):
        project(X, ProjectionParams(method="tsne", metric="cosine"))
    ok = project(X, ProjectionParams(method="tsne", metric="euclidean"))
    assert np.isfinite(ok.coords).all()


def test_perplexity_is_lowered_with_a_note(blobs):
    X = blobs[0][:30]
    proj = project(X, ProjectionParams(method="tsne", perplexity=50))
    assert proj.params.perplexity == pytest.approx(29 / 3)
    assert any("perplexity from 50 to 9.667" in note for note in proj.notes)


def test_n_neighbors_is_lowered_with_a_note(blobs):
    X = blobs[0][:12]
    proj = project(X, ProjectionParams(method="umap", n_neighbors=15))
    assert proj.params.n_neighbors == 11
    assert any("n_neighbors from 15 to 11" in note for note in proj.notes)
    assert np.isfinite(proj.coords).all()


def test_wide_input_is_pre_reduced_with_a_note(blobs):
    X = blobs[0]
    proj = project(X, ProjectionParams(method="tsne", pca_dims=5))
    assert any("Reduced 20 to 5 dimensions with PCA" in note for note in proj.notes)
    assert proj.model.pre.n_components_ == 5
    plain = project(X, ProjectionParams(method="tsne", pca_dims=0))
    assert not any("PCA" in note for note in plain.notes)


def test_progress_starts_at_zero_ends_at_one(blobs):
    seen: list[tuple[float, str]] = []
    project(blobs[0], ProjectionParams(method="tsne"), on_progress=lambda f, m: seen.append((f, m)))
    fractions = [f for f, _ in seen]
    assert fractions[0] == 0.0 and fractions[-1] == 1.0
    assert fractions == sorted(fractions)
    assert any("iteration" in m for _, m in seen)  # openTSNE's callbacks are forwarded


@pytest.mark.parametrize("name", REDUCERS.names())
def test_transform_puts_a_training_point_near_its_own_position(name, blobs, fitted):
    X, y = blobs
    proj = fitted[name]
    rows = [0, 1, 2, 45, 89]
    placed, how = transform_points(proj, X, X[rows])
    assert placed.shape == (5, 2) and placed.dtype == np.float32 and how
    dist = np.linalg.norm(placed - proj.coords[rows], axis=1)
    assert (dist < 0.2 * _extent(proj.coords)).all()
    knn = KNeighborsClassifier(n_neighbors=5).fit(proj.coords, y)
    assert (knn.predict(placed) == y[rows]).all()


def test_pca_transform_is_exact(blobs, fitted):
    X, _ = blobs
    placed, how = transform_points(fitted["pca"], X, X[:10])
    np.testing.assert_allclose(placed, fitted["pca"].coords[:10], atol=1e-4)
    assert "PCA" in how


@pytest.mark.parametrize("name", REDUCERS.names())
def test_neighbour_placement_without_a_model(name, blobs, fitted):
    X, _ = blobs
    proj = replace(fitted[name], model=None)  # e.g. a map read back from disk
    placed, how = transform_points(proj, X, X[7])  # a single vector is accepted
    assert "10 nearest training points (cosine)" in how
    assert np.linalg.norm(placed[0] - proj.coords[7]) < 1e-3 * _extent(proj.coords)


def test_transform_checks_shapes(blobs, fitted):
    X, _ = blobs
    with pytest.raises(DataError, match="new vectors have 5 dimensions .* 20-dimensional"):
        transform_points(fitted["pca"], X, X[:3, :5])
    with pytest.raises(DataError, match="training vectors has 10 rows but the table has 90"):
        transform_points(fitted["pca"], X[:10], X[:3])


@pytest.mark.parametrize("name", ["pca", "umap"])
def test_fit_sample_transform_announces_its_sample(name, rng):
    X, y = make_blobs(n_samples=150, n_features=8, centers=3, random_state=1)
    proj = fit_sample_transform(X, ProjectionParams(method=name), sample_size=60)
    label = {"pca": "PCA", "umap": "UMAP"}[name]
    assert f"Fitted {label} on 60 of 150 rows; placed the rest with {label}'s transform." in (
        proj.notes
    )
    assert proj.coords.shape == (150, 2) and np.isfinite(proj.coords).all()
    knn = KNeighborsClassifier(n_neighbors=5).fit(proj.coords, y)
    assert knn.score(proj.coords, y) > 0.95


def test_fit_sample_transform_without_sampling_is_project(blobs, fitted):
    X, _ = blobs
    proj = fit_sample_transform(X, ProjectionParams(method="pca"), sample_size=1000)
    np.testing.assert_array_equal(proj.coords, fitted["pca"].coords)
    assert not any("Fitted" in note for note in proj.notes)


def test_estimate_cost_grows_with_size_and_ranks_methods():
    for name in REDUCERS.names():
        params = ProjectionParams(method=name)
        small, big = estimate_cost(1_000, 384, params), estimate_cost(100_000, 384, params)
        assert 0 < small[0] < big[0] and 0 < small[1] < big[1]
    n = 20_000
    pca = estimate_cost(n, 384, ProjectionParams(method="pca"))[0]
    tsne2 = estimate_cost(n, 384, ProjectionParams(method="tsne"))[0]
    tsne3 = estimate_cost(n, 384, ProjectionParams(method="tsne", dims=3))[0]
    assert pca < tsne2 < tsne3
    assert tsne2 == pytest.approx(35.7, rel=0.5)  # the figure measured on the 2-core machine
    # umap-learn's published figure: MNIST 70,000 x 784 in 42 s (plus the JIT, once)
    umap_s = estimate_cost(70_000, 784, ProjectionParams(method="umap", pca_dims=0))[0]
    assert 40 < umap_s < 42 + 31


def test_importing_reduce_does_not_import_heavy_backends():
    code = (
        "import sys, embedlens.reduce; "
        "print(any(m in sys.modules for m in ('umap', 'openTSNE', 'streamlit')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_params_become_plain_json_numbers():
    params = ProjectionParams(dims=np.int64(3), n_neighbors=5.0, perplexity=np.float32(12))
    assert params.dims == 3 and isinstance(params.n_neighbors, int)
    assert json.loads(json.dumps(params.to_dict()))["perplexity"] == 12.0


@pytest.mark.parametrize("metric", ["euclidean", "cosine"])
def test_exact_neighbours_match_a_brute_force_search(metric):
    from embedlens.reduce import _exact_knn

    X = np.random.default_rng(0).normal(size=(300, 8)).astype(np.float32)
    if metric == "cosine":
        X /= np.linalg.norm(X, axis=1, keepdims=True)
    idx, dist, index = _exact_knn(X, 5, metric)
    full = np.linalg.norm(X[:, None] - X[None], axis=2)
    assert index is None and (idx[:, 0] == np.arange(300)).all()  # each row is its own first
    np.testing.assert_array_equal(idx, np.argsort(full, axis=1, kind="stable")[:, :5])
    expected = np.sort(full, axis=1)[:, :5]
    if metric == "cosine":  # 1 - cos on unit rows
        expected = expected**2 / 2
    np.testing.assert_allclose(dist, expected, atol=1e-5)


def test_umap_on_mid_sized_data_uses_exact_neighbours_and_places_queries_by_them():
    X, y = make_blobs(n_samples=4_200, n_features=10, centers=4, random_state=0)
    proj = project(X.astype(np.float32), ProjectionParams(method="umap", metric="euclidean"))
    assert proj.model.estimator._knn_search_index is None and not proj.model.transformable
    knn = KNeighborsClassifier(n_neighbors=5).fit(proj.coords, y)
    assert knn.score(proj.coords, y) > 0.99
    placed, how = transform_points(proj, X, X[:5])
    assert "nearest training points" in how
    np.testing.assert_allclose(placed, proj.coords[:5], atol=1e-3 * _extent(proj.coords))
