"""AppTest: the Data page opens the sample, uploads and pastes; bad input keeps the old data."""

from __future__ import annotations

import re
from pathlib import Path

from streamlit.testing.v1 import AppTest

from tests.bad_inputs import HOSTILE_COLUMN, HOSTILE_TEXTS, bad_files, hostile_csv

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


def _unescaped(markdown: str) -> str:
    return re.sub(r"\\(.)", r"\1", markdown)


def test_every_bad_file_gives_its_message_and_keeps_the_open_dataset():
    at = _data_page()
    before = at.session_state["data.dataset"]
    for name, (content, fragment) in bad_files().items():
        at.file_uploader[0].set_value((name, content, "text/csv")).run()
        assert not at.exception, name
        shown = [_unescaped(e.value) for e in at.error]
        assert any(s.startswith(f"Reading {name} failed: ") and fragment in s for s in shown), (
            name,
            shown,
        )
        assert at.session_state["data.dataset"] is before
    at.file_uploader[0].set_value(("hostile.csv", hostile_csv(), "text/csv")).run()
    assert not at.exception and not at.error
    at.button(key="data.open").click().run()
    assert not at.exception
    ds = at.session_state["data.dataset"]
    assert ds.label_column == HOSTILE_COLUMN and list(ds.texts[:3]) == HOSTILE_TEXTS[:3]


def test_an_unforeseen_reader_failure_is_a_message_not_a_traceback(monkeypatch):
    from components import datasets

    def broken(*args, **kwargs):
        raise ValueError("something nobody foresaw")

    monkeypatch.setattr(datasets, "load_table", broken)
    at = _data_page()
    at.file_uploader[0].set_value(("odd.csv", b"text\na\n", "text/csv")).run()
    assert not at.exception
    assert "ValueError: something nobody foresaw" in _unescaped(at.error[0].value)
