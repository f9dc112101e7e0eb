"""Projection at scale: fit on a sample and place the rest, and cost estimates before long runs."""

from __future__ import annotations

import math
import sys
import time
from dataclasses import replace

import numpy as np

from embedlens.progress import ProgressCallback, report, scaled
from embedlens.reduce import TRANSFORM_CHUNK, Projection, ProjectionParams, project
from embedlens.reduce_place import finite_coords, method_label, model_transform
from embedlens.reduce_tsne import TSNE_LARGE
from embedlens.validation import check_in_range, check_vectors

__all__ = ["estimate_cost", "fit_on_sample", "fit_sample_transform"]


def fit_on_sample(
    X: np.ndarray,
    params: ProjectionParams,
    sample_size: int,
    *,
    on_progress: ProgressCallback | None = None,
) -> tuple[Projection, np.ndarray, np.ndarray]:
    """Fit a transformable map on the seeded sample that every engine draws.

    Returns the fit, coordinates for all ``len(X)`` rows with the sample's filled in, and the
    positions of the rows still to place. Progress covers the first half.
    """
    n = len(X)
    rng = np.random.default_rng(params.seed)
    in_sample = np.zeros(n, dtype=bool)
    in_sample[rng.choice(n, size=sample_size, replace=False)] = True
    fit = project(
        X[in_sample], params, on_progress=scaled(on_progress, 0.0, 0.5), transformable=True
    )
    coords = np.empty((n, fit.params.dims), dtype=np.float32)
    coords[in_sample] = fit.coords
    return fit, coords, np.flatnonzero(~in_sample)


def fit_sample_transform(
    X: np.ndarray,
    params: ProjectionParams = ProjectionParams(),
    *,
    sample_size: int,
    on_progress: ProgressCallback | None = None,
) -> Projection:
    """Fit on a seeded random sample of rows, then place the other rows with transform.

    Parameters
    ----------
    X : array-like of shape (n, d)
        All vectors.
    params : ProjectionParams, default=ProjectionParams()
        As for :func:`project`; ``params.seed`` also draws the sample.
    sample_size : int
        Rows to fit on (at least 3). With ``n <= sample_size`` this is :func:`project`.
    on_progress : callable, optional
        Progress over the fit (first half) and the placement (second half, per chunk).

    Returns
    -------
    Projection
        Coordinates for every row; a note announces the sample.
    """
    start = time.perf_counter()
    check_in_range("sample_size", sample_size, low=3, owner="fit_sample_transform", kind=int)
    X = check_vectors(X)
    n = len(X)
    if n <= sample_size:
        return project(X, params, on_progress=on_progress)
    fit, coords, rest = fit_on_sample(X, params, sample_size, on_progress=on_progress)
    for i in range(0, rest.size, TRANSFORM_CHUNK):
        chunk = rest[i : i + TRANSFORM_CHUNK]
        placed, _ = model_transform(fit.model, X[chunk])  # type: ignore[arg-type]
        coords[chunk] = finite_coords(placed, fit.params.method)
        done = min(i + TRANSFORM_CHUNK, rest.size)
        report(on_progress, 0.5 + 0.5 * done / rest.size, f"Placed {done:,} of {rest.size:,}")
    owner = "openTSNE" if params.method == "tsne" else method_label(params.method)
    note = (
        f"Fitted {method_label(params.method)} on {sample_size:,} of {n:,} rows; placed the rest "
        f"with {owner}'s transform."
    )
    seconds = time.perf_counter() - start
    return replace(fit, coords=coords, notes=fit.notes + (note,), seconds=seconds)


def estimate_cost(n: int, dim: int, params: ProjectionParams) -> tuple[float, int]:
    """Rough seconds and peak bytes of :func:`project` on a 2-core laptop.

    Meant for warnings before long runs ("about 3 minutes, 2.1 GB"), not for promises:
    expect a factor of 2 either way.

    Parameters
    ----------
    n, dim : int
        Rows and dimensions of the input.
    params : ProjectionParams
        The method, map dims, and pre-reduction.

    Returns
    -------
    seconds : float
    peak_bytes : int
    """
    # Basis (published figures, see shared/reference/anchors.md), checked against CPU times
    # measured here on AG News (all-MiniLM-L6-v2, 384 dims, pre-reduced to 50):
    # - UMAP: umap-learn README, MNIST 70,000 x 784 in 42 s after the numba JIT; growth taken
    #   as n log n. umap-learn runs 500 epochs up to 10,000 rows and 200 above, and about half
    #   the time is epochs, so small inputs cost 1.75x per row. Seeded runs are
    #   single-threaded. Measured: 7,600 rows 8.7 s, 20,000 rows 9.2 s; the first fit in a
    #   process adds ~30 s of JIT (35 s measured for the exact + NN-descent code paths).
    # - t-SNE: openTSNE FFT took 35.7 s for 20,000 points on this project's 2-core machine
    #   (DESIGN.md; 71 s CPU measured here) and grows linearly (openTSNE benchmarks, ~15 min
    #   at 1M on 8 cores). Barnes-Hut below 10,000 points costs about the same per point
    #   (7,600: 33 s CPU); 3-D Barnes-Hut at scale is ~4x FFT and grows as n log n.
    # - PCA (and the pre-reduction): ~2 passes of n*d*k multiply-adds at ~5 GFLOP/s (2-core
    #   float32 BLAS, conservative) plus a d*d covariance when d is small.
    # Memory: the float32 input, one prepared copy, the reduced copy, the kNN graph (UMAP:
    # n*k; t-SNE: k = 3*perplexity exact neighbours, 32 bytes an entry while its float32
    # graph, transpose and sum coexist, plus a 4 MiB search block) and the output.
    n, dim = max(int(n), 1), max(int(dim), 1)
    flops = 5e9
    x_bytes = n * dim * 4
    if params.method == "pca":
        k = params.dims
        seconds = (2 * n * dim * (k + 10) + n * dim * min(dim, 1000)) / flops
        return seconds + 0.05, int(2 * x_bytes + n * (k + 10) * 8)
    work_dim = min(dim, params.pca_dims) if params.pca_dims else dim
    seconds = 0.05
    peak = x_bytes * (2 if params.metric == "cosine" else 1)
    if work_dim < dim:
        seconds += (2 * n * dim * (work_dim + 10)) / flops
        peak += n * work_dim * 4 + x_bytes  # reduced copy + the solver's working copy
    if params.method == "umap":
        growth = (n / 70_000) * math.log(max(n, 2)) / math.log(70_000)
        seconds += 42 * growth * (1.75 if n <= 10_000 else 1.0)
        if "umap" not in sys.modules:
            seconds += 30
        peak += n * params.n_neighbors * 12 * 3 + n * params.dims * 4
    else:
        seconds += 1.0 + 35.7 * n / 20_000
        if params.dims == 3 and n >= TSNE_LARGE:
            seconds *= 4 * max(1.0, math.log(n) / math.log(20_000))
        k = min(n - 1, int(3 * params.perplexity))
        peak += n * k * 32 + (4 << 20) + n * params.dims * 8
    return seconds, int(peak)
