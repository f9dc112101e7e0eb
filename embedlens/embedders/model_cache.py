"""Loaded models shared by every session of one server: bounded, per-model locks, pinned default.

- One lock per model key, never one for the whole cache: a slow load (seconds to minutes) of
  one model never makes requests for another model wait.
- Two requests for the same model load it once (the second waits for the first).
- Least recently used models are dropped past ``max_entries``, but pinned models (the server's
  default) never are, so one user asking for many models cannot empty the cache for everyone.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from typing import Any

from embedlens.validation import check_in_range


class ModelCache:
    """An LRU of loaded models keyed per model, each loaded outside any global lock.

    Parameters
    ----------
    loader : callable
        ``loader(*key)`` loads one model (e.g. ``make_embedder(backend, model)``).
    max_entries : int, default=3
        Models kept besides the pinned ones.
    pinned : iterable of keys, optional
        Keys never evicted (load them on first use like any other).

    Examples
    --------
    >>> cache = ModelCache(lambda backend, model: f"{backend}/{model}", max_entries=1,
    ...                    pinned=[("st", "default")])
    >>> cache.get("st", "default"), cache.get("st", "a"), cache.get("st", "b")
    ('st/default', 'st/a', 'st/b')
    >>> sorted(cache.keys())
    [('st', 'b'), ('st', 'default')]
    """

    def __init__(
        self,
        loader: Callable[..., Any],
        *,
        max_entries: int = 3,
        pinned: Iterable[Hashable] = (),
    ) -> None:
        check_in_range("max_entries", max_entries, low=1, owner="ModelCache", kind=int)
        self._loader = loader
        self._max = max_entries
        self._pinned = frozenset(pinned)
        self._models: OrderedDict[Hashable, Any] = OrderedDict()
        self._key_locks: dict[Hashable, threading.Lock] = {}
        self._lock = threading.Lock()  # guards the dicts only, held for microseconds

    def get(self, *key: Hashable) -> Any:
        """The loaded model for ``key``, loading it (once) when it is not held."""
        with self._lock:
            if key in self._models:
                self._models.move_to_end(key)
                return self._models[key]
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:  # only requests for this same model wait here
            with self._lock:
                if key in self._models:
                    self._models.move_to_end(key)
                    return self._models[key]
            model = self._loader(*key)  # slow, outside the cache-wide lock
            with self._lock:
                self._models[key] = model
                self._evict()
        return model

    def keys(self) -> list[Hashable]:
        """The keys of the models held now, least recently used first."""
        with self._lock:
            return list(self._models)

    def _evict(self) -> None:
        unpinned = [k for k in self._models if k not in self._pinned]
        for key in unpinned[: max(len(unpinned) - self._max, 0)]:
            del self._models[key]
            self._key_locks.pop(key, None)
