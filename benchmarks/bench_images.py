"""Images (issue 16): 10,000 generated images embedded and mapped through the CLI, fresh processes.

Budget (DESIGN.md): 10,000 images through the offline baseline are embedded and mapped with
thumbnails, memory bounded by the batch, not by the number of images. The baseline row in the
same script is the same pipeline on 1,000 images: peak RSS at 10,000 over peak RSS at 1,000
shows whether memory grows with the image count (bounded: close to 1; the per-row columns,
the 640-d features before PCA and the Parquet writer add a few MB per 1,000 images).

1. ``embedlens embed FOLDER`` (no model flag: the pixels+HOG baseline when no CLIP is on this
   machine): images/s of the whole command and of the embedding step, peak RSS, thumbnails made.
2. ``embedlens project --method pca`` of the written table (mapped).
3. Again with a CLIP model when one is on this machine (EMBEDLENS_IMAGE_MODEL or the
   Hugging Face cache); otherwise the script says so.

    .venv/bin/python benchmarks/bench_images.py [--quick]   (--quick: 300 and 2,000 images)
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import PY, MiB, emit_json, fresh_dir, print_header, run_timed, table, verdict  # noqa: E402

KINDS = ("circle", "square", "stripes", "cross")


def write_images(root: Path, n: int, *, seed: int = 0) -> None:
    """``n`` 160x120 JPEG photos-to-be of four kinds (an ImageFolder tree), all distinct."""
    rng = np.random.default_rng(seed)
    for i in range(n):
        kind = KINDS[i % len(KINDS)]
        folder = root / kind
        folder.mkdir(parents=True, exist_ok=True)
        noise = rng.integers(0, 40, size=(120, 160, 3), dtype=np.uint8)
        img = Image.fromarray(255 - noise)
        draw = ImageDraw.Draw(img)
        colour = tuple(int(c) for c in rng.integers(30, 220, size=3))
        cx, cy, r = int(rng.integers(50, 110)), int(rng.integers(40, 80)), int(rng.integers(15, 38))
        if kind == "circle":
            draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=colour)
        elif kind == "square":
            draw.rectangle((cx - r, cy - r, cx + r, cy + r), fill=colour)
        elif kind == "stripes":
            for y in range(int(rng.integers(0, 8)), 120, 14):
                draw.rectangle((0, y, 159, y + 5), fill=colour)
        else:
            draw.rectangle((cx - r, cy - 5, cx + r, cy + 5), fill=colour)
            draw.rectangle((cx - 5, cy - r, cx + 5, cy + r), fill=colour)
        img.save(folder / f"{kind}_{i:05d}.jpg", quality=85)


def local_clip() -> str | None:
    """A CLIP model folder on this machine (the same search ``--model auto`` makes)."""
    from embedlens.embedders.images import find_local_clip

    return find_local_clip()


def run_one(images: Path, home: Path, out: Path, model: str | None) -> dict:
    """Embed and map ``images`` in fresh CLI processes; the figures of both."""
    env = {**os.environ, "EMBEDLENS_HOME": str(home)}
    flags = ["--model", model] if model else []
    embed = run_timed(
        [PY, "-m", "embedlens", "--quiet", "embed", images, *flags, "-o", out], env=env
    )
    embed.check("embed")
    summary = embed.last_json()
    mapped = run_timed(
        [PY, "-m", "embedlens", "--quiet", "project", out, "--method", "pca",
         "-o", out.with_name(out.stem + "_map.parquet")],
        env=env,
    )  # fmt: skip
    mapped.check("project")
    n = summary["images"]
    thumbs = sum(1 for _ in (home / "thumbs").rglob("*.webp"))
    return {
        "images": n,
        "backend": summary["backend"],
        "command_s": embed.seconds,
        "embed_step_s": summary["seconds"],
        "images_per_s": n / embed.seconds,
        "embed_images_per_s": n / max(summary["seconds"], 1e-9),
        "peak_rss_mib": embed.peak_rss / MiB,
        "project_s": mapped.seconds,
        "project_peak_rss_mib": mapped.peak_rss / MiB,
        "thumbnails": thumbs,
        "load": embed.load_at_start,
    }


def main() -> None:
    quick = "--quick" in sys.argv
    info = print_header("bench_images: N generated images, embedded + mapped (CLI)", quick)
    small, big = (300, 2_000) if quick else (1_000, 10_000)
    clip = local_clip()
    rows, results = [], {}
    with fresh_dir("embedlens-bench-images-") as tmp:
        write_images(tmp / "big", big)
        small_dir = tmp / "small"
        for kind in KINDS:  # the first `small` images of the same set
            (small_dir / kind).mkdir(parents=True)
        for path in (tmp / "big").rglob("*.jpg"):
            if int(path.stem.split("_")[1]) < small:
                os.link(path, small_dir / path.parent.name / path.name)
        models = [("baseline", None)] + ([("CLIP", clip)] if clip else [])
        for label, model in models:
            for name, folder in (("small", small_dir), ("big", tmp / "big")):
                home = tmp / f"home-{label}-{name}"
                res = run_one(folder, home, tmp / f"{label}-{name}.parquet", model)
                results[f"{label}-{name}"] = res
                rows.append(
                    [label, res["images"], f"{res['command_s']:.1f}", f"{res['images_per_s']:.0f}",
                     f"{res['embed_images_per_s']:.0f}", f"{res['peak_rss_mib']:.0f}",
                     f"{res['project_s']:.1f}", res["thumbnails"], f"{res['load']:.1f}"]
                )  # fmt: skip
    print(
        table(
            [
                "model",
                "images",
                "embed cmd s",
                "images/s (cmd)",
                "images/s (embed step)",
                "peak RSS MiB",
                "PCA map s",
                "thumbnails",
                "load",
            ],
            rows,
        )  # fmt: skip
    )
    if not clip:
        print("CLIP: no CLIP model on this machine (EMBEDLENS_IMAGE_MODEL or the Hugging Face "
              "cache); only the baseline was measured.")  # fmt: skip
    a, b = results["baseline-small"], results["baseline-big"]
    ratio = b["peak_rss_mib"] / a["peak_rss_mib"]
    bounded = ratio <= 1.5
    everything = b["thumbnails"] == b["images"]
    print(
        f"baseline: {b['images']:,} images at {b['images_per_s']:.0f} images/s for the whole "
        f"command ({b['embed_images_per_s']:.0f}/s in the embedding step); peak RSS "
        f"{b['peak_rss_mib']:.0f} MiB = {ratio:.2f} x the {a['images']:,}-image run "
        f"({a['peak_rss_mib']:.0f} MiB) for {b['images'] / a['images']:.0f} x the images"
    )
    print(f"memory bounded by the batch (peak ratio <= 1.5): {verdict(bounded)}")
    print(f"every image mapped with a thumbnail: {verdict(everything)}")
    emit_json("images", {"machine": info, "results": results, "rss_ratio": ratio,
                         "clip": clip, "quick": quick})  # fmt: skip


if __name__ == "__main__":
    main()
