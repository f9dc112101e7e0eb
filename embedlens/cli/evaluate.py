"""``neighbors``, ``evaluate``, ``sts`` and ``words``: search and judge embeddings."""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np

from embedlens.cli.pipeline import _add_input, _load, _require_vectors, make_pipeline
from embedlens.cli.progress import StderrProgress
from embedlens.errors import DataError


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Register the search and evaluation sub-commands."""
    p = sub.add_parser("neighbors", help="top-k nearest rows to a typed query or to a row")
    _add_input(p)
    query = p.add_mutually_exclusive_group(required=True)
    query.add_argument("--query", help="text to embed with --model and search for")
    query.add_argument("--row", help="id of a row to search from (the row itself is left out)")
    p.add_argument("--k", type=int, default=10)
    p.add_argument("--metric", default="cosine", choices=["cosine", "dot", "euclidean"])
    p.add_argument("--model", default="all-MiniLM-L6-v2", help="model that made the vectors")
    p.add_argument("--backend", default="sentence-transformers")
    p.add_argument("--vector-column", default="embedding")
    p.add_argument("--text-column", help="text shown with each result (default: detected)")
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    p.set_defaults(handler=run_neighbors)

    p = sub.add_parser(
        "evaluate", help="k-NN / logistic accuracy, NMI, silhouette, trustworthiness"
    )
    _add_input(p)
    p.add_argument("--vector-column", default="embedding")
    p.add_argument("--label-column", help="class labels (enables accuracy and NMI)")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(handler=run_evaluate)

    p = sub.add_parser("sts", help="Spearman/Pearson of cosine similarity vs gold pair scores")
    p.add_argument("input", help="STS-B TSV or a CSV with sentence1,sentence2,score")
    p.add_argument("--model", default="all-MiniLM-L6-v2")
    p.add_argument("--backend", default="sentence-transformers")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    p.set_defaults(handler=run_sts)

    p = sub.add_parser("words", help="score word vectors on analogies or word similarity")
    p.add_argument("input", help="word2vec or GloVe text file")
    task = p.add_mutually_exclusive_group(required=True)
    task.add_argument("--analogies", help="questions-words.txt layout")
    task.add_argument("--similarity", help="WordSim-353 / SimLex-999 layout")
    p.set_defaults(handler=run_words)


def _embed_cached(args: argparse.Namespace, texts: list[str], progress: StderrProgress):
    from embedlens.embedders import embed_texts

    return embed_texts(
        texts,
        backend=args.backend,
        model=args.model,
        batch_size=getattr(args, "batch_size", 32),
        device=args.device,
        cache=make_pipeline(args).cache,
        on_progress=progress,
    )


def run_neighbors(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Print the top-k rows (id, score, text), best first."""
    from embedlens.neighbors import top_k

    progress = StderrProgress("neighbors", quiet=args.quiet)
    ds = _load(args, progress, vector_column=args.vector_column, text_column=args.text_column)
    X = _require_vectors(ds, args.vector_column, args.input)
    exclude = None
    if args.query is not None:
        if args.backend == "tfidf-svd":
            raise DataError(
                "tfidf-svd vectors depend on the whole corpus, so a typed query cannot be placed "
                "among them; search with --row, or embed with sentence-transformers."
            )
        q = _embed_cached(args, [args.query], progress).vectors
        if q.shape[1] != X.shape[1]:
            raise DataError(
                f"The query vector has {q.shape[1]} dimensions but {args.input}'s vectors have "
                f"{X.shape[1]}; pass the --model that made them."
            )
    else:
        ids = np.asarray([str(i) for i in ds.ids], dtype=object)
        match = np.flatnonzero(ids == str(args.row))
        if match.size == 0:
            raise DataError(
                f"{args.input}: no row with id {args.row!r}; ids run {ids[0]}…{ids[-1]}."
            )
        q = X[match[:1]]
        exclude = match[:1]
    result = top_k(X, q, k=args.k, metric=args.metric, exclude=exclude)
    texts = ds.texts
    return [
        {"id": _plain(ds.ids[i]), "score": float(s), "text": texts[i] if texts else None}
        for i, s in zip(result.indices[0], result.scores[0], strict=True)
    ]


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


def run_evaluate(args: argparse.Namespace) -> dict[str, Any]:
    """Print n, dim, knn/logreg accuracy, NMI, silhouette and trustworthiness as JSON."""
    from embedlens.metrics import evaluate

    progress = StderrProgress("evaluate", quiet=args.quiet)
    ds = _load(args, progress, vector_column=args.vector_column, label_column=args.label_column)
    X = _require_vectors(ds, args.vector_column, args.input)
    labels = None
    if args.label_column:
        labels = np.asarray(ds.frame[args.label_column].astype(str).tolist(), dtype=object)
    axes = [c for c in ("x", "y", "z") if c in ds.frame.columns]
    coords = ds.frame[axes].to_numpy(dtype=np.float32) if len(axes) >= 2 else None
    progress(0.0, f"scoring {len(X):,} vectors")
    return evaluate(X, labels=labels, coords=coords, seed=args.seed)


def run_sts(args: argparse.Namespace) -> dict[str, Any]:
    """Print n, spearman and pearson of cosine similarity against the gold scores."""
    from embedlens.sts import load_sts_pairs, score_sts

    progress = StderrProgress("sts", quiet=args.quiet)
    pairs = load_sts_pairs(args.input)
    texts = list(pairs.sentence1) + list(pairs.sentence2)
    vectors = _embed_cached(args, texts, progress).vectors
    n = len(pairs.sentence1)
    return score_sts(pairs, vectors[:n], vectors[n:])


def run_words(args: argparse.Namespace) -> dict[str, Any]:
    """Print analogy accuracy or word-similarity Spearman, with coverage."""
    from embedlens.wordvecs import load_word_vectors, score_analogies, score_word_similarity

    wv = load_word_vectors(args.input)
    if args.analogies:
        return score_analogies(wv, args.analogies)
    return score_word_similarity(wv, args.similarity)
