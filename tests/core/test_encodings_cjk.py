"""East Asian encodings: Big5, EUC-KR, Shift-JIS load as themselves, GB18030/GBK stay right.

Every file is written by the test in the encoding under test. Before charset-normalizer ranked
the double-byte candidates, Big5 and EUC-KR files decoded "successfully" as GB18030 mojibake
(韓國 as 锢瓣, 서울 as 辑匡).
"""

from __future__ import annotations

import numpy as np
import pytest

from embedlens.errors import DataError
from embedlens.io import load_table, read_text_file
from embedlens.sts import load_sts_pairs
from embedlens.wordvecs import load_word_vectors

SIMPLIFIED = (
    "id,text\n1,北京大学举办人工智能论坛\n2,上海股市今日小幅上涨\n3,“双十一”购物节销量创新高\n"
)
TRADITIONAL = (
    "id,text\n1,臺灣的電腦與資訊產業發展迅速\n2,台北股市今日小幅上漲\n3,颱風來襲，學校停課一天\n"
)
KOREAN = "id,text\n1,서울 주식 시장이 소폭 상승\n2,한국 축구 대표팀 승리\n3,인공지능 포럼\n"
JAPANESE = "id,text\n1,東京の株式市場が上昇した\n2,サッカーの試合結果\n3,新しいスマホが発売\n"


@pytest.mark.parametrize(
    ("content", "codec", "expected"),
    [
        (TRADITIONAL, "big5", "big5"),
        (TRADITIONAL, "cp950", "big5"),
        (KOREAN, "euc-kr", "cp949"),
        (KOREAN, "cp949", "cp949"),
        (JAPANESE, "shift_jis", "cp932"),
        (JAPANESE, "euc-jp", "euc-jp"),
        (SIMPLIFIED, "gb18030", "gb18030"),
        (SIMPLIFIED, "gbk", "gb18030"),
        (TRADITIONAL, "gbk", "gb18030"),  # Traditional characters written in GBK stay GBK
    ],
)
def test_east_asian_files_load_as_themselves(tmp_path, content, codec, expected):
    path = tmp_path / f"{codec}.csv"
    path.write_bytes(content.encode(codec))
    ds = load_table(path)
    assert ds.report.encoding == expected
    assert ds.texts == load_table(content.encode("utf-8"), name="u.csv").texts


def test_big5_and_euc_kr_were_gb18030_mojibake_and_are_not_now():
    for content, codec in ((TRADITIONAL, "big5"), (KOREAN, "euc-kr")):
        data = content.encode(codec)
        mojibake = data.decode("gb18030")  # decodes without error: the trap
        text, used = read_text_file(data, source="x.csv")
        assert text == content != mojibake and used != "gb18030"


def test_a_long_big5_file_is_judged_on_a_sample_and_decoded_whole(tmp_path):
    rows = "".join(f"{i},臺灣電腦產業第{i}號報告\n" for i in range(30_000))  # about 0.7 MB
    path = tmp_path / "long.csv"
    path.write_bytes(("id,text\n" + rows).encode("big5"))
    ds = load_table(path)
    assert ds.report.encoding == "big5" and len(ds) == 30_000
    assert ds.texts[-1] == "臺灣電腦產業第29999號報告"


def test_latin_files_are_still_latin():
    text, codec = read_text_file("naïve\nvoilà\n".encode("latin-1"), source="x.txt")
    assert (text, codec) == ("naïve\nvoilà\n", "latin-1")
    assert read_text_file("“quoted” – dash\n".encode("cp1252"), source="q.txt")[1] == "cp1252"


def test_sts_pairs_read_through_the_same_decoder():
    csv = "sentence1,sentence2,score\n臺灣電腦,台灣的電腦,4.5\n颱風來襲,股市上漲,0.5\n"
    for codec in ("big5", "gb18030", "utf-8"):
        pairs = load_sts_pairs(csv.encode(codec), name="pairs.csv")
        assert pairs.sentence1 == ["臺灣電腦", "颱風來襲"] and pairs.gold.tolist() == [4.5, 0.5]


def test_word_vectors_read_through_the_same_decoder(tmp_path):
    glove = "北京 1 0 0\n上海 0 1 0\n股票 0 0 1\n"
    for codec in ("gb18030", "utf-8"):
        wv = load_word_vectors(glove.encode(codec), name="zh.txt")
        assert wv.words == ["北京", "上海", "股票"]
    korean = "2 2\n서울 1 0\n한국 0 1\n"
    path = tmp_path / "ko.vec"
    path.write_bytes(korean.encode("euc-kr"))
    wv = load_word_vectors(path)
    assert wv.words == ["서울", "한국"] and wv.header
    np.testing.assert_array_equal(wv.vectors, [[1, 0], [0, 1]])


def test_word_vectors_a_late_line_in_another_encoding_names_the_line():
    head = b"w 1 2\n" * 200_000  # 1.2 MB of ASCII: judged UTF-8
    with pytest.raises(DataError, match=r"big.vec, line 200001: not valid utf-8"):
        load_word_vectors(head + "北京 1 2\n".encode("gb18030"), name="big.vec")
