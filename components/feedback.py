"""Errors and progress: expected errors become messages, progress goes to st.progress."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st
from streamlit.runtime.scriptrunner_utils.exceptions import RerunException, StopException

from embedlens.errors import EmbedlensError
from embedlens.i18n import _, translate_note
from embedlens.progress import ProgressCallback

_log = logging.getLogger("embedlens.app")


@contextmanager
def user_errors(action: str, status=None, *, untrusted_input: bool = False) -> Iterator[None]:
    """Show EmbedlensError as st.error and stop the script; anything else propagates.

    With ``untrusted_input`` (reading a user's file) any other exception is shown the same way,
    without a traceback, and logged with one: a file must never break the page.
    """
    try:
        yield
    except EmbedlensError as exc:
        _fail(action, str(exc), status)
    except Exception as exc:
        if not untrusted_input or isinstance(exc, StopException | RerunException):
            raise
        _log.exception("%s failed on unexpected input", action)
        _fail(
            action,
            _(
                "the file could not be read ({error}: {detail}). Check that it is a CSV, TSV, "
                "Parquet, JSONL or .npy file; the data open now stays open."
            ).format(error=type(exc).__name__, detail=str(exc)[:300]),
            status,
        )


def _fail(action: str, message: str, status) -> None:
    """Show ``message`` (the core's English text, translated back to its msgid) and stop."""
    message = translate_note(message)
    if status is not None:
        status.update(label=_("{action} failed").format(action=action), state="error")
    st.error(
        md_escape(_("{action} failed: {message}").format(action=action, message=message)),
        icon=":material/error:",
    )
    st.stop()


def progress_bar(label: str) -> tuple[ProgressCallback, st.delta_generator.DeltaGenerator]:
    """A ProgressCallback driving a new st.progress; returns (callback, bar)."""
    bar = st.progress(0.0, text=label)

    def on_progress(fraction: float, message: str) -> None:
        bar.progress(min(max(fraction, 0.0), 1.0), text=f"{label}: {message}")

    return on_progress, bar


@contextmanager
def timed_status(label: str) -> Iterator:
    """st.status that reports its elapsed time when done."""
    started = time.perf_counter()
    with st.status(f"{label}…", expanded=False) as status:
        with user_errors(label, status):
            yield status
        status.update(
            label=_("{label} done in {n:.1f} s").format(
                    label=label, n=time.perf_counter() - started
                ), state="complete"
        )


def md_escape(text: object) -> str:
    """User text made safe to interpolate into st.markdown: Markdown/HTML shows as typed."""
    return "".join("\\" + ch if ch in "\\`*_{}[]()#+-.!<>|~$:" else ch for ch in str(text))
