"""Embedding backends and the cached, checkpointed ``embed_texts`` every caller uses."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from embedlens.embedders.base import Embedder
from embedlens.embedders.sentence_transformers import DEFAULT_MODEL, make_sentence_transformer
from embedlens.embedders.tfidf_char import TfidfCharEmbedder
from embedlens.embedders.tfidf_svd import TfidfSvdEmbedder
from embedlens.errors import DataError
from embedlens.limits import limits
from embedlens.progress import ProgressCallback, report
from embedlens.registry import Registry
from embedlens.validation import check_in_range

__all__ = [
    "DEFAULT_BACKEND",
    "DEFAULT_MODEL",
    "EMBEDDERS",
    "EmbedResult",
    "Embedder",
    "embed_texts",
    "make_embedder",
]

DEFAULT_BACKEND = "sentence-transformers"
CHUNK_ROWS = 256  # texts per model call between checkpoints

EMBEDDERS: Registry[Embedder] = Registry("embedder")
EMBEDDERS.register(
    "sentence-transformers",
    label="Sentence-Transformers",
    requires=("sentence_transformers",),
    pip_name="sentence-transformers",
)(make_sentence_transformer)


@EMBEDDERS.register("tfidf-svd", label="TF-IDF + SVD (offline, fast)")
def _make_tfidf_svd(model: str = "", **_: Any) -> TfidfSvdEmbedder:
    return TfidfSvdEmbedder()


@EMBEDDERS.register("tfidf-char", label="Character TF-IDF + SVD (offline, for CJK)")
def _make_tfidf_char(model: str = "", **_: Any) -> TfidfCharEmbedder:
    return TfidfCharEmbedder()


CORPUS_BACKENDS = ("tfidf-svd", "tfidf-char")  # vectors depend on the whole corpus


def make_embedder(
    backend: str = DEFAULT_BACKEND,
    model: str = DEFAULT_MODEL,
    *,
    device: str = "auto",
    precision: str = "auto",
) -> Embedder:
    """Build the embedder ``backend`` for ``model`` (loading a model can take seconds).

    ``device`` and ``precision`` apply to sentence-transformers (see
    :func:`~embedlens.embedders.sentence_transformers.resolve_precision`).
    """
    return EMBEDDERS.create(backend, model=model, device=device, precision=precision)


class VectorCache(Protocol):
    """What embed_texts needs of a cache (``embedlens.store.EmbeddingCache`` provides it)."""

    def get_many(
        self, model_key: str, texts: Sequence[str]
    ) -> tuple[np.ndarray | None, np.ndarray]: ...

    def put_many(self, model_key: str, texts: Sequence[str], vectors: np.ndarray) -> None: ...


@dataclass(frozen=True, eq=False)
class EmbedResult:
    """Vectors for every input text plus an honest account of where they came from."""

    vectors: np.ndarray
    model_key: str
    embedded: int  # distinct texts sent to the model in this call
    cached: int  # rows served from the cache
    duplicates: int  # rows that repeat a text seen earlier in the same input
    truncated: int  # texts over the model's input limit (truncated by the model)
    seconds: float
    notes: tuple[str, ...] = ()
    provenance: Any = None  # embedlens.pipeline.Provenance, set by the pipeline

    def summary(self) -> dict[str, Any]:
        """The counts as a JSON-able dict."""
        return {
            "rows": int(len(self.vectors)),
            "dim": int(self.vectors.shape[1]),
            "embedded": self.embedded,
            "cached": self.cached,
            "duplicates": self.duplicates,
            "truncated": self.truncated,
            "model": self.model_key,
            "seconds": round(self.seconds, 3),
        }


def embed_texts(
    texts: Sequence[str],
    *,
    backend: str = DEFAULT_BACKEND,
    model: str = DEFAULT_MODEL,
    embedder: Embedder | Callable[[], Embedder] | None = None,
    batch_size: int = 32,
    device: str = "auto",
    precision: str = "auto",
    cache: VectorCache | None = None,
    on_progress: ProgressCallback | None = None,
) -> EmbedResult:
    """Embed ``texts``, sending only texts the cache does not hold to the model.

    Distinct missing texts are sorted longest first (as sentence-transformers does, so batches
    pad little) and embedded in chunks of ``CHUNK_ROWS``; each chunk is written to the cache as
    it finishes, so a killed run resumes where it stopped and, because the chunks of a resumed run
    are exactly the remaining chunks of the first, gives the same vectors as an uninterrupted run.

    Parameters
    ----------
    texts : sequence of str
        One text per row (duplicates are embedded once).
    backend, model : str
        Registry name and model name or local path; ignored when ``embedder`` is given.
    embedder : Embedder or callable returning one, optional
        An embedder, or a function that loads one (the app passes its shared, cached loader);
        by default the backend's model. Loaded only when some text is missing from the cache.
    batch_size : int, default=32
    device : {"auto", "cpu", "cuda"}
    precision : {"auto", "float32", "bfloat16"}
        sentence-transformers only: "auto" encodes in bfloat16 where the hardware computes it
        natively (the vectors agree with float32 to a cosine of about 0.9999; a note says so).
    cache : VectorCache, optional
        Content-addressed vector cache; None embeds everything.
    on_progress : callable, optional
        ``on_progress(fraction, message)``; messages give rows/s and time left.

    Returns
    -------
    EmbedResult
    """
    check_in_range("batch_size", batch_size, low=1, high=65536, owner="embed_texts", kind=int)
    started = time.perf_counter()
    texts = [str(t) for t in texts]
    if not texts:
        raise DataError("There are no texts to embed; load a file with a non-empty text column.")
    unique, inverse = np.unique(np.asarray(texts, dtype=object), return_inverse=True)
    unique = unique.tolist()
    duplicates = len(texts) - len(unique)

    loaded = embedder if isinstance(embedder, Embedder) else None
    key = (
        loaded.model_key
        if loaded is not None
        else _model_key_without_loading(backend, model, device, precision)
    )
    per_text = loaded.per_text if loaded is not None else backend not in CORPUS_BACKENDS
    if not per_text:  # corpus-level vectors: cache the whole corpus under its hash
        corpus = hashlib.sha256("\x00".join(unique).encode("utf-8")).hexdigest()[:16]
        key = f"{key}|corpus={corpus}"

    vectors: np.ndarray | None = None
    found = np.zeros(len(unique), dtype=bool)
    if cache is not None:
        hit_vectors, found = cache.get_many(key, unique)
        if hit_vectors is not None and found.any():
            vectors = np.empty((len(unique), hit_vectors.shape[1]), dtype=np.float32)
            vectors[found] = hit_vectors
    missing = np.flatnonzero(~found)
    truncated = 0
    if missing.size:
        if loaded is None:
            # TF-IDF backends have no model to name (the CLI's default --model is an ST name)
            named = "" if backend in ("tfidf-svd", "tfidf-char") else model
            report(on_progress, 0.0, f"Loading the {backend} model {named}".strip() + "…")
            loaded = (
                embedder()
                if callable(embedder)
                else make_embedder(backend, model, device=device, precision=precision)
            )
        # Longest first, ties in input order: deterministic chunks, little padding.
        order = sorted(missing.tolist(), key=lambda i: -len(unique[i]))
        chunks = [order[i : i + CHUNK_ROWS] for i in range(0, len(order), CHUNK_ROWS)]
        if not per_text:
            chunks = [order]
        t0 = time.perf_counter()
        done = 0
        # Cut each text to what the model reads before tokenising it (its token limit x 8
        # characters, at most the server's cell limit): a 20 MB cell is never tokenised whole.
        cap = limits().cell_chars(getattr(loaded, "max_tokens", None))
        for chunk in chunks:
            chunk_texts = [unique[i] for i in chunk]
            short = [t for t in chunk_texts if len(t) <= cap]
            model_texts = [t if len(t) <= cap else t[:cap] for t in chunk_texts]
            out = loaded.embed(model_texts, batch_size=batch_size)
            truncated += len(chunk_texts) - len(short) + loaded.count_truncated(short)
            vectors = store_batch(vectors, len(unique), chunk, out, key=key, cache=cache,
                                  texts=chunk_texts)
            done += len(chunk)
            report(
                on_progress,
                done / len(order),
                _rate_message(done, len(order), time.perf_counter() - t0),
            )
    assert vectors is not None
    notes = []
    precision_note = getattr(loaded, "precision_note", None) if missing.size else None
    if precision_note:
        notes.append(precision_note)
    if truncated:
        were = "text was" if truncated == 1 else "texts were"
        notes.append(
            f"{truncated:,} {were} longer than the model's input limit and truncated to its "
            "first tokens."
        )
    if duplicates:
        notes.append(f"{duplicates:,} rows repeat an earlier text and share its vector.")
    cached_rows = int(found[inverse].sum())
    return EmbedResult(
        vectors=np.ascontiguousarray(vectors[inverse]),
        model_key=key,
        embedded=int(missing.size),
        cached=cached_rows,
        duplicates=duplicates,
        truncated=truncated,
        seconds=time.perf_counter() - started,
        notes=tuple(notes),
    )


def store_batch(
    vectors: np.ndarray | None,
    n: int,
    rows: np.ndarray,
    out: np.ndarray,
    *,
    key: str,
    cache: VectorCache | None,
    texts: Sequence[str],
) -> np.ndarray:
    """Put one batch of new vectors at ``rows`` of the (n, d) result and in the cache.

    Allocates the result on the first batch; a batch of another width (a cache filled by a
    different model under the same key) raises DataError.
    """
    if vectors is None:
        vectors = np.empty((n, out.shape[1]), dtype=np.float32)
    elif out.shape[1] != vectors.shape[1]:
        raise DataError(
            f"The model returned {out.shape[1]}-d vectors but the cache holds "
            f"{vectors.shape[1]}-d vectors under the key {key!r}; clear the cache."
        )
    vectors[rows] = out
    if cache is not None:
        cache.put_many(key, list(texts), out)
    return vectors


def _model_key_without_loading(backend: str, model: str, device: str, precision: str) -> str:
    """The model key an embedder would report, computed without loading the model."""
    if backend == "sentence-transformers":
        from embedlens.embedders import sentence_transformers as st

        resolved = st.resolve_precision(precision, st.resolve_device(device))
        return st.model_key(model, resolved)
    if backend == "tfidf-svd":
        return TfidfSvdEmbedder().model_key
    if backend == "tfidf-char":
        return TfidfCharEmbedder().model_key
    EMBEDDERS.entry(backend)  # unknown names raise here
    return f"{backend}:{model}"


def _rate_message(done: int, total: int, elapsed: float) -> str:
    rate = done / elapsed if elapsed > 0 else 0.0
    left = (total - done) / rate if rate > 0 else 0.0
    return f"Embedded {done:,}/{total:,} texts · {rate:,.0f} texts/s · {left:,.0f} s left"
