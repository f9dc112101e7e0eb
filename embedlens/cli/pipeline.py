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

from embedlens.cli import cluster
from embedlens.cli.engine import add_engine_options as _add_engine
from embedlens.cli.engine import add_worker_command, command_engine, engine_summary
from embedlens.cli.engine import workspace_root as _workspace_root
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

    cluster.add_command(sub)
    add_worker_command(sub)

    p = sub.add_parser("serve", help="start the web app")
    p.add_argument("--port", type=int, default=8501)
    p.add_argument("--host", default="localhost")
    p.add_argument(
        "--engine",
        choices=["local", "ray"],
        help="where the app's slow steps run (default: $EMBEDLENS_ENGINE, else local)",
    )
    p.add_argument(
        "--ray-address",
        help="Ray cluster address for --engine ray (default: $EMBEDLENS_RAY_ADDRESS, else a "
        "local Ray)",
    )
    p.set_defaults(handler=run_serve)


def _add_input(p: argparse.ArgumentParser) -> None:
    p.add_argument("input", help="CSV, TSV, Parquet, JSONL (or .npy of vectors)")
    p.add_argument("--no-header", action="store_true", help="the file has no header row")
    p.add_argument("--vectors-file", help="a .npy of row vectors beside the table")


def make_pipeline(args: argparse.Namespace, *, defer_engine: bool = False):
    """The core pipeline for this command's workspace (``--no-cache``: no embedding cache).

    ``defer_engine``: no engine yet (the command sets ``pipe.engine`` once it knows its step).
    """
    from embedlens.pipeline import Pipeline

    root = _workspace_root(args)
    root.mkdir(parents=True, exist_ok=True)
    wanted = getattr(args, "engine", None) and not defer_engine
    engine = command_engine(args) if wanted else None
    return Pipeline(root, use_cache=not getattr(args, "no_cache", False), engine=engine)


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
    from embedlens.embedders import CORPUS_BACKENDS
    from embedlens.pipeline import PRECOMPUTED, EmbedSpec

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
    pipe = make_pipeline(args, defer_engine=True)
    pick = pipe.choose(ds, spec)
    # A model needs a warm process (a resident worker is started); TF-IDF does not.
    model = pick.backend not in (*CORPUS_BACKENDS, PRECOMPUTED)
    pipe.engine = command_engine(args, start=() if model else None)
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
    slow = args.method in ("umap", "tsne")  # PCA needs no resident worker
    engine = command_engine(args, start=(args.method,) if slow else None)
    if slow and hasattr(engine, "warm_up"):
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
    from embedlens.engines.config import ENGINE_ENV, RAY_ADDRESS_ENV, engine_choice

    choice = engine_choice(args.engine, args.ray_address)  # a bad choice exits 2 here
    env[ENGINE_ENV] = choice.name
    if choice.address:  # the app's job workers connect to it (components.jobs)
        env[RAY_ADDRESS_ENV] = choice.address
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
