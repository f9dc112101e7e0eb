"""The UI language of a session: ``?lang=``, the switcher, the browser, else English.

``apply_language()`` runs at the top of every script run (app.py) and sets the language that
``embedlens.i18n._`` translates into for the rest of the run; ``language_switcher()`` draws the
English / 简体中文 choice.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from typing import Any, TypeVar

import streamlit as st

from embedlens.i18n import LANGUAGES, _, current_language, normalize_language, set_language

LANG = "app.language"  # the session's language code (also the switcher's widget key)
_URL_SEEN = "app.language_url"  # the last ?lang= value applied, so a switch is not undone
PARAM = "lang"
T = TypeVar("T")


def browser_language() -> str | None:
    """The browser's ``navigator.language`` (None outside a browser, e.g. in AppTest)."""
    try:
        return st.context.locale
    except Exception:  # noqa: BLE001 - no context outside a script run
        return None


def apply_language() -> str:
    """Set this run's language and remember it in session state; returns the code."""
    ss = st.session_state
    wanted = st.query_params.get(PARAM)
    if wanted and wanted != ss.get(_URL_SEEN):
        ss[_URL_SEEN] = wanted
        ss[LANG] = normalize_language(wanted)
    elif ss.get(LANG) not in LANGUAGES:
        ss[LANG] = normalize_language(browser_language())
    return set_language(ss[LANG])


def _switched() -> None:
    code = st.session_state[LANG]
    st.query_params[PARAM] = "zh-CN" if code == "zh_CN" else "en"
    st.session_state[_URL_SEEN] = st.query_params[PARAM]


def language_switcher() -> None:
    """The English / 简体中文 choice (in the sidebar); a switch also updates ``?lang=``."""
    st.sidebar.selectbox(
        _("Language"),
        list(LANGUAGES),
        format_func=LANGUAGES.__getitem__,
        key=LANG,
        on_change=_switched,
    )


def sync_url() -> None:
    """Keep ``?lang=`` in the URL once the session has one (page switches clear it)."""
    if st.session_state.get(_URL_SEEN) and PARAM not in st.query_params:
        st.query_params[PARAM] = "zh-CN" if current_language() == "zh_CN" else "en"


def deferred(fn: Callable[..., T], *args: Any, **kwargs: Any) -> Callable[[], T]:
    """``fn(*args, **kwargs)`` for a download button's lazy data, run in this run's language.

    Streamlit calls lazy download data later, outside the script run, where the language
    would fall back to English.
    """
    code = current_language()

    def run() -> T:
        def call() -> T:
            set_language(code)
            return fn(*args, **kwargs)

        return contextvars.copy_context().run(call)

    return run
