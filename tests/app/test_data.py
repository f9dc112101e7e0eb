"""AppTest: the Data page opens the sample and pasted text, and keeps the old data on bad input."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = Path(__file__).resolve().parents[2] / "app.py"


def _data_page() -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.session_state["map.backend"] = "tfidf-svd"
    at.session_state["map.method"] = "pca"
    at.run()
    return at.switch_page("app_pages/data.py").run()


def test_defaults_render_and_offer_an_upload():
    at = _data_page()
    assert not at.exception
    assert at.session_state["data.source"] == "Upload a file"
    assert "Open now" in at.caption[0].value


def test_sample_shows_its_report_preview_and_columns():
    at = _data_page()
    at.session_state["data.source"] = "Sample"
    at.run()
    assert not at.exception
    assert any("Kept 506 of 506 rows" in s.value for s in at.success)
    assert at.dataframe[0].value.shape[0] == 200  # preview of the first 200 rows
    assert any("text: `text`" in c.value for c in at.caption)


def test_pasted_lines_open_on_the_map():
    at = _data_page()
    at.session_state["data.source"] = "Paste text"
    at.run()
    lines = [
        "Rain delays the final at Wembley.",
        "",
        "Shares rise after strong results.",
        "A new comet is visible tonight.",
        "Chefs share a quick tomato sauce recipe.",
    ]
    at.text_area(key="data.paste").input("\n".join(lines)).run()
    assert any("Kept 4 of 5 rows" in s.value for s in at.success)
    at.button(key="data.open").click().run()
    assert not at.exception
    ds = at.session_state["data.dataset"]
    assert ds.name == "Pasted text" and ds.texts == [line for line in lines if line]
    assert at.session_state["map.projection"].coords.shape == (4, 2)


def test_a_bad_paste_keeps_the_open_dataset():
    at = _data_page()
    before = at.session_state["data.dataset"]
    at.session_state["data.source"] = "Paste text"
    at.run()
    at.text_area(key="data.paste").input("only one line\nand another").run()
    assert not at.exception
    assert "at least 3 rows" in at.error[0].value
    assert at.button(key="data.open").disabled
    assert at.session_state["data.dataset"] is before
