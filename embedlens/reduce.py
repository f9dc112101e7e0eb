"""Project vectors to a 2-D or 3-D map: PCA (scikit-learn), t-SNE (openTSNE), UMAP (umap-learn).

openTSNE and umap-learn are imported inside the functions that need them, so importing this
module stays cheap. Every automatic adjustment is announced in ``Projection.notes``.

Preprocessing for t-SNE and UMAP, in this order:

1. ``metric="cosine"``: rows are scaled to unit length (cosine is undefined for an all-zero
   row, so such rows raise DataError naming them; remove them or use ``metric="euclidean"``).
2. Inputs wider than ``pca_dims`` are reduced to ``pca_dims`` dimensions with PCA. After
   step 1 the reduced space is searched with the euclidean metric: on unit vectors euclidean
   distance ranks neighbours exactly as cosine does, and PCA keeps euclidean distances.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

import numpy as np

from embedlens.errors import BackendUnavailable, DataError
from embedlens.i18n import N_
from embedlens.progress import ProgressCallback, report, scaled
from embedlens.reduce_place import (
    FittedModel,
    finite_coords,
    method_label,
    transform_points,
)
from embedlens.reduce_tsne import TSNE_LARGE, fit_tsne, make_tsne, tsne_callbacks
from embedlens.registry import Registry
from embedlens.validation import (
    check_choice,
    check_in_range,
    check_vectors,
    parameter_error,
    unit_rows,
)

__all__ = [
    "REDUCERS",
    "Projection",
    "ProjectionParams",
    "project",
    "transform_points",
]

METHODS = ("pca", "tsne", "umap")
METRICS = ("cosine", "euclidean")
EXACT_KNN_MAX_ROWS = 100_000  # UMAP up to this size gets exact neighbours (see project)
_UMAP_SMALL = 4_096  # below this umap-learn computes all distances itself
TRANSFORM_CHUNK = 20_000

REDUCERS: Registry[Any] = Registry("reducer")


@dataclass(frozen=True, kw_only=True)
class ProjectionParams:
    """Parameters of one projection; validated on construction.

    ``perplexity`` is used by t-SNE only; ``n_neighbors`` and ``min_dist`` by UMAP only;
    ``metric`` and ``pca_dims`` by t-SNE and UMAP (PCA works on the raw vectors).
    """

    method: str = "pca"
    dims: int = 2
    seed: int = 0
    perplexity: float = 30.0
    n_neighbors: int = 15
    min_dist: float = 0.1
    metric: str = "cosine"
    pca_dims: int = 50

    def __post_init__(self) -> None:
        owner = "ProjectionParams"
        check_choice("method", self.method, METHODS, owner=owner)
        check_choice("dims", self.dims, (2, 3), owner=owner)
        check_in_range("seed", self.seed, low=0, high=2**32 - 1, owner=owner, kind=int)
        check_in_range("perplexity", self.perplexity, low=0, closed="neither", owner=owner)
        check_in_range("n_neighbors", self.n_neighbors, low=2, owner=owner, kind=int)
        check_in_range("min_dist", self.min_dist, low=0, high=1, owner=owner)
        check_choice("metric", self.metric, METRICS, owner=owner)
        check_in_range("pca_dims", self.pca_dims, low=0, owner=owner, kind=int)
        # Plain Python numbers (2.0 from a form, np.int64 from a frame) so to_dict is JSON-able.
        for name in ("dims", "seed", "n_neighbors", "pca_dims"):
            object.__setattr__(self, name, int(getattr(self, name)))
        for name in ("perplexity", "min_dist"):
            object.__setattr__(self, name, float(getattr(self, name)))

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able dict of the parameters."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ProjectionParams:
        """Build from a dict, ignoring unknown keys (results saved by other versions)."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass(frozen=True, eq=False)
class Projection:
    """A map: ``coords`` (n, dims) float32, the params actually used, and notes."""

    coords: np.ndarray
    params: ProjectionParams
    notes: tuple[str, ...]
    seconds: float
    model: object | None = None
    provenance: Any = None  # embedlens.pipeline.Provenance, set by the pipeline


@REDUCERS.register("pca", label="PCA")
def _make_pca(*, params: ProjectionParams, n_components: int | None = None, **_: Any) -> Any:
    from sklearn.decomposition import PCA

    # svd_solver="auto" picks randomized SVD for large inputs and exact solvers otherwise.
    return PCA(n_components=n_components or params.dims, random_state=params.seed)


@REDUCERS.register("tsne", label="t-SNE (openTSNE)", requires=("openTSNE",), pip_name="openTSNE")
def _make_tsne(*, params: ProjectionParams, n_samples: int, callbacks: Any = None, **_: Any) -> Any:
    return make_tsne(params=params, n_samples=n_samples, callbacks=callbacks)


@REDUCERS.register("umap", label="UMAP", requires=("umap",), pip_name="umap-learn")
def _make_umap(*, params: ProjectionParams, metric: str, **_: Any) -> Any:
    from embedlens.jit_cache import import_umap

    umap = import_umap()  # compiled code cached on disk: a fresh process skips the JIT

    # A fixed random_state makes umap-learn single-threaded; say so, do not warn.
    return umap.UMAP(
        n_components=params.dims,
        n_neighbors=params.n_neighbors,
        min_dist=params.min_dist,
        metric=metric,
        random_state=params.seed,
        n_jobs=1,
    )


def _is_constant(X: np.ndarray, tol: float = 0.0) -> bool:
    return bool(np.ptp(X, axis=0).max() <= tol)


def _adjust(params: ProjectionParams, n: int, d: int) -> tuple[ProjectionParams, list[str]]:
    """Data-dependent checks (raise) and adjustments (announced in notes)."""
    notes: list[str] = []
    if params.method == "pca" and params.dims > d:
        raise parameter_error(
            "dims",
            params.dims,
            f"at most the number of input dimensions ({d}) for PCA, which cannot make more "
            "components than the vectors have",
            owner="ProjectionParams",
            hint="choose dims=2 or use t-SNE or UMAP",
        )
    # openTSNE looks at 3 * perplexity neighbours; with fewer points it would lower the
    # perplexity itself (with a log line). Do it here, visibly.
    if params.method == "tsne" and 3 * params.perplexity > n - 1:
        new = max(1.0, (n - 1) / 3)
        notes.append(
            N_(
                "Lowered t-SNE perplexity from {old:g} to {new:.4g}: it must be at most a third "
                "of the points minus one ({n:,} points)."
            ).format(old=params.perplexity, new=new, n=n)
        )
        params = replace(params, perplexity=new)
    if params.method == "umap" and params.n_neighbors >= n:
        notes.append(
            N_("Lowered UMAP n_neighbors from {old} to {new}: there are only {n:,} points.").format(
                old=params.n_neighbors, new=n - 1, n=n
            )
        )
        params = replace(params, n_neighbors=n - 1)
    return params, notes


def _prepare(
    X: np.ndarray, params: ProjectionParams
) -> tuple[np.ndarray, bool, Any, str, list[str]]:
    """Normalise / pre-reduce for t-SNE and UMAP; returns (X, normalized, pca, metric, notes)."""
    if params.method == "pca":
        return X, False, None, "euclidean", []
    notes: list[str] = []
    normalize = params.metric == "cosine"
    if normalize:
        X = unit_rows(X, name="vectors")
        if _is_constant(X, tol=1e-6):
            raise DataError(
                "all vectors point in the same direction, so under the cosine metric they are "
                "identical; a map would be a single point. Use metric='euclidean'."
            )
    n, d = X.shape
    pre = None
    if 0 < params.pca_dims < d:
        k = min(params.pca_dims, n)
        pre = _make_pca(params=params, n_components=k).fit(X)
        X = np.ascontiguousarray(pre.transform(X), dtype=np.float32)
        kept = float(pre.explained_variance_ratio_.sum())
        notes.append(
            N_(
                "Reduced {d} to {k} dimensions with PCA before {method} (keeps {kept:.0%} of the "
                "variance)."
            ).format(d=d, k=k, method=method_label(params.method), kept=kept)
        )
    metric = "euclidean" if (pre is not None or not normalize) else "cosine"
    return X, normalize, pre, metric, notes


def _sign_fix(pca: Any, coords: np.ndarray) -> np.ndarray:
    """Make each component's largest loading positive, so PCA maps never flip at random."""
    comps = pca.components_
    flip = comps[np.arange(len(comps)), np.abs(comps).argmax(axis=1)] < 0
    comps[flip] *= -1
    coords = np.array(coords, copy=True)
    coords[:, flip] *= -1
    return coords


def _has_search_index(umap_model: Any) -> bool:
    """Whether a fitted UMAP can ``transform``: it kept a pynndescent index or its small data."""
    return getattr(umap_model, "_knn_search_index", None) is not None or getattr(
        umap_model, "_small_data", False
    )


def _exact_knn(X: np.ndarray, k: int, metric: str) -> tuple[np.ndarray, np.ndarray, None]:
    """Exact k nearest neighbours of every row (itself first), as UMAP's precomputed_knn.

    ``metric`` is "euclidean" or, on unit rows, "cosine" (1 - cos = squared euclidean / 2).
    sklearn's working memory is capped so the search stays within the memory budget.
    """
    from sklearn import config_context
    from sklearn.neighbors import NearestNeighbors

    with config_context(working_memory=64):
        dist, idx = NearestNeighbors(n_neighbors=k, algorithm="brute").fit(X).kneighbors(X)
    if metric == "cosine":
        dist = dist**2 / 2
    return idx.astype(np.int32), dist.astype(np.float32), None


def _fit(
    X: np.ndarray,
    params: ProjectionParams,
    metric: str,
    on_progress: ProgressCallback | None,
    *,
    transformable: bool,
) -> tuple[np.ndarray, Any, list[str]]:
    """Fit the reducer; library warnings become notes."""
    method = params.method
    callbacks = tsne_callbacks(on_progress) if method == "tsne" else None
    estimator = REDUCERS.create(
        method, params=params, metric=metric, n_samples=len(X), callbacks=callbacks
    )
    if method == "umap" and not transformable and _UMAP_SMALL <= len(X) <= EXACT_KNN_MAX_ROWS:
        # Exact neighbours by brute force beat pynndescent here: faster (no numba JIT of the
        # index, one BLAS pass), deterministic, and exact; the price is no UMAP transform.
        estimator.set_params(precomputed_knn=_exact_knn(X, params.n_neighbors, metric))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.filterwarnings("ignore", message=r"precomputed_knn\[2\]")
        if method == "tsne":  # exact neighbours from embedlens, never openTSNE's own index
            estimator = fit_tsne(X, estimator)
            coords = np.asarray(estimator)
        else:
            coords = estimator.fit_transform(X)
            if method == "pca":
                coords = _sign_fix(estimator, coords)
    notes = []
    for w in caught:  # the library's advice becomes notes; anything else is passed on
        if issubclass(w.category, (UserWarning, RuntimeWarning)):
            notes.append(f"{method_label(method)}: {w.message}")
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    if method == "tsne" and params.dims == 3 and len(X) >= TSNE_LARGE:
        notes.append(N_("3-D t-SNE uses Barnes-Hut (openTSNE's FFT method is 2-D only): slower."))
    if method == "umap" and len(X) >= 10_000:
        notes.append(N_("UMAP ran single-threaded: a fixed seed makes the map reproducible."))
    return coords, estimator, list(dict.fromkeys(notes))


def project(
    X: np.ndarray,
    params: ProjectionParams = ProjectionParams(),
    *,
    on_progress: ProgressCallback | None = None,
    transformable: bool = False,
) -> Projection:
    """Project vectors to a 2-D or 3-D map.

    Parameters
    ----------
    X : array-like of shape (n, d)
        Vectors, at least 3 rows, finite.
    params : ProjectionParams, default=ProjectionParams()
        Method and its parameters. Too-large perplexity / n_neighbors are lowered (noted).
    on_progress : callable, optional
        ``on_progress(fraction, message)``; called at the start, during t-SNE, and at the end.
    transformable : bool, default=False
        Keep UMAP's own neighbour index so its ``transform`` can place many new rows later
        (:func:`embedlens.reduce_scale.fit_sample_transform`). By default UMAP on 4,096 to
        ``EXACT_KNN_MAX_ROWS`` rows uses exact neighbours instead (faster, exact), and
        :func:`transform_points` places new points by their nearest neighbours.

    Returns
    -------
    Projection
        float32 finite coords, the params actually used, notes and the fitted model.

    Raises
    ------
    DataError
        Fewer than 3 rows, non-finite values, all rows identical, zero rows under cosine.
    InvalidParameterError
        PCA asked for more dims than the input has.
    BackendUnavailable
        openTSNE / umap-learn is not installed.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).normal(size=(20, 5))
    >>> project(X, ProjectionParams(method="pca")).coords.shape
    (20, 2)
    """
    start = time.perf_counter()
    X = check_vectors(X)
    n, d = X.shape
    if n < 3:
        raise DataError(f"vectors has {n} row(s); a map needs at least 3 rows. Load more rows.")
    reason = REDUCERS.unavailable_reason(params.method)
    if reason is not None:
        raise BackendUnavailable(reason)
    if _is_constant(X):
        raise DataError("all vectors are identical; a map would be a single point.")
    params, notes = _adjust(params, n, d)
    label = method_label(params.method)
    report(on_progress, 0.0, f"Running {label} on {n:,} points…")
    Xp, normalize, pre, metric, prep_notes = _prepare(X, params)
    coords, estimator, fit_notes = _fit(
        Xp, params, metric, scaled(on_progress, 0.05, 0.95), transformable=transformable
    )
    coords = finite_coords(coords, params.method)
    seconds = time.perf_counter() - start
    report(on_progress, 1.0, f"{label} done in {seconds:.1f} s")
    has_transform = params.method != "umap" or _has_search_index(estimator)
    model = FittedModel(params.method, estimator, normalize, pre, has_transform)
    return Projection(coords, params, tuple(notes + prep_notes + fit_notes), seconds, model)
