"""Which engine runs this server's slow steps, and the words the pages use for it.

Read once from ``EMBEDLENS_ENGINE`` / ``EMBEDLENS_RAY_ADDRESS`` (``embedlens serve --engine ray
--ray-address ADDR`` sets them) through :func:`embedlens.engines.config.engine_choice`, the
place the CLI's flags are resolved too.
"""

from __future__ import annotations

import os

import streamlit as st

from embedlens.engines.config import ENGINE_ENV, RAY_ADDRESS_ENV, EngineChoice, engine_choice
from embedlens.i18n import _


@st.cache_resource(show_spinner=False, max_entries=4)
def _server_choice(name: str | None, address: str | None) -> EngineChoice:
    return engine_choice(environ={ENGINE_ENV: name or "", RAY_ADDRESS_ENV: address or ""})


def server_choice() -> EngineChoice:
    """The server's engine; an invalid ``EMBEDLENS_ENGINE`` is shown as a message (page stops)."""
    from components.feedback import user_errors

    with user_errors(_("Choosing where the slow steps run")):
        return _server_choice(os.environ.get(ENGINE_ENV), os.environ.get(RAY_ADDRESS_ENV))


def describe(choice: EngineChoice | None) -> str:
    """Where a job runs, in the current language (None: in this server's worker processes)."""
    if choice is None or not choice.is_ray:
        return _("local worker processes")
    if choice.address:
        return _("the Ray cluster at {address}").format(address=choice.address)
    return _("a local Ray started by the app's job worker")


def caption() -> None:
    """A caption saying where embedding, t-SNE and UMAP run on this server."""
    where = describe(server_choice())
    st.caption(
        ":material/memory: " + _("Embedding, t-SNE and UMAP run on {where}.").format(where=where)
    )
