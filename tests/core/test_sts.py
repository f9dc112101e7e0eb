from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import pearsonr, spearmanr

from embedlens.errors import DataError
from embedlens.sts import StsPairs, load_sts_pairs, score_sts


def test_stsb_test_file(shared_datasets):
    pairs = load_sts_pairs(shared_datasets / "stsbenchmark_sts-test.csv")
    assert len(pairs) == 1379 == len(pairs.sentence2) == len(pairs.gold)
    assert pairs.gold.dtype == np.float64
    assert pairs.gold.min() == 0.0 and pairs.gold.max() == 5.0
    assert pairs.sentence1[0] == "A girl is styling her hair."
    assert pairs.sentence2[0] == "A girl is brushing her hair."
    assert pairs.gold[0] == 2.5
    # quoting is off: double quotes stay in the text and never swallow TABs or lines
    assert any('"' in s for s in pairs.sentence1 + pairs.sentence2)
    assert not any("\t" in s or "\n" in s for s in pairs.sentence1 + pairs.sentence2)


def test_stsb_rows_with_extra_fields_and_unbalanced_quotes():
    data = (
        b'main-captions\tMSRvid\t2012test\t0001\t4.2\tA man "plays.\tA man plays.\n'
        b"main-news\theadlines\t2015\t0002\t1.0\tOne.\tTwo.\tsource-a\tsource-b\n"
    )
    pairs = load_sts_pairs(data)
    assert pairs.sentence1 == ['A man "plays.', "One."]
    assert pairs.sentence2 == ["A man plays.", "Two."]
    assert pairs.gold.tolist() == [4.2, 1.0]


def test_plain_csv_with_header():
    data = b'Sentence1,sentence2,SCORE\n"A cat, asleep.",A dog.,1.5\n\nHi.,Hello.,4\n'
    pairs = load_sts_pairs(data)
    assert pairs.sentence1 == ["A cat, asleep.", "Hi."]
    assert pairs.sentence2 == ["A dog.", "Hello."]
    assert pairs.gold.tolist() == [1.5, 4.0]


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (b"sentence1,sentence2\na,b\n", r"pairs.csv: not STS-B TSV and the header lacks score"),
        (b"sentence1,sentence2,score\na,b,high\n", r"pairs.csv, line 2: score 'high' is not a"),
        (b"sentence1,sentence2,score\na,b\n", r"pairs.csv, line 2: 2 fields"),
        (b"sentence1,sentence2,score\n", r"holds no sentence pairs"),
        (
            b"g\tf\t2012\t1\t3.0\ta\tb\ng\tf\t2012\t2\t3.0\ta\n",
            r"pairs.csv, line 2: expected at least 7 TAB-separated fields",
        ),
        (b"g\tf\t2012\t1\t3.0\ta\tb\ng\tf\t2012\t2\tnan\ta\tb\n", r"line 2: score 'nan'"),
        (b"sentence1,sentence2,score\n\x01\x02\x03,b,1\n", r"pairs.csv contains control char"),
    ],
)
def test_bad_files_name_the_line(data, match):
    with pytest.raises(DataError, match=match):
        load_sts_pairs(data, name="pairs.csv")


def pairs_of(gold):
    n = len(gold)
    return StsPairs(sentence1=["a"] * n, sentence2=["b"] * n, gold=np.asarray(gold, dtype=float))


def test_score_sts_by_hand():
    # cosines 1, 0 and -1 against gold 5, 2.5 and 0: a perfect linear relation
    emb1 = np.array([[1, 0], [1, 0], [1, 0]], dtype=np.float32)
    emb2 = np.array([[3, 0], [0, 2], [-1, 0]], dtype=np.float32)
    got = score_sts(pairs_of([5.0, 2.5, 0.0]), emb1, emb2)
    assert got == {"n": 3, "spearman": pytest.approx(1.0), "pearson": pytest.approx(1.0)}
    reversed_gold = score_sts(pairs_of([0.0, 2.5, 5.0]), emb1, emb2)
    assert reversed_gold["spearman"] == pytest.approx(-1.0)


def test_score_sts_matches_scipy(rng):
    emb1 = rng.normal(size=(30, 6)).astype(np.float32)
    emb2 = rng.normal(size=(30, 6)).astype(np.float32)
    gold = rng.uniform(0, 5, size=30)
    cos = (emb1 * emb2).sum(1) / np.linalg.norm(emb1, axis=1) / np.linalg.norm(emb2, axis=1)
    got = score_sts(pairs_of(gold), emb1, emb2)
    assert got["spearman"] == pytest.approx(spearmanr(cos, gold).statistic)
    assert got["pearson"] == pytest.approx(pearsonr(cos, gold).statistic, rel=1e-5)


def test_score_sts_errors():
    ones = np.ones((3, 2), dtype=np.float32)
    with pytest.raises(DataError, match="1 pairs have a zero vector"):
        score_sts(pairs_of([1, 2, 3]), ones, np.array([[1, 0], [0, 0], [1, 1]]))
    with pytest.raises(DataError, match="sentence2 embeddings has 2 rows"):
        score_sts(pairs_of([1, 2, 3]), ones, ones[:2])
    with pytest.raises(DataError, match="embed both sides with the same model"):
        score_sts(pairs_of([1, 2, 3]), ones, np.ones((3, 4)))
