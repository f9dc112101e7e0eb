"""``embedlens embed`` for images: a folder (ImageFolder tree), a ``.zip`` or a table of images."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from embedlens.cli.progress import StderrProgress


def images_input(args: argparse.Namespace) -> bool:
    """Whether ``embed``'s input is images (folder, zip, image file, or a table of images)."""
    from embedlens.io.images import is_image_source, sniff_image_column

    if getattr(args, "image_column", None):
        return True
    path = Path(args.input)
    return is_image_source(path) or sniff_image_column(path) is not None


def run_embed_images(args: argparse.Namespace) -> dict[str, Any]:
    """Load, embed (cached by image content) and write the table plus ``embedding``."""
    from embedlens.cli.pipeline import _workspace_root, _write
    from embedlens.embedders.images import embed_images
    from embedlens.io.images import load_images
    from embedlens.store import EmbeddingCache
    from embedlens.store.thumbs import ThumbStore

    progress = StderrProgress("embed", quiet=args.quiet)
    ds, skipped = load_images(
        args.input, image_column=getattr(args, "image_column", None), on_progress=progress
    )
    for item in skipped:
        progress.info(f"skipped {item.file}: {item.reason}")
    root = _workspace_root(args)
    root.mkdir(parents=True, exist_ok=True)
    cache = None if args.no_cache else EmbeddingCache(root / "embeddings.sqlite")
    model = args.model if args.model not in (None, "", "all-MiniLM-L6-v2") else "auto"
    result = embed_images(
        ds,
        model=model,
        batch_size=args.batch_size,
        device=args.device,
        cache=cache,
        thumbs=ThumbStore(root),
        on_progress=progress,
    )
    for note in result.notes:
        progress.info(note)
    frame = ds.frame.copy()
    frame["embedding"] = list(result.vectors)
    output = _write(frame, args.output)
    return {
        **result.summary(),
        "images": len(ds),
        "label_column": ds.label_column,
        "skipped": [item.to_dict() for item in skipped],
        "notes": list(result.notes),
        "output": output,
    }
