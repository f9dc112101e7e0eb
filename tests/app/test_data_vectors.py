"""AppTest: word vectors and Projector pairs open from the Data page; options change in place."""

from __future__ import annotations

import numpy as np

from tests.app.test_data import _data_page


def _open(at):
    assert not at.exception and not at.error, [e.value for e in at.error]
    at.button(key="data.open").click().run()
    assert not at.exception
    return at.session_state["data.dataset"]


def test_glove_text_opens_as_word_rows(shared_datasets):
    at = _data_page()
    glove = (shared_datasets / "gensim_test_glove.txt").read_bytes()
    at.file_uploader[0].set_value(("test_glove.txt", glove, "text/plain")).run()
    ds = _open(at)
    assert ds.vectors.shape == (76, 50) and ds.text_column == "word"


def test_iris_bytes_and_labels_dropped_together(shared_datasets):
    at = _data_page()
    files = [
        (n, (shared_datasets / n).read_bytes(), "application/octet-stream")
        for n in ("projector_iris_tensors.bytes", "projector_iris_labels.tsv")
    ]
    at.file_uploader[0].set_value(files).run()
    ds = _open(at)
    assert ds.vectors.shape == (150, 4) and ds.label_column == "class"


def test_header_can_be_unticked_and_ticked_again_without_a_reload():
    at = _data_page()
    rows = "".join(f"note number {i} about things,{'ab'[i % 2]}\n" for i in range(6))
    content = ("text,topic\n" + rows).encode()
    at.file_uploader[0].set_value(("d.csv", content, "text/csv")).run()
    assert not at.error
    key = next(s.key for s in at.selectbox if (s.key or "").startswith("data.text_column."))
    at.selectbox(key=key).set_value("topic").run()  # a column choice for this header setting
    at.toggle(key="data.header").set_value(False).run()
    assert not at.exception and not at.error  # the stale choice does not block the re-read
    assert any(s.key and s.key.startswith("data.text_column.") for s in at.selectbox)
    at.toggle(key="data.header").set_value(True).run()
    at.selectbox(key="data.delimiter").set_value(",").run()
    ds = _open(at)
    assert ds.text_column == "text" and len(ds) == 6
    assert isinstance(ds.ids, np.ndarray)
