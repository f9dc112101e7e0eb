"""Translations: ``_("English text")`` returns the text in the current language.

Catalogs are gettext ``.po`` files in ``embedlens/locale/<lang>/LC_MESSAGES/embedlens.po``, read
with Babel when first needed (no compiled ``.mo`` in git). The current language is a context
variable: the app sets it once per script run, the CLI and the Python API stay in English unless
``EMBEDLENS_LANG`` says otherwise. Use a constant msgid and format after translating::

    _("Kept {kept:,} of {total:,} rows").format(kept=3, total=4)
"""

from __future__ import annotations

import contextvars
import os
from functools import lru_cache
from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "embedlens"
LANGUAGES = {"en": "English", "zh_CN": "简体中文"}
DEFAULT_LANGUAGE = "en"

_current: contextvars.ContextVar[str] = contextvars.ContextVar(
    "embedlens_language", default=os.environ.get("EMBEDLENS_LANG", DEFAULT_LANGUAGE)
)


def normalize_language(tag: str | None) -> str:
    """A supported language code for a browser or URL tag: ``zh-*`` → ``zh_CN``, else ``en``."""
    if not tag:
        return DEFAULT_LANGUAGE
    tag = str(tag).strip().replace("-", "_").lower()
    return "zh_CN" if tag.startswith("zh") else "en"


def set_language(tag: str | None) -> str:
    """Make ``tag`` (normalised) the current language of this context; returns the code."""
    code = normalize_language(tag)
    _current.set(code)
    return code


def current_language() -> str:
    """The language code in force (``en`` or ``zh_CN``)."""
    return normalize_language(_current.get())


@lru_cache(maxsize=None)
def catalog(code: str) -> dict[str, str]:
    """msgid → msgstr of language ``code`` (empty for English or a missing catalog)."""
    path = LOCALE_DIR / code / "LC_MESSAGES" / f"{DOMAIN}.po"
    if code == DEFAULT_LANGUAGE or not path.is_file():
        return {}
    from babel.messages.pofile import read_po

    with path.open("rb") as fh:
        po = read_po(fh, locale=code)
    return {
        str(m.id): str(m.string)
        for m in po
        if m.id and isinstance(m.id, str) and isinstance(m.string, str) and m.string
    }


def _(message: str) -> str:
    """``message`` translated into the current language (itself when there is no entry)."""
    return catalog(current_language()).get(message, message)


def N_(message: str) -> str:
    """Mark ``message`` for extraction without translating it now (constants, labels)."""
    return message
