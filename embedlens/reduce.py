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
PLACEMENT_NEIGHBOURS = 10
EXACT_KNN_MAX_ROWS = 100_000  # UMAP up to this size gets exact neighbours (see project)
_UMAP_SMALL = 4_096  # below this umap-learn computes all distances itself
TRANSFORM_CHUNK = 20_000
_TSNE_ITERS = (250, 500)  # openTSNE's early-exaggeration and main phase lengths (its defaults)
_TSNE_CALLBACK_EVERY = 50
_TSNE_LARGE = 10_000  # openTSNE's own switch from Barnes-Hut to FFT
_TSNE_THREADS = 2_000

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


@dataclass(frozen=True, eq=False)
class _Fitted:
    """What transform_points needs: the preprocessing and the fitted estimator."""

    method: str
    estimator: Any
    normalize: bool
    pre: Any  # fitted sklearn PCA (pre-reduction) or None
    transformable: bool = True  # False: UMAP fitted on exact neighbours, without a search index

    def prepare(self, X: np.ndarray) -> np.ndarray:
        if self.normalize:
            X = unit_rows(X, name="new vectors")
        if self.pre is not None:
            X = np.ascontiguousarray(self.pre.transform(X), dtype=np.float32)
        return X


@REDUCERS.register("pca", label="PCA")
def _make_pca(*, params: ProjectionParams, n_components: int | None = None, **_: Any) -> Any:
    from sklearn.decomposition import PCA

    # svd_solver="auto" picks randomized SVD for large inputs and exact solvers otherwise.
    return PCA(n_components=n_components or params.dims, random_state=params.seed)


@REDUCERS.register("tsne", label="t-SNE (openTSNE)", requires=("openTSNE",), pip_name="openTSNE")
def _make_tsne(
    *, params: ProjectionParams, metric: str, n_samples: int, callbacks: Any = None, **_: Any
) -> Any:
    import openTSNE

    # openTSNE's own rule: FFT interpolation (O(n)) from 10,000 points, Barnes-Hut below,
    # where FFT's fixed grid cost dominates (measured here: BH 2x faster at 2,000 points,
    # equal at 7,600). FFT is 2-D only, so 3-D always uses Barnes-Hut. Threads only pay off
    # on larger inputs (at 100 points on a busy 2-core machine they made it 7x slower).
    large = n_samples >= _TSNE_LARGE
    return openTSNE.TSNE(
        n_components=params.dims,
        perplexity=params.perplexity,
        metric=metric,
        random_state=params.seed,
        n_jobs=-1 if n_samples >= _TSNE_THREADS else 1,
        negative_gradient_method="fft" if params.dims == 2 and large else "bh",
        callbacks=callbacks,
        callbacks_every_iters=_TSNE_CALLBACK_EVERY,
    )


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


def _label(method: str) -> str:
    return {"pca": "PCA", "tsne": "t-SNE", "umap": "UMAP"}[method]


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
            ).format(d=d, k=k, method=_label(params.method), kept=kept)
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


def _tsne_callbacks(on_progress: ProgressCallback | None) -> Any:
    if on_progress is None:
        return None
    total = sum(_TSNE_ITERS) // _TSNE_CALLBACK_EVERY
    calls = [0]

    def callback(iteration: int, error: float, embedding: np.ndarray) -> bool:
        calls[0] += 1
        done = calls[0] * _TSNE_CALLBACK_EVERY
        report(on_progress, calls[0] / total, f"t-SNE iteration {done}/{sum(_TSNE_ITERS)}")
        return False

    return callback


def _has_search_index(umap_model: Any) -> bool:
    """Whether a fitted UMAP can ``transform``: it kept a pynndescent index or its small data."""
    return (
        getattr(umap_model, "_knn_search_index", None) is not None
        or getattr(umap_model, "_small_data", False)
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
    callbacks = _tsne_callbacks(on_progress) if method == "tsne" else None
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
        if method == "tsne":
            embedding = estimator.fit(X)
            # Drop our callback so a later transform never reports to a stale progress bar.
            embedding.gradient_descent_params["callbacks"] = None
            coords, estimator = np.asarray(embedding), embedding
        else:
            coords = estimator.fit_transform(X)
            if method == "pca":
                coords = _sign_fix(estimator, coords)
    notes = []
    for w in caught:  # the library's advice becomes notes; anything else is passed on
        if issubclass(w.category, (UserWarning, RuntimeWarning)):
            notes.append(f"{_label(method)}: {w.message}")
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    if method == "tsne" and params.dims == 3 and len(X) >= _TSNE_LARGE:
        notes.append(N_("3-D t-SNE uses Barnes-Hut (openTSNE's FFT method is 2-D only): slower."))
    if method == "umap" and len(X) >= 10_000:
        notes.append(N_("UMAP ran single-threaded: a fixed seed makes the map reproducible."))
    return coords, estimator, list(dict.fromkeys(notes))


def _finite_coords(coords: Any, method: str) -> np.ndarray:
    coords = np.ascontiguousarray(coords, dtype=np.float32)
    if not np.isfinite(coords).all():
        raise DataError(
            f"{_label(method)} produced non-finite coordinates; try PCA, another seed, or "
            "check the vectors for extreme values."
        )
    return coords


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
    label = _label(params.method)
    report(on_progress, 0.0, f"Running {label} on {n:,} points…")
    Xp, normalize, pre, metric, prep_notes = _prepare(X, params)
    coords, estimator, fit_notes = _fit(
        Xp, params, metric, scaled(on_progress, 0.05, 0.95), transformable=transformable
    )
    coords = _finite_coords(coords, params.method)
    seconds = time.perf_counter() - start
    report(on_progress, 1.0, f"{label} done in {seconds:.1f} s")
    has_transform = params.method != "umap" or _has_search_index(estimator)
    model = _Fitted(params.method, estimator, normalize, pre, has_transform)
    return Projection(coords, params, tuple(notes + prep_notes + fit_notes), seconds, model)


def _model_transform(model: _Fitted, X_new: np.ndarray) -> tuple[np.ndarray, str]:
    Z = model.prepare(X_new)
    if model.method == "pca":
        return model.estimator.transform(Z), "PCA: projected onto the map's principal components"
    if model.method == "umap":
        return model.estimator.transform(Z), "UMAP transform of the fitted map"
    return (
        np.asarray(model.estimator.transform(Z)),
        "openTSNE transform: new points optimised against the fixed t-SNE map",
    )


def _place_by_neighbours(
    coords: np.ndarray, X_train: np.ndarray, X_new: np.ndarray, metric: str
) -> tuple[np.ndarray, str]:
    from sklearn.neighbors import NearestNeighbors

    if metric == "cosine":
        X_train = unit_rows(X_train, name="training vectors")
        X_new = unit_rows(X_new, name="new vectors")
    k = min(PLACEMENT_NEIGHBOURS, len(X_train))
    dist, idx = NearestNeighbors(n_neighbors=k).fit(X_train).kneighbors(X_new)
    weights = 1.0 / (np.maximum(dist, 0.0) + 1e-6)
    placed = (weights[:, :, None] * coords[idx]).sum(axis=1) / weights.sum(axis=1)[:, None]
    return placed, (
        f"weighted mean of the map positions of the {k} nearest training points ({metric}); "
        "the map was not refitted"
    )


def transform_points(
    projection: Projection, X_train: np.ndarray, X_new: np.ndarray
) -> tuple[np.ndarray, str]:
    """Place new vectors on an existing map without refitting it.

    Parameters
    ----------
    projection : Projection
        The map. With a fitted model, PCA / UMAP / openTSNE's own transform is used; without
        one (e.g. a map loaded from disk) each new point goes to the distance-weighted mean of
        the map positions of its 10 nearest training points in the original space.
    X_train : array-like of shape (n, d)
        The vectors the map was made from (row i is ``projection.coords[i]``).
    X_new : array-like of shape (m, d) or (d,)
        Vectors to place.

    Returns
    -------
    coords : ndarray of shape (m, dims), float32
    description : str
        One line saying how the points were placed.

    Raises
    ------
    DataError
        Row or dimension counts that do not match, non-finite values, zero rows under cosine.
    """
    X_new = np.asarray(X_new)
    if X_new.ndim == 1:
        X_new = X_new[None, :]
    X_new = check_vectors(X_new, name="new vectors")
    X_train = check_vectors(X_train, n_rows=len(projection.coords), name="training vectors")
    if X_new.shape[1] != X_train.shape[1]:
        raise DataError(
            f"new vectors have {X_new.shape[1]} dimensions but the map was made from "
            f"{X_train.shape[1]}-dimensional vectors; embed them with the same model."
        )
    if isinstance(projection.model, _Fitted) and projection.model.transformable:
        placed, how = _model_transform(projection.model, X_new)
    else:
        placed, how = _place_by_neighbours(
            projection.coords, X_train, X_new, projection.params.metric
        )
    return _finite_coords(placed, projection.params.method), how
