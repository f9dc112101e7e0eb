"""The workspace on disk: catalog, datasets, run ledger, saved views and the embedding cache.

Nothing is lost and nothing is computed twice: every dataset, embedding, projection and
clustering is stored with the parameters and library versions that made it; the same text
with the same model is embedded once across datasets, sessions, the app and the CLI. Writes
are atomic and the catalog is a SQLite database in WAL mode, safe for several processes.
"""

from __future__ import annotations

from embedlens.store.cache import EmbeddingCache, model_key, text_key
from embedlens.store.files import (
    atomic_save_npy,
    atomic_write_bytes,
    atomic_write_parquet,
    safe_name,
)
from embedlens.store.records import (
    RUN_KINDS,
    DamagedFilesError,
    DatasetInfo,
    NotFoundError,
    RunInfo,
    StoryInfo,
    ViewInfo,
    library_versions,
)
from embedlens.store.workspace import SharedItem, Workspace, default_home

__all__ = [
    "RUN_KINDS",
    "DamagedFilesError",
    "DatasetInfo",
    "EmbeddingCache",
    "NotFoundError",
    "RunInfo",
    "SharedItem",
    "StoryInfo",
    "ViewInfo",
    "Workspace",
    "atomic_save_npy",
    "atomic_write_bytes",
    "atomic_write_parquet",
    "default_home",
    "library_versions",
    "model_key",
    "safe_name",
    "text_key",
]
