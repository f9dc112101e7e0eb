from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from embedlens.cluster import CLUSTERERS, Clustering, ClusterParams, cluster
from embedlens.errors import DataError, InvalidParameterError

SIZES = (20, 50, 30)  # deliberately not sorted: labels must come back ordered by size


@pytest.fixture(scope="module")
def blobs() -> tuple[np.ndarray, np.ndarray]:
    """Three tight blobs around orthogonal directions: separated for cosine and euclidean."""
    rng = np.random.default_rng(0)
    parts, truth = [], []
    for label, size in enumerate(SIZES):
        centre = np.zeros(10)
        centre[label] = 10.0
        parts.append(centre + rng.normal(scale=0.5, size=(size, 10)))
        truth += [label] * size
    order = rng.permutation(sum(SIZES))
    return np.vstack(parts).astype(np.float32)[order], np.array(truth)[order]


SPORTS = [
    "football match ends in a late goal",
    "the football team wins the league",
    "football coach praises the striker",
    "fans celebrate football cup final",
]
MARKETS = [
    "stocks fall as oil prices rise",
    "oil prices push stocks lower",
    "investors sell stocks on oil fears",
    "bond yields and stocks slip",
]
COOKING = [
    "bake the bread with fresh yeast",
    "a simple bread recipe with butter",
    "knead the bread dough slowly",
    "bread and soup for dinner",
]


def test_registry_lists_four_clusterers():
    assert CLUSTERERS.names() == ["kmeans", "hdbscan", "dbscan", "agglomerative"]
    assert all(reason is None for reason in CLUSTERERS.available().values())


@pytest.mark.parametrize(
    "params",
    [
        ClusterParams(method="kmeans", k=3),
        ClusterParams(method="kmeans"),
        ClusterParams(method="kmeans", k=3, metric="euclidean"),
        ClusterParams(method="agglomerative", k=3),
        ClusterParams(method="agglomerative"),
        ClusterParams(method="hdbscan", min_cluster_size=10),
        ClusterParams(method="dbscan", eps=0.2),
        ClusterParams(method="dbscan", eps=3.0, metric="euclidean"),
    ],
    ids=lambda p: f"{p.method}-k{p.k}-{p.metric}",
)
def test_three_separated_blobs_are_recovered(params, blobs):
    X, truth = blobs
    result = cluster(X, params)
    assert isinstance(result, Clustering)
    assert result.labels.dtype == np.int64 and result.labels.shape == (len(X),)
    assert adjusted_rand_score(truth, result.labels) == pytest.approx(1.0)
    assert result.n_clusters == 3
    if params.method in ("kmeans", "agglomerative"):
        assert result.params.k == 3  # filled in when automatic
    # renumbered by size, largest first
    assert np.bincount(result.labels).tolist() == sorted(SIZES, reverse=True)
    assert result.names == {0: "Cluster 0", 1: "Cluster 1", 2: "Cluster 2"}


def test_automatic_k_is_announced_with_its_curves(blobs):
    result = cluster(blobs[0], ClusterParams(method="kmeans"))
    assert any(
        note.startswith("Chose k=3 over k=2..15 at the knee") for note in result.notes
    ), result.notes
    choice = result.k_choice
    assert choice is not None and choice.k == 3 and choice.ks == tuple(range(2, 16))
    assert len(choice.modularity) == len(choice.silhouette) == 14
    assert cluster(blobs[0], ClusterParams(method="kmeans", k=3)).k_choice is None


def test_same_seed_same_labels(blobs):
    X, _ = blobs
    a = cluster(X, ClusterParams(k=4, seed=3)).labels
    b = cluster(X, ClusterParams(k=4, seed=3)).labels
    np.testing.assert_array_equal(a, b)


def test_noise_stays_minus_one_and_is_named(blobs):
    X, _ = blobs
    outliers = np.full((3, 10), -20.0, dtype=np.float32) + np.eye(3, 10, dtype=np.float32) * 15
    result = cluster(np.vstack([X, outliers]), ClusterParams(method="dbscan", eps=0.2))
    assert (result.labels[-3:] == -1).all()
    assert result.n_clusters == 3
    assert result.names[-1] == "Noise"
    rows = result.label_for_rows()
    assert rows.dtype == object and rows[-1] == "Noise"
    assert rows[0] == result.names[int(result.labels[0])]
    assert any("3 of 103 points (3%) as noise" in note for note in result.notes)


def test_all_noise_is_announced(blobs):
    result = cluster(blobs[0], ClusterParams(method="dbscan", eps=1e-6))
    assert result.n_clusters == 0 and (result.labels == -1).all()
    assert "DBSCAN found no clusters: every point is noise; raise eps" in result.notes[-1]


def test_keyword_names_from_texts():
    rng = np.random.default_rng(1)
    texts = SPORTS + MARKETS + COOKING
    X = np.repeat(np.eye(3, 6), 4, axis=0) * 5 + rng.normal(scale=0.1, size=(12, 6))
    result = cluster(X, ClusterParams(k=3), texts=texts)
    by_text = {texts[i]: int(result.labels[i]) for i in range(12)}
    sports, markets, cooking = (by_text[SPORTS[0]], by_text[MARKETS[0]], by_text[COOKING[0]])
    assert result.keywords[sports][0] == "football"
    assert result.names[sports].startswith("football · ")
    assert {"stocks", "oil"} <= set(result.keywords[markets][:2])
    assert result.keywords[cooking][0] == "bread"
    assert all(len(words) <= 10 for words in result.keywords.values())


def test_map_space_uses_euclidean_with_a_note(blobs):
    coords = blobs[0][:, :2]  # any 2-D positions
    result = cluster(coords, ClusterParams(k=3, space="map"))
    assert result.params.metric == "euclidean"
    assert any("euclidean" in note for note in result.notes)


def test_params_round_trip():
    params = ClusterParams(method="dbscan", eps=0.3)
    assert ClusterParams.from_dict(params.to_dict() | {"unknown": 1}) == params


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"method": "spectral"}, r"'method' parameter of ClusterParams must be one of"),
        ({"k": 1}, r"'k' parameter of ClusterParams must be an int in the range \[2, inf\)"),
        ({"k": 2.5}, r"'k' parameter .* Got 2.5 instead"),
        ({"min_cluster_size": 1}, r"'min_cluster_size' parameter .* \[2, inf\)"),
        ({"eps": 0.0}, r"'eps' parameter .* \(0, inf\)"),
        ({"min_samples": 0}, r"'min_samples' parameter .* \[1, inf\)"),
        ({"metric": "l1"}, r"'metric' parameter .* one of \{'cosine', 'euclidean'\}"),
        ({"space": "both"}, r"'space' parameter .* one of \{'vectors', 'map'\}"),
    ],
)
def test_params_validation(kwargs, match):
    with pytest.raises(InvalidParameterError, match=match):
        ClusterParams(**kwargs)


def test_k_must_be_below_the_number_of_points(blobs):
    with pytest.raises(
        InvalidParameterError,
        match=r"The 'k' parameter of ClusterParams must be less than the number of "
        r"points \(8\)\. Got 8 instead; lower k or load more rows\.",
    ):
        cluster(blobs[0][:8], ClusterParams(k=8))


def test_min_cluster_size_above_n_is_refused(blobs):
    with pytest.raises(
        InvalidParameterError,
        match=r"The 'min_cluster_size' parameter of ClusterParams must be at most "
        r"the number of points \(6\)\. Got 10 instead",
    ):
        cluster(blobs[0][:6], ClusterParams(method="hdbscan", min_samples=2))


def test_min_samples_above_n_is_refused(blobs):
    expected = r"'min_samples' .* points \(4\)\. Got 5 instead"
    with pytest.raises(InvalidParameterError, match=expected):
        cluster(blobs[0][:4], ClusterParams(method="dbscan"))


def test_agglomerative_row_limit():
    X = np.random.default_rng(0).normal(size=(20_001, 2)).astype(np.float32)
    with pytest.raises(InvalidParameterError, match=r"agglomerative clustering of 20,001 rows"):
        cluster(X, ClusterParams(method="agglomerative", k=3))


def test_fewer_than_three_rows():
    with pytest.raises(DataError, match="at least 3 rows"):
        cluster(np.array([[0.0, 1.0], [1.0, 0.0]]))


def test_texts_must_match_rows(blobs):
    with pytest.raises(DataError, match=r"texts has 2 entries but there are 100 vectors"):
        cluster(blobs[0], ClusterParams(k=3), texts=["a", "b"])


def test_zero_vectors_refused_under_cosine(blobs):
    X = blobs[0].copy()
    X[5] = 0
    with pytest.raises(DataError, match=r"1 all-zero row\(s\) \(row index 5\)"):
        cluster(X, ClusterParams(k=3))
    assert cluster(X, ClusterParams(k=3, metric="euclidean")).n_clusters == 3


def test_identical_vectors_are_refused():
    with pytest.raises(DataError, match="all vectors are identical"):
        cluster(np.ones((10, 3)), ClusterParams(k=2))


def test_progress_reports_start_and_end(blobs):
    seen: list[float] = []
    cluster(blobs[0], ClusterParams(), on_progress=lambda f, m: seen.append(f))
    assert seen[0] == 0.0 and seen[-1] == 1.0 and seen == sorted(seen)


def test_params_become_plain_json_numbers():
    params = ClusterParams(k=np.int64(4), min_samples=3.0, eps=np.float32(0.25))
    assert params.k == 4 and isinstance(params.min_samples, int)
    assert json.loads(json.dumps(params.to_dict()))["eps"] == 0.25
