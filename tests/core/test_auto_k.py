"""Automatic k (embedlens.auto_k): the modularity knee, its curves, and how sure it is."""

from __future__ import annotations

import json

import numpy as np
import pytest

from embedlens.auto_k import KChoice, choose_k, modularity
from embedlens.errors import InvalidParameterError
from embedlens.i18n import set_language


def _blobs(k: int, per: int = 60, dims: int = 12, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = np.eye(dims)[:k] * 4.0
    X = np.vstack([c + rng.normal(scale=0.6, size=(per, dims)) for c in centres])
    return (X / np.linalg.norm(X, axis=1, keepdims=True)).astype(np.float32)


@pytest.mark.parametrize("k", [3, 5, 8])
def test_separated_groups_give_their_number_and_it_is_sure(k):
    choice = choose_k(_blobs(k), range(2, 13))
    assert choice.k == k, choice.modularity
    assert choice.stability > 0.9 and choice.confidence == "sure"
    assert choice.ks == tuple(range(2, 13)) and len(choice.modularity) == 11


def test_noise_without_groups_is_not_sure():
    X = np.random.default_rng(1).normal(size=(400, 20)).astype(np.float32)
    choice = choose_k(X / np.linalg.norm(X, axis=1, keepdims=True), range(2, 11))
    assert choice.confidence != "sure"


def test_modularity_of_perfect_and_random_partitions():
    nn = np.array([[1, 2], [0, 2], [0, 1], [4, 5], [3, 5], [3, 4]])
    assert modularity(np.array([0, 0, 0, 1, 1, 1]), nn) == pytest.approx(0.5)
    assert modularity(np.array([0, 1, 0, 1, 0, 1]), nn) < 0.0


def test_large_inputs_are_sampled_and_same_seed_same_choice():
    X = _blobs(4, per=700)
    a, b = choose_k(X, range(2, 8), seed=3), choose_k(X, range(2, 8), seed=3)
    assert a.sample == 2000 and a == KChoice(**{**a.__dict__, "seconds": a.seconds})
    assert (a.k, a.modularity) == (b.k, b.modularity)


def test_round_trips_through_json_and_states_itself_in_both_languages():
    choice = choose_k(_blobs(3), range(2, 8))
    again = KChoice.from_dict(json.loads(json.dumps(choice.to_dict())))
    assert again == choice
    assert choice.statement().startswith("k = 3, sure")
    try:
        set_language("zh-CN")
        assert "k = 3" in choice.statement() and "sure" not in choice.statement()
    finally:
        set_language("en")


def test_no_candidates_is_an_error():
    with pytest.raises(InvalidParameterError, match="ks is empty"):
        choose_k(_blobs(3), [])
