"""Similarity lab: one query's neighbours under cosine, dot product, euclidean and spherized.

Cosine ignores vector length; the dot product rewards long vectors; euclidean distance punishes
vectors far from the query in length as well as direction; spherizing (subtract the mean vector,
then scale every row to length 1) removes the direction all vectors share, so cosine measures
what is particular to each row. ``similarity_lab`` runs the four searches and returns what the
UI needs to show what changed and why: the lists, the vector norms and how the lists differ.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from embedlens.errors import DataError
from embedlens.neighbors import top_k
from embedlens.validation import check_in_range, check_vectors

LAB_METHODS = ("cosine", "dot", "euclidean", "spherized")
EQUAL_LENGTH_TOLERANCE = 0.01  # bfloat16-rounded unit vectors are off by ~0.4%


def spherize(X: np.ndarray, mean: np.ndarray | None = None) -> np.ndarray:
    """Rows minus ``mean`` (default: the rows' own mean), scaled to length 1 (zero rows stay 0).

    Parameters
    ----------
    X : array-like of shape (n, d)
    mean : array-like of shape (d,), default=None

    Returns
    -------
    ndarray of shape (n, d), float32

    Examples
    --------
    >>> S = spherize(np.array([[1.0, 2.0], [3.0, 2.0]]))
    >>> S.tolist()
    [[-1.0, 0.0], [1.0, 0.0]]
    """
    X = check_vectors(X)
    mu = X.mean(axis=0, dtype=np.float64) if mean is None else np.asarray(mean, np.float64)
    C = X - mu.astype(np.float32)
    norms = np.sqrt(np.einsum("ij,ij->i", C, C))
    return np.ascontiguousarray(C / np.where(norms == 0, 1.0, norms)[:, None], dtype=np.float32)


@dataclass(frozen=True, eq=False)
class LabList:
    """One method's neighbours of the query.

    Attributes
    ----------
    method : str
        One of ``LAB_METHODS``.
    rows : ndarray of shape (k,), int64
        Row positions, best first.
    scores : ndarray of shape (k,), float32
        Cosine similarity (cosine, spherized), dot product, or euclidean distance.
    norms : ndarray of shape (k,), float32
        Length of each neighbour's original vector.
    shared_with_cosine : int
        How many of ``rows`` the cosine list also holds.
    """

    method: str
    rows: np.ndarray
    scores: np.ndarray
    norms: np.ndarray
    shared_with_cosine: int


@dataclass(frozen=True, eq=False)
class SimilarityLab:
    """The four neighbour lists of one query, and the vector lengths behind their differences.

    Attributes
    ----------
    lists : dict of str to LabList
    query_norm : float
        Length of the query vector.
    norm_quartiles : tuple of float
        Lengths of all data vectors: 0, 25, 50, 75 and 100th percentiles.
    equal_length : bool
        Every vector (and the query) is as long as the median vector within 1%: cosine, dot
        and euclidean then rank the rows (almost) the same.
    mean_norm : float
        Length of the mean vector, as a share of the median vector length: near 1 means the
        rows share a common direction (spherizing then changes most).
    """

    lists: dict[str, LabList]
    query_norm: float
    norm_quartiles: tuple[float, ...]
    equal_length: bool
    mean_norm: float

    def entered(self, method: str) -> np.ndarray:
        """Rows in ``method``'s list that the cosine list lacks, in ``method``'s order."""
        base = set(self.lists["cosine"].rows.tolist())
        return np.asarray([r for r in self.lists[method].rows.tolist() if r not in base], int)

    def left(self, method: str) -> np.ndarray:
        """Rows in the cosine list that ``method``'s list lacks, in cosine order."""
        other = set(self.lists[method].rows.tolist())
        return np.asarray([r for r in self.lists["cosine"].rows.tolist() if r not in other], int)


def similarity_lab(
    X: np.ndarray,
    *,
    row: int | None = None,
    query: np.ndarray | None = None,
    k: int = 10,
) -> SimilarityLab:
    """Neighbours of a row (itself left out) or of a query vector under each ``LAB_METHODS``.

    Parameters
    ----------
    X : array-like of shape (n, d)
    row : int, default=None
        Row position of the query; give exactly one of ``row`` and ``query``.
    query : array-like of shape (d,), default=None
        A query vector made by the same model.
    k : int, default=10
        Neighbours per list (clamped to the rows available).

    Returns
    -------
    SimilarityLab

    Raises
    ------
    DataError
        Neither or both of ``row`` and ``query``, wrong dimensions, zero vectors.

    Examples
    --------
    >>> X = np.array([[1, 0], [10, 2], [0.9, 0.1], [0, 1]], dtype=np.float32)
    >>> lab = similarity_lab(X, row=0, k=1)
    >>> lab.lists["cosine"].rows.tolist(), lab.lists["dot"].rows.tolist()
    ([2], [1])
    """
    check_in_range("k", k, low=1, owner="similarity_lab", kind=int)
    X = check_vectors(X, min_rows=2)
    if (row is None) == (query is None):
        raise DataError("similarity_lab needs a row or a query vector (exactly one of them).")
    exclude = None
    if row is not None:
        check_in_range("row", row, low=0, high=len(X) - 1, owner="similarity_lab", kind=int)
        q = X[int(row)][None, :]
        exclude = [int(row)]
    else:
        q = check_vectors(np.asarray(query).reshape(1, -1), name="query vector")
        if q.shape[1] != X.shape[1]:
            raise DataError(
                f"the query vector has {q.shape[1]} dimensions but the data has {X.shape[1]}; "
                "embed it with the same model as the data."
            )
    norms = np.sqrt(np.einsum("ij,ij->i", X, X))
    mean = X.mean(axis=0, dtype=np.float64)
    S = spherize(X, mean)
    sq = spherize(q, mean)
    found = {m: top_k(X, q, k=k, metric=m, exclude=exclude) for m in ("cosine", "dot", "euclidean")}
    found["spherized"] = top_k(S, sq, k=k, metric="dot", exclude=exclude)  # unit rows: cosine
    base = set(found["cosine"].indices[0].tolist())
    lists = {
        m: LabList(
            method=m,
            rows=res.indices[0],
            scores=res.scores[0],
            norms=norms[res.indices[0]].astype(np.float32),
            shared_with_cosine=len(base & set(res.indices[0].tolist())),
        )
        for m, res in ((m, found[m]) for m in LAB_METHODS)
    }
    qn = float(np.linalg.norm(q))
    median = float(np.median(norms))
    return SimilarityLab(
        lists=lists,
        query_norm=qn,
        norm_quartiles=tuple(float(v) for v in np.quantile(norms, [0, 0.25, 0.5, 0.75, 1])),
        equal_length=bool(
            median > 0
            and np.abs(norms / median - 1).max() <= EQUAL_LENGTH_TOLERANCE
            and abs(qn / median - 1) <= EQUAL_LENGTH_TOLERANCE
        ),
        mean_norm=float(np.linalg.norm(mean) / median) if median > 0 else 0.0,
    )
