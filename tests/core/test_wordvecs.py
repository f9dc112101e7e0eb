from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import pearsonr, spearmanr

from embedlens.errors import DataError, InvalidParameterError
from embedlens.wordvecs import (
    WordVectors,
    analogy,
    load_word_vectors,
    score_analogies,
    score_word_similarity,
)

# king - man + woman = queen exactly; apple points elsewhere.
TOY = {
    "man": [1, 0, 0, 0],
    "woman": [0, 1, 0, 0],
    "king": [1, 0, 1, 0],
    "queen": [0, 1, 1, 0],
    "apple": [0, 0, 0, 1],
}
W2V = ("5 4\n" + "".join(f"{w} {' '.join(map(str, v))}\n" for w, v in TOY.items())).encode()
GLOVE = "".join(f"{w} {' '.join(str(float(x)) for x in v)}\n" for w, v in TOY.items()).encode()


@pytest.fixture
def toy() -> WordVectors:
    return load_word_vectors(W2V, name="toy.vec")


def test_word2vec_and_glove_text_give_the_same_vectors(toy):
    glove = load_word_vectors(GLOVE)
    assert toy.header and not glove.header
    assert toy.words == glove.words == list(TOY)
    assert toy.vectors.dtype == np.float32 and toy.vectors.flags.c_contiguous
    np.testing.assert_array_equal(toy.vectors, glove.vectors)
    np.testing.assert_array_equal(toy.vectors, np.array(list(TOY.values()), dtype=np.float32))


def test_shared_glove_and_fasttext_files(shared_datasets):
    glove = load_word_vectors(shared_datasets / "gensim_test_glove.txt")
    assert not glove.header and glove.vectors.shape == (76, 50)
    assert {"ö", "हु"} <= set(glove.words)  # non-ASCII tokens survive
    assert glove.words[0] == "the"
    assert glove.vectors[0, 0] == pytest.approx(0.418)
    fast = load_word_vectors(shared_datasets / "gensim_lee_fasttext.vec")
    assert fast.header and fast.vectors.shape == (1762, 10) and fast.words[0] == "the"
    assert len(load_word_vectors(shared_datasets / "gensim_lee_fasttext.vec", limit=10)) == 10


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (b"a 1 2\nb 1\n", r"toy.txt, line 2: expected a word and 2 values, got 1"),
        (b"a 1 2\nb 1 x\n", r"toy.txt, line 2: 'x' is not a number"),
        (b"2 3\na 1 2 3\n", r"header says 2 words but the file holds 1"),
        (b"a 1 2\nb nan 1\n", r"line 2: NaN or infinite value"),
        (b"a 1 2\n\x01\x02\x03\x04 1 2\n", r"contains control characters"),
        (b"\n\n", r"holds no word vectors"),
        (b"lonely\n", r"line 1: a word with no values"),
    ],
)
def test_malformed_files_name_the_line(data, match):
    with pytest.raises(DataError, match=match):
        load_word_vectors(data, name="toy.txt")


def test_bom_and_crlf_are_accepted():
    wv = load_word_vectors(b"\xef\xbb\xbf" + GLOVE.replace(b"\n", b"\r\n"))
    assert wv.words == list(TOY)


def test_analogy_king_man_woman_is_queen(toy):
    answers = analogy(toy, "man", "king", "woman", topn=5)
    assert [w for w, _ in answers] == ["queen", "apple"]  # a, b, c left out
    target = np.array([1 / math.sqrt(2) - 1, 1, 1 / math.sqrt(2), 0])
    expected = target @ (np.array([0, 1, 1, 0]) / math.sqrt(2)) / np.linalg.norm(target)
    assert answers[0][1] == pytest.approx(expected, rel=1e-6)
    assert answers[1][1] == pytest.approx(0.0, abs=1e-7)
    with pytest.raises(DataError, match="'prince' is not in the vocabulary"):
        analogy(toy, "man", "prince", "woman")
    with pytest.raises(InvalidParameterError, match="'topn' parameter of analogy"):
        analogy(toy, "man", "king", "woman", topn=0)


ANALOGIES = b"""\
: royals
man king woman queen
MAN KING WOMAN QUEEN
man king woman apple
man king banana queen
: fruit
king queen apple apple
"""


def test_score_analogies_by_hand(toy):
    got = score_analogies(toy, ANALOGIES)
    # 5 questions; "banana" is unknown; right: the two spellings of king:queen
    assert got["n_total"] == 5 and got["n_used"] == 4 and got["n_correct"] == 2
    assert got["accuracy"] == pytest.approx(2 / 4) and got["coverage"] == pytest.approx(4 / 5)
    assert got["sections"]["royals"] == {"accuracy": 2 / 3, "n": 3, "n_total": 4}
    # "apple" as the expected answer is also one of the inputs, so it can never be right
    assert got["sections"]["fruit"]["accuracy"] == 0.0
    # restrict_vocab=4 drops "apple": its questions are no longer used
    restricted = score_analogies(toy, ANALOGIES, restrict_vocab=4)
    assert restricted["n_used"] == 2 and restricted["accuracy"] == 1.0


def test_score_analogies_errors(toy):
    with pytest.raises(DataError, match="line 1: a question before any ': section' line"):
        score_analogies(toy, b"man king woman queen\n")
    with pytest.raises(DataError, match="line 2: expected 4 words"):
        score_analogies(toy, b": s\nman king woman\n")


def test_questions_words_on_shared_vectors(shared_datasets):
    questions = shared_datasets / "gensim_questions-words.txt"
    fast = load_word_vectors(shared_datasets / "gensim_lee_fasttext.vec")
    got = score_analogies(fast, questions)
    assert got["n_total"] == 19544 and len(got["sections"]) == 14
    vocab = {w.lower() for w in fast.words}
    used = sum(
        1
        for line in questions.read_text(encoding="utf-8").splitlines()
        if not line.startswith(":") and all(w in vocab for w in line.lower().split())
    )
    assert got["n_used"] == used > 0
    assert got["coverage"] == pytest.approx(used / 19544)
    assert 0.0 <= got["accuracy"] <= 1.0
    assert sum(s["n"] for s in got["sections"].values()) == used


WORDSIM = b"""\
# Word 1\tWord 2\tHuman (mean)
king\tqueen\t9.0
Man\tWoman\t8.0
king\tapple\t1.0
apple\tqueen\t2.0
foo\tbar\t5.0
"""


def test_score_word_similarity_by_hand(toy):
    got = score_word_similarity(toy, WORDSIM)
    assert got["n_pairs"] == 5 and got["n_used"] == 4 and got["coverage"] == pytest.approx(0.8)
    model = [
        float(np.dot(a, b) / np.linalg.norm(a) / np.linalg.norm(b))
        for a, b in [
            (TOY["king"], TOY["queen"]),
            (TOY["man"], TOY["woman"]),
            (TOY["king"], TOY["apple"]),
            (TOY["apple"], TOY["queen"]),
        ]
    ]
    gold = [9.0, 8.0, 1.0, 2.0]
    assert got["spearman"] == pytest.approx(spearmanr(gold, model).statistic)
    assert got["pearson"] == pytest.approx(pearsonr(gold, model).statistic)
    with pytest.raises(DataError, match="sim.tsv, line 2: expected word1 TAB word2 TAB score"):
        score_word_similarity(toy, b"king\tqueen\t9\nking queen 9\n", name="sim.tsv")


@pytest.mark.parametrize(
    ("name", "pairs"), [("gensim_wordsim353.tsv", 353), ("gensim_simlex999.txt", 999)]
)
def test_word_similarity_sets_on_shared_vectors(shared_datasets, name, pairs):
    fast = load_word_vectors(shared_datasets / "gensim_lee_fasttext.vec")
    got = score_word_similarity(fast, shared_datasets / name)
    assert got["n_pairs"] == pairs and 0 < got["n_used"] < pairs
    assert -1.0 <= got["spearman"] <= 1.0 and -1.0 <= got["pearson"] <= 1.0
