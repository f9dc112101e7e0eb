"""Place new vectors on a fitted map: the fitted model, its transform, neighbour placement.

:func:`transform_points` is re-exported by :mod:`embedlens.reduce`, where callers import it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from embedlens.errors import DataError
from embedlens.validation import check_vectors, unit_rows

if TYPE_CHECKING:
    from embedlens.reduce import Projection

__all__ = [
    "FittedModel",
    "finite_coords",
    "method_label",
    "model_transform",
    "transform_points",
]

PLACEMENT_NEIGHBOURS = 10


@dataclass(frozen=True, eq=False)
class FittedModel:
    """What transform_points needs: the preprocessing and the fitted estimator."""

    method: str
    estimator: Any
    normalize: bool
    pre: Any  # fitted sklearn PCA (pre-reduction) or None
    transformable: bool = True  # False: UMAP fitted on exact neighbours, without a search index

    def prepare(self, X: np.ndarray) -> np.ndarray:
        """New rows as the fit saw its rows: unit length (cosine), then pre-reduced."""
        if self.normalize:
            X = unit_rows(X, name="new vectors")
        if self.pre is not None:
            X = np.ascontiguousarray(self.pre.transform(X), dtype=np.float32)
        return X


def method_label(method: str) -> str:
    """The display name of a projection method: "pca" -> "PCA"."""
    return {"pca": "PCA", "tsne": "t-SNE", "umap": "UMAP"}[method]


def finite_coords(coords: Any, method: str) -> np.ndarray:
    """``coords`` as float32 C-contiguous, or DataError when a value is not finite."""
    coords = np.ascontiguousarray(coords, dtype=np.float32)
    if not np.isfinite(coords).all():
        raise DataError(
            f"{method_label(method)} produced non-finite coordinates; try PCA, another seed, or "
            "check the vectors for extreme values."
        )
    return coords


def model_transform(model: FittedModel, X_new: np.ndarray) -> tuple[np.ndarray, str]:
    """Place ``X_new`` with the fitted estimator's own transform: (coords, one-line how)."""
    Z = model.prepare(X_new)
    if model.method == "pca":
        return model.estimator.transform(Z), "PCA: projected onto the map's principal components"
    if model.method == "umap":
        return model.estimator.transform(Z), "UMAP transform of the fitted map"
    # The t-SNE map's index answers exactly: new rows get their exact neighbours in the fit.
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
    if isinstance(projection.model, FittedModel) and projection.model.transformable:
        placed, how = model_transform(projection.model, X_new)
    else:
        placed, how = _place_by_neighbours(
            projection.coords, X_train, X_new, projection.params.metric
        )
    return finite_coords(placed, projection.params.method), how
