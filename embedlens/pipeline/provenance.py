"""Typed provenance of every pipeline result, and the one function that builds a run's key.

A result (embedding, projection, clustering) says where it came from: the fingerprint of its
input, the backend and model, the precision, the parameters, the sample it was fitted on, the
library versions, and the workspace run that stores it. Front ends read these fields; nobody
parses a cache-key string.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np

from embedlens.dataset import Dataset, array_fingerprint
from embedlens.store import library_versions

PRECOMPUTED = "precomputed"  # backend name of a file's own vectors
KINDS = ("embedding", "projection", "clustering")


@dataclass(frozen=True)
class Provenance:
    """Where a result came from (JSON-able through :meth:`to_dict`)."""

    kind: str
    source: str  # fingerprint of the input: the dataset (embedding), the vectors or the map
    backend: str = ""
    model: str = ""
    precision: str = ""
    params: Mapping[str, Any] = field(default_factory=dict)
    sample_size: int | None = None
    versions: Mapping[str, str] = field(default_factory=dict)
    cache_key: str = ""  # the embedding cache's key for these vectors
    reason: str = ""  # why this backend/model was chosen (model="auto")
    run_id: str | None = None  # the workspace run holding the result, once recorded

    def to_dict(self) -> dict[str, Any]:
        """Plain dict (the params and versions copied)."""
        out = asdict(self)
        out["params"], out["versions"] = dict(self.params), dict(self.versions)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Provenance:
        """Build from :meth:`to_dict` output, ignoring unknown keys."""
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in data.items() if k in known})

    def with_run(self, run_id: str | None) -> Provenance:
        """The same provenance, recorded as workspace run ``run_id``."""
        return replace(self, run_id=run_id)

    def vectors_name(self) -> str:
        """Readable name of embedding vectors: the model, the baseline, or the file's own."""
        if self.backend == PRECOMPUTED:
            return "the file's own vectors"
        from embedlens.pipeline.images import vectors_name

        images = vectors_name(self.backend, self.model)
        if images:
            return images
        if self.backend == "sentence-transformers" and self.model:
            name = f"{self.model} embeddings"
            return name if self.precision in ("", "float32") else f"{name}, {self.precision}"
        from embedlens.embedders import EMBEDDERS

        if self.backend in EMBEDDERS.names():
            return EMBEDDERS.entry(self.backend).label.split(" (", 1)[0] + " vectors"
        return f"{self.model or self.backend} vectors" if self.backend else "the vectors"


def embedding_provenance(
    *,
    source: str,
    backend: str,
    model: str,
    cache_key: str,
    precision: str = "",
    reason: str = "",
) -> Provenance:
    """Provenance of an embedding of a dataset (``source`` is its fingerprint)."""
    return Provenance(
        kind="embedding",
        source=source,
        backend=backend,
        model=model,
        precision=precision,
        params={"backend": backend, "model": model, "key": cache_key},
        versions=library_versions(),
        cache_key=cache_key,
        reason=reason,
    )


def derived_provenance(
    kind: str,
    emb: Any,
    params: Any,
    source: str,
    run_id: str | None,
    sample_size: int | None = None,
) -> Provenance:
    """Provenance of a projection or clustering of the embedding ``emb`` (an EmbedResult)."""
    up: Provenance | None = emb.provenance
    return Provenance(
        kind=kind,
        source=source,
        backend=up.backend if up else "",
        model=up.model if up else "",
        precision=up.precision if up else "",
        params=params.to_dict(),
        sample_size=sample_size,
        versions=library_versions(),
        cache_key=up.cache_key if up else emb.model_key,
        run_id=run_id,
    )


def effective_sample(method: str, sample_size: int | None, n_rows: int) -> int | None:
    """The sample a t-SNE/UMAP fit really uses: None for PCA, for no sample or a sample ≥ n."""
    if method == "pca" or not sample_size or sample_size >= n_rows:
        return None
    return int(sample_size)


def run_params(
    kind: str,
    params: Mapping[str, Any],
    *,
    source: str,
    sample_size: int | None = None,
) -> dict[str, Any]:
    """The parameters that identify a run in the workspace (its key): ONE place builds them.

    ``source`` is the fingerprint of the run's input (the vectors for a projection, the vectors
    or the projection run for a clustering). A sample size is recorded only when it applies, so
    a map fitted on a sample and a full fit never share a key.

    >>> run_params("projection", {"method": "umap"}, source="ab12", sample_size=1000)
    {'method': 'umap', 'vectors': 'ab12', 'sample_size': 1000}
    >>> run_params("projection", {"method": "umap"}, source="ab12")
    {'method': 'umap', 'vectors': 'ab12'}
    """
    if kind == "embedding":
        return dict(params)
    if kind == "projection":
        out = {**params, "vectors": source}
        if sample_size:
            out["sample_size"] = int(sample_size)
        return out
    if kind == "clustering":
        return {**params, "input": source}
    from embedlens.validation import check_choice

    check_choice("kind", kind, KINDS, owner="run_params")
    raise AssertionError("unreachable")


# Fingerprints of large arrays and datasets, computed once per object: the app reruns on every
# widget change, and hashing 1.5 GB of vectors takes seconds.
_fingerprints: dict[int, tuple[weakref.ref, str]] = {}


def fingerprint(obj: np.ndarray | Dataset) -> str:
    """array_fingerprint or Dataset.fingerprint, memoised while ``obj`` lives (never mutate it)."""
    key = id(obj)
    hit = _fingerprints.get(key)
    if hit is not None and hit[0]() is obj:
        return hit[1]
    fp = obj.fingerprint() if isinstance(obj, Dataset) else array_fingerprint(obj)
    try:
        ref = weakref.ref(obj, lambda r, k=key: _forget(k, r))
    except TypeError:  # not weak-referenceable (a view of a foreign buffer): no memo
        return fp
    _fingerprints[key] = (ref, fp)
    return fp


def _forget(key: int, ref: weakref.ref) -> None:
    hit = _fingerprints.get(key)
    if hit is not None and hit[0] is ref:  # not a newer object that got the same id
        _fingerprints.pop(key, None)
