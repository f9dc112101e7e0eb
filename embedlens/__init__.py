"""embedlens: embed text, project to 2D/3D, cluster, search neighbours and judge embeddings.

The core never imports streamlit; heavy libraries (torch, umap, openTSNE) load lazily.
"""

from __future__ import annotations

__version__ = "0.1.0"
