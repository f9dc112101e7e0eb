"""AppTest: an upload is copied to disk, released from memory and read from the file.

Fails if the Data page goes back to holding uploads (Streamlit's copy, the widget's value)
or to parsing them from bytes, or if the same file uploaded again is parsed again.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
import pandas as pd
from streamlit.testing.v1 import AppTest

APP = Path(__file__).resolve().parents[2] / "app.py"


def _data_page() -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.session_state["map.backend"] = "tfidf-svd"
    at.session_state["map.method"] = "pca"
    at.run()
    return at.switch_page("app_pages/data.py").run()


def _parquet(n: int = 40) -> bytes:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "title": [f"row {i} about topic {i % 4}" for i in range(n)],
            "topic": [f"t{i % 4}" for i in range(n)],
            "embedding": list(rng.normal(size=(n, 8)).astype(np.float32)),
        }
    )
    buf = io.BytesIO()
    frame.to_parquet(buf)
    return buf.getvalue()


def _holds_bytes(value, depth: int = 0) -> bool:
    """Whether a session-state value is or contains bytes or an uploaded file."""
    if isinstance(value, bytes | bytearray | memoryview | io.BytesIO):
        return True
    if depth < 3 and isinstance(value, list | tuple):
        return any(_holds_bytes(v, depth + 1) for v in value)
    if depth < 3 and isinstance(value, dict):
        return any(_holds_bytes(v, depth + 1) for v in value.values())
    return False


def _every_value(at: AppTest) -> list[tuple[str, object]]:
    """Every session-state and widget value of the session, as the running script sees it."""
    state = at.session_state._state._state  # SafeSessionState -> SessionState (widgets too)
    out = [(str(k), v) for k, v in state._old_state.items()]
    out += [(str(k), v) for k, v in state._new_session_state.items()]
    for key in state._keys():
        try:
            out.append((str(key), state[key]))
        except KeyError:
            pass
    return out


def test_an_upload_is_read_from_a_private_file_and_not_kept_in_memory(monkeypatch):
    from components import datasets

    seen: list[object] = []
    real = datasets.load_table

    def recording(source, **kwargs):
        seen.append(source)
        return real(source, **kwargs)

    monkeypatch.setattr(datasets, "load_table", recording)
    at = _data_page()
    data = _parquet()
    at.file_uploader[0].set_value(("vectors.parquet", data, "application/octet-stream")).run()
    assert not at.exception and not at.error
    assert any("Kept 40 of 40 rows" in s.value for s in at.success)
    # Read from a path in the owner's upload folder, owner-only; never from bytes.
    assert all(isinstance(source, str | Path) for source in seen), seen  # never bytes
    parsed = [source for source in seen if "uploads" in Path(source).parts]
    assert len(parsed) == 1, seen
    path = Path(parsed[0])
    home = Path(os.environ["EMBEDLENS_HOME"])
    assert path.is_relative_to(home / "uploads" / "incoming") and path.read_bytes() == data
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert oct(path.parent.parent.stat().st_mode & 0o777) == "0o700"
    # The uploader was replaced by an empty one and no state holds the bytes.
    assert at.file_uploader[0].key != "data.upload" and not at.file_uploader[0].value
    assert [k for k, v in _every_value(at) if _holds_bytes(v)] == []
    # The same file again: no second parse (cached by content and name, not by bytes).
    at.file_uploader[0].set_value(("vectors.parquet", data, "application/octet-stream")).run()
    assert not at.exception and [s for s in seen if "uploads" in Path(s).parts] == parsed
    assert any("Kept 40 of 40 rows" in s.value for s in at.success)
    # Opened: saved in the workspace, the upload copy removed, and a refresh keeps it.
    at.button(key="data.open").click().run()
    assert not at.exception
    dataset_id = at.query_params["dataset"]
    dataset_id = dataset_id[0] if isinstance(dataset_id, list) else dataset_id
    assert not path.exists()
    again = AppTest.from_file(str(APP), default_timeout=120)
    again.session_state["map.backend"] = "tfidf-svd"
    again.session_state["map.method"] = "pca"
    again.query_params["dataset"] = dataset_id
    again.run()
    ds = again.session_state["data.dataset"]
    assert ds.name == "vectors" and len(ds) == 40 and ds.vectors.shape == (40, 8)


def test_releasing_an_upload_removes_streamlits_copy():
    def page() -> None:
        import streamlit as st
        from streamlit.runtime.scriptrunner import get_script_run_ctx

        from components import uploads

        files = st.file_uploader("f", key="f", accept_multiple_files=True)
        if files:
            ctx = get_script_run_ctx()
            ids = [f.file_id for f in files]
            before = len(ctx.uploaded_file_mgr.get_files(ctx.session_id, ids))
            uploads._release(files)
            after = len(ctx.uploaded_file_mgr.get_files(ctx.session_id, ids))
            st.write(f"held {before} then {after}")

    at = AppTest.from_function(page, default_timeout=60).run()
    at.file_uploader[0].set_value([("a.csv", b"text\na\n", "text/csv")]).run()
    assert not at.exception
    assert at.markdown[0].value == "held 1 then 0"
