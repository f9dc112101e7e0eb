"""Choosing k for k-means: the knee of the modularity curve, with a stability check.

Silhouette alone favours few, well-separated groups or drifts to the top of the range on
high-dimensional text vectors (it picked 3 for AG News's 4 topics and 15 for THUCNews's 10),
and bootstrap stability alone (k-means on pairs of 80% subsamples, ARI on the shared rows;
Ben-Hur et al. 2002) picked 3 for THUCNews: on flat text spaces k-means finds one very
stable coarse split and then many equally unstable finer ones.

Here each candidate k gets the *modularity* of its k-means partition on the sample's 15-NN
graph (the share of each row's neighbours in its own cluster, minus what random clusters of the
same sizes would give; Newman 2006, the quantity graph clusterers such as Leiden maximise). It
rises while clusters split real groups and flattens once they cut groups apart. The choice is
the *knee*: the smallest k that reaches :data:`KNEE` of the gain from k=2 to the best k, or
a later one while each further k still adds half of what the one before added (well-separated
groups give ``1 - 1/k``-shaped curves, whose knee is their number).
How sure: the bootstrap stability of that k (2 pairs of 80% subsamples) and how clearly the
curve bends there. Silhouette comes back with the curves for display.

Cost: ``len(ks) + 2 * PAIRS`` k-means fits (``n_init=3``) and one 2,000 x 2,000 product on
at most :data:`SAMPLE` rows, whatever the data size.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from embedlens.errors import InvalidParameterError
from embedlens.i18n import N_, _
from embedlens.progress import ProgressCallback, report

__all__ = ["KChoice", "choose_k"]

SAMPLE = 2000
"""Rows the curves are computed on (a seeded sample)."""
NEIGHBOURS = 15
"""Neighbours per row in the graph the modularity is measured on."""
KNEE = 0.85
"""The chosen k is the smallest reaching this share of the best modularity gain over k=2."""
STILL_RISING = 0.5
"""Past the threshold, go on to k+1 while it adds at least this share of the last step."""
PAIRS = 2
"""Bootstrap pairs for the stability of the chosen k."""
SUBSAMPLE = 0.8
"""Share of the sample each bootstrap fit sees."""
CONFIDENCE = ("sure", "fairly sure", "unsure")
_STATEMENTS = {
    "sure": N_(
        "k = {k}, sure: the modularity curve bends clearly at k = {k} and k-means on random "
        "80% subsamples agrees on it (stability {stability:.2f})."
    ),
    "fairly sure": N_(
        "k = {k}, fairly sure: the modularity curve bends at k = {k} (stability "
        "{stability:.2f}), but k = {runner} is almost as good."
    ),
    "unsure": N_(
        "k = {k}, unsure: the modularity curve has no clear bend (stability {stability:.2f}; "
        "k = {runner} is about as good). Try a few k by hand."
    ),
}


@dataclass(frozen=True)
class KChoice:
    """The chosen k, the curves behind it and how sure the choice is."""

    k: int
    ks: tuple[int, ...]
    modularity: tuple[float, ...]
    silhouette: tuple[float, ...]
    threshold: float  # the modularity the knee had to reach
    stability: float  # bootstrap ARI of the chosen k
    confidence: str  # "sure", "fairly sure" or "unsure"
    sample: int = 0  # rows the curves were computed on
    seconds: float = 0.0

    def runner_up(self) -> int | None:
        """The neighbouring k whose modularity is closest to the threshold."""
        i = self.ks.index(self.k)
        near = [j for j in (i - 1, i + 1) if 0 <= j < len(self.ks)]
        if not near:
            return None
        return self.ks[min(near, key=lambda j: abs(self.modularity[j] - self.threshold))]

    def statement(self) -> str:
        """One sentence in the current UI language: the k, how sure, and why."""
        runner = self.runner_up()
        return _(_STATEMENTS[self.confidence]).format(
            k=self.k,
            stability=self.stability,
            runner=runner if runner is not None else self.k,
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able dict (lists for the curves)."""
        out = asdict(self)
        for name in ("ks", "modularity", "silhouette"):
            out[name] = list(out[name])
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> KChoice:
        """Rebuild from :meth:`to_dict` output, ignoring unknown keys."""
        return cls(
            k=int(data["k"]),
            ks=tuple(int(k) for k in data["ks"]),
            modularity=tuple(float(v) for v in data["modularity"]),
            silhouette=tuple(float(v) for v in data["silhouette"]),
            threshold=float(data["threshold"]),
            stability=float(data["stability"]),
            confidence=str(data["confidence"]),
            sample=int(data.get("sample", 0)),
            seconds=float(data.get("seconds", 0.0)),
        )


def _kmeans(X: np.ndarray, k: int, seed: int) -> np.ndarray:
    from sklearn.cluster import KMeans

    return KMeans(n_clusters=k, n_init=3, random_state=seed).fit_predict(X)


def _neighbours(X: np.ndarray, n_neighbors: int) -> np.ndarray:
    """Row positions of each row's ``n_neighbors`` nearest others (euclidean = cosine on units)."""
    sq = np.einsum("ij,ij->i", X, X)
    D = sq[:, None] + sq[None, :] - 2.0 * (X @ X.T)
    np.fill_diagonal(D, np.inf)
    return np.argpartition(D, n_neighbors - 1, axis=1)[:, :n_neighbors]


def modularity(labels: np.ndarray, nn: np.ndarray) -> float:
    """Newman modularity of ``labels`` on the directed k-NN graph ``nn`` (rows x neighbours).

    Examples
    --------
    >>> nn = np.array([[1], [0], [3], [2]])
    >>> round(modularity(np.array([0, 0, 1, 1]), nn), 2)
    0.5
    """
    labels = np.asarray(labels)
    m, kk = nn.shape
    k = int(labels.max()) + 1
    inside = float((labels[nn] == labels[:, None]).mean())
    out_share = np.bincount(labels, minlength=k) / m
    in_degree = np.bincount(nn.ravel(), minlength=m)
    in_share = np.bincount(labels, weights=in_degree, minlength=k) / (m * kk)
    return inside - float(out_share @ in_share)


def _stability(X: np.ndarray, k: int, seed: int, rng: np.random.Generator) -> float:
    from sklearn.metrics import adjusted_rand_score

    m = len(X)
    sub = min(m, max(int(SUBSAMPLE * m), k + 2))
    aris = []
    for p in range(PAIRS):
        a = np.sort(rng.choice(m, sub, replace=False))
        b = np.sort(rng.choice(m, sub, replace=False))
        la = _kmeans(X[a], k, seed + 1 + 2 * p)
        lb = _kmeans(X[b], k, seed + 2 + 2 * p)
        common, ia, ib = np.intersect1d(a, b, return_indices=True)
        aris.append(adjusted_rand_score(la[ia], lb[ib]) if common.size > k else 0.0)
    return float(np.mean(aris))


def _sharpness(mod: list[float], best: int) -> float:
    """How clearly the curve bends at ``best``: the rise into it minus the rise after it.

    In units of the curve's range; about 1 for a step, 0 for a straight or flat curve.
    """
    span = (max(mod) - min(mod)) or 1.0
    before = mod[best] - mod[best - 1] if best > 0 else 0.0
    after = mod[best + 1] - mod[best] if best + 1 < len(mod) else 0.0
    return (before - after) / span


def _confidence(stability: float, sharpness: float) -> str:
    """Sure when the chosen k is stable and the curve bends clearly there."""
    if stability >= 0.8 and sharpness >= 0.1:
        return "sure"
    if stability >= 0.6 and sharpness >= 0.03:
        return "fairly sure"
    return "unsure"


def choose_k(
    X: np.ndarray,
    ks: range | list[int],
    *,
    seed: int = 0,
    on_progress: ProgressCallback | None = None,
) -> KChoice:
    """Pick k from ``ks`` for (already normalised) vectors ``X``: the modularity knee.

    Parameters
    ----------
    X : ndarray of shape (n, d)
        Rows to cluster (unit rows for cosine); a seeded sample of :data:`SAMPLE` is used.
    ks : sequence of int
        Candidates, each in [2, n - 1], increasing.
    seed : int, default=0
    on_progress : callable, optional

    Returns
    -------
    KChoice

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = np.concatenate([rng.normal(c, 0.2, size=(60, 2)) for c in (0, 3, 6)])
    >>> choose_k(X, range(2, 7)).k
    3
    """
    import time

    from sklearn.metrics import silhouette_score

    start = time.perf_counter()
    ks = sorted(int(k) for k in ks)
    if not ks:
        raise InvalidParameterError("choose_k: ks is empty; give at least one candidate k.")
    rng = np.random.default_rng(seed)
    n = len(X)
    Xs = X[np.sort(rng.choice(n, SAMPLE, replace=False))] if n > SAMPLE else X
    Xs = np.ascontiguousarray(Xs, dtype=np.float32)
    m = len(Xs)
    nn = _neighbours(Xs, max(1, min(NEIGHBOURS, m - 1)))
    mod: list[float] = []
    sil: list[float] = []
    for i, k in enumerate(ks):
        report(on_progress, 0.05 + 0.7 * i / len(ks), f"Trying k={k} of {ks[0]}..{ks[-1]}")
        labels = _kmeans(Xs, k, seed)
        ok = 1 < np.unique(labels).size < m
        sil.append(float(silhouette_score(Xs, labels)) if ok else -1.0)
        mod.append(modularity(labels, nn) if ok else -1.0)
    low, high = mod[0], max(mod)
    threshold = low + KNEE * (high - low)
    best = next(i for i, q in enumerate(mod) if q >= threshold - 1e-12)
    while (
        0 < best < len(mod) - 1
        and (mod[best + 1] - mod[best]) >= (STILL_RISING * (mod[best] - mod[best - 1])) > 0
    ):  # not bent yet: the next k still adds a good share of what the last one did
        best += 1
    sharpness = _sharpness(mod, best)
    report(on_progress, 0.78, f"Checking the stability of k={ks[best]}")
    stability = _stability(Xs, ks[best], seed, rng) if m > ks[best] + 2 else 0.0
    return KChoice(
        k=ks[best],
        ks=tuple(ks),
        modularity=tuple(mod),
        silhouette=tuple(sil),
        threshold=float(threshold),
        stability=stability,
        confidence=_confidence(stability, sharpness),
        sample=m,
        seconds=time.perf_counter() - start,
    )
