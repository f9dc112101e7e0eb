"""Loaders and writers: formats, encodings, column detection, vectors, errors, exports."""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet  # noqa: F401 (pa.parquet)
import pytest

from embedlens.dataset import Dataset
from embedlens.errors import DataError, InvalidParameterError
from embedlens.io import (
    SUPPORTED_EXTENSIONS,
    frame_with_vectors,
    load_projector,
    load_table,
    parse_vector_column,
    read_text_file,
    to_safe_csv,
    write_table,
)

TEXTS = ["the cat sat on the mat", "dogs bark at night", "stocks fell sharply today", "rain"]
TOPICS = ["pets", "pets", "money", "weather"]


def _frame() -> pd.DataFrame:
    return pd.DataFrame({"title": ["a", "b", "c", "d"], "description": TEXTS, "topic": TOPICS})


# --- formats ----------------------------------------------------------------------------


@pytest.mark.parametrize("ext", [".csv", ".tsv", ".parquet", ".jsonl"])
def test_each_format_loads_the_same_rows(tmp_path, ext):
    path = tmp_path / f"data{ext}"
    write_table(_frame(), path)
    ds = load_table(path)
    assert isinstance(ds, Dataset)
    assert ds.name == "data"
    assert ds.texts == TEXTS
    assert ds.text_column == "description"
    assert "Text column 'description' detected (longest text)." in ds.report.notes
    assert ds.ids.tolist() == [0, 1, 2, 3] and ds.ids.dtype == np.int64
    assert ds.report.rows_read == ds.report.rows_kept == 4


def test_header_false_names_columns_col0_col1(tmp_path):
    path = tmp_path / "nohead.csv"
    path.write_text("1,first title,a much longer first description\n2,t2,another description\n")
    ds = load_table(path, header=False)
    assert list(ds.frame.columns) == ["col0", "col1", "col2"]
    assert ds.text_column == "col2"
    assert len(ds) == 2


def test_bytes_upload_uses_name_for_the_extension():
    data = b"text\tlabel\nhello there\ta\nbye now\tb\n"
    ds = load_table(data, name="upload.tsv")
    assert ds.texts == ["hello there", "bye now"] and ds.report.source == "upload.tsv"
    # without a name the format is sniffed; a stream works the same as bytes
    assert load_table(data).texts == ds.texts
    assert load_table(io.BytesIO(data), name="upload.tsv").texts == ds.texts


def test_unknown_fmt_is_an_invalid_parameter():
    with pytest.raises(InvalidParameterError, match="'fmt' parameter of load_table"):
        load_table(b"text\nhello\n", name="d.csv", fmt="xlsx")


def test_supported_extensions_cover_the_formats():
    for ext in (".csv", ".tsv", ".parquet", ".jsonl", ".npy"):
        assert ext in SUPPORTED_EXTENSIONS


def test_progress_is_reported_from_zero_to_one():
    seen: list[float] = []
    load_table(b"text\nhello\n", name="d.csv", on_progress=lambda f, m: seen.append(f))
    assert seen[0] == 0.0 and seen[-1] == 1.0 and seen == sorted(seen)


# --- encodings --------------------------------------------------------------------------

ZH = "id,text\n1,北京大学举办人工智能论坛\n2,上海股市今日小幅上涨\n3,“双十一”购物节销量创新高\n"
LATIN = "id,text\n1,Café crème brûlée\n2,naïve façade über\n3,Zoë's straße\n"


@pytest.mark.parametrize(
    ("content", "codec", "expected"),
    [
        (ZH, "utf-8", "utf-8"),
        (ZH, "utf-8-sig", "utf-8-sig"),
        (ZH, "utf-16", "utf-16"),
        (ZH, "utf-16-le", "utf-16-le"),  # no BOM: detected from the NUL-byte layout
        (ZH, "gb18030", "gb18030"),
        (ZH, "gbk", "gb18030"),
        (LATIN, "latin-1", "latin-1"),
        ("text\n“quoted” – dash\nplain\n", "cp1252", "cp1252"),
    ],
)
def test_encodings_are_detected_and_reported(content, codec, expected):
    ds = load_table(content.encode(codec), name="enc.csv")
    reference = load_table(content.encode("utf-8"), name="enc.csv")
    assert ds.report.encoding == expected
    assert ds.texts == reference.texts


def test_high_bytes_that_are_not_plausible_latin_text_are_refused():
    with pytest.raises(DataError, match="could not be read as text"):
        read_text_file(bytes(range(0xA0, 0x100)) * 3, source="odd.csv")


def test_latin1_is_not_mistaken_for_gb18030():
    # 'naïve' is valid GB18030 bytes ('na' + a rare CJK character + 'e'): must not win.
    text, codec = read_text_file("naïve\nvoilà\n".encode("latin-1"), source="x.txt")
    assert codec == "latin-1" and text == "naïve\nvoilà\n"


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (b"\x89PNG\r\n\x1a\n" + bytes(100), "pic.csv looks like a PNG image"),
        (b"PK\x03\x04" + bytes(100), "pic.csv looks like a ZIP archive"),
        (b"%PDF-1.7\n" + b"x" * 100, "pic.csv looks like a PDF"),
        (b"PAR1" + bytes(100), "pic.csv looks like a Parquet file"),
        (bytes(range(256)) * 8, "pic.csv contains NUL bytes"),
        (b"a,b\n" + bytes(range(1, 9)) * 20, "pic.csv contains control characters"),
        (b"", r"pic.csv is empty \(0 bytes\)"),
    ],
)
def test_binary_or_empty_files_are_data_errors_naming_the_file(data, match):
    with pytest.raises(DataError, match=match):
        load_table(data, name="pic.csv")


def test_explicit_encoding_is_used_and_checked():
    data = ZH.encode("gb18030")
    assert load_table(data, name="z.csv", encoding="gb18030").report.encoding == "gb18030"
    with pytest.raises(DataError, match=r"z.csv is not valid utf-8"):
        load_table(data, name="z.csv", encoding="utf-8")


# --- columns, rows and ids --------------------------------------------------------------


def test_missing_named_column_lists_the_available_ones():
    with pytest.raises(DataError, match=r"no column named 'body'.*'title', 'description'"):
        load_table(_frame().to_csv(index=False).encode(), name="d.csv", text_column="body")
    with pytest.raises(DataError, match=r"no column named 'kind'"):
        load_table(_frame().to_csv(index=False).encode(), name="d.csv", label_column="kind")


def test_all_empty_text_column_is_an_error():
    data = b"text,other\n,x\n  ,y\n"
    with pytest.raises(DataError, match=r"column 'text': every cell is empty"):
        load_table(data, name="d.csv", text_column="text")


def test_empty_texts_are_dropped_counted_and_ids_keep_row_numbers():
    long_text = "word " * 20_000
    data = f"text,label\nfirst,a\n,b\n   ,c\nfourth,d\n{long_text},e\n".encode()
    ds = load_table(data, name="d.csv")
    assert ds.report.dropped == {"empty text": 2}
    assert ds.ids.tolist() == [0, 3, 4]
    assert ds.texts[2] == long_text  # long texts are kept whole
    assert ds.report.rows_read == 5 and ds.report.rows_kept == 3


def test_missing_value_markers_in_the_text_column_are_dropped_and_counted():
    data = b"text,label\nNaN,a\nNone,b\n null ,c\n<NA>,d\nreal text,e\nnan bread,f\n"
    ds = load_table(data, name="d.csv")
    assert list(ds.texts) == ["real text", "nan bread"]
    assert ds.report.dropped == {"missing-value text (NaN, None, null)": 4}
    assert "4 missing-value text (NaN, None, null)" in ds.report.summary()


def test_only_missing_value_markers_is_an_error():
    with pytest.raises(DataError, match=r"column 'text': every cell is empty or a missing-value"):
        load_table(b"text\nNaN\nNone\nnull\n", name="d.csv", text_column="text")


def test_unique_id_column_gives_the_ids():
    ds = load_table(b"id,text\nx9,hello\nx3,bye\n", name="d.csv")
    assert ds.ids.tolist() == ["x9", "x3"]
    ds = load_table(b"id,text\n10,hello\n7,\n30,bye\n", name="d.csv")
    assert ds.ids.tolist() == [10, 30] and ds.ids.dtype == np.int64


def test_repeated_id_values_fall_back_to_row_numbers_with_a_note():
    ds = load_table(b"id,text\n1,hello\n1,bye\n", name="d.csv")
    assert ds.ids.tolist() == [0, 1]
    assert any("repeated values" in n for n in ds.report.notes)


def test_duplicate_texts_are_kept_and_counted():
    rows = "\n".join(["text", "same", "same", "same", "other"]) + "\n"
    ds = load_table(rows.encode(), name="d.csv")
    assert len(ds) == 4 and "2 duplicate texts (kept)." in ds.report.notes


def test_label_column_detection():
    texts = [f"text number {i}" for i in range(12)]
    frame = pd.DataFrame({"body": texts, "kind": ["x", "y", "z"] * 4, "score": range(12)})
    ds = load_table(frame.to_csv(index=False).encode(), name="d.csv")
    assert ds.label_column == "kind"
    assert ds.labels.tolist() == ["x", "y", "z"] * 4
    unique = pd.DataFrame({"body": texts, "tag": [f"t{i}" for i in range(12)]})
    assert load_table(unique.to_csv(index=False).encode(), name="d.csv").label_column is None


def test_one_row_is_allowed():
    ds = load_table(b"text\nonly one\n", name="d.csv")
    assert len(ds) == 1 and ds.texts == ["only one"]


# --- structural errors ------------------------------------------------------------------


def test_header_only_file_is_an_error():
    with pytest.raises(DataError, match=r"d.csv has a header row \(a, b\) but no data rows"):
        load_table(b"a,b\n", name="d.csv")


def test_duplicate_column_names_are_named():
    with pytest.raises(DataError, match=r"'text' appears twice in the header \(columns 1 and 3\)"):
        load_table(b"text,label,text\nx,y,z\n", name="d.csv")
    with pytest.raises(DataError, match=r"d.jsonl, line 2: the key 'text' appears twice"):
        load_table(b'{"text": "a"}\n{"text": "b", "text": "c"}\n', name="d.jsonl")


@pytest.mark.parametrize(("sep", "word"), [("\t", "tab"), (";", "semicolon")])
def test_wrong_delimiter_is_retried_and_noted(sep, word):
    rows = [["text", "label"], ["hello, world", "a"], ["good bye, friend", "b"]]
    data = "\n".join(sep.join(r) for r in rows).encode()
    ds = load_table(data, name="d.csv")
    assert list(ds.frame.columns) == ["text", "label"]
    assert ds.texts == ["hello, world", "good bye, friend"]
    assert any(f"{word}-separated, not comma-separated" in n for n in ds.report.notes)


def test_explicit_delimiter_is_used_as_given():
    ds = load_table(b"text||label\nhi there||a\nyo||b\n", name="d.csv", delimiter="||")
    assert list(ds.frame.columns) == ["text", "label"] and ds.texts == ["hi there", "yo"]
    # an explicit delimiter is never second-guessed
    ds = load_table(b"text\tlabel\nhi\ta\n", name="d.csv", delimiter=",")
    assert list(ds.frame.columns) == ["text\tlabel"]
    with pytest.raises(InvalidParameterError, match="'delimiter' parameter"):
        load_table(b"a\n1\n", name="d.csv", delimiter="")


def test_plain_text_file_is_one_text_per_line():
    ds = load_table(b"first line, with a comma\nsecond; line\nthird\n", name="t.txt", header=False)
    assert ds.texts == ["first line, with a comma", "second; line", "third"]
    assert list(ds.frame.columns) == ["col0"]


def test_json_array_of_objects_loads():
    ds = load_table(b'[{"text": "hello", "n": 1}, {"text": "bye", "n": 2}]', name="d.json")
    assert ds.texts == ["hello", "bye"]


def test_numeric_first_row_is_read_as_data():
    ds = load_table(b"0.1,0.2\n0.3,0.4\n0.5,0.6\n", name="v.csv")
    assert ds.vectors.shape == (3, 2)
    assert any("read as data" in n for n in ds.report.notes)
    assert load_table(b"0.1,0.2\n0.3,0.4\n", name="v.csv", header=False).vectors.shape == (2, 2)


def test_row_with_more_fields_than_the_header_is_named():
    with pytest.raises(DataError, match=r"d.csv: line 2 has 3 fields but the header row names 2"):
        load_table(b"text,label\nhey,b,c\n", name="d.csv", delimiter=",")
    with pytest.raises(DataError, match=r"d.csv could not be read .* line 3 has 3 fields but"):
        load_table(b"text,label\nhi,a\nhey,b,c\n", name="d.csv", delimiter=",")


def test_invalid_jsonl_line_is_named():
    with pytest.raises(DataError, match=r"d.jsonl, line 2: not valid JSON"):
        load_table(b'{"text": "a"}\n{"text": \n', name="d.jsonl")


# --- vectors ----------------------------------------------------------------------------


def test_json_list_vector_column_in_csv(rng):
    X = rng.normal(size=(6, 5)).astype(np.float32)
    frame = pd.DataFrame(
        {"text": [f"doc {i}" for i in range(6)], "embedding": [json.dumps(r) for r in X.tolist()]}
    )
    ds = load_table(frame.to_csv(index=False).encode(), name="v.csv")
    assert ds.vector_column == "embedding" and "embedding" not in ds.frame.columns
    assert ds.vectors.dtype == np.float32 and ds.vectors.flags.c_contiguous
    np.testing.assert_array_equal(ds.vectors, X)


def test_parquet_list_column_round_trips_with_ids(tmp_path, rng):
    X = rng.normal(size=(5, 3)).astype(np.float32)
    ds = load_table(b"text\na\nb\n\nc\nd\ne\nf\n", name="d.csv")  # blank line skipped
    source = Dataset(name="s", frame=ds.frame.iloc[:5], ids=np.array([10, 11, 12, 13, 14]))
    out = frame_with_vectors(source, X)
    assert out.columns.tolist() == ["id", "text", "embedding"]
    assert out["embedding"].iloc[0].dtype == np.float32
    write_table(out, tmp_path / "vec.parquet")
    assert pa.parquet.read_schema(tmp_path / "vec.parquet").field("embedding").type == (
        pa.list_(pa.float32())
    )
    np.testing.assert_array_equal(np.stack(pd.read_parquet(tmp_path / "vec.parquet").embedding), X)
    back = load_table(tmp_path / "vec.parquet")
    np.testing.assert_array_equal(back.vectors, X)
    assert back.ids.tolist() == [10, 11, 12, 13, 14]


def test_numeric_columns_are_vectors_only_without_a_text_column():
    data = b"x,y,z,kind\n1,2,3,a\n4,5,6,a\n7,8,9,b\n1,1,1,b\n2,2,2,a\n"
    ds = load_table(data, name="n.csv")
    assert ds.vector_column == "*" and ds.vectors.shape == (5, 3)
    assert ds.text_column is None and ds.label_column == "kind"
    with_text = b"word,x,y\ncat,1,2\ndog,3,4\n"
    assert load_table(with_text, name="w.csv").vectors is None
    ds = load_table(with_text, name="w.csv", vector_column="*")
    assert ds.text_column == "word" and ds.vectors.tolist() == [[1, 2], [3, 4]]


def test_ragged_vector_names_row_column_and_lengths():
    rows = ["text,embedding"] + [f'd{i},"[1,2,3,4]"' for i in range(4)] + ['d4,"[1,2,3]"']
    with pytest.raises(
        DataError,
        match=r"data.csv, row 5, column 'embedding': vector has 3 values but the first row "
        r"has 4; every row needs the same number of values",
    ):
        load_table("\n".join(rows).encode(), name="data.csv")


@pytest.mark.parametrize(
    ("cell", "match"),
    [
        ('"[1,NaN]"', r"row 2, column 'embedding': the vector contains NaN"),
        ('"[1,Infinity]"', r"row 2, column 'embedding': the vector contains NaN or infinite"),
        ('"[1,abc]"', r"row 2, column 'embedding': '\[1,abc\]' is not a list of numbers"),
        ('""', r"row 2, column 'embedding': the cell is empty"),
    ],
)
def test_bad_vector_cells_name_row_and_column(cell, match):
    data = f'text,embedding\na,"[1,2]"\nb,{cell}\n'.encode()
    with pytest.raises(DataError, match=match):
        load_table(data, name="v.csv", vector_column="embedding")


def test_bad_value_in_per_dimension_columns_is_named():
    data = b"x,y\n1,2\n3,oops\n" + b"".join(f"{i},{i}\n".encode() for i in range(20))
    with pytest.raises(DataError, match=r"n.csv, row 2, column 'y': 'oops' is not a finite"):
        load_table(data, name="n.csv", vector_column="*")


@pytest.mark.parametrize(
    ("column", "cell", "match"),
    [
        ("vector", '"[1,x,3]"', r"row 1, column 'vector': '\[1,x,3\]' is not a list of numbers"),
        ("embedding", "oops", r"row 1, column 'embedding': 'oops' is not a list of numbers"),
        ("feats", '"[1,2]"', r"row 2, column 'feats': vector has 3 values but the first row"),
    ],
)
def test_a_detected_vector_column_with_a_bad_cell_is_named_not_read_as_text(column, cell, match):
    rows = [f'first,{cell}'] + [f't{i},"[{i},2,3]"' for i in range(6)]
    data = ("text," + column + "\n" + "\n".join(rows)).encode()
    with pytest.raises(DataError, match=match):
        load_table(data, name="v.csv")


def test_a_stray_word_among_per_dimension_numbers_is_named_not_read_as_text():
    data = b"v0,v1,v2\n1,2,3\n4,five,6\n7,8,9\n"
    with pytest.raises(DataError, match=r"v.csv, row 2, column 'v1': 'five' is not a finite"):
        load_table(data, name="v.csv")


def test_parse_vector_column_accepts_lists_arrays_and_numpy_strings():
    expected = [[1.0, 2.0], [3.0, 4.0]]
    for values in (
        [[1, 2], [3, 4]],
        [np.array([1, 2]), np.array([3, 4])],
        ["[1 2]", "[3 4]"],
        pd.Series(["[1, 2]", "[3, 4]"]),
    ):
        out = parse_vector_column(values, column="v", source="s")
        assert out.dtype == np.float32 and out.tolist() == expected
    with pytest.raises(DataError, match="row 2, column 'v': the vector is nested"):
        parse_vector_column(["[1,2]", "[[1,2]]"], column="v", source="s")


def test_parse_vector_column_reads_large_json_columns_in_one_pass(rng, monkeypatch):
    """No per-row parsing (json.loads per row is ~5x slower; timings in benchmarks/)."""
    import embedlens.io.vectors as vectors_module

    def per_row(*args, **kwargs):
        raise AssertionError("a clean JSON vector column must not be parsed row by row")

    # Short exactly-representable values keep the setup (json.dumps) cheap.
    X = (rng.integers(-999, 999, size=(10_000, 128)) / 8).astype(np.float32)
    strings = pd.Series([json.dumps(r) for r in X.tolist()])
    monkeypatch.setattr(vectors_module, "_slow_parse", per_row)
    out = parse_vector_column(strings, column="embedding", source="big.csv")
    np.testing.assert_array_equal(out, X)


def test_npy_beside_the_table(tmp_path, rng):
    X = rng.normal(size=(3, 4)).astype(np.float64)
    np.save(tmp_path / "vec.npy", X)
    ds = load_table(b"text\na\n\nb\nc\n", name="d.csv", vectors_file=tmp_path / "vec.npy")
    assert ds.vectors.dtype == np.float32 and ds.vectors.shape == (3, 4)
    np.testing.assert_allclose(ds.vectors, X.astype(np.float32))
    with pytest.raises(DataError, match=r"vec.npy has 3 vectors but d.csv has 2 data rows"):
        load_table(b"text\na\nb\n", name="d.csv", vectors_file=tmp_path / "vec.npy")


def test_npy_vectors_drop_with_their_empty_text_rows(tmp_path):
    np.save(tmp_path / "v.npy", np.arange(6, dtype=np.float32).reshape(3, 2))
    ds = load_table(b"text,k\na,1\n,2\nc,3\n", name="d.csv", vectors_file=tmp_path / "v.npy")
    assert ds.vectors.tolist() == [[0, 1], [4, 5]] and ds.ids.tolist() == [0, 2]


def test_npy_as_the_main_source(tmp_path, rng):
    X = rng.normal(size=(7, 3)).astype(np.float32)
    np.save(tmp_path / "only.npy", X)
    ds = load_table(tmp_path / "only.npy")
    assert list(ds.frame.columns) == ["id"] and ds.text_column is None
    np.testing.assert_array_equal(ds.vectors, X)
    assert ds.ids.tolist() == list(range(7))


def test_npy_with_python_objects_is_refused(tmp_path):
    np.save(tmp_path / "obj.npy", np.array([{"a": 1}, None], dtype=object), allow_pickle=True)
    with pytest.raises(DataError, match=r"obj.npy is not a readable numeric .npy array"):
        load_table(tmp_path / "obj.npy")


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (b"PK\x03\x04", r"f.npy is a zip/.npz archive"),  # found by the fuzz test
        (b"\x93NUMPY", r"f.npy is not a readable numeric .npy array"),
        (b"hello", r"f.npy is not a readable numeric .npy array"),
        (b"", r"f.npy is empty"),
    ],
)
def test_damaged_npy_is_a_data_error(data, match):
    with pytest.raises(DataError, match=match):
        load_table(data, name="f.npy")


def test_npy_with_nan_names_the_row(tmp_path):
    X = np.ones((4, 2), dtype=np.float32)
    X[2, 1] = np.nan
    np.save(tmp_path / "n.npy", X)
    with pytest.raises(DataError, match=r"n.npy, row 3: the vector contains NaN"):
        load_table(tmp_path / "n.npy")


# --- TensorFlow Projector ---------------------------------------------------------------


def test_projector_tsv_tensors_with_single_column_metadata():
    ds = load_projector(b"1\t2\n3\t4\n5\t6\n", b"cat\ndog\nbird\n", name="toy")
    assert ds.vectors.tolist() == [[1, 2], [3, 4], [5, 6]]
    assert ds.texts == ["cat", "dog", "bird"]  # one column: no header row (TFP's rule)


def test_projector_header_trap_is_explained():
    with pytest.raises(DataError, match=r"single column.*no header row.*remove that line"):
        load_projector(b"1\t2\n3\t4\n", b"word\ncat\ndog\n")
    with pytest.raises(DataError, match=r"several columns.*first line is read as the header"):
        load_projector(b"1\t2\n3\t4\n", b"cat\tpet\ndog\tpet\n")


def test_projector_raw_bytes_need_dim_or_metadata(rng):
    X = rng.normal(size=(6, 3)).astype("<f4")
    ds = load_projector(X.tobytes(), None, dim=3)
    np.testing.assert_array_equal(ds.vectors, X)
    with pytest.raises(InvalidParameterError, match="needs dim"):
        load_projector(X.tobytes(), None)
    with pytest.raises(DataError, match="do not split into rows of 4"):
        load_projector(X.tobytes(), None, dim=4)


def test_projector_ragged_tsv_is_named():
    with pytest.raises(DataError, match=r"line 2: vector has 1 values but the first line has 2"):
        load_projector(b"1\t2\n3\n", None)


# --- writing and exports ----------------------------------------------------------------


@pytest.mark.parametrize("ext", [".csv", ".tsv", ".jsonl", ".parquet"])
def test_write_table_round_trips_and_leaves_no_temp_files(tmp_path, ext):
    frame = pd.DataFrame({"text": ["北京", 'a, "quoted"\nline'], "n": [1, 2]})
    path = tmp_path / f"out{ext}"
    path.write_text("old")
    write_table(frame, path)
    back = load_table(path)
    assert back.texts == ["北京", 'a, "quoted"\nline']
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


def test_write_table_failure_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "keep.parquet"
    write_table(pd.DataFrame({"text": ["safe"]}), path)
    before = path.read_bytes()

    def fail(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("embedlens.io.writers.pq.write_table", fail)
    with pytest.raises(OSError, match="disk full"):
        write_table(pd.DataFrame({"text": ["new"]}), path)
    assert path.read_bytes() == before and len(list(tmp_path.iterdir())) == 1


def test_write_table_stores_a_mixed_type_column_as_text(tmp_path):
    # A JSONL column holding 1 and "two" crashed the writer after the embedding was computed.
    path = tmp_path / "mixed.parquet"
    write_table(pd.DataFrame({"mixed": pd.Series([1, "two", None], dtype=object)}), path)
    assert pd.read_parquet(path)["mixed"].tolist()[:2] == ["1", "two"]


@pytest.mark.parametrize("ext", [".csv", ".tsv"])
def test_write_table_neutralises_formula_cells(tmp_path, ext):
    cells = ["=1+1", " =HYPERLINK(1)", "\uff1d1+1", "\uff20SUM(A1)", "-1.5", "+cmd", "ok"]
    path = tmp_path / f"out{ext}"
    write_table(pd.DataFrame({"t": cells}), path)
    lines = path.read_text(encoding="utf-8").splitlines()[1:]
    expected = ["'=1+1", "' =HYPERLINK(1)", "'\uff1d1+1", "'\uff20SUM(A1)", "-1.5", "'+cmd"]
    assert lines == [*expected, "ok"]


def test_write_table_removes_temp_files_of_a_killed_writer(tmp_path):
    path = tmp_path / "out.csv"
    dead = tmp_path / ".out.csv.999999999.abcd.tmp"  # no such pid: its writer was killed
    dead.write_text("partial")
    write_table(pd.DataFrame({"a": [1]}), path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


def test_write_table_refuses_unknown_extensions(tmp_path):
    with pytest.raises(InvalidParameterError, match=r"must be one of \{.parquet"):
        write_table(pd.DataFrame({"a": [1]}), tmp_path / "x.xlsx")


def test_to_safe_csv_neutralises_formulas_but_not_numbers():
    frame = pd.DataFrame(
        {
            "text": ['=HYPERLINK("http://x")', "+1+2", "@SUM(A1)", "-rm", "\tx", "plain"],
            "as_text": ["-1.5", "+3", "1e5", "-", "=", "ok"],
            "num": [-1.5, 2, 3, 4, 5, 6],
        }
    )
    data = to_safe_csv(frame)
    assert data.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)
    assert back["text"].tolist() == [
        '\'=HYPERLINK("http://x")',
        "'+1+2",
        "'@SUM(A1)",
        "'-rm",
        "'\tx",
        "plain",
    ]
    assert back["as_text"].tolist() == ["-1.5", "+3", "1e5", "'-", "'=", "ok"]
    assert back["num"].tolist()[0] == "-1.5"


def test_frame_with_vectors_checks_shape_and_name():
    ds = Dataset(name="d", frame=pd.DataFrame({"text": ["a", "b"]}), ids=np.arange(2))
    with pytest.raises(DataError, match="has 3 rows but the table has 2"):
        frame_with_vectors(ds, np.ones((3, 2), dtype=np.float32))
    with pytest.raises(InvalidParameterError, match="already has"):
        frame_with_vectors(ds, np.ones((2, 2), dtype=np.float32), column="text")
    assert "id" not in ds.frame.columns  # the dataset's own frame is untouched


# --- real data (read in place from the shared folder) -----------------------------------


def test_ag_news_without_header(shared_datasets):
    ds = load_table(shared_datasets / "ag_news_test.csv", header=False)
    assert list(ds.frame.columns) == ["col0", "col1", "col2"]
    assert len(ds) == 7_600 and ds.text_column == "col2" and ds.label_column == "col0"
    assert sorted(set(ds.labels)) == ["1", "2", "3", "4"]


@pytest.mark.parametrize("codec", ["gb18030", "utf-16"])
def test_thucnews_reencoded_loads_the_same_texts(shared_datasets, tmp_path, codec):
    original = shared_datasets / "chinese_thucnews_titles_test.txt"
    reference = load_table(original, header=False)
    path = tmp_path / f"titles_{codec}.txt"
    path.write_bytes(original.read_text("utf-8").encode(codec))
    ds = load_table(path, header=False)
    assert ds.report.encoding == codec
    assert len(ds) == len(reference) == 10_000
    assert ds.texts == reference.texts
    assert ds.labels.tolist() == reference.labels.tolist()


def test_projector_iris(shared_datasets):
    ds = load_projector(
        shared_datasets / "projector_iris_tensors.bytes",
        shared_datasets / "projector_iris_labels.tsv",
    )
    assert ds.vectors.shape == (150, 4) and len(ds.frame) == 150
    assert ds.label_column == "class" and len(set(ds.labels)) == 3
    np.testing.assert_allclose(ds.vectors[:, 0], ds.frame["sepal-length"], rtol=1e-6)
