"""Images: loading (folders, zips, tables), bad files, modes, EXIF, the baseline, the CLI."""

from __future__ import annotations

import io
import json
import stat
import struct
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from embedlens.cli import main
from embedlens.embedders.images import (
    BASELINE,
    baseline_features,
    embed_images,
    resolve_image_model,
)
from embedlens.errors import DataError
from embedlens.io.image_decode import ImageSkip, decode_rgb
from embedlens.io.images import load_images, sniff_image_column
from embedlens.store import EmbeddingCache
from embedlens.store.thumbs import THUMB_PX, ThumbStore


def _png(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def bomb_png(width: int = 20000, height: int = 20000) -> bytes:
    """A valid PNG header claiming width x height pixels, with a tiny body (never decoded)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return (
        b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")
    )


def shapes(n: int = 12) -> list[Image.Image]:
    """Two classes anyone can tell apart: a bar across, a bar down."""
    out = []
    for i in range(n):
        arr = np.zeros((32, 32), dtype=np.uint8)
        k = 4 + i % 5
        if i % 2:
            arr[k : k + 6, :] = 255
        else:
            arr[:, k : k + 6] = 255
        out.append(Image.fromarray(arr).convert("RGB"))
    return out


@pytest.fixture()
def bad_folder(tmp_path: Path) -> Path:
    root = tmp_path / "bad"
    root.mkdir()
    for i, img in enumerate(shapes(6)):
        img.save(root / f"good{i}.png")
    good = _png(Image.new("RGB", (64, 64), "blue"))
    (root / "truncated.png").write_bytes(good[: len(good) // 2])
    (root / "notes.jpg").write_text("this is a text file, not a JPEG\n", encoding="utf-8")
    (root / "bomb.png").write_bytes(bomb_png())
    (root / "README.md").write_text("not an image by name: ignored, not skipped")
    return root


def test_bad_files_are_skipped_with_reasons(bad_folder: Path) -> None:
    ds, skipped = load_images(bad_folder)
    assert len(ds) == 6
    reasons = {s.file: s.reason for s in skipped}
    assert set(reasons) == {"truncated.png", "notes.jpg", "bomb.png"}
    assert "megapixel" in reasons["bomb.png"] and "bomb" in reasons["bomb.png"]
    assert "not an image" in reasons["notes.jpg"]
    assert "decoded" in reasons["truncated.png"]
    assert ds.label_column is None and ds.frame["path"].str.startswith("good").all()


def test_cli_embeds_good_images_and_names_skipped(bad_folder: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "out.parquet"
    code = main(
        ["--workspace", str(tmp_path / "ws"), "--quiet", "embed", str(bad_folder), "-o", str(out)]
    )
    assert code == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["rows"] == 6 and summary["images"] == 6
    assert sorted(s["file"] for s in summary["skipped"]) == [
        "bomb.png",
        "notes.jpg",
        "truncated.png",
    ]
    assert all(s["reason"] for s in summary["skipped"])
    frame = pd.read_parquet(out)
    assert len(frame) == 6 and len(frame["embedding"].iloc[0]) >= 2
    thumbs = list((tmp_path / "ws" / "thumbs").rglob("*.webp"))
    assert len(thumbs) == 6  # six distinct images, one thumbnail each


def test_cli_fails_only_when_no_image_is_readable(tmp_path: Path, capsys) -> None:
    root = tmp_path / "none"
    root.mkdir()
    (root / "a.jpg").write_text("text")
    (root / "b.png").write_bytes(bomb_png())
    out = tmp_path / "out.parquet"
    code = main(["--workspace", str(tmp_path / "ws"), "embed", str(root), "-o", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and "no readable image" in err and "b.png" in err
    assert not out.exists()


def test_zip_entries_that_climb_out_or_link_are_skipped(tmp_path: Path) -> None:
    path = tmp_path / "pets.zip"
    imgs = shapes(4)
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("pets/cat/a.png", _png(imgs[0]))
        zf.writestr("pets/cat/b.png", _png(imgs[1]))
        zf.writestr("pets/dog/c.png", _png(imgs[2]))
        zf.writestr("__MACOSX/pets/cat/._a.png", b"junk")
        zf.writestr("../evil.png", _png(imgs[3]))
        zf.writestr("/abs/evil.png", _png(imgs[3]))
        link = zipfile.ZipInfo("pets/dog/link.png")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(link, "../../../etc/passwd")
    ds, skipped = load_images(path)
    assert sorted(ds.frame["path"]) == ["pets/cat/a.png", "pets/cat/b.png", "pets/dog/c.png"]
    assert ds.label_column == "label" and sorted(ds.labels) == ["cat", "cat", "dog"]
    reasons = {s.file: s.reason for s in skipped}
    assert "'..'" in reasons["../evil.png"]
    assert "absolute" in reasons["/abs/evil.png"]
    assert "link" in reasons["pets/dog/link.png"]
    assert not (tmp_path / "evil.png").exists()
    vectors = embed_images(ds, model=BASELINE).vectors  # read back from the zip, no extraction
    assert vectors.shape[0] == 3 and np.isfinite(vectors).all()


def test_modes_become_rgb() -> None:
    cases = {
        "cmyk": Image.new("CMYK", (8, 8), (0, 255, 255, 0)),  # red
        "palette_alpha": Image.new("RGBA", (8, 8), (255, 0, 0, 0)).convert("P"),
        "rgba": Image.new("RGBA", (8, 8), (255, 0, 0, 0)),  # transparent: white
        "la": Image.new("LA", (8, 8), (0, 255)),
        "one_bit": Image.new("1", (8, 8), 1),
        "i16": Image.fromarray(np.full((8, 8), 65535, dtype=np.uint16)),
    }
    for name, img in cases.items():
        buf = io.BytesIO()
        img.save(buf, format="TIFF" if name == "cmyk" else "PNG")
        out = decode_rgb(buf.getvalue())
        assert out.mode == "RGB", name
        px = out.getpixel((0, 0))
        expected = {"cmyk": (255, 0, 0), "rgba": (255, 255, 255), "la": (0, 0, 0)}
        if name in expected:
            assert max(abs(a - b) for a, b in zip(px, expected[name], strict=True)) <= 2, (name, px)
        if name == "i16":
            assert px == (255, 255, 255), px


def test_formats_and_gif_first_frame() -> None:
    red, blue = Image.new("RGB", (10, 10), "red"), Image.new("RGB", (10, 10), "blue")
    for fmt in ("JPEG", "WEBP", "BMP", "TIFF", "PNG"):
        buf = io.BytesIO()
        red.save(buf, format=fmt)
        r, g, b = decode_rgb(buf.getvalue()).getpixel((5, 5))
        assert r > 200 and g < 60 and b < 60, fmt
    buf = io.BytesIO()
    red.save(buf, format="GIF", save_all=True, append_images=[blue])
    assert decode_rgb(buf.getvalue()).getpixel((5, 5))[0] > 200


def test_exif_rotation_is_applied(tmp_path: Path) -> None:
    img = Image.new("RGB", (40, 20), "white")
    img.paste((0, 0, 0), (0, 0, 10, 20))  # black on the left
    exif = Image.Exif()
    exif[0x0112] = 6  # the camera was turned: rotate 90 degrees clockwise to view
    img.save(tmp_path / "turned.jpg", exif=exif, quality=95)
    out = decode_rgb((tmp_path / "turned.jpg").read_bytes())
    assert out.size == (20, 40)
    assert sum(out.getpixel((10, 2))) < 100 and sum(out.getpixel((10, 37))) > 600  # black on top
    ds, _ = load_images(tmp_path)
    assert (ds.frame["width"].iloc[0], ds.frame["height"].iloc[0]) == (20, 40)


def test_not_other_pillow_formats() -> None:
    buf = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buf, format="ICO")
    with pytest.raises(ImageSkip, match="not an image"):
        decode_rgb(buf.getvalue())


def test_table_of_bytes_and_of_relative_paths(tmp_path: Path) -> None:
    imgs = shapes(6)
    frame = pd.DataFrame(
        {
            "picture": [_png(im) for im in imgs],
            "kind": ["down", "across"] * 3,
            "note": list("abcdef"),
        }
    )
    frame.to_parquet(tmp_path / "bytes.parquet")
    assert sniff_image_column(tmp_path / "bytes.parquet") == "picture"
    ds, skipped = load_images(tmp_path / "bytes.parquet")
    assert len(ds) == 6 and not skipped and ds.label_column == "kind"
    (tmp_path / "pics").mkdir()
    for i, im in enumerate(imgs):
        im.save(tmp_path / "pics" / f"{i}.png")
    pd.DataFrame({"file": [f"pics/{i}.png" for i in range(6)] + ["pics/missing.png"]}).to_csv(
        tmp_path / "list.csv", index=False
    )
    ds2, skipped2 = load_images(tmp_path / "list.csv", image_column="file")
    assert len(ds2) == 6 and [s.file for s in skipped2] == ["pics/missing.png"]
    # the same pictures by path and by bytes hash alike
    assert set(ds2.frame["image_sha"]) == set(ds.frame["image_sha"])


def test_missing_image_column_is_named(tmp_path: Path) -> None:
    pd.DataFrame({"text": ["a", "b"]}).to_csv(tmp_path / "t.csv", index=False)
    with pytest.raises(DataError, match="--image-column"):
        load_images(tmp_path / "t.csv", image_column="nope")


def test_embed_images_uses_the_cache_and_writes_thumbnails(tmp_path: Path) -> None:
    root = tmp_path / "imgs"
    root.mkdir()
    for i, im in enumerate(shapes(10)):
        im.resize((200, 120)).save(root / f"{i}.png")
    (root / "copy.png").write_bytes((root / "0.png").read_bytes())
    ds, _ = load_images(root)
    cache = EmbeddingCache(tmp_path / "emb.sqlite")
    thumbs = ThumbStore(tmp_path)
    messages: list[str] = []
    first = embed_images(
        ds, model=BASELINE, cache=cache, thumbs=thumbs, on_progress=lambda f, m: messages.append(m)
    )
    assert first.embedded == 10 and first.duplicates == 1
    assert any("images/s" in m and "left" in m for m in messages)
    again = embed_images(ds, model=BASELINE, cache=cache)
    assert again.embedded == 0 and again.cached == 11
    np.testing.assert_allclose(again.vectors, first.vectors, atol=1e-5)
    sha = ds.frame["image_sha"].iloc[0]
    with Image.open(thumbs.path(sha)) as t:
        assert max(t.size) <= THUMB_PX
    assert thumbs.data_uri(sha).startswith("data:image/webp;base64,")
    with pytest.raises(ValueError):
        thumbs.path("../../etc/passwd")


def test_baseline_separates_simple_shapes() -> None:
    feats = baseline_features(shapes(12))
    across, down = feats[1::2], feats[0::2]
    within = np.linalg.norm(across[:, None] - across[None], axis=2).mean()
    between = np.linalg.norm(across[:, None] - down[None], axis=2).mean()
    assert between > 1.5 * within


def test_auto_is_the_baseline_without_a_local_clip(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.delenv("EMBEDLENS_IMAGE_MODEL", raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.setenv("SENTENCE_TRANSFORMERS_HOME", str(tmp_path / "st"))
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    monkeypatch.delenv("HUGGINGFACE_HUB_CACHE", raising=False)
    assert resolve_image_model("auto") == (BASELINE, "")
    assert resolve_image_model("baseline") == (BASELINE, "")
    assert resolve_image_model("clip-ViT-B-32") == ("clip", "clip-ViT-B-32")


@pytest.mark.slow
def test_digits_tree_and_path_table_reach_knn_093(tmp_path: Path, capsys) -> None:
    """scikit-learn's 1,797 digits as 32x32 PNGs, no model flag: 10-NN accuracy >= 0.93."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    rows = []
    for i, (img, y) in enumerate(zip(digits.images, digits.target, strict=True)):
        rel = f"tree/{y}/d{i:04d}.png"
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        pixels = Image.fromarray((img / 16.0 * 255).astype(np.uint8))
        pixels.resize((32, 32), Image.Resampling.BILINEAR).save(tmp_path / rel)
        rows.append((rel, str(y)))
    pd.DataFrame(rows, columns=["file", "label"]).to_csv(tmp_path / "digits.csv", index=False)
    ws = str(tmp_path / "ws")
    for name, source in (("tree", tmp_path / "tree"), ("table", tmp_path / "digits.csv")):
        out = tmp_path / f"{name}.parquet"
        assert main(["--workspace", ws, "--quiet", "embed", str(source), "-o", str(out)]) == 0
        embedded = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
        assert embedded["rows"] == 1797 and embedded["skipped"] == []
        assert main(["--quiet", "evaluate", str(out), "--label-column", "label"]) == 0
        scores = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
        assert scores["knn_accuracy"] >= 0.93, (name, scores)
    assert embedded["cached"] == 1797  # the table names the same files: nothing embedded twice
