"""Images through the one pipeline: Pipeline.embed, embedlens.explore and the CLI share it."""

from __future__ import annotations

import dataclasses
import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from embedlens.cli import main
from embedlens.embedders.images import BASELINE
from embedlens.errors import DataError
from embedlens.io.image_decode import caption_words
from embedlens.io.images import load_images
from embedlens.pipeline import EmbedSpec, Pipeline
from embedlens.pipeline.images import is_image_dataset
from tests.core.test_images import bomb_png


@pytest.fixture(autouse=True)
def _no_local_clip(monkeypatch, tmp_path: Path) -> None:
    """``auto`` must find no CLIP on the test machine (a developer's cache must not count)."""
    monkeypatch.delenv("EMBEDLENS_IMAGE_MODEL", raising=False)
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    monkeypatch.delenv("HUGGINGFACE_HUB_CACHE", raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.setenv("SENTENCE_TRANSFORMERS_HOME", str(tmp_path / "st"))


def _png(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def bars(n: int) -> list[Image.Image]:
    """``n`` distinct pictures of two kinds: a horizontal bar (odd i), a vertical one."""
    out = []
    for i in range(n):
        arr = np.zeros((32, 32), dtype=np.uint8)
        k = 2 + i // 2
        if i % 2:
            arr[k : k + 8, :] = 255
        else:
            arr[:, k : k + 8] = 255
        out.append(Image.fromarray(arr).convert("RGB"))
    return out


@pytest.fixture()
def shapes_zip(tmp_path: Path) -> Path:
    """``bars/horizontal/*.png`` and ``bars/vertical/*.png`` plus two bad entries."""
    path = tmp_path / "bars.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for i, img in enumerate(bars(16)):
            kind = "horizontal" if i % 2 else "vertical"
            zf.writestr(f"bars/{kind}/bar_{i:02d}.png", _png(img))
        zf.writestr("bars/vertical/bomb.png", bomb_png())
        zf.writestr("bars/horizontal/notes.jpg", b"a text file named .jpg")
    return path


def test_pipeline_embeds_images_with_provenance_cache_and_a_recorded_run(
    shapes_zip: Path, tmp_path: Path
) -> None:
    ds, skipped = load_images(shapes_zip)
    assert is_image_dataset(ds) and ds.text_column == "file_words"
    assert ds.frame["file_words"].iloc[0] == "horizontal bar 01"  # the shared top folder dropped
    assert {s.file for s in skipped} == {"bars/vertical/bomb.png", "bars/horizontal/notes.jpg"}
    pipe = Pipeline(tmp_path / "ws")
    dataset_id = pipe.workspace.save_dataset(ds)
    pick = pipe.choose(ds, EmbedSpec())
    assert (pick.backend, pick.model) == (BASELINE, BASELINE)
    assert "baseline" in pick.reason and "No CLIP" in pick.reason
    first = pipe.embed(ds, EmbedSpec(), dataset_id=dataset_id)
    prov = first.provenance
    assert (prov.backend, prov.model) == (BASELINE, BASELINE)
    assert prov.cache_key == first.model_key and prov.run_id
    assert "baseline" in prov.vectors_name()
    assert first.embedded == 16 and first.vectors.dtype == np.float32
    again = Pipeline(tmp_path / "ws").embed(ds, EmbedSpec())
    assert again.embedded == 0 and again.cached == 16
    np.testing.assert_allclose(again.vectors, first.vectors, atol=1e-5)
    thumbs = list((tmp_path / "ws" / "thumbs").rglob("*.webp"))
    assert len(thumbs) == 16
    # the file's own vectors win once they are there (e.g. `embedlens project` of the output)
    with_vectors = dataclasses.replace(ds, vectors=first.vectors, vector_column="embedding")
    assert pipe.choose(with_vectors, EmbedSpec()).backend == "precomputed"


def test_explore_takes_a_zip_of_images(shapes_zip: Path, tmp_path: Path) -> None:
    import embedlens

    m = embedlens.explore(shapes_zip, method="pca", k=2, workspace=tmp_path / "ws")
    assert len(m.data) == 16 and "baseline" in repr(m)
    skipped = sorted(s["file"] for s in m.skipped)
    assert skipped == ["bars/horizontal/notes.jpg", "bars/vertical/bomb.png"]
    assert m.provenance["embedding"]["backend"] == BASELINE
    assert m.provenance["clustering"]["model"] == BASELINE
    labels = m.data.groupby("label")["cluster"].agg(lambda c: c.value_counts().iloc[0] / len(c))
    assert (labels == 1.0).all()  # horizontal and vertical bars fall in two clean clusters
    names = sorted(n.split(" · ")[0] for n in m.clustering.names.values())
    assert names == ["horizontal", "vertical"]  # cluster keywords from the paths
    near = m.neighbors(m.data.index[0], k=3)
    assert (near["label"] == m.data["label"].iloc[0]).all()
    with pytest.raises(DataError, match="no text side"):
        m.neighbors("a horizontal bar")


def test_cli_embed_reports_backend_model_and_skipped(shapes_zip: Path, tmp_path: Path, capsys):
    out = tmp_path / "out.parquet"
    code = main(["--workspace", str(tmp_path / "ws"), "--quiet", "embed", str(shapes_zip),
                 "-o", str(out)])  # fmt: skip
    assert code == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert (summary["backend"], summary["model"]) == (BASELINE, BASELINE)
    assert summary["provenance"]["backend"] == BASELINE and "baseline" in summary["vectors"]
    assert len(summary["skipped"]) == 2 and summary["images"] == 16
    code = main(["--workspace", str(tmp_path / "ws"), "--quiet", "project", str(out),
                 "--method", "pca", "-o", str(tmp_path / "map.parquet")])  # fmt: skip
    assert code == 0  # the written table is read back as vectors, not re-embedded
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["rows"] == 16


def test_caption_words() -> None:
    assert caption_words(["a/b_c.png", "a/d-e.jpg"]) == ["b c", "d e"]
    assert caption_words(["x.png", "sub/y.png"]) == ["x", "sub y"]


def test_html_export_inlines_capped_thumbnails_and_says_what_it_left_out(
    shapes_zip: Path, tmp_path: Path
) -> None:
    import embedlens
    from embedlens.plotting.image_strip import image_strip, strip_html
    from embedlens.store.thumbs import ThumbStore

    m = embedlens.explore(shapes_zip, method="pca", k=2, workspace=tmp_path / "ws")
    page = m.to_html(tmp_path / "map.html").read_text(encoding="utf-8")
    assert page.count('src="data:image/webp;base64,') == 16  # 8 most central of 2 clusters
    assert "Thumbnails: 16 of 16 images" in page and "<script src" not in page
    thumbs = ThumbStore(tmp_path / "ws")
    one = len(thumbs.data_uri(m.dataset.frame["image_sha"].iloc[0]))
    strip = image_strip(
        m.dataset, m.clustering.labels, m.clustering.names, thumbs,
        vectors=m.embedding.vectors, per_cluster=3, max_bytes=int(4.5 * one),
    )  # fmt: skip
    assert strip.capped and 3 <= strip.shown <= 5
    note = strip_html(strip)
    assert f"{strip.shown} of 16 images" in note and f"{16 - strip.shown} left out" in note
    assert "size cap" in note
    evil = m.dataset.frame.copy()
    evil["path"] = "<img src=x onerror=alert(1)>.png"
    ds = dataclasses.replace(m.dataset, frame=evil)
    block = strip_html(image_strip(ds, m.clustering.labels, {0: "<b>x</b>"}, thumbs,
                                   vectors=m.embedding.vectors))  # fmt: skip
    assert "<img src=x" not in block and "&lt;img src=x onerror" in block and "<b>x" not in block
