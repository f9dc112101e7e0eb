"""``--model auto``: detect the text column's language and pick the best embedder on this machine.

Language detection is by script share of the letters (Han, Kana, Hangul, Latin, Cyrillic, ...),
which is decisive for Chinese, Japanese and Korean; Latin-script text is told apart by the
share of common function words of a few languages. No extra dependency: a model choice only
needs "CJK or not, English or not", and script counts answer that on a 2,000-text sample.

The choice (never touching the network): a Chinese or multilingual sentence-transformers model
the user already has (see :mod:`embedlens.embedders.local_models`); else, for Chinese, Japanese,
Korean and other unspaced scripts, the offline character TF-IDF + SVD baseline (``tfidf-char``,
10-NN 0.76 on THUCNews titles where the English default gets 0.51); English keeps
all-MiniLM-L6-v2.
"""

from __future__ import annotations

import importlib.util
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from embedlens.embedders.local_models import (
    KNOWN_MODELS,
    LocalModel,
    find_local_models,
    local_model_path,
    model_languages,
)
from embedlens.errors import InvalidParameterError
from embedlens.i18n import N_, _
from embedlens.validation import check_choice

__all__ = ["LanguageGuess", "ModelChoice", "choose_model", "detect_language"]

AUTO = "auto"
ST = "sentence-transformers"
ENGLISH_MODEL = "all-MiniLM-L6-v2"
CJK_LANGUAGES = ("zh", "ja", "ko")
BETTER_FOR_CHINESE = ("BAAI/bge-small-zh-v1.5", "paraphrase-multilingual-MiniLM-L12-v2")
_SAMPLE_TEXTS = 2_000
_LANG_NAMES = {
    "zh": N_("Chinese"),
    "ja": N_("Japanese"),
    "ko": N_("Korean"),
    "en": N_("English"),
    "fr": N_("French"),
    "de": N_("German"),
    "es": N_("Spanish"),
    "pt": N_("Portuguese"),
    "it": N_("Italian"),
    "nl": N_("Dutch"),
    "mixed": N_("mixed Chinese/Japanese/Korean and other"),
}
_SCRIPT_NAMES = {"han": N_("Han"), "kana": N_("Kana"), "hangul": N_("Hangul"), "latin": N_("Latin")}
# Scripts written without spaces between words: character n-grams beat word tokens there.
_UNSPACED = {"han", "kana", "thai", "lao", "khmer", "myanmar"}
_FUNCTION_WORDS = {
    "en": "the of and to in is for on that with as are was by at from it this be an or",
    "fr": "le la les des est une dans pour que qui sur pas par avec sont du au aux",
    "de": "der die und das ist nicht mit den von sich auf ein eine dem zu im für",
    "es": "el los las del que por una para con est es se lo como más pero sus",
    "pt": "os das dos que não uma para com por mais como ao foi são seu sua",
    "it": "il di che è per una sono della con non gli nel delle anche come più",
    "nl": "de het een van en is dat op te voor niet met zijn aan ook als bij",
}
_FUNCTION_SETS = {lang: frozenset(words.split()) for lang, words in _FUNCTION_WORDS.items()}
_WORD = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True)
class ModelChoice:
    """The embedder ``choose_model`` resolved to, and why (shown in the app, CLI and API)."""

    backend: str  # "sentence-transformers" | "tfidf-svd" | "tfidf-char" ...
    model: str
    reason: str  # human sentence: why this embedder
    language: str  # e.g. "zh", "en", "ja", "ko", "mixed"
    warning: str = ""  # e.g. English-only model chosen explicitly on Chinese text


@dataclass(frozen=True)
class LanguageGuess:
    """The dominant language of a text column and the script shares behind the guess."""

    language: str  # "zh", "ja", "ko", "en", "fr", ..., "mixed", "und-Latn", "unknown"
    shares: dict[str, float] = field(default_factory=dict)  # script -> share of the letters
    traditional: bool = False  # Chinese written mostly in Traditional characters
    unspaced: bool = False  # the dominant script has no spaces between words

    @property
    def cjk(self) -> bool:
        """Chinese, Japanese, Korean, or a mix with a large CJK part."""
        return self.language in CJK_LANGUAGES or self.language == "mixed"

    def describe(self) -> str:
        """e.g. "Chinese (Traditional; 97% of letters Han)"."""
        name = _(_LANG_NAMES.get(self.language, self.language))
        top = max(self.shares.items(), key=lambda kv: kv[1]) if self.shares else None
        detail = [] if not self.traditional else [_("Traditional")]
        if top is not None:
            script = _SCRIPT_NAMES.get(top[0], top[0].title())
            detail.append(
                _("{share} of letters {script}").format(share=f"{top[1]:.0%}", script=_(script))
            )
        return f"{name} ({'; '.join(detail)})" if detail else name


def _script(ch: str) -> str | None:
    """The script of a letter, coarsely; None for non-letters."""
    if not ch.isalpha():
        return None
    o = ord(ch)
    if 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0xF900 <= o <= 0xFAFF or o >= 0x20000:
        return "han"
    if 0x3040 <= o <= 0x30FF or 0x31F0 <= o <= 0x31FF or 0xFF66 <= o <= 0xFF9F:
        return "kana"
    if 0xAC00 <= o <= 0xD7AF or 0x1100 <= o <= 0x11FF or 0x3130 <= o <= 0x318F:
        return "hangul"
    if o < 0x250 or 0x1E00 <= o <= 0x1EFF or 0xFF21 <= o <= 0xFF5A:
        return "latin"
    if 0x400 <= o <= 0x52F:
        return "cyrillic"
    for name in ("ARABIC", "HEBREW", "GREEK", "DEVANAGARI", "THAI", "LAO", "KHMER", "MYANMAR"):
        if unicodedata.name(ch, "").startswith(name):
            return name.lower()
    return "other"


def _sample(texts: Sequence[str]) -> list[str]:
    """Up to 2,000 texts spread evenly over the column (files are often sorted)."""
    n = len(texts)
    step = max(1, n // _SAMPLE_TEXTS)
    return [t if isinstance(t, str) else "" for t in list(texts[::step])[:_SAMPLE_TEXTS]]


def _latin_language(sample: Sequence[str]) -> str:
    words = Counter(w for t in sample for w in _WORD.findall(t.lower()))
    total = sum(words.values())
    if not total:
        return "und-Latn"
    hits = {lang: sum(words[w] for w in ws) / total for lang, ws in _FUNCTION_SETS.items()}
    best = max(hits, key=lambda lang: hits[lang])
    return best if hits[best] >= 0.03 else "und-Latn"


def _is_traditional(han: Counter) -> bool:
    """Most Han characters outside GB2312 but inside Big5: Traditional Chinese."""
    trad = simp = 0
    for ch, n in han.items():
        try:
            ch.encode("gb2312")
            simp += n
        except UnicodeEncodeError:
            try:
                ch.encode("big5")
                trad += n
            except UnicodeEncodeError:
                pass
    # Traditional text still shares most characters with GB2312 (人, 中, 大 ...).
    return trad >= 0.15 * max(1, trad + simp)


def detect_language(texts: Sequence[str]) -> LanguageGuess:
    """Guess the dominant language of ``texts`` from the scripts of their letters.

    Per text the dominant script is found too: a column whose rows are partly Chinese and partly
    English (at least 20% each) is "mixed", as is one where CJK letters are 15–50% of all.
    """
    sample = _sample(texts)
    scripts: Counter = Counter()
    per_text: Counter = Counter()
    han: Counter = Counter()
    for text in sample:
        own: Counter = Counter()
        for ch in text:
            script = _script(ch)
            if script is not None:
                own[script] += 1
                if script == "han":
                    han[ch] += 1
        if own:
            cjk = own["han"] + own["kana"] + own["hangul"]
            per_text["cjk" if cjk >= 0.5 * sum(own.values()) else "other"] += 1
        scripts.update(own)
    letters = sum(scripts.values())
    if not letters:
        return LanguageGuess("unknown")
    shares = {s: n / letters for s, n in scripts.most_common()}
    cjk_share = shares.get("han", 0) + shares.get("kana", 0) + shares.get("hangul", 0)
    rows = sum(per_text.values())
    mixed_rows = min(per_text["cjk"], per_text["other"]) >= 0.2 * rows
    if 0.15 <= cjk_share < 0.5 or (cjk_share >= 0.15 and mixed_rows):
        return LanguageGuess("mixed", shares, _is_traditional(han), False)
    if cjk_share >= 0.5:
        kana, hangul = shares.get("kana", 0), shares.get("hangul", 0)
        if hangul >= 0.5 * cjk_share:
            return LanguageGuess("ko", shares)
        if kana >= 0.2 * cjk_share:
            return LanguageGuess("ja", shares, unspaced=True)
        return LanguageGuess("zh", shares, _is_traditional(han), True)
    top = max(shares, key=lambda s: shares[s])
    if top == "latin":
        return LanguageGuess(_latin_language(sample), shares)
    code = {"cyrillic": "Cyrl", "arabic": "Arab", "greek": "Grek", "hebrew": "Hebr"}.get(top)
    return LanguageGuess(f"und-{code or top.title()}", shares, unspaced=top in _UNSPACED)


def _st_installed() -> bool:
    return importlib.util.find_spec("sentence_transformers") is not None


def _best_local(guess: LanguageGuess, models: list[LocalModel]) -> LocalModel | None:
    """The best model on disk that reads ``guess``'s language (known ranking, then unknown)."""
    if guess.language in ("en", "unknown") or guess.language.startswith("und-Latn"):
        return None  # English: the packaged default is the choice
    lang = guess.language
    order = {name: i for i, name in enumerate(KNOWN_MODELS)}
    fits = [m for m in models if m.source != "bundled" and m.reads(lang)]
    fits.sort(key=lambda m: (not m.known, order.get(m.name, len(order)), m.name))
    return fits[0] if fits else None


def _english_only(model: str) -> bool:
    """Known English-only models, or a model folder whose vocabulary has (almost) no CJK."""
    folder = model if Path(model).expanduser().is_dir() else local_model_path(model)
    languages, _known = model_languages(model, folder)
    return languages == {"en"}


def _english_warning(model: str, guess: LanguageGuess, models: list[LocalModel]) -> str:
    better = _best_local(guess, models)
    if better is not None:
        here = _("{better} is on this machine: use --model {better} or --model auto.").format(
            better=better.name
        )
    else:
        here = _(
            "This machine cannot download them: copy a model folder here and pass its path "
            "(`--model /path/to/bge-small-zh-v1.5`, or type the path in the app's model box), "
            "or copy it into the Hugging Face cache (`~/.cache/huggingface/hub`, or "
            "`$HF_HOME/hub`) or a folder listed in `EMBEDLENS_MODEL_DIRS`; `embedlens models` "
            "lists what is found. Without one, `--model auto` uses the offline tfidf-char "
            "baseline."
        )
    return (
        _(
            "{model} was trained on English and reads {language} text poorly (on THUCNews "
            "titles its 10-NN accuracy is 0.51, against 0.76 for the offline tfidf-char "
            "baseline). Better choices: {options}. "
        ).format(
            model=model,
            language=_(_LANG_NAMES.get(guess.language, guess.language)),
            options=", ".join(f"`{name}`" for name in BETTER_FOR_CHINESE),
        )
        + here
    )


def _auto_choice(guess: LanguageGuess, backend: str) -> ModelChoice:
    lang = guess.language
    described = guess.describe()
    models = find_local_models() if backend in (AUTO, ST) and _st_installed() else []
    best = _best_local(guess, models)
    if best is not None:
        where = _("the Hugging Face cache") if best.source.startswith("cache") else best.source
        if best.source == "EMBEDLENS_MODEL_DIRS":
            where = _("a folder in EMBEDLENS_MODEL_DIRS")
        reason = _(
            "The text is {language}; {model} ({note}) reads it and is in {where} on this machine."
        ).format(language=described, model=best.name, note=best.note, where=where)
        return ModelChoice(ST, best.name, reason, lang)
    if backend == AUTO and (guess.cjk or guess.unspaced):
        reason = _(
            "The text is {language} and no Chinese or multilingual sentence-transformers model "
            "is on this machine (see `embedlens models`), so the offline character TF-IDF + SVD "
            "baseline is used (10-NN 0.76 on THUCNews titles; the English model gets 0.51)."
        ).format(language=described)
        return ModelChoice("tfidf-char", "", reason, lang)
    if backend == AUTO and not _st_installed():
        reason = _(
            "sentence-transformers is not installed, so the offline TF-IDF + SVD baseline is used."
        )
        return ModelChoice("tfidf-svd", "", reason, lang)
    warning = _english_warning(ENGLISH_MODEL, guess, models) if guess.cjk else ""
    if lang == "en":
        reason = _("The text is English; all-MiniLM-L6-v2 is the default English model.")
    else:
        reason = _(
            "The text is {language}; no multilingual model is on this machine, so the English "
            "all-MiniLM-L6-v2 is used (a multilingual model such as "
            "paraphrase-multilingual-MiniLM-L12-v2 would read it better)."
        ).format(language=described)
    return ModelChoice(ST, ENGLISH_MODEL, reason, lang, warning)


def choose_model(texts: Sequence[str], backend: str = AUTO, model: str = AUTO) -> ModelChoice:
    """Resolve ``backend`` / ``model`` ("auto" for either) for ``texts`` on this machine.

    Parameters
    ----------
    texts : sequence of str
        The text column (a sample of 2,000 spread over it is read).
    backend : str, default="auto"
        "auto" or a registered embedder ("sentence-transformers", "tfidf-svd", "tfidf-char").
    model : str, default="auto"
        "auto", a model name (hub id, found in the local caches) or a local folder path.

    Returns
    -------
    ModelChoice
        With a ``warning`` when an English-only model was chosen explicitly for CJK text.

    Raises
    ------
    InvalidParameterError
        ``backend`` is not "auto" nor a registered embedder.

    Examples
    --------
    >>> choose_model(["今天股市大涨", "房价继续上涨", "球队赢得冠军"]).backend in (
    ...     "tfidf-char", "sentence-transformers")
    True
    """
    from embedlens.embedders import EMBEDDERS

    backend = (backend or AUTO).strip()
    model = (model or AUTO).strip()
    check_choice("backend", backend, (AUTO, *EMBEDDERS.names()), owner="choose_model")
    if backend == AUTO and model in EMBEDDERS.names():
        backend, model = model, ""  # `--model tfidf-char` reads as the backend
    guess = detect_language(texts)
    if backend not in (AUTO, ST):
        if model not in (AUTO, ""):
            raise InvalidParameterError(
                f"The 'model' parameter of backend {backend!r} must be empty or 'auto' (it has "
                f"no models); got {model!r}."
            )
        reason = _("The {backend} backend was chosen explicitly.").format(backend=backend)
        return ModelChoice(backend, "", reason, guess.language)
    if model == AUTO:
        return _auto_choice(guess, backend)
    warning = ""
    if guess.cjk and _english_only(model):
        warning = _english_warning(model, guess, find_local_models())
    reason = _("The model {model} was chosen explicitly.").format(model=model)
    return ModelChoice(ST, model, reason, guess.language, warning)
