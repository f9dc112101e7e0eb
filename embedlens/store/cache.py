"""The content-addressed embedding cache: one SQLite file shared by every dataset and process.

The same text embedded with the same model is never sent to the model twice: vectors are keyed
by ``(model_key, sha256(text))``. Each :meth:`EmbeddingCache.put_many` is one transaction, so a
batch committed before a crash is a checkpoint and a batch in flight simply is not there.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from embedlens.errors import DataError, InvalidParameterError
from embedlens.store._sqlite import Database
from embedlens.validation import check_vectors

KEY_VERSION = "v1"
_BATCH = 900  # below SQLite's historic 999 host-parameter limit

_SCHEMA = """
CREATE TABLE IF NOT EXISTS embeddings (
    model_key TEXT NOT NULL,
    text_key BLOB NOT NULL,
    dim INTEGER NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (model_key, text_key)
)
"""


def text_key(text: str) -> bytes:
    """Return the 32-byte sha256 of a text's UTF-8 bytes (the cache key of that text).

    Parameters
    ----------
    text : str
        Any string; lone surrogates (from damaged decoding) are kept, not an error.

    Returns
    -------
    bytes
        32 bytes.
    """
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()


def model_key(backend: str, model: str, **options: object) -> str:
    """Return a stable string naming a backend, a model and the options that change vectors.

    Parameters
    ----------
    backend : str
        Registry name of the embedder, e.g. ``"sentence-transformers"``.
    model : str
        Model name, or the path of a local model (pass an absolute path so that two working
        folders agree).
    **options
        Only options that change the vectors (``normalize=True``, ``dim=256``); JSON-able.

    Returns
    -------
    str
        E.g. ``'v1|sentence-transformers|all-MiniLM-L6-v2|{"normalize":true}'``.
    """
    try:
        opts = json.dumps(options, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    except TypeError as exc:
        raise InvalidParameterError(f"model_key options must be JSON-able: {exc}.") from None
    return f"{KEY_VERSION}|{backend}|{model}|{opts}"


class EmbeddingCache:
    """Vectors by ``(model_key, text)`` in a SQLite file (WAL, safe across processes).

    Parameters
    ----------
    path : str or Path
        The database file, e.g. ``<workspace>/embeddings.sqlite``; created when absent.

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> cache = EmbeddingCache(Path(tempfile.mkdtemp()) / "embeddings.sqlite")
    >>> key = model_key("tfidf-svd", "default")
    >>> cache.put_many(key, ["a", "b"], np.eye(2, dtype=np.float32))
    >>> vectors, found = cache.get_many(key, ["b", "c", "a"])
    >>> found.tolist(), vectors.tolist()
    ([True, False, True], [[0.0, 1.0], [1.0, 0.0]])
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DataError(f"Cannot create the folder of {self.path}: {exc}.") from None
        self._db = Database(self.path, synchronous="NORMAL", init=lambda c: c.execute(_SCHEMA))

    def __reduce__(self) -> tuple:
        return (EmbeddingCache, (str(self.path),))

    def get_many(
        self, model_key: str, texts: Sequence[str]
    ) -> tuple[np.ndarray | None, np.ndarray]:
        """Look texts up.

        Parameters
        ----------
        model_key : str
            From :func:`model_key`.
        texts : sequence of str
            The texts, duplicates allowed.

        Returns
        -------
        vectors : numpy.ndarray of float32, shape (n_found, dim), or None
            Rows in the order of ``np.flatnonzero(found)``; None when nothing was found.
        found : numpy.ndarray of bool, shape (n,)
            Which texts were in the cache.
        """
        keys = [text_key(t) for t in texts]
        hits: dict[bytes, bytes] = {}
        dims: set[int] = set()
        unique = list(dict.fromkeys(keys))
        with self._db.read() as conn:
            for start in range(0, len(unique), _BATCH):
                chunk = unique[start : start + _BATCH]
                marks = ",".join("?" * len(chunk))
                rows = conn.execute(
                    "SELECT text_key, dim, vector FROM embeddings "
                    f"WHERE model_key = ? AND text_key IN ({marks})",
                    (model_key, *chunk),
                )
                for key, dim, blob in rows:
                    if len(blob) == 4 * dim:  # a damaged row counts as not cached
                        hits[key] = blob
                        dims.add(dim)
        if len(dims) > 1:
            raise DataError(
                f"The embedding cache {self.path} holds vectors of several sizes {sorted(dims)} "
                f"for model {model_key!r}; clear that model's entries "
                "(EmbeddingCache.clear(model_key)) and embed again."
            )
        found = np.fromiter((k in hits for k in keys), dtype=bool, count=len(keys))
        if not hits:
            return None, found
        data = b"".join(hits[k] for k in keys if k in hits)
        vectors = np.frombuffer(data, dtype="<f4").reshape(int(found.sum()), dims.pop())
        return vectors.astype(np.float32, copy=True), found

    def put_many(self, model_key: str, texts: Sequence[str], vectors: np.ndarray) -> None:
        """Store vectors for texts in one transaction; texts already cached are left as they are.

        Parameters
        ----------
        model_key : str
            From :func:`model_key`.
        texts : sequence of str
            One text per row of ``vectors``.
        vectors : numpy.ndarray, shape (n, dim)
            Finite numbers; stored as little-endian float32.

        Raises
        ------
        DataError
            If the shapes disagree or values are not finite.
        InvalidParameterError
            If this ``model_key`` already holds vectors of another size.
        """
        arr = check_vectors(vectors, n_rows=len(texts), min_rows=0, name="vectors to cache")
        if len(texts) == 0:
            return
        dim = arr.shape[1]
        blobs = arr.astype("<f4", copy=False)
        rows = [(model_key, text_key(t), dim, blobs[i].tobytes()) for i, t in enumerate(texts)]
        with self._db.write() as conn:
            other = conn.execute(
                "SELECT dim FROM embeddings WHERE model_key = ? AND dim != ? LIMIT 1",
                (model_key, dim),
            ).fetchone()
            if other is not None:
                raise InvalidParameterError(
                    f"Model key {model_key!r} already holds {other[0]}-dimensional vectors in "
                    f"{self.path}; got {dim}. A model key must identify the model and every "
                    "option that changes its vectors."
                )
            conn.executemany(
                "INSERT OR IGNORE INTO embeddings (model_key, text_key, dim, vector) "
                "VALUES (?, ?, ?, ?)",
                rows,
            )

    def count(self, model_key: str | None = None) -> int:
        """Return how many vectors are cached (for one model key, or in all)."""
        conn = self._db.connection()
        if model_key is None:
            return conn.execute("SELECT COUNT(*) FROM embeddings").fetchone()[0]
        return conn.execute(
            "SELECT COUNT(*) FROM embeddings WHERE model_key = ?", (model_key,)
        ).fetchone()[0]

    def clear(self, model_key: str | None = None) -> None:
        """Delete cached vectors (for one model key, or all of them)."""
        with self._db.write() as conn:
            if model_key is None:
                conn.execute("DELETE FROM embeddings")
            else:
                conn.execute("DELETE FROM embeddings WHERE model_key = ?", (model_key,))

    def model_keys(self) -> dict[str, int]:
        """Return ``{model_key: number of cached vectors}``."""
        rows = self._db.connection().execute(
            "SELECT model_key, COUNT(*) FROM embeddings GROUP BY model_key ORDER BY model_key"
        )
        return dict(rows.fetchall())

    def integrity_check(self) -> list[str]:
        """Return SQLite's integrity check lines (``["ok"]`` when healthy)."""
        return self._db.integrity_check()

    def close(self) -> None:
        """Close this thread's connection."""
        self._db.close()
