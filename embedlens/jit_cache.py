"""Numba's on-disk cache for umap-learn and pynndescent, so a fresh process skips their JIT.

umap-learn decorates most of its numba functions without ``cache=True`` (118 of 119 in 0.5),
so every new process compiled them again: seconds per CLI call and per worker. :func:`import_umap`
imports both packages with ``cache=True`` as the default of ``numba.jit``/``numba.njit`` (only
during that import; an explicit ``cache=False`` is kept), under ``NUMBA_CACHE_DIR`` (default
``<workspace>/cache/numba``). Numba keys each cache entry by the function's source file, its
signature and the CPU, and ignores an entry it cannot use, so a stale cache costs a compile,
never a wrong result. Functions numba cannot cache (dynamic globals) compile as before.
"""

from __future__ import annotations

import os
import sys
import threading
import warnings
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

__all__ = ["CACHE_ENV", "cache_dir", "import_umap"]

CACHE_ENV = "NUMBA_CACHE_DIR"
_lock = threading.Lock()


def cache_dir() -> Path:
    """Where compiled code is kept: ``$NUMBA_CACHE_DIR``, else ``<workspace>/cache/numba``."""
    env = os.environ.get(CACHE_ENV, "").strip()
    if env:
        return Path(env).expanduser()
    from embedlens.store import default_home

    return default_home() / "cache" / "numba"


def _caching(decorator: Callable[..., Any]) -> Callable[..., Any]:
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("cache", True)
        return decorator(*args, **kwargs)

    return wrapped


def import_umap() -> ModuleType:
    """``import umap`` with numba's disk cache on for umap-learn and pynndescent."""
    with _lock:
        if "umap" in sys.modules:
            return sys.modules["umap"]
        folder = cache_dir()
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError:
            import umap  # an unwritable folder: compile in memory as before

            return umap
        os.environ.setdefault(CACHE_ENV, str(folder))
        import numba

        numba.config.CACHE_DIR = str(folder)  # numba may have been imported already
        jit, njit = numba.jit, numba.njit
        numba.jit, numba.njit = _caching(jit), _caching(njit)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", numba.NumbaWarning)
                import pynndescent  # noqa: F401
                import umap
        finally:
            numba.jit, numba.njit = jit, njit
        return umap
