"""How differently two groups of points are distributed (KL and Jensen-Shannon divergence)."""

from __future__ import annotations

from typing import Any

import numpy as np

from embedlens.errors import DataError
from embedlens.validation import check_in_range, check_vectors

EPSILON = 1e-10
"""Added to every histogram bin's probability before the divergences (then renormalised)."""


def _mask(mask: Any, n: int, name: str) -> np.ndarray:
    arr = np.asarray(mask)
    if arr.dtype != bool or arr.shape != (n,):
        raise DataError(
            f"{name} must be a boolean array with one entry per row ({n}); got dtype "
            f"{arr.dtype} and shape {arr.shape}."
        )
    if not arr.any():
        raise DataError(f"{name} selects no rows; select at least one point for each group.")
    return arr


def _kl_bits(p: np.ndarray, q: np.ndarray) -> float:
    return float(np.sum(p * np.log2(p / q)))


def _compare(values: np.ndarray, a: np.ndarray, b: np.ndarray, bins: int) -> dict[str, Any]:
    both = values[a | b]
    edges = np.histogram_bin_edges(both, bins=bins)
    ha = np.histogram(values[a], bins=edges)[0].astype(np.float64)
    hb = np.histogram(values[b], bins=edges)[0].astype(np.float64)
    pa, pb = ha / ha.sum(), hb / hb.sum()
    sa, sb = pa + EPSILON, pb + EPSILON
    sa, sb = sa / sa.sum(), sb / sb.sum()
    m = (sa + sb) / 2
    js = 0.5 * _kl_bits(sa, m) + 0.5 * _kl_bits(sb, m)
    return {
        "kl_ab": _kl_bits(sa, sb),
        "kl_ba": _kl_bits(sb, sa),
        "js": float(min(max(js, 0.0), 1.0)),
        "edges": edges.tolist(),
        "hist_a": pa.tolist(),
        "hist_b": pb.tolist(),
    }


def group_divergence(
    X: np.ndarray,
    mask_a: Any,
    mask_b: Any,
    *,
    coords: np.ndarray | None = None,
    bins: int = 30,
) -> dict[str, Any]:
    """Compare two groups of rows by the distributions of a per-point value.

    The value is each point's cosine similarity to the centroid of all rows of ``X`` and, when
    ``coords`` are given, each map axis. The two groups are histogrammed over shared bins
    (``bins`` equal-width bins spanning both groups); ``EPSILON`` (1e-10) is added to each
    bin's probability and the histograms renormalised before the divergences, so empty bins
    give large but finite KL values.

    Parameters
    ----------
    X : array-like of shape (n, d)
    mask_a, mask_b : array-like of bool, shape (n,)
        The two groups (they may overlap).
    coords : array-like of shape (n, m), default=None
    bins : int, default=30

    Returns
    -------
    dict
        ``n_a``, ``n_b``, ``similarity`` and ``axes`` (a list, one per map axis; empty without
        coords). Each comparison is a dict with ``kl_ab`` = KL(A||B) and ``kl_ba`` = KL(B||A) in
        bits, ``js`` (Jensen-Shannon divergence, base 2, in [0, 1]), ``edges`` (bins + 1
        floats) and ``hist_a`` / ``hist_b`` (unsmoothed fractions per bin, for plotting).

    Raises
    ------
    DataError
        A mask is not boolean of length n or selects no rows, or the centroid is zero.
    """
    check_in_range("bins", bins, low=1, owner="group_divergence", kind=int)
    X = check_vectors(X, min_rows=2)
    n = X.shape[0]
    a, b = _mask(mask_a, n, "mask_a"), _mask(mask_b, n, "mask_b")
    centroid = X.astype(np.float64).mean(axis=0)
    c_norm = np.linalg.norm(centroid)
    norms = np.linalg.norm(X, axis=1)
    if c_norm == 0 or (norms == 0).any():
        raise DataError(
            "cosine similarity to the centroid is undefined: "
            + (
                "the centroid of all rows is the zero vector"
                if c_norm == 0
                else f"{int((norms == 0).sum())} rows have zero vectors (norm 0)"
            )
            + "; remove those rows or centre the data differently."
        )
    sims = (X @ (centroid / c_norm).astype(np.float32)) / norms
    out: dict[str, Any] = {
        "n_a": int(a.sum()),
        "n_b": int(b.sum()),
        "similarity": _compare(sims, a, b, int(bins)),
        "axes": [],
    }
    if coords is not None:
        C = check_vectors(coords, n_rows=n, name="map coordinates")
        out["axes"] = [_compare(C[:, j], a, b, int(bins)) for j in range(C.shape[1])]
    return out
