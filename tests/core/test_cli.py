"""The command line contract: JSON summary last on stdout, `error: ...` + exit 2 on bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_data" / "headlines.csv"


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "embedlens", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ},
        timeout=300,
    )


def summary(proc: subprocess.CompletedProcess) -> dict:
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def assert_bad_input(proc: subprocess.CompletedProcess, *fragments: str, output: Path) -> None:
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert proc.stderr.startswith("error: ") or "\nerror: " in proc.stderr
    assert "Traceback" not in proc.stderr
    for fragment in fragments:
        assert fragment in proc.stderr
    assert not output.exists()
    assert not list(output.parent.glob(f"*{output.name}*"))  # no temp leftovers either


def test_embed_project_cluster_pipeline_offline(tmp_path):
    emb, proj, clus = tmp_path / "e.parquet", tmp_path / "p.parquet", tmp_path / "c.parquet"
    s = summary(cli("embed", str(SAMPLE), "--backend", "tfidf-svd", "-o", str(emb), cwd=tmp_path))
    assert s["rows"] == s["embedded"] == 506 and s["cached"] == 0 and s["output"] == str(emb)
    again = summary(
        cli("embed", str(SAMPLE), "--backend", "tfidf-svd", "-o", str(emb), cwd=tmp_path)
    )
    assert again["embedded"] == 0 and again["cached"] == 506
    s = summary(
        cli("project", str(emb), "--method", "pca", "--dims", "3", "-o", str(proj), cwd=tmp_path)
    )
    assert s["rows"] == 506 and s["dims"] == 3
    s = summary(cli("cluster", str(proj), "--k", "8", "-o", str(clus), cwd=tmp_path))
    assert s["n_clusters"] == 8
    frame = pd.read_parquet(clus)
    assert {"text", "topic", "embedding", "x", "y", "z", "cluster", "cluster_label"} <= set(frame)
    assert len(frame) == 506 and frame["cluster"].between(0, 7).all()


def test_python_dash_m_and_console_script_agree(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "embedlens", "--help"], capture_output=True, text=True
    )
    assert proc.returncode == 0 and "embed" in proc.stdout and "neighbors" in proc.stdout


def test_empty_file_is_refused(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    out = tmp_path / "out.parquet"
    assert_bad_input(
        cli("embed", str(empty), "--backend", "tfidf-svd", "-o", str(out), cwd=tmp_path),
        "empty.csv",
        output=out,
    )


def test_missing_text_column_names_the_columns(tmp_path):
    out = tmp_path / "out.parquet"
    proc = cli(
        "embed",
        str(SAMPLE),
        "--text-column",
        "body",
        "--backend",
        "tfidf-svd",
        "-o",
        str(out),
        cwd=tmp_path,
    )
    assert_bad_input(proc, "'body'", "text", output=out)


def test_ragged_vectors_name_the_row(tmp_path):
    ragged = tmp_path / "vectors.csv"
    ragged.write_text(
        'id,embedding\n1,"[0.1, 0.2, 0.3]"\n2,"[0.1, 0.2]"\n3,"[0.3, 0.1, 0.2]"\n', encoding="utf-8"
    )
    out = tmp_path / "out.parquet"
    proc = cli("project", str(ragged), "--method", "pca", "-o", str(out), cwd=tmp_path)
    assert_bad_input(proc, "row 2", "embedding", output=out)


def test_gb18030_chinese_file_is_read_not_mojibake(tmp_path):
    titles = [
        "股市今天大幅上涨，投资者信心增强",
        "国家队在世界杯预选赛中取得胜利",
        "科学家发现新的系外行星",
        "新款手机发布，电池续航更长",
        "暴雨导致多地航班延误",
    ]
    path = tmp_path / "news_gb.csv"
    path.write_bytes(
        ("title,label\n" + "\n".join(f"{t},{i}" for i, t in enumerate(titles))).encode("gb18030")
    )
    out = tmp_path / "out.parquet"
    s = summary(cli("embed", str(path), "--backend", "tfidf-svd", "-o", str(out), cwd=tmp_path))
    assert s["rows"] == 5
    assert pd.read_parquet(out)["title"].tolist() == titles


def test_undecodable_bytes_are_an_error(tmp_path):
    path = tmp_path / "binary.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20)
    out = tmp_path / "out.parquet"
    assert_bad_input(
        cli("embed", str(path), "--backend", "tfidf-svd", "-o", str(out), cwd=tmp_path),
        "binary.csv",
        output=out,
    )


def test_unknown_option_exits_2_without_traceback(tmp_path):
    proc = cli("project", str(SAMPLE), "--method", "mds", "-o", "x.parquet", cwd=tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and "error:" in proc.stderr


def test_neighbors_by_row_prints_a_json_list(tmp_path):
    emb = tmp_path / "e.parquet"
    summary(cli("embed", str(SAMPLE), "--backend", "tfidf-svd", "-o", str(emb), cwd=tmp_path))
    proc = cli(
        "neighbors", str(emb), "--row", "5", "--k", "3", "--metric", "euclidean", cwd=tmp_path
    )
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert [set(r) for r in result] == [{"id", "score", "text"}] * 3
    assert 5 not in [r["id"] for r in result]
    assert result[0]["score"] <= result[-1]["score"]  # euclidean: smaller is closer


@pytest.mark.parametrize("flag", ["--query", "--row"])
def test_neighbors_needs_a_query_or_row_value(tmp_path, flag):
    proc = cli("neighbors", str(SAMPLE), flag, cwd=tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr


def test_words_scores_similarity_and_analogies_on_shared_files(tmp_path, shared_datasets):
    lee = str(shared_datasets / "gensim_lee_fasttext.vec")
    sim = summary(
        cli(
            "words",
            lee,
            "--similarity",
            str(shared_datasets / "gensim_wordsim353.tsv"),
            cwd=tmp_path,
        )
    )
    assert sim["n_pairs"] == 353 and 0 < sim["n_used"] < 353
    assert sim["coverage"] == sim["n_used"] / 353 and -1 <= sim["spearman"] <= 1
    ana = summary(
        cli(
            "words",
            lee,
            "--analogies",
            str(shared_datasets / "gensim_questions-words.txt"),
            cwd=tmp_path,
        )
    )
    assert ana["n_total"] == 19544 and 0 <= ana["coverage"] <= 1 and "sections" in ana


def test_words_without_shared_vocabulary_reports_no_score(tmp_path, shared_datasets):
    glove = str(shared_datasets / "gensim_test_glove.txt")  # 76 words: none of WordSim's pairs
    sim = summary(
        cli(
            "words",
            glove,
            "--similarity",
            str(shared_datasets / "gensim_wordsim353.tsv"),
            cwd=tmp_path,
        )
    )
    assert sim["n_used"] == 0 and sim["coverage"] == 0 and sim["spearman"] is None


def test_serve_stops_with_its_server_when_terminated(tmp_path):
    """`embedlens serve` becomes the Streamlit server: terminating it leaves no orphan behind."""
    import socket
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "embedlens", "serve", "--port", str(port)],
        env={**os.environ, "EMBEDLENS_HOME": str(tmp_path)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(300):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1):
                    break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("the server did not answer within a minute")
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    time.sleep(0.5)
    with pytest.raises(OSError):  # nothing listens there any more
        urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2)
