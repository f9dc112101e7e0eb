from embedlens.zh_stopwords import STOP_WORDS
from embedlens.zh_text import segment, to_simplified


def test_segment_keeps_the_texts_own_characters():
    assert segment("房价继续上涨") == ["房价", "继续", "上涨"]
    trad = segment("臺灣的電腦與資訊產業發展迅速")
    assert "臺灣" in trad and "電腦" in trad and "資訊" in trad
    assert to_simplified("電腦") == "电脑"


def test_stop_words_hold_function_words_not_single_character_topics():
    assert {"的", "了", "我们", "一个", "是", "在"} <= STOP_WORDS
    assert len(STOP_WORDS) > 300
    assert not {"股", "房", "车"} & STOP_WORDS


def test_map_search_matches_simplified_and_traditional_alike():
    import numpy as np
    import pandas as pd

    from embedlens.dataset import Dataset
    from embedlens.plotting.maps import highlight_mask

    frame = pd.DataFrame({"text": ["臺灣電腦展", "电脑降价", "足球比赛", "Computer show"]})
    ds = Dataset("d", frame, np.arange(4), text_column="text")
    assert highlight_mask(ds, "电脑", None).tolist() == [True, True, False, False]
    assert highlight_mask(ds, "電腦", None).tolist() == [True, True, False, False]
    assert highlight_mask(ds, "computer", None).tolist() == [False, False, False, True]
    assert to_simplified("髮型頭髮") == "发型头发"
