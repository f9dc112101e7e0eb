"""The interface every embedding backend implements."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into float32 row vectors.

    ``model_key`` identifies everything that changes the vectors (backend, model, options);
    ``per_text`` is True when a text's vector does not depend on the other texts, so results may
    be cached per text (sentence-transformers) rather than per corpus (TF-IDF + SVD).
    """

    model_key: str
    per_text: bool

    def embed(self, texts: Sequence[str], *, batch_size: int = 32) -> np.ndarray:
        """Return an (len(texts), dim) float32 array."""
        ...

    def count_truncated(self, texts: Sequence[str]) -> int:
        """How many of ``texts`` exceed the model's input limit (and so are truncated)."""
        ...
