"""The server's model cache: per-model locks, one load per model, a pinned default."""

from __future__ import annotations

import threading

from embedlens.embedders.model_cache import ModelCache


def test_a_slow_load_does_not_block_another_model():
    release = threading.Event()
    loads: list[str] = []

    def loader(name: str) -> str:
        loads.append(name)
        if name == "slow":
            assert release.wait(10)
        return name.upper()

    cache = ModelCache(loader, max_entries=3)
    slow = threading.Thread(target=cache.get, args=("slow",))
    slow.start()
    while "slow" not in loads:
        pass
    assert cache.get("fast") == "FAST"  # answered while "slow" is still loading
    release.set()
    slow.join(10)
    assert cache.get("slow") == "SLOW" and loads.count("slow") == 1


def test_concurrent_requests_for_one_model_load_it_once():
    started = threading.Barrier(4)
    calls: list[str] = []
    lock = threading.Lock()

    def loader(name: str) -> object:
        with lock:
            calls.append(name)
        return object()

    cache = ModelCache(loader)
    got: list[object] = []

    def ask() -> None:
        started.wait()
        got.append(cache.get("m"))

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert calls == ["m"] and len({id(g) for g in got}) == 1


def test_one_user_cannot_evict_the_pinned_default():
    cache = ModelCache(lambda name: name, max_entries=2, pinned=[("default",)])
    cache.get("default")
    for i in range(10):  # one user tries ten models
        cache.get(f"user-model-{i}")
    assert cache.keys() == [("default",), ("user-model-8",), ("user-model-9",)]
