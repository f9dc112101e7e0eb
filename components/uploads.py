"""Data-page uploads: copied to a file at once, Streamlit's copy released, read from disk.

An upload arrives in Streamlit's memory. The page hands it to :func:`ingest`, which copies it
in chunks to the owner's private upload folder in the workspace (embedlens.store.uploads),
removes it from Streamlit's upload manager, gives the uploader a new widget key (so that the
browser does not send it again and the widget's value no longer holds it) and reruns. From
then on the page reads the file from disk (:func:`pending`), cached by content and name, not
by hashing bytes: the same file uploaded again is read from the cache at once.
"""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from components import owner
from components.pipeline import home
from embedlens.store.uploads import StoredUpload, UploadStore

_GENERATION = "data.upload.generation"  # bumped after each ingest: a fresh, empty uploader
PENDING = "data.upload.pending"  # [(name, sha256)] of the files read from disk now


def uploader_key() -> str:
    """The uploader's widget key now (``data.upload``, then ``data.upload.1``, ...)."""
    generation = int(st.session_state.get(_GENERATION, 0))
    return "data.upload" if generation == 0 else f"data.upload.{generation}"


def store() -> UploadStore:
    """This session's owner's upload folder."""
    return UploadStore(home(), owner=owner.current())


def _release(uploads: list) -> None:
    """Drop Streamlit's in-memory copy of ``uploads`` (the upload manager holds each file)."""
    ctx = get_script_run_ctx()
    if ctx is None:
        return
    for upload in uploads:
        ctx.uploaded_file_mgr.remove_file(ctx.session_id, upload.file_id)


def ingest(uploads: list) -> None:
    """Copy ``uploads`` to disk, release them from memory, and rerun with an empty uploader.

    Raises DataError when the disk refuses the copy (nothing is released then).
    """
    folder = store()
    stored = [folder.ingest(u.name, u.getvalue()) for u in uploads]
    _release(uploads)
    old = uploader_key()
    st.session_state[_GENERATION] = int(st.session_state.get(_GENERATION, 0)) + 1
    st.session_state[PENDING] = [(s.name, s.sha256) for s in stored]
    st.session_state.pop(old, None)
    st.rerun()


def pending() -> tuple[StoredUpload, ...] | None:
    """The files this session uploaded last, on disk; None when there are none (or gone)."""
    entries = st.session_state.get(PENDING)
    if not entries:
        return None
    folder = store()
    found = tuple(folder.find(sha, name) for name, sha in entries)
    if any(f is None for f in found):  # removed since (older than a day): upload again
        st.session_state.pop(PENDING, None)
        return None
    return found  # type: ignore[return-value]


def forget(uploads: tuple[StoredUpload, ...]) -> None:
    """After the dataset is saved in the workspace: the copies are no longer needed."""
    folder = store()
    for upload in uploads:
        folder.discard(upload)
    st.session_state.pop(PENDING, None)
