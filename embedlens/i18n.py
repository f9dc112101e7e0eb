"""Translations: ``_("English text")`` returns the text in the current language.

Catalogs are gettext ``.po`` files in ``embedlens/locale/<lang>/LC_MESSAGES/embedlens.po``, read
with Babel when first needed (no compiled ``.mo`` in git). The current language is a context
variable: the app sets it once per script run, the CLI and the Python API stay in English unless
``EMBEDLENS_LANG`` says otherwise. Use a constant msgid and format after translating::

    _("Kept {kept:,} of {total:,} rows").format(kept=3, total=4)
"""

from __future__ import annotations

import contextvars
import logging
import os
from functools import cache
from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "embedlens"
LANGUAGES = {"en": "English", "zh_CN": "简体中文"}
DEFAULT_LANGUAGE = "en"

_START_LANGUAGE: str = os.environ.get("EMBEDLENS_LANG") or DEFAULT_LANGUAGE
_current: contextvars.ContextVar[str] = contextvars.ContextVar(
    "embedlens_language", default=_START_LANGUAGE
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


@cache
def catalog(code: str) -> dict[str, str]:
    """The msgid → msgstr map of language ``code`` (empty for English or a missing catalog)."""
    path = po_path(code)
    if code == DEFAULT_LANGUAGE or not path.is_file():
        return {}
    from babel.messages.pofile import read_po

    try:
        with path.open("rb") as fh:
            po = read_po(fh, locale=code)
    except Exception:  # noqa: BLE001 - a broken catalog must not break the app: English shows
        logging.getLogger(__name__).exception("could not read %s", path)
        return {}
    return {
        str(m.id): str(m.string)
        for m in po
        if m.id and isinstance(m.id, str) and isinstance(m.string, str) and m.string
    }


def po_path(code: str) -> Path:
    """The ``.po`` file of language ``code``."""
    return LOCALE_DIR / code / "LC_MESSAGES" / f"{DOMAIN}.po"


def duplicate_msgids(code: str) -> list[str]:
    """The msgids that appear more than once in ``code``'s catalog (Babel keeps only the first)."""
    from babel.messages.pofile import PoFileParser

    seen: dict[str, int] = {}

    class _Counter(PoFileParser):
        def _add_message(self) -> None:
            msgid = "".join(s.denormalize() for s in self.messages) if self.messages else ""
            seen[msgid] = seen.get(msgid, 0) + 1
            super()._add_message()

    from babel.messages.catalog import Catalog

    with po_path(code).open("rb") as fh:
        _Counter(Catalog(locale=code)).parse(fh)
    return [msgid for msgid, n in seen.items() if n > 1 and msgid]


def _(message: str) -> str:
    """``message`` translated into the current language (itself when there is no entry)."""
    return catalog(current_language()).get(message, message)


def N_(message: str) -> str:
    """Mark ``message`` for extraction without translating it now (constants, labels)."""
    return message


class Translated(dict):
    """A dict of ``N_()``-marked English values that translates each value as it is looked up.

    ``NAMES[key]`` and ``NAMES.get(key)`` give the text in the current language (so a dict made
    at import time still follows the language of each script run); ``.items()`` stays English.
    """

    def __getitem__(self, key):
        return _(super().__getitem__(key))

    def get(self, key, default=None):
        return _(super().__getitem__(key)) if key in self else default


def html_lang() -> str:
    """The BCP 47 tag of the current language, for ``<html lang=...>`` (``en`` or ``zh-CN``)."""
    return current_language().replace("_", "-")


def translate_note(text: str) -> str:
    """``text`` in the current language, also when it was formatted from a msgid in English.

    Notes and error messages that the core computes once in English (cluster choices, load
    reports, a file's errors) are matched back to their ``N_()`` msgid, and the values they
    carry are put into the translation. The value of a placeholder named in ``NESTED_FIELDS``
    (plain, no ``!r`` or format spec) is a message piece formatted from a msgid itself (a
    location such as "data.csv, line 3", a parameter's allowed values, a hint) and is
    translated the same way; every other value (file and column names, cells, numbers) is the
    user's own data and stays exactly as it is.
    """
    code = current_language()
    table = catalog(code)
    if not table or not text:
        return text
    return _translate(text, code, table, depth=0)


def _translate(text: str, code: str, table: dict[str, str], *, depth: int) -> str:
    if text in table:
        return table[text]
    if depth > 3:
        return text
    for size, pattern, fields, translation in _note_patterns(code):
        if size < 8 and not depth:
            continue  # a pattern of little text would match unrelated notes; a piece is known
        m = pattern.fullmatch(text)
        if m:
            out = []
            for literal, name in translation:
                out.append(literal)
                if name is None:
                    continue
                group, nested = fields[name]
                value = m.group(group)
                out.append(_translate(value, code, table, depth=depth + 1) if nested else value)
            return "".join(out)
    return text


# What a placeholder with a number format (``{n:,}``, ``{x:.2f}``, ``{v:g}``) fills in.
_NUMBER = r"[-+]?(?:\d[\d,_]*(?:\.\d*)?(?:[eE][-+]?\d+)?|inf|nan)%?"

# Placeholders whose values are message pieces (formatted msgids), not the user's data.
NESTED_FIELDS = frozenset({"allowed", "hint", "where", "array", "used", "sep", "what", "problem"})


@cache
def _note_patterns(code: str) -> list:
    """(size, regex, {field: (group, nested)}, [(literal, field)]) per msgid with placeholders.

    ``size`` is the length of the msgid's own text (without placeholders); ``nested``: the field
    is in ``NESTED_FIELDS``, so its value is translated too.
    """
    import re
    import string

    out = []
    for msgid, msgstr in catalog(code).items():
        try:
            parts = list(string.Formatter().parse(msgid))
            target = [(lit, name) for lit, name, _spec, _conv in string.Formatter().parse(msgstr)]
        except ValueError:
            continue
        names = [name for _lit, name, _spec, _conv in parts if name is not None]
        literal = "".join(lit for lit, *_rest in parts)
        if not names or len(set(names)) != len(names) or "" in names or len(literal) < 3:
            continue
        if any(name is not None and name not in names for _lit, name in target):
            continue
        regex, groups = "", {}
        for i, (lit, name, spec, conv) in enumerate(parts):
            regex += re.escape(lit)
            if name is not None:
                groups[name] = (f"g{i}", name in NESTED_FIELDS and not spec and not conv)
                number = bool(spec) and spec[-1] in ",_dfFgGeEn%"
                regex += f"(?P<g{i}>{_NUMBER if number else '.+?'})"
        out.append((len(literal), re.compile(regex, re.S), groups, target))
    out.sort(key=lambda item: -item[0])  # the most specific pattern wins
    return out
