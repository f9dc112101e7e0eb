from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from embedlens.errors import DataError, InvalidParameterError
from embedlens.keywords import class_tfidf, cluster_keywords, is_mostly_cjk
from tests.zh_words import keyword_word_share

TEXTS = [
    "Football: the team won the football match",
    "football fans and a late goal",
    "the striker scored twice, football is back",
    "Stocks fell as oil prices rose",
    "oil prices and stocks, again",
    "investors sold stocks; oil jumped",
]
LABELS = np.array([0, 0, 0, 1, 1, 1])


def test_obvious_words_rank_first():
    kw = cluster_keywords(TEXTS, LABELS)
    assert kw[0][0] == "football"
    assert set(kw[1][:2]) == {"oil", "stocks"}


def test_stop_words_numbers_and_single_letters_are_dropped():
    kw = cluster_keywords(TEXTS + ["the 2024 a x and of"], np.append(LABELS, 2))
    words = {w for ws in kw.values() for w in ws}
    assert not words & {"the", "and", "a", "x", "2024", "is"}
    assert kw[2] == []  # nothing usable left in that cluster


def test_html_entities_with_or_without_their_ampersand_are_not_keywords():
    scraped = [
        "Intel &lt;INTC.O&gt; chips quot;fastquot; sales",
        "chips maker #39;s quot;sales quot; &amp; chips",
        "chips and sales, &lt;b&gt; gt; lt;",
    ]
    kw = cluster_keywords(TEXTS + scraped, np.append(LABELS, [2, 2, 2]))
    assert set(kw[2][:2]) == {"chips", "sales"}
    assert not {w for ws in kw.values() for w in ws} & {"lt", "gt", "quot", "amp", "39"}


def test_custom_stop_words_and_top_n():
    kw = cluster_keywords(TEXTS, LABELS, top_n=2, stop_words=["football", "oil"])
    assert all(len(v) == 2 for v in kw.values())
    assert "football" not in kw[0] and "oil" not in kw[1]
    stop_words_shape = "'stop_words' parameter of cluster_keywords must be 'english'"
    with pytest.raises(InvalidParameterError, match=stop_words_shape):
        cluster_keywords(TEXTS, LABELS, stop_words="french")


def test_class_tfidf_matches_the_formula():
    counts = np.array([[3, 1, 0], [0, 1, 4]])
    scores = class_tfidf(counts, reduce_frequent_words=False).toarray()
    mean_words = counts.sum() / 2
    freq = counts.sum(axis=0)
    tf = counts / counts.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(scores, tf * np.log(1 + mean_words / freq))
    np.testing.assert_allclose(class_tfidf(counts).toarray(), np.sqrt(tf) * np.log(1 + 4.5 / freq))


def test_reduce_frequent_words_lets_a_distinctive_word_beat_a_frequent_one():
    # "said" is in every cluster and frequent; "oil" is rarer but only in cluster 1
    texts = ["said said said said", "said said said said", "said " * 9 + "oil oil"]
    labels = [0, 0, 1]
    assert cluster_keywords(texts, labels, reduce_frequent_words=False)[1][0] == "said"
    assert cluster_keywords(texts, labels)[1][0] == "oil"


def test_term_spread_over_classes_scores_lower():
    texts = ["apple common", "apple common", "pear common", "pear common"]
    kw = cluster_keywords(texts, [0, 0, 1, 1])
    assert kw == {0: ["apple", "common"], 1: ["pear", "common"]}


def test_noise_is_one_more_class_and_labels_are_ints():
    kw = cluster_keywords(TEXTS, [-1, -1, -1, 4, 4, 4])
    assert sorted(kw) == [-1, 4] and kw[-1][0] == "football"


def test_missing_texts_count_as_empty():
    texts = pd.Series(["football goal", None, "oil stocks", float("nan")], dtype="str")
    kw = cluster_keywords(texts.tolist(), [0, 0, 1, 1])
    assert kw[0][0] == "football" and "nan" not in kw[1]
    kw = cluster_keywords(["football goal", pd.NA, "oil"], [0, 0, 1])
    assert kw[0] == ["football", "goal"]


def test_empty_vocabulary_gives_empty_lists():
    assert cluster_keywords(["the", "a", "of"], [0, 1, 1]) == {0: [], 1: []}
    assert cluster_keywords([], np.array([], dtype=int)) == {}


def test_length_mismatch():
    with pytest.raises(DataError, match="texts has 2 entries but labels has 3"):
        cluster_keywords(["a", "b"], [0, 1, 1])


def test_cjk_detection():
    assert is_mostly_cjk(["中国足球队赢得比赛", "股市 上涨"])
    assert not is_mostly_cjk(["football match", "oil prices 中国"])
    assert not is_mostly_cjk(["축구 경기 결과", "주식 시장"])  # Korean has spaces: words work
    assert not is_mostly_cjk(["", "123"])


ZH_TEXTS = [
    "姚明率火箭获胜",
    "火箭主场击败湖人",
    "湖人不敌火箭",
    "今天股票大幅上涨",
    "A股股票交易量创新高",
    "股票基金收益下降",
]


def test_chinese_keywords_are_jieba_words_not_character_pairs():
    labels = [0, 0, 0, 1, 1, 1]
    kw = cluster_keywords(ZH_TEXTS, labels)
    assert kw[0][:2] == ["火箭", "湖人"] and kw[1][0] == "股票"
    every = {w for ws in kw.values() for w in ws}
    assert not every & {"明率", "箭获", "票大", "票交"}  # pairs cut across words
    assert keyword_word_share(kw, ZH_TEXTS, labels).share == 1.0
    assert "A股" in every  # jieba keeps a Latin letter glued to its Chinese word


def test_chinese_stop_words_are_not_keywords():
    texts = ["我们的足球比赛了", "一个足球的比赛", "他们在股票市场", "股票是我们的"]
    kw = cluster_keywords(texts, [0, 0, 1, 1])
    every = {w for ws in kw.values() for w in ws}
    assert not every & {"的", "了", "我们", "一个", "他们", "在", "是"}
    assert kw[0][0] in {"足球", "比赛"} and kw[1][0] in {"股票", "市场"}
    assert "的" in cluster_keywords(texts, [0, 0, 1, 1], stop_words=None)[0]
    assert "足球" not in cluster_keywords(texts, [0, 0, 1, 1], stop_words=["足球"])[0]


def test_chat_style_repeats_of_interjections_are_not_keywords():
    texts = [
        "哈哈哈哈这个手机太好用了",
        "啊啊啊啊手机到了",
        "嘻嘻手机真好",
        "呵呵呵外卖又晚了",
        "外卖差评",
    ]
    kw = cluster_keywords(texts, [0, 0, 0, 1, 1])
    every = {w for ws in kw.values() for w in ws}
    assert "手机" in kw[0] and "外卖" in kw[1]
    assert not {w for w in every if len(set(w)) == 1 and len(w) > 1}  # 哈哈哈哈, 啊啊啊, 嘻嘻


def test_one_character_words_stay_unless_they_mostly_sit_inside_other_words():
    texts = ["我家的猫很可爱", "猫和狗", "猫很乖", "车展上的车", "这辆车很省油", "新车上市车主满意"]
    kw = cluster_keywords(texts, [0, 0, 0, 1, 1, 1])
    assert kw[0][0] == "猫" and "狗" in kw[0]
    assert "车" in kw[1]  # a whole token in 2 of the 3 titles holding it
    people = ["男人的世界", "人民日报", "工人下岗", "一个人"]  # 人 alone once, inside words 3x
    kw = cluster_keywords(people + ["车展上的车"], [0, 0, 0, 0, 1])
    assert "人" not in kw[0] and "人民日报" in kw[0]


def test_traditional_chinese_is_segmented_and_kept_traditional():
    texts = [
        "臺灣電腦產業發展迅速",
        "電腦資訊產業的未來",
        "電腦價格下跌",
        "火箭擊敗湖人",
        "湖人不敵火箭",
    ]
    kw = cluster_keywords(texts, [0, 0, 0, 1, 1])
    assert set(kw[0][:2]) == {"電腦", "產業"} and set(kw[1][:2]) == {"火箭", "湖人"}
    assert "電腦" not in cluster_keywords(texts, [0, 0, 0, 1, 1], stop_words=["电脑"])[0]
    assert "的" not in {w for ws in kw.values() for w in ws}


def test_mixed_chinese_and_english_text():
    texts = [
        "iPhone销量大增苹果股价上涨",
        "苹果发布新款iPhone",
        "NBA季后赛火箭获胜",
        "火箭队NBA夺冠",
    ]
    kw = cluster_keywords(texts, [0, 0, 1, 1])
    assert {"iphone", "苹果"} <= set(kw[0]) and {"nba", "火箭"} <= set(kw[1])


def test_japanese_keeps_character_pairs():
    texts = [
        "東京の株式市場が上昇",
        "株式市場は下落した",
        "東京でサッカーの試合",
        "サッカーの試合結果",
    ]
    kw = cluster_keywords(texts, [0, 0, 1, 1])
    assert "株式" in kw[0] and "試合" in kw[1]
    assert all(len(w) == 2 for ws in kw.values() for w in ws if not w.isascii())


def test_word_share_check_fails_character_pairs():
    texts = ["阿富汗局势紧张", "阿富汗举行大选", "美军撤出阿富汗"]
    share = keyword_word_share({0: ["阿富汗", "富汗", "局势", "nato"]}, texts, [0, 0, 0])
    assert (share.words, share.chinese) == (2, 3)
    assert share.failures == ((0, "富汗", 0.0),)


def test_latin_words_inside_chinese_text_are_kept():
    texts = ["NBA篮球比赛", "NBA篮球新秀", "股票市场", "股票基金"]
    kw = cluster_keywords(texts, [0, 0, 1, 1])
    assert "nba" in kw[0] and "篮球" in kw[0]
