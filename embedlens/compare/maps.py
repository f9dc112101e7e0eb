"""Line 2-D/3-D maps up with each other (Procrustes) and score each one's trustworthiness."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.linalg import orthogonal_procrustes

from embedlens.errors import DataError
from embedlens.metrics.faithfulness import trustworthiness
from embedlens.progress import ProgressCallback, report
from embedlens.validation import check_vectors


@dataclass(frozen=True, eq=False)
class Alignment:
    """One map turned, mirrored, scaled and shifted onto another.

    Attributes
    ----------
    coords : ndarray of shape (n, m), float32
        The moved map, in the reference map's units.
    rotation : ndarray of shape (m, m)
        Orthogonal matrix applied after centring (may include a reflection).
    scale : float
        Isotropic factor applied after the rotation.
    disparity : float
        Standardised Procrustes disparity: residual sum of squares over the reference's
        centred sum of squares, 0 (identical shape) to 1.
    """

    coords: np.ndarray
    rotation: np.ndarray
    scale: float
    disparity: float


def align_procrustes(reference: np.ndarray, moving: np.ndarray) -> Alignment:
    """Align ``moving`` onto ``reference`` by translation, orthogonal transform and scale.

    Uses ``scipy.linalg.orthogonal_procrustes`` on the centred maps; the returned coordinates
    sit where ``reference`` sits, so the two can share axes.

    Parameters
    ----------
    reference : array-like of shape (n, m)
    moving : array-like of shape (n, m)
        Row i of both is the same item.

    Returns
    -------
    Alignment

    Raises
    ------
    DataError
        Shapes differ, or a map has all its points in one place.

    Examples
    --------
    >>> A = np.random.default_rng(0).normal(size=(20, 2))
    >>> R = np.array([[0.0, -1.0], [1.0, 0.0]])
    >>> round(align_procrustes(A, 3 * A @ R + 7).disparity, 9)
    0.0
    """
    A = check_vectors(reference, min_rows=2, name="reference map").astype(np.float64)
    B = check_vectors(moving, n_rows=A.shape[0], name="map to align").astype(np.float64)
    if A.shape[1] != B.shape[1]:
        raise DataError(
            f"the maps have {A.shape[1]} and {B.shape[1]} axes; align maps with the same "
            "number of dimensions (both 2-D or both 3-D)."
        )
    mean_a, mean_b = A.mean(axis=0), B.mean(axis=0)
    A0, B0 = A - mean_a, B - mean_b
    ss_a, ss_b = float(np.sum(A0 * A0)), float(np.sum(B0 * B0))
    if ss_a == 0 or ss_b == 0:
        raise DataError("a map has all its points in one place; there is nothing to align.")
    R, sigma = orthogonal_procrustes(B0, A0)
    scale = float(sigma / ss_b)
    moved = B0 @ R * scale
    disparity = float(np.sum((moved - A0) ** 2) / ss_a)
    return Alignment(
        coords=(moved + mean_a).astype(np.float32),
        rotation=R,
        scale=scale,
        disparity=min(max(disparity, 0.0), 1.0),
    )


@dataclass(frozen=True, eq=False)
class MapComparison:
    """Several maps of the same vectors, aligned to the first, each with its trustworthiness.

    Attributes
    ----------
    names : tuple of str
        Map names, the reference first.
    coords : dict of str to ndarray
        Aligned coordinates per map (the reference unchanged).
    trust : dict of str to float
        Trustworthiness of each map at ``k``.
    disparity : dict of str to float
        Procrustes disparity to the reference (0 for itself).
    k : int
    notes : tuple of str
    """

    names: tuple[str, ...]
    coords: dict[str, np.ndarray]
    trust: dict[str, float]
    disparity: dict[str, float]
    k: int
    notes: tuple[str, ...] = ()

    def summary(self) -> dict:
        """JSON-able figures per map."""
        return {
            "k": self.k,
            "maps": {
                name: {"trustworthiness": self.trust[name], "disparity": self.disparity[name]}
                for name in self.names
            },
            "notes": list(self.notes),
        }


def compare_maps(
    X: np.ndarray,
    maps: dict[str, np.ndarray],
    *,
    k: int = 10,
    metric: str = "euclidean",
    sample_size: int = 5000,
    seed: int = 0,
    on_progress: ProgressCallback | None = None,
) -> MapComparison:
    """Align every map to the first one and score each map's trustworthiness.

    Parameters
    ----------
    X : array-like of shape (n, d)
        The original vectors all maps were made from.
    maps : dict of str to array-like of shape (n, m)
        Name -> coordinates; the first entry is the reference.
    k : int, default=10
        Neighbours for trustworthiness (lowered below half the points used, said in notes).
    metric : {"euclidean", "cosine"}, default="euclidean"
        Original-space metric, as ``embedlens evaluate`` uses (euclidean).
    sample_size : int, default=5000
        Trustworthiness on a seeded sample above this many points.
    seed : int, default=0
    on_progress : callable, default=None

    Returns
    -------
    MapComparison
    """
    if not maps:
        raise DataError("compare_maps needs at least one map.")
    X = check_vectors(X, min_rows=3)
    names = tuple(maps)
    ref = check_vectors(maps[names[0]], n_rows=X.shape[0], name=f"map {names[0]!r}")
    used = min(X.shape[0], sample_size)
    kk = min(int(k), max(1, (used - 1) // 2))
    notes = []
    if kk != k:
        notes.append(f"trustworthiness at k={kk}: k must be under half of the {used} points.")
    if X.shape[0] > sample_size:
        notes.append(f"trustworthiness on a random sample of {sample_size:,} points.")
    coords, trust, disparity = {}, {}, {}
    for i, name in enumerate(names):
        report(on_progress, i / len(names), f"Scoring the {name} map")
        C = check_vectors(maps[name], n_rows=X.shape[0], name=f"map {name!r}")
        if i == 0:
            coords[name], disparity[name] = ref, 0.0
        else:
            al = align_procrustes(ref, C)
            coords[name], disparity[name] = al.coords, al.disparity
        trust[name] = trustworthiness(X, C, k=kk, metric=metric, sample_size=sample_size, seed=seed)
    report(on_progress, 1.0, "Maps compared")
    return MapComparison(
        names=names, coords=coords, trust=trust, disparity=disparity, k=kk, notes=tuple(notes)
    )
