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
    """Load, embed through the core pipeline (cached by image content) and write the table."""
    from embedlens.cli.pipeline import _write, make_pipeline, provenance_summary
    from embedlens.io.images import load_images
    from embedlens.pipeline import EmbedSpec

    progress = StderrProgress("embed", quiet=args.quiet)
    ds, skipped = load_images(
        args.input, image_column=getattr(args, "image_column", None), on_progress=progress
    )
    for item in skipped:
        progress.info(f"skipped {item.file}: {item.reason}")
    backend = args.backend if args.backend in ("pixels-hog-baseline", "clip") else "auto"
    model = args.model if args.model not in (None, "", "all-MiniLM-L6-v2") else "auto"
    spec = EmbedSpec(backend=backend, model=model, device=args.device, batch_size=args.batch_size)
    pipe = make_pipeline(args)
    pick = pipe.choose(ds, spec)
    progress.info(f"Model: {pick.model} ({pick.reason})")
    result = pipe.embed(ds, spec, pick=pick, on_progress=progress)
    for note in result.notes:
        progress.info(note)
    frame = ds.frame.copy()
    frame["embedding"] = list(result.vectors)
    output = _write(frame, args.output)
    prov = result.provenance
    return {
        **result.summary(),
        "model": prov.model,
        "backend": prov.backend,
        "model_key": result.model_key,
        "model_reason": prov.reason,
        "vectors": prov.vectors_name(),
        "images": len(ds),
        "label_column": ds.label_column,
        "skipped": [item.to_dict() for item in skipped],
        "notes": list(result.notes),
        "output": output,
        **provenance_summary(result),
    }
