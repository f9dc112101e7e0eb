"""``embedlens cluster``: cluster the vectors (or the map) and name the clusters."""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np
import pandas as pd

from embedlens.cli.engine import add_engine_options, engine_summary
from embedlens.cli.progress import StderrProgress
from embedlens.errors import DataError


def add_command(sub: argparse._SubParsersAction) -> None:
    """Register ``embedlens cluster``."""
    p = sub.add_parser("cluster", help="cluster vectors; adds cluster and cluster_label")
    from embedlens.cli.pipeline import _add_input

    _add_input(p)
    p.add_argument("--vector-column", default="embedding")
    p.add_argument(
        "--method", default="kmeans", choices=["kmeans", "hdbscan", "dbscan", "agglomerative"]
    )
    p.add_argument(
        "--k", type=int, default=None, help="clusters (kmeans/agglomerative; default: automatic)"
    )
    p.add_argument("--min-cluster-size", type=int, default=10, help="hdbscan")
    p.add_argument("--eps", type=float, default=0.5, help="dbscan")
    p.add_argument("--min-samples", type=int, default=5, help="dbscan/hdbscan")
    p.add_argument("--metric", default="cosine", choices=["cosine", "euclidean"])
    p.add_argument(
        "--space",
        default="vectors",
        choices=["vectors", "map"],
        help="cluster the vectors or x/y(/z)",
    )
    p.add_argument("--text-column", help="text for keyword labels (default: detected)")
    p.add_argument("--seed", type=int, default=0)
    add_engine_options(p)
    p.add_argument("-o", "--output", required=True)
    p.set_defaults(handler=run_cluster)


def run_cluster(args: argparse.Namespace) -> dict[str, Any]:
    """Cluster the vectors (or the map) and write the table plus cluster and cluster_label."""
    from embedlens.cli.pipeline import (
        _load,
        _output_frame,
        _own_vectors,
        _require_vectors,
        _write,
        make_pipeline,
        provenance_summary,
    )
    from embedlens.cluster import ClusterParams

    progress = StderrProgress("cluster", quiet=args.quiet)
    ds = _load(args, progress, vector_column=args.vector_column, text_column=args.text_column)
    if args.space == "map":
        axes = [c for c in ("x", "y", "z") if c in ds.frame.columns]
        if len(axes) < 2:
            raise DataError(
                f"{args.input}: --space map needs x and y columns; run `embedlens project` first."
            )
        X = np.ascontiguousarray(ds.frame[axes].to_numpy(dtype=np.float32))
    else:
        X = _require_vectors(ds, args.vector_column, args.input)
    params = ClusterParams.from_dict(vars(args))
    pipe = make_pipeline(args)
    if args.space == "map":
        from embedlens.reduce import Projection, ProjectionParams

        proj = Projection(coords=X, params=ProjectionParams(dims=X.shape[1]), notes=(), seconds=0)
        emb = pipe.embed(ds, _own_vectors()) if ds.vectors is not None else _coords_only(X)
    else:
        proj, emb = None, pipe.embed(ds, _own_vectors())
    result = pipe.cluster(ds, emb, proj, params, on_progress=progress)
    for note in result.notes:
        progress.info(note)
    frame = _output_frame(ds, args.vector_column)
    frame["cluster"] = result.labels.astype(np.int64)
    frame["cluster_label"] = result.label_for_rows()
    output = _write(frame, args.output)
    sizes = pd.Series(result.labels).value_counts().sort_index()
    return {
        "rows": len(frame),
        "output": output,
        "method": result.params.method,
        "n_clusters": result.n_clusters,
        "noise": int((result.labels == -1).sum()),
        "clusters": {
            str(k): {
                "size": int(v),
                "label": result.names.get(int(k), ""),
                "keywords": list(result.keywords.get(int(k), [])),
            }
            for k, v in sizes.items()
        },
        "seconds": round(result.seconds, 3),
        "notes": list(result.notes),
        "auto_k": _auto_k_summary(result.k_choice),
        **engine_summary(pipe),
        **provenance_summary(result),
    }


def _auto_k_summary(choice: Any) -> dict[str, Any] | None:
    """The automatic k: chosen k, how sure (word and sentence), and the curves per k."""
    if choice is None:
        return None
    return {
        "k": choice.k,
        "confidence": choice.confidence,
        "statement": choice.statement(),
        "stability": round(choice.stability, 3),
        "sample": choice.sample,
        "seconds": round(choice.seconds, 2),
        "curve": [
            {"k": k, "modularity": round(q, 4), "silhouette": round(si, 4)}
            for k, q, si in zip(choice.ks, choice.modularity, choice.silhouette, strict=True)
        ],
        "threshold": round(choice.threshold, 4),
    }


def _coords_only(X: np.ndarray):
    """An embedding stand-in for a table that has a map but no vectors (--space map)."""
    from embedlens.embedders import EmbedResult

    return EmbedResult(
        vectors=X, model_key="map", embedded=0, cached=0, duplicates=0, truncated=0, seconds=0
    )
