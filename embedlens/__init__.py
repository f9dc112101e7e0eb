"""embedlens: embed text, project to 2D/3D, cluster, search neighbours and judge embeddings.

The core never imports streamlit; heavy libraries (torch, umap, openTSNE) load lazily.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["Map", "__version__", "explore"]


def __getattr__(name: str):
    """``embedlens.explore`` and ``embedlens.Map``, imported on first use (fast CLI start)."""
    if name in ("explore", "Map"):
        from embedlens import api

        return getattr(api, name)
    raise AttributeError(f"module 'embedlens' has no attribute {name!r}")
