"""``compare``: two embeddings of the same rows, matched by id, side by side."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np

from embedlens.cli.progress import StderrProgress
from embedlens.errors import DataError


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Register the ``compare`` sub-command."""
    p = sub.add_parser(
        "compare",
        help="neighbour overlap@k, CKA, cluster agreement and accuracy of two embeddings",
    )
    p.add_argument("a", help="first embedded table (Parquet, CSV, ... with a vector column)")
    p.add_argument("b", help="second embedded table of the same rows (matched by id)")
    p.add_argument("--k", type=int, default=10, help="neighbours per row (default 10)")
    p.add_argument("--metric", default="cosine", choices=["cosine", "dot", "euclidean"])
    p.add_argument("--label-column", help="class labels (from A, else B): accuracy per side")
    p.add_argument("--vector-column", default="embedding", help="vector column of A")
    p.add_argument("--vector-column-b", help="vector column of B (default: --vector-column)")
    p.add_argument("--clusters", type=int, default=None, help="k-means k (default: labels or 8)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--no-header", action="store_true", help="the files have no header row")
    p.add_argument("-o", "--output", help="per-row table (.parquet, .csv, .jsonl)")
    p.set_defaults(handler=run_compare)


def _side(path: str, column: str, label_column: str | None, no_header: bool, progress):
    from embedlens.io import load_table

    ds = load_table(path, header=not no_header, vector_column=column, text_column=None)
    if ds.report is not None:
        for note in ds.report.notes:
            progress.info(f"{Path(path).name}: {note}")
    if ds.vectors is None:
        raise DataError(
            f"{path}: no vector column {column!r} found; run `embedlens embed` first or name "
            "the column that holds the vectors (--vector-column / --vector-column-b)."
        )
    labels = None
    if label_column and label_column in ds.frame.columns:
        labels = np.asarray(ds.frame[label_column].astype(str).tolist(), dtype=object)
    return ds, labels


def run_compare(args: argparse.Namespace) -> dict[str, Any]:
    """Print overlap_at_k, cka, ari, nmi, knn_accuracy_a/b and more as JSON."""
    from embedlens.compare import compare_embeddings
    from embedlens.io import write_table
    from embedlens.validation import check_in_range

    check_in_range("k", args.k, low=1, owner="embedlens compare", kind=int)
    if args.output and Path(args.output).suffix.lower() not in (".parquet", ".csv", ".jsonl"):
        raise DataError(
            f"-o {args.output}: the per-row table must end in .parquet, .csv or .jsonl."
        )
    progress = StderrProgress("compare", quiet=args.quiet)
    ds_a, lab_a = _side(args.a, args.vector_column, args.label_column, args.no_header, progress)
    ds_b, lab_b = _side(
        args.b,
        args.vector_column_b or args.vector_column,
        args.label_column,
        args.no_header,
        progress,
    )
    labels, ids_a = lab_a, ds_a.ids
    if args.label_column and labels is None:
        if lab_b is None:
            raise DataError(
                f"no column {args.label_column!r} in {args.a} or {args.b}; columns of A: "
                f"{', '.join(map(str, ds_a.frame.columns))}."
            )
        from embedlens.compare import match_ids

        m = match_ids(ds_b.ids, ds_a.ids)  # labels of B carried over to A's rows by id
        keep = np.zeros(len(ds_a), dtype=bool)
        keep[m.rows_b] = True
        labels = np.empty(len(ds_a), dtype=object)
        labels[m.rows_b] = lab_b[m.rows_a]
        ids_a, X_a, labels = ds_a.ids[keep], ds_a.vectors[keep], labels[keep]
    else:
        X_a = ds_a.vectors
    progress(
        0.0,
        f"comparing {len(X_a):,} x {X_a.shape[1]} with {len(ds_b):,} x "
        f"{ds_b.vectors.shape[1]} vectors",
    )
    result = compare_embeddings(
        ids_a,
        X_a,
        ds_b.ids,
        ds_b.vectors,
        k=args.k,
        metric=args.metric,
        labels=labels,
        n_clusters=args.clusters,
        name_a=Path(args.a).name,
        name_b=Path(args.b).name,
        seed=args.seed,
        on_progress=progress,
    )
    for note in result.notes:
        progress.info(note)
    summary = result.summary()
    if args.output:
        write_table(result.per_row, args.output)
        summary["output"] = str(Path(args.output))
    return summary
