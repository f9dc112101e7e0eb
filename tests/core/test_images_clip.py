"""CLIP through sentence-transformers, with a tiny randomly initialised CLIP built offline here."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

pytest.importorskip("sentence_transformers")
transformers = pytest.importorskip("transformers")


def _bytes_to_unicode() -> dict[int, str]:
    """GPT-2/CLIP's byte-to-character table (the base vocabulary of a byte-level BPE)."""
    bs = [*range(ord("!"), ord("~") + 1), *range(0xA1, 0xAD), *range(0xAE, 0x100)]
    cs = bs[:]
    extra = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + extra)
            extra += 1
    return dict(zip(bs, map(chr, cs), strict=True))


def build_tiny_clip(folder: Path) -> Path:
    """Save a random 2-layer CLIP (16-d shared space, 32x32 images) and its tokenizer."""
    from transformers import CLIPConfig, CLIPImageProcessor, CLIPModel, CLIPProcessor, CLIPTokenizer

    folder.mkdir(parents=True, exist_ok=True)
    chars = list(_bytes_to_unicode().values())
    vocab = {c: i for i, c in enumerate(chars + [c + "</w>" for c in chars])}
    vocab["<|startoftext|>"] = len(vocab)
    vocab["<|endoftext|>"] = len(vocab)
    (folder / "vocab.json").write_text(json.dumps(vocab), encoding="utf-8")
    (folder / "merges.txt").write_text("#version: 0.2\n", encoding="utf-8")
    tok = CLIPTokenizer(str(folder / "vocab.json"), str(folder / "merges.txt"))
    eos = vocab["<|endoftext|>"]
    text = dict(
        vocab_size=len(vocab),
        hidden_size=32,
        intermediate_size=37,
        num_hidden_layers=2,
        num_attention_heads=2,
        max_position_embeddings=77,
        bos_token_id=vocab["<|startoftext|>"],
        eos_token_id=eos,
        pad_token_id=eos,
    )
    vision = dict(
        hidden_size=32,
        intermediate_size=37,
        num_hidden_layers=2,
        num_attention_heads=2,
        image_size=32,
        patch_size=8,
    )
    import torch

    torch.manual_seed(0)
    model = CLIPModel(CLIPConfig(text_config=text, vision_config=vision, projection_dim=16))
    images = CLIPImageProcessor(size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32})
    CLIPProcessor(image_processor=images, tokenizer=tok).save_pretrained(folder)
    model.save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def tiny_clip(tmp_path_factory) -> Path:
    return build_tiny_clip(tmp_path_factory.mktemp("clip") / "tiny-clip")


def test_clip_images_and_typed_text_share_one_space(tiny_clip: Path, tmp_path: Path) -> None:
    from embedlens.embedders import embed_texts
    from embedlens.embedders.images import ClipEmbedder, embed_images, is_clip_folder
    from embedlens.io.images import load_images
    from embedlens.neighbors import top_k

    assert is_clip_folder(tiny_clip)
    rng = np.random.default_rng(0)
    for i in range(6):
        arr = (rng.random((40, 50, 3)) * 255).astype(np.uint8)
        Image.fromarray(arr).save(tmp_path / f"{i}.png")
    ds, _ = load_images(tmp_path)
    clip = ClipEmbedder(str(tiny_clip), device="cpu")
    result = embed_images(ds, embedder=clip)
    assert result.vectors.shape == (6, 16)
    np.testing.assert_allclose(np.linalg.norm(result.vectors, axis=1), 1.0, atol=1e-4)
    query = clip.embed_texts(["a red car", "一辆红色的车"])
    assert query.shape == (2, 16)
    hits = top_k(result.vectors, query[:1], k=3)
    expected = np.argsort(-(result.vectors @ query[0]), kind="stable")[:3]
    assert hits.indices[0].tolist() == expected.tolist()  # a typed query ranks the images
    # The CLI's `neighbors --query --model <folder>` embeds the query this way: same space.
    via_text_path = embed_texts(
        ["a red car"], backend="sentence-transformers", model=str(tiny_clip), device="cpu"
    ).vectors[0]
    cos = float(via_text_path @ query[0] / np.linalg.norm(via_text_path))
    assert cos > 0.999


def test_auto_picks_a_local_clip(tiny_clip: Path, monkeypatch, tmp_path: Path) -> None:
    from embedlens.embedders.images import CLIP, embed_images, resolve_image_model
    from embedlens.io.images import load_images

    monkeypatch.setenv("EMBEDLENS_IMAGE_MODEL", str(tiny_clip))
    assert resolve_image_model("auto") == (CLIP, str(tiny_clip.resolve()))
    Image.new("RGB", (20, 20), "red").save(tmp_path / "a.png")
    Image.new("RGB", (20, 20), "blue").save(tmp_path / "b.png")
    ds, _ = load_images(tmp_path)
    result = embed_images(ds, model="auto")
    assert result.vectors.shape == (2, 16) and "clip" in result.model_key


def test_clip_through_the_pipeline_explore_and_cli(tiny_clip: Path, tmp_path: Path, capsys):
    import json

    import embedlens
    from embedlens.cli import main

    rng = np.random.default_rng(1)
    for kind in ("red", "blue"):
        (tmp_path / "pics" / kind).mkdir(parents=True)
        for i in range(5):
            arr = np.zeros((32, 32, 3), dtype=np.uint8)
            arr[..., 0 if kind == "red" else 2] = 200 + i * 10
            arr += (rng.random((32, 32, 3)) * 30).astype(np.uint8)
            Image.fromarray(arr).save(tmp_path / "pics" / kind / f"{kind}_{i}.png")
    m = embedlens.explore(
        tmp_path / "pics", model=str(tiny_clip), method="pca", k=2, workspace=tmp_path / "ws"
    )
    prov = m.provenance["embedding"]
    assert prov["backend"] == "clip" and prov["model"] == str(tiny_clip.resolve())
    assert "CLIP" in repr(m) and m.embedding.vectors.shape == (10, 16)
    hits = m.neighbors("a red car", k=3)  # a typed text in the images' space
    scores = m.embedding.vectors @ m._embed_query("a red car")[0]
    assert hits["score"].tolist() == pytest.approx(sorted(scores, reverse=True)[:3], abs=1e-5)
    out = tmp_path / "out.parquet"
    args = ["--workspace", str(tmp_path / "ws"), "--quiet", "embed", str(tmp_path / "pics")]
    assert main([*args, "--model", str(tiny_clip), "-o", str(out)]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["backend"] == "clip" and summary["cached"] == 10  # explore embedded them
