"""Errors and progress: expected errors become messages, progress goes to st.progress."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from embedlens.errors import EmbedlensError
from embedlens.progress import ProgressCallback


@contextmanager
def user_errors(action: str, status=None) -> Iterator[None]:
    """Show EmbedlensError as st.error and stop the script; anything else propagates."""
    try:
        yield
    except EmbedlensError as exc:
        if status is not None:
            status.update(label=f"{action} failed", state="error")
        st.error(f"{action} failed: {exc}", icon=":material/error:")
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
            label=f"{label} done in {time.perf_counter() - started:.1f} s", state="complete"
        )


def md_escape(text: object) -> str:
    """User text made safe to interpolate into st.markdown: Markdown/HTML shows as typed."""
    return "".join("\\" + ch if ch in "\\`*_{}[]()#+-.!<>|~$:" else ch for ch in str(text))
