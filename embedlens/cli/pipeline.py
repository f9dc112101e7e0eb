"""``embed``, ``project``, ``cluster`` and ``serve``: the pipeline from the command line."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from embedlens.cli.progress import StderrProgress
from embedlens.dataset import Dataset
from embedlens.errors import DataError


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Register the pipeline sub-commands."""
    p = sub.add_parser("embed", help="embed a text column; writes the input plus `embedding`")
    _add_input(p)
    p.add_argument("--text-column", help="text column (default: the longest-text column)")
    p.add_argument("--image-column", help="images: the table column of image paths or bytes")
    p.add_argument(
        "--model",
        default="auto",
        help="auto (by the text's language and the models on this machine), a model name or "
        "a local model folder",
    )
    p.add_argument(
        "--backend",
        default="auto",
        help="auto | sentence-transformers | tfidf-svd (see `embedlens models`)",
    )
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    p.add_argument(
        "--precision",
        default="auto",
        choices=["auto", "float32", "bfloat16"],
        help="auto: bfloat16 where the CPU/GPU computes it natively (about 2x faster, cosine "
        "~0.9999 to float32), else float32",
    )
    p.add_argument(
        "--no-cache", action="store_true", help="do not read or write the embedding cache"
    )
    _add_engine(p)
    p.add_argument("-o", "--output", required=True, help="output .parquet")
    p.set_defaults(handler=run_embed)

    p = sub.add_parser("project", help="project vectors to 2D/3D; adds x, y (and z)")
    _add_input(p)
    p.add_argument("--vector-column", default="embedding")
    p.add_argument("--method", default="umap", choices=["pca", "tsne", "umap"])
    p.add_argument("--dims", type=int, default=2, choices=[2, 3])
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--perplexity", type=float, default=30.0, help="t-SNE")
    p.add_argument("--n-neighbors", type=int, default=15, help="UMAP")
    p.add_argument("--min-dist", type=float, default=0.1, help="UMAP")
    p.add_argument("--metric", default="cosine", choices=["cosine", "euclidean"])
    p.add_argument("--pca-dims", type=int, default=50, help="pre-reduce wider input (0 = off)")
    p.add_argument(
        "--sample",
        type=int,
        default=0,
        help="fit on this many rows and place the rest with transform (0 = fit on all)",
    )
    _add_engine(p)
    p.add_argument("-o", "--output", required=True)
    p.set_defaults(handler=run_project)

    p = sub.add_parser("cluster", help="cluster vectors; adds cluster and cluster_label")
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
    _add_engine(p)
    p.add_argument("-o", "--output", required=True)
    p.set_defaults(handler=run_cluster)

    p = sub.add_parser(
        "worker",
        help="keep one warm worker process for the workspace; fresh commands send their slow "
        "step to it (no imports, no JIT)",
    )
    p.add_argument(
        "--idle", type=float, default=900.0, help="stop after this many seconds without a job"
    )
    p.add_argument("--detach", action="store_true", help="start it in the background, return")
    p.set_defaults(handler=run_worker)

    p = sub.add_parser("serve", help="start the web app")
    p.add_argument("--port", type=int, default=8501)
    p.add_argument("--host", default="localhost")
    p.set_defaults(handler=run_serve)


def _add_input(p: argparse.ArgumentParser) -> None:
    p.add_argument("input", help="CSV, TSV, Parquet, JSONL (or .npy of vectors)")
    p.add_argument("--no-header", action="store_true", help="the file has no header row")
    p.add_argument("--vectors-file", help="a .npy of row vectors beside the table")


def _add_engine(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--engine",
        default="local",
        choices=["local", "ray"],
        help="where the slow steps run: local worker processes (default) or a Ray cluster",
    )
    p.add_argument(
        "--ray-address",
        help="Ray cluster address for --engine ray (default: $EMBEDLENS_RAY_ADDRESS, else a "
        "local Ray)",
    )
    p.add_argument("--workers", type=int, help="worker processes (default: min(2, CPUs))")


def engine_summary(pipe: Any) -> dict[str, Any]:
    """The ``engine`` and ``workers`` entries of a command's JSON summary."""
    engine = pipe.engine
    if engine is None:
        return {"engine": "in-process", "workers": 1}
    out = {"engine": engine.name, "workers": engine.workers}
    if getattr(engine, "resident", False):
        out["resident_worker"] = str(engine.address)
    return out


def _workspace_root(args: argparse.Namespace) -> Path:
    from embedlens.store import default_home

    return Path(args.workspace).expanduser() if args.workspace else default_home()


def make_pipeline(args: argparse.Namespace):
    """The core pipeline for this command's workspace (``--no-cache``: no embedding cache)."""
    from embedlens.pipeline import Pipeline

    root = _workspace_root(args)
    root.mkdir(parents=True, exist_ok=True)
    engine = _engine(args) if getattr(args, "engine", None) else None
    return Pipeline(root, use_cache=not getattr(args, "no_cache", False), engine=engine)


_engines: dict[tuple[str, str | None, int | None], Any] = {}


def _engine(args: argparse.Namespace) -> Any:
    """The engine of ``--engine``/``--ray-address``/``--workers``, one per process (kept warm).

    ``--engine local`` without ``--workers`` uses the workspace's resident worker when one runs
    (``embedlens worker``): warm imports and compiled code, nothing to start.
    """
    if args.engine == "local" and args.workers is None:
        from embedlens.engines.resident import find_resident

        resident = find_resident(_workspace_root(args))
        if resident is not None:
            return resident
    key = (args.engine, args.ray_address, args.workers)
    if key not in _engines:
        import atexit

        from embedlens.engines import get_engine

        _engines[key] = engine = get_engine(
            args.engine, address=args.ray_address, workers=args.workers
        )
        atexit.register(engine.close)
    return _engines[key]


def _own_vectors():
    """The spec that takes a file's own vectors (project, cluster)."""
    from embedlens.pipeline import PRECOMPUTED, EmbedSpec

    return EmbedSpec(backend=PRECOMPUTED)


def provenance_summary(result: Any) -> dict[str, Any]:
    """The ``provenance`` entry of a command's JSON summary (without the run id)."""
    prov = getattr(result, "provenance", None)
    if prov is None:
        return {}
    out = prov.to_dict()
    out.pop("run_id", None)
    return {"provenance": out}


def _load(args: argparse.Namespace, progress: StderrProgress, **columns: Any) -> Dataset:
    from embedlens.io import load_table

    ds = load_table(
        args.input,
        header=not args.no_header,
        vectors_file=getattr(args, "vectors_file", None),
        **columns,
    )
    if ds.report is not None:
        for note in ds.report.notes:
            progress.info(note)
        if ds.report.dropped:
            progress.info(ds.report.summary())
    return ds


def _require_vectors(ds: Dataset, column: str, source: str) -> np.ndarray:
    if ds.vectors is None:
        raise DataError(
            f"{source}: no vector column {column!r} found; run `embedlens embed` first or pass "
            "--vector-column with the column that holds the vectors."
        )
    return ds.vectors


def _output_frame(ds: Dataset, vector_column: str | None) -> pd.DataFrame:
    """The input's columns, with the vectors as a list column when the loader split them off."""
    from embedlens.io import frame_with_vectors

    if ds.vectors is not None and vector_column and vector_column not in ds.frame.columns:
        return frame_with_vectors(ds, ds.vectors, column=vector_column)
    return ds.frame.copy()


def _write(frame: pd.DataFrame, output: str) -> str:
    from embedlens.io import write_table

    write_table(frame, output)
    return str(Path(output))


def run_embed(args: argparse.Namespace) -> dict[str, Any]:
    """Embed the text column and write the table plus an ``embedding`` column."""
    from embedlens.cli.images import images_input, run_embed_images
    from embedlens.pipeline import EmbedSpec

    if images_input(args):  # a folder, .zip or table of images (issue 16)
        return run_embed_images(args)
    progress = StderrProgress("embed", quiet=args.quiet)
    ds = _load(args, progress, text_column=args.text_column)
    if ds.text_column is None:
        raise DataError(f"{args.input}: no text column found; name it with --text-column.")
    spec = EmbedSpec(
        backend=args.backend,
        model=args.model,
        precision=args.precision,
        device=args.device,
        batch_size=args.batch_size,
    )
    pipe = make_pipeline(args)
    pick = pipe.choose(ds, spec)
    if pick.reason:
        progress.info(f"Model: {pick.model or pick.backend} ({pick.reason})")
    if pick.warning:  # e.g. an English-only model on Chinese text: shown even with --quiet
        sys.stderr.write(f"warning: {pick.warning}\n")
        sys.stderr.flush()
    result = pipe.embed(ds, spec, pick=pick, on_progress=progress)
    for note in result.notes:
        if note != pick.warning:
            progress.info(note)
    frame = ds.frame.copy()
    frame["embedding"] = list(result.vectors)
    output = _write(frame, args.output)
    prov = result.provenance
    return {
        **result.summary(),
        "model": prov.model or prov.backend,  # tfidf-char has no model: name the backend
        "backend": prov.backend,
        "model_key": result.model_key,
        "model_reason": prov.reason,
        "model_warning": pick.warning,
        "text_column": ds.text_column,
        "output": output,
        **engine_summary(pipe),
        **provenance_summary(result),
    }


def run_project(args: argparse.Namespace) -> dict[str, Any]:
    """Project the vectors and write the table plus x, y (and z)."""
    from embedlens.reduce import ProjectionParams

    progress = StderrProgress("project", quiet=args.quiet)
    engine = _engine(args)
    if args.method in ("umap", "tsne") and hasattr(engine, "warm_up"):
        engine.warm_up(args.method)  # the worker imports umap while this process reads the file
    ds = _load(args, progress, vector_column=args.vector_column, text_column=None)
    _require_vectors(ds, args.vector_column, args.input)
    params = ProjectionParams.from_dict(vars(args))  # the options are named as the params
    pipe = make_pipeline(args)
    emb = pipe.embed(ds, _own_vectors())
    proj = pipe.project(emb, params, sample_size=args.sample or None, on_progress=progress)
    for note in proj.notes:
        progress.info(note)
    frame = _output_frame(ds, args.vector_column)
    for axis, name in enumerate("xyz"[: proj.coords.shape[1]]):
        frame[name] = proj.coords[:, axis]
    output = _write(frame, args.output)
    return {
        "rows": len(frame),
        "output": output,
        "method": proj.params.method,
        "dims": proj.params.dims,
        "seconds": round(proj.seconds, 3),
        "notes": list(proj.notes),
        "params": proj.params.to_dict(),
        "sample_size": proj.provenance.sample_size,
        **engine_summary(pipe),
        **provenance_summary(proj),
    }


def run_cluster(args: argparse.Namespace) -> dict[str, Any]:
    """Cluster the vectors (or the map) and write the table plus cluster and cluster_label."""
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


def run_worker(args: argparse.Namespace) -> dict[str, Any]:
    """Run the workspace's resident worker (``--detach``: in the background, once it is ready)."""
    import signal
    import time

    from embedlens.engines.resident import find_resident, serve

    root = _workspace_root(args)
    root.mkdir(parents=True, exist_ok=True)
    if args.idle <= 0:
        raise DataError(f"--idle must be above 0 seconds; got {args.idle}.")
    if args.detach:
        found, pid = find_resident(root), None
        if found is None:
            cmd = [sys.executable, "-m", "embedlens", "--quiet", "--workspace", str(root)]
            proc = subprocess.Popen(
                [*cmd, "worker", "--idle", str(args.idle)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
            deadline = time.monotonic() + 300
            while found is None and proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.2)
                found = find_resident(root)
            if found is None:
                proc.kill()
                raise DataError(f"The resident worker for {root} did not start; run it without "
                                "--detach to see why.")  # fmt: skip
            pid = proc.pid
        return {"worker": "running", "socket": str(found.address), "pid": pid, "idle_s": args.idle}
    progress = StderrProgress("worker", quiet=args.quiet)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # stop cleanly: remove the socket
    serve(root, idle_s=args.idle, ready=lambda path: progress.info(f"ready at {path}"))
    return {"worker": "stopped", "idle_s": args.idle}


def run_serve(args: argparse.Namespace) -> None:
    """Start the Streamlit app (blocks until it stops)."""
    app = Path(__file__).resolve().parents[2] / "app.py"
    if not app.is_file():
        raise DataError(
            f"app.py not found next to the embedlens package ({app}); run from a source checkout."
        )
    env = dict(os.environ)
    if args.workspace:
        env["EMBEDLENS_HOME"] = str(Path(args.workspace).expanduser())
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(app),
        "--server.port",
        str(args.port),
        "--server.address",
        args.host,
        "--browser.gatherUsageStats",
        "false",
    ]
    sys.stderr.write(f"serve: embedlens on http://{args.host}:{args.port}\n")
    sys.stderr.flush()
    os.chdir(app.parent)  # Streamlit reads .streamlit/config.toml from the working directory
    if os.name == "posix":  # become the server: a signal to this process reaches it directly
        os.execve(sys.executable, cmd, env)
    raise SystemExit(subprocess.call(cmd, env=env))
