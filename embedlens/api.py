"""The Python/notebook API: ``embedlens.explore(data) -> Map``.

It is a thin front end over the core pipeline (:class:`embedlens.pipeline.Pipeline`): the same
content cache and workspace as the app and the command line, so the same text with the same
model is never embedded twice, and a map computed once is read back.

>>> import embedlens, pandas as pd
>>> df = pd.DataFrame({"text": ["stock markets fall", "shares slide", "team wins cup",
...                             "striker scores twice", "rocket reaches orbit", "probe lands"]})
>>> m = embedlens.explore(df, model="tfidf-svd", method="pca", k=3, workspace=False)
>>> sorted(set(m.data.columns) - set(df.columns))
['cluster', 'cluster_label', 'x', 'y']
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from embedlens.cluster import Clustering, ClusterParams
from embedlens.dataset import Dataset
from embedlens.embedders import EmbedResult
from embedlens.errors import DataError, InvalidParameterError, ModelLanguageWarning
from embedlens.pipeline import PRECOMPUTED, EmbedSpec, Pipeline
from embedlens.pipeline.images import IMAGE_BACKENDS, embed_query_text, is_image_dataset
from embedlens.progress import ProgressCallback
from embedlens.reduce import Projection, ProjectionParams
from embedlens.validation import check_choice

CORPUS_BACKENDS = ("tfidf-svd", "tfidf-char")  # fitted on the whole corpus: no typed queries


@dataclass(frozen=True, eq=False)
class Map:
    """An explored dataset: its vectors, map and clusters, with the pipeline that made them."""

    dataset: Dataset
    embedding: EmbedResult
    projection: Projection
    clustering: Clustering
    pipeline: Pipeline
    skipped: tuple[dict[str, str], ...] = ()  # image files not used, with reasons

    def __repr__(self) -> str:
        p = self.projection.params
        return (
            f"<embedlens.Map: {len(self.dataset):,} rows, "
            f"{self.embedding.provenance.vectors_name()}, {p.method.upper()} {p.dims}D, "
            f"{self.clustering.n_clusters} clusters>"
        )

    @property
    def provenance(self) -> dict[str, dict]:
        """Where each result came from (embedding, projection, clustering), as plain dicts."""
        return {
            "embedding": self.embedding.provenance.to_dict(),
            "projection": self.projection.provenance.to_dict(),
            "clustering": self.clustering.provenance.to_dict(),
        }

    @property
    def data(self) -> pd.DataFrame:
        """The input columns plus ``x``, ``y`` (``z``), ``cluster`` and ``cluster_label``.

        The index holds the row ids (a unique ``id`` column, else the input row position).
        """
        frame = self.dataset.frame.copy()
        coords = self.projection.coords
        for axis, name in enumerate("xyz"[: coords.shape[1]]):
            frame[name] = coords[:, axis]
        frame["cluster"] = self.clustering.labels.astype(np.int64)
        frame["cluster_label"] = self.clustering.label_for_rows()
        frame.index = pd.Index(self.dataset.ids, name="row")
        return frame

    def figure(self, *, color_by: str = "Cluster", theme: str = "light", **display: Any):
        """The interactive map as a Plotly Figure (hover, legend, cluster labels)."""
        from embedlens.plotting.maps import MapDisplay, map_figure

        out = map_figure(
            self.dataset,
            self.projection.coords,
            labels=self.clustering.labels,
            names=self.clustering.names,
            display=MapDisplay(color_by=color_by, **display),
            method=self.projection.params.method,
            theme=theme,
            title=self.dataset.name,
        )
        return out.figure

    def to_html(self, path: str | os.PathLike[str], **figure_options: Any) -> Path:
        """Write the map as ONE self-contained HTML file that opens offline; returns its path.

        For images, the most central thumbnails of each cluster follow the map (size-capped;
        the file says how many it left out).
        """
        from embedlens.plotting import figure_to_html
        from embedlens.store import atomic_write_bytes

        out = Path(path)
        html = figure_to_html(
            self.figure(**figure_options), title=self.dataset.name, after=self._image_strip()
        )
        atomic_write_bytes(out, html.encode("utf-8"))
        return out

    def _image_strip(self) -> str:
        """Images only: each cluster's most central thumbnails, size-capped, for the HTML."""
        from embedlens.plotting.image_strip import image_strip, strip_html
        from embedlens.store.thumbs import ThumbStore

        strip = image_strip(
            self.dataset, self.clustering.labels, self.clustering.names,
            ThumbStore(self.pipeline.workspace.root), vectors=self.embedding.vectors,
        )  # fmt: skip
        return strip_html(strip) if strip is not None else ""

    def neighbors(
        self, query: str | int | Any, k: int = 10, metric: str = "cosine"
    ) -> pd.DataFrame:
        """The ``k`` rows nearest to a typed text (``str``) or to a row (its id), best first.

        Returns the rows' columns (as in :attr:`data`) with ``rank`` and ``score`` (cosine or
        dot: higher is closer; euclidean: a distance, lower is closer). A row query leaves the
        row itself out.
        """
        from embedlens.neighbors import top_k

        X = self.embedding.vectors
        exclude = None
        if isinstance(query, str):
            q = self._embed_query(query)
        else:
            position = self._row_position(query)
            q, exclude = X[position : position + 1], np.asarray([position])
        result = top_k(X, q, k=k, metric=metric, exclude=exclude)
        rows = self.data.iloc[result.indices[0]].copy()
        rows.insert(0, "score", result.scores[0].astype(np.float64))
        rows.insert(0, "rank", np.arange(1, len(rows) + 1))
        return rows

    def evaluate(self, label_column: str | None = None, *, seed: int = 0) -> dict[str, Any]:
        """The figures of ``embedlens evaluate`` for these vectors and this map.

        ``knn_accuracy``, ``logreg_accuracy``, ``nmi``, ``silhouette`` (with labels),
        ``trustworthiness`` of the map, and ``notes`` saying what each is computed on.
        """
        from embedlens.metrics import evaluate

        labels = None
        if label_column is not None:
            if label_column not in self.dataset.frame.columns:
                raise InvalidParameterError(
                    f"The 'label_column' parameter of Map.evaluate must be one of the columns "
                    f"{list(self.dataset.frame.columns)}. Got {label_column!r} instead."
                )
            col = self.dataset.frame[label_column].astype(str)
            labels = np.asarray(col.tolist(), dtype=object)
        return evaluate(
            self.embedding.vectors, labels=labels, coords=self.projection.coords, seed=seed
        )

    def compare(
        self, other: Map, *, k: int = 10, label_column: str | None = None, metric: str = "cosine"
    ):
        """Compare these vectors with ``other``'s over the rows both maps share (matched by id).

        Returns an :class:`embedlens.compare.Comparison`: ``summary()`` holds ``overlap_at_k``,
        ``cka``, ``ari``, ``nmi``, ``knn_accuracy_a`` / ``_b`` (with ``label_column``) and
        more, as ``embedlens compare`` prints them; ``per_row`` has each row's overlap.
        """
        from embedlens.compare import compare_embeddings

        labels = None
        if label_column is not None:
            check_choice("label_column", label_column, list(self.dataset.frame.columns),
                         owner="Map.compare")  # fmt: skip
            labels = self.dataset.frame[label_column].astype(str).to_numpy(dtype=object)
        return compare_embeddings(
            self.dataset.ids, self.embedding.vectors, other.dataset.ids, other.embedding.vectors,
            k=k, metric=metric, labels=labels,
            name_a=self.embedding.provenance.vectors_name(),
            name_b=other.embedding.provenance.vectors_name(),
        )  # fmt: skip

    def widget(self, **figure_options: Any):
        """An interactive Jupyter widget of the map.

        Its ``selection`` is a DataFrame of the rows selected with the box or lasso.
        """
        from embedlens.widget import MapWidget

        return MapWidget(self.figure(**figure_options), self.data)

    def _row_position(self, row_id: Any) -> int:
        ids = pd.Index(pd.Series(self.dataset.ids).astype(str))
        hits = np.flatnonzero(ids == str(row_id))
        if hits.size == 0:
            raise InvalidParameterError(
                f"The 'query' parameter of Map.neighbors must be a text or a row id of this map. "
                f"Got {row_id!r} instead (ids run like {list(self.dataset.ids[:3])!r}...)."
            )
        return int(hits[0])

    def _embed_query(self, text: str) -> np.ndarray:
        from embedlens.embedders import embed_texts

        prov = self.embedding.provenance
        if prov.backend in IMAGE_BACKENDS:  # CLIP: texts and images share one space
            return embed_query_text(prov.backend, prov.model, text)
        if prov.backend == PRECOMPUTED:
            raise DataError(
                "This map uses the file's own vectors, so there is no model to embed a typed "
                "text with; query by row id instead."
            )
        if prov.backend in CORPUS_BACKENDS:
            raise DataError(
                f"{prov.vectors_name()} are fitted on the whole corpus, so a new text has no "
                "place in the same space; query by row id, or explore with a "
                "sentence-transformers model."
            )
        result = embed_texts(
            [text],
            backend=prov.backend,
            model=prov.model,
            embedder=None
            if self.pipeline.embedder_loader is None
            else (lambda: self.pipeline.embedder_loader(prov.backend, prov.model)),
            cache=self.pipeline.cache,
        )
        return result.vectors


def explore(
    data: pd.DataFrame | str | os.PathLike[str],
    *,
    text: str | None = None,
    vectors: str | None = None,
    image_column: str | None = None,
    model: str = "auto",
    method: str = "umap",
    dims: int = 2,
    cluster: str = "kmeans",
    k: int | None = None,
    sample: int | None = None,
    seed: int = 0,
    workspace: str | os.PathLike[str] | bool | None = None,
    on_progress: ProgressCallback | None = None,
) -> Map:
    """Embed, project and cluster ``data``, and return the :class:`Map` to look at.

    Parameters
    ----------
    data : DataFrame or path
        A table (or a CSV/TSV/Parquet/JSONL/.npy/Projector/word-vector file), or images: a
        folder (sub-folders become ``label``), a ``.zip`` of one, or a table with an image
        column (paths relative to the table's folder, or bytes). Unreadable images are
        skipped and listed in ``Map.skipped``.
    text, vectors : str, optional
        The text column to embed, or the column holding vectors; detected when None.
    image_column : str, optional
        The table column of image paths or bytes (detected when None).
    model : str, default="auto"
        "auto" (by the text's language and the models on this machine; for images a local
        CLIP model, else the offline "pixels-hog-baseline"), a sentence-transformers or CLIP
        model name or folder, or an offline baseline ("tfidf-svd", "tfidf-char").
    method : {"umap", "tsne", "pca"}, default="umap"
    dims : {2, 3}, default=2
    cluster : {"kmeans", "hdbscan", "dbscan", "agglomerative"}, default="kmeans"
    k : int, optional
        Clusters for kmeans/agglomerative (chosen automatically when None).
    sample : int, optional
        Fit t-SNE/UMAP on this many rows and place the rest with transform.
    seed : int, default=0
    workspace : path, bool or None
        Where the embedding cache and runs live: None uses the app's and the CLI's
        (``$EMBEDLENS_HOME`` or ``~/.embedlens``); False keeps nothing (no cache, no runs).
    on_progress : callable, optional
        ``on_progress(fraction, message)`` over the whole pipeline.

    Returns
    -------
    Map

    Warns
    -----
    ModelLanguageWarning
        An English-only ``model`` chosen for Chinese (or other CJK) text; the message names
        better models and how to use them offline.
    """
    check_choice("method", method, ("umap", "tsne", "pca"), owner="explore")
    check_choice("dims", dims, (2, 3), owner="explore")
    ds, skipped = _dataset(data, text=text, vectors=vectors, image_column=image_column)
    pipe, dataset_id = _pipeline(workspace, ds)
    spec = _spec(model, images=is_image_dataset(ds))
    step = _steps(on_progress)
    pick = pipe.choose(ds, spec)
    if pick.warning:  # e.g. an English-only model on Chinese text: visible in a notebook
        warnings.warn(pick.warning, ModelLanguageWarning, stacklevel=2)
    emb = pipe.embed(
        ds, spec, dataset_id=dataset_id, pick=pick, on_progress=step(0.0, 0.6, "embed")
    )
    params = ProjectionParams(method=method, dims=dims, seed=seed)
    proj = pipe.project(
        emb, params, sample_size=sample, dataset_id=dataset_id, on_progress=step(0.6, 0.9, "map")
    )
    clustering = pipe.cluster(
        ds,
        emb,
        proj,
        ClusterParams(method=cluster, k=k, seed=seed),
        dataset_id=dataset_id,
        on_progress=step(0.9, 1.0, "cluster"),
    )
    return Map(
        dataset=ds,
        embedding=emb,
        projection=proj,
        clustering=clustering,
        pipeline=pipe,
        skipped=tuple(s.to_dict() for s in skipped),
    )


def _dataset(
    data: Any, *, text: str | None, vectors: str | None, image_column: str | None = None
) -> tuple[Dataset, list]:
    if isinstance(data, (str, os.PathLike)) and not vectors and not text:
        from embedlens.io.images import is_image_source, load_images, sniff_image_column

        if image_column or is_image_source(data) or sniff_image_column(data) is not None:
            return load_images(data, image_column=image_column)
    return _table(data, text=text, vectors=vectors), []


def _table(data: Any, *, text: str | None, vectors: str | None) -> Dataset:
    if isinstance(data, pd.DataFrame):
        from embedlens.io.columns import assemble

        if data.empty:
            raise DataError("The DataFrame has no rows; give explore() a table with data.")
        return assemble(
            data,
            name="DataFrame",
            source="the DataFrame",
            text_column=text,
            vector_column=vectors,
        )
    if isinstance(data, (str, os.PathLike)):
        from embedlens.io import load_table

        return load_table(data, text_column=text, vector_column=vectors)
    raise InvalidParameterError(
        "The 'data' parameter of explore must be a pandas DataFrame or a file path. "
        f"Got {type(data).__name__} instead."
    )


def _pipeline(workspace: Any, ds: Dataset) -> tuple[Pipeline, str | None]:
    if workspace is False:
        import tempfile

        return Pipeline(tempfile.mkdtemp(prefix="embedlens-"), use_cache=False), None
    pipe = Pipeline(None if workspace in (None, True) else workspace)
    return pipe, pipe.workspace.save_dataset(ds)


def _spec(model: str, *, images: bool = False) -> EmbedSpec:
    if images:  # the core resolves "auto", a baseline name, a CLIP name or folder
        return EmbedSpec(backend="auto", model=model)
    if model in ("tfidf-svd", "tfidf-char"):
        return EmbedSpec(backend=model, model="")
    if model == "auto":
        return EmbedSpec()
    return EmbedSpec(backend="sentence-transformers", model=model)


def _steps(on_progress: ProgressCallback | None) -> Callable[..., ProgressCallback | None]:
    from embedlens.progress import scaled

    def step(start: float, stop: float, name: str) -> ProgressCallback | None:
        inner = scaled(on_progress, start, stop)
        if inner is None:
            return None
        return lambda fraction, message: inner(fraction, f"{name}: {message}")

    return step
