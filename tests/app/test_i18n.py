"""Translations: every msgid in the code has a Chinese msgstr, and pages render in Chinese.

(a) Babel's extractor finds each ``_()`` / ``N_()`` string in app.py, app_pages/, components/
and embedlens/; each needs a non-empty zh_CN msgstr with the same ``{placeholders}``.
(b) Every page, rendered by AppTest with ``?lang=zh-CN`` on the Chinese sample, shows no English
UI word. (c) ``?lang=en`` gives English.
"""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file

from embedlens.i18n import (
    _,
    catalog,
    duplicate_msgids,
    normalize_language,
    set_language,
)

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [ROOT / "app.py", *[p for d in ("app_pages", "components", "embedlens")
                              for p in sorted((ROOT / d).rglob("*.py"))]]  # fmt: skip
KEYWORDS = {"_": None, "N_": None}


def extracted() -> dict[str, list[str]]:
    """msgid → where it is used (path:line), for every literal ``_()`` / ``N_()`` call."""
    found: dict[str, list[str]] = {}
    for path in SOURCES:
        for lineno, message, _comments, _context in extract_from_file(
            "python", str(path), keywords=KEYWORDS
        ):
            if isinstance(message, str) and message:
                found.setdefault(message, []).append(f"{path.relative_to(ROOT)}:{lineno}")
    return found


def fields(text: str) -> set[str]:
    """The ``{placeholders}`` of a format string (names and format specs)."""
    try:
        return {f"{name}:{spec}" for _lit, name, spec, _conv in string.Formatter().parse(text)
                if name is not None}  # fmt: skip
    except ValueError:
        return {"<unparsable>"}


def test_the_catalog_has_no_duplicate_msgids():
    dups = duplicate_msgids("zh_CN")
    assert not dups, f"msgids appended twice to the .po (Babel keeps the first): {dups}"


def test_every_msgid_in_the_code_has_a_chinese_translation():
    zh = catalog("zh_CN")
    found = extracted()
    assert len(found) > 100  # the extractor really ran over the app
    missing = {m: w[0] for m, w in found.items() if not zh.get(m, "").strip()}
    assert not missing, "untranslated (append to embedlens.po):\n" + "\n".join(
        f"  {w}: {m!r}" for m, w in sorted(missing.items(), key=lambda x: x[1])
    )


def test_translations_keep_the_placeholders():
    zh = catalog("zh_CN")
    bad = {m: s for m, s in zh.items() if fields(m) != fields(s)}
    lines = [f"  {m!r} -> {s!r}" for m, s in bad.items()]
    assert not bad, "placeholders differ:\n" + "\n".join(lines)


def test_translations_are_chinese():
    zh = catalog("zh_CN")
    han = re.compile(r"[\u4e00-\u9fff\u3000-\u303f\uff00-\uffef]")  # Han or CJK punctuation
    # a msgstr may stay Latin only when it is a name or acronym the same in both languages
    same = {m for m, s in zh.items() if not han.search(s) and s != m}
    assert not same, f"msgstr with no Chinese that differs from its msgid: {sorted(same)[:20]}"


@pytest.mark.parametrize(
    ("tag", "code"),
    [("zh-CN", "zh_CN"), ("zh-TW", "zh_CN"), ("zh", "zh_CN"), ("en-US", "en"), (None, "en"),
     ("fr-FR", "en")],
)  # fmt: skip
def test_browser_tags_map_to_a_supported_language(tag, code):
    assert normalize_language(tag) == code


def test_underscore_follows_the_current_language():
    try:
        set_language("zh-CN")
        assert _("Map") == "地图"
        set_language("en")
        assert _("Map") == "Map"
    finally:
        set_language("en")


# ---------------------------------------------------------------- (b) and (c): rendered pages

APP = ROOT / "app.py"
PAGES = ["app_pages/map.py", "app_pages/neighbors.py", "app_pages/evaluate.py",
         "app_pages/compare.py", "app_pages/data.py", "app_pages/workspace.py",
         "app_pages/story.py"]  # fmt: skip
# Latin words that are the same in Chinese UIs: acronyms, formats, method and model names
ALLOWED = {
    "embedlens", "pca", "umap", "t-sne", "tsne", "opentsne", "tf-idf", "svd", "csv", "tsv",
    "html", "png", "svg", "jsonl", "json", "parquet", "npy", "txt", "vec", "bytes", "nmi", "ari",
    "k-nn", "k-means", "kmeans", "hdbscan", "dbscan", "ward", "id", "min_dist", "eps", "cpu",
    "gb", "mb", "kb", "sentence-transformers", "all-minilm-l6-v2", "minilm", "english",
    "okabe-ito", "tol", "ibm", "davies-bouldin", "calinski-harabasz", "spearman", "pearson",
    "kl", "jensen-shannon", "word2vec", "glove", "fasttext", "sts-b", "wordsim-353",
    "simlex-999", "tensorflow", "projector", "metadata.tsv", "projector_config.json", "d",
    "tfidf-svd", "tfidf-char", "x", "k", "a", "b", "c", "ok", "url", "tab", "sample_data",
    "kaleido", "cosine", "dot", "euclidean", "lasso", "bge-small-zh-v1.5", "baai", "s",
    "procrustes", "thucnews", "nn", "vectors.tsv", "zip", "jpeg", "webp", "gif", "bmp", "tiff",
    "cka", "3cosadd", "hugging", "face", "chromium", "chrome", "browser_path",
}


def _texts(node) -> list[str]:
    """Every label, body, help, placeholder and option shown by ``node`` and its children."""
    out: list[str] = []
    if type(node).__name__ == "Json":  # parameters and versions: data, not UI text
        return out
    proto = getattr(node, "proto", None)
    for name in ("label", "body", "help", "placeholder", "caption"):
        try:
            value = getattr(proto, name)
        except AttributeError:
            continue
        if isinstance(value, str) and value:
            out.append(value)
    options = getattr(node, "options", None)
    if isinstance(options, list):
        out += [str(o) for o in options]
    elif proto is not None and hasattr(proto, "options"):
        out += [getattr(o, "content", o) for o in proto.options if isinstance(
            getattr(o, "content", o), str)]  # fmt: skip
    children = getattr(node, "children", None) or {}
    for child in children.values() if isinstance(children, dict) else children:
        out += _texts(child)
    return out


def _data_words(at) -> set[str]:
    """Words that come from the data (cell values, column names, the dataset name)."""
    ds = at.session_state["data.dataset"]
    words = set(_words(" ".join(map(str, ds.frame.columns))) + _words(ds.name))
    for col in ds.frame.columns:
        words.update(_words(" ".join(map(str, ds.frame[col].astype(str).head(2000)))))
    return words


def _words(text: str) -> list[str]:
    text = re.sub(r":material/[a-z_]+:", " ", text)
    text = re.sub(r"`[^`]*`", " ", text)  # code: column names, ids, file layouts
    text = re.sub(r"\S*[=|]\S*|\S+:\S+", " ", text)  # key=value, cache keys, run ids
    text = text.replace("\\", "")
    return [w.lower() for w in re.findall(r"[A-Za-z][A-Za-z0-9_.+-]*[A-Za-z0-9]|[A-Za-z]", text)]


def _english_words(at, texts: list[str]) -> dict[str, str]:
    allowed = ALLOWED | _data_words(at)
    found: dict[str, str] = {}
    for text in texts:
        for word in _words(text):
            if word not in allowed and not re.fullmatch(r"[a-z]?\d+[a-z]?", word):
                found.setdefault(word, text[:120])
    return found


def _run(lang: str | None, page: str | None = None):
    """The app opened with ``?lang=`` (offline character n-gram vectors, PCA), optionally a page.

    AppTest calls widgets' ``format_func`` again in the test's thread to match options, so the
    test thread speaks the same language as the script thread (a server never does this).
    """
    from streamlit.testing.v1 import AppTest

    set_language(lang)
    at = AppTest.from_file(str(APP), default_timeout=180)
    at.session_state["map.backend"] = "tfidf-char"
    at.session_state["map.method"] = "pca"
    if lang:
        at.query_params["lang"] = lang
    at.run()
    assert not at.exception, at.exception
    if page:
        at.switch_page(page).run()
        assert not at.exception, at.exception
    return at


@pytest.fixture(scope="module")
def chinese_map():
    yield _run("zh-CN")
    set_language("en")


@pytest.fixture(autouse=True)
def _english_afterwards():
    yield
    set_language("en")


@pytest.mark.parametrize("page", PAGES)
def test_every_page_in_chinese_shows_no_english_ui_word(chinese_map, page):
    at = chinese_map
    set_language("zh_CN")  # see _run
    if page != "app_pages/map.py":
        at.switch_page(page).run()
        assert not at.exception, at.exception
    texts = _texts(at._tree)
    assert any(re.search(r"[\u4e00-\u9fff]", t) for t in texts)
    left = _english_words(at, texts)
    assert not left, f"English on {page} in Chinese: " + "; ".join(
        f"{w!r} in {t!r}" for w, t in sorted(left.items())[:15]
    )


def test_chinese_ui_opens_the_chinese_sample(chinese_map):
    ds = chinese_map.session_state["data.dataset"]
    assert ds.label_column == "topic" and len(ds) >= 400
    assert re.search(r"[\u4e00-\u9fff]", ds.texts[0])
    assert chinese_map.session_state["app.language"] == "zh_CN"


def test_lang_en_in_the_url_gives_english():
    at = _run("en")
    texts = _texts(at._tree)
    assert not [t for t in texts if re.search(r"[\u4e00-\u9fff]", t) and "简体中文" not in t][:1]
    assert any("Each dot is one of" in t for t in texts)
    assert at.session_state["data.dataset"].name.startswith("Sample")


def test_the_switcher_changes_the_language_and_the_url():
    at = _run(None)
    assert at.session_state["app.language"] == "en"  # no browser locale in AppTest: English
    at.selectbox(key="app.language").select("zh_CN").run()
    set_language("zh_CN")  # see _run
    assert not at.exception
    assert at.query_params["lang"] == ["zh-CN"] or at.query_params["lang"] == "zh-CN"
    assert any("每个点" in t for t in _texts(at._tree))
    assert at.session_state["data.dataset"].name == "示例：新闻标题"  # the sample follows


def test_story_html_export_speaks_the_ui_language():
    import plotly.graph_objects as go

    from embedlens.plotting.export import figures_to_story_html

    slides = [("体育新闻", "联赛<冠军>", go.Figure())]
    try:
        set_language("zh-CN")
        page = figures_to_story_html(slides, title="我们的故事")
        assert '<html lang="zh-CN">' in page and "上一页" in page and "下一页" in page
        assert "联赛&lt;冠军&gt;" in page and "&larr; Prev" not in page
    finally:
        set_language("en")
    page = figures_to_story_html(slides, title="Our story")
    assert '<html lang="en">' in page and "&larr; Prev" in page


def test_a_stored_english_note_is_shown_translated():
    from embedlens.i18n import translate_note

    note = "Chose k=8 by silhouette (0.06) over k=2..15."
    try:
        set_language("zh-CN")
        assert translate_note(note) == "在 k=2..15 中按轮廓系数选定 k=8（0.06）。"
        assert translate_note("not a msgid at all") == "not a msgid at all"
    finally:
        set_language("en")
    assert translate_note(note) == note


# ---------------------------------------------------------------- (d) the core's error messages


# Terms a Chinese error message keeps as they are: number and text formats, encodings, Python
# type names, values such as NaN that the user may have typed
ERROR_TERMS = {
    "float32", "nan", "none", "null", "inf", "utf-8", "utf-16", "gb18030", "big5", "euc-kr",
    "shift-jis", "latin-1", "gzip", "bzip2", "excel", "xlsx", "nul", "list", "dict", "str",
    "int", "float",
}  # fmt: skip


def _content(data: bytes) -> str:
    """The user's file as text (its words are the user's own values)."""
    return data[:20_000].decode("utf-8", errors="ignore")


def _code_free(text: str) -> str:
    """``text`` without code: calls such as numpy.save(path, array), snake_case names
    (parameters, functions), environment variable names."""
    text = re.sub(r"[A-Za-z_][\w.]*\([^()]*\)", " ", text)
    return re.sub(r"\b[A-Za-z]+_[A-Za-z0-9_]+\b", " ", text)


def _bad_loads() -> dict[str, tuple[object, list[str]]]:
    """Case -> (a call that must raise, the user's own values: file names, columns asked for).

    The bad-file corpus as the Data page loads it, plus Projector pairs, a missing column and
    parameter errors.
    """
    from embedlens.io import load_projector, load_table
    from embedlens.io.bundle import load_files
    from tests.bad_inputs import bad_files

    cases: dict[str, tuple[object, list[str]]] = {
        name: ((lambda d=data, n=name: load_files([(n, d)])), [name, _content(data)])
        for name, (data, _fragment) in bad_files().items()
    }
    table = b"text,label\nhello world,a\nbye now,b\n"
    tensors3 = b"0.1\t0.2\n0.3\t0.4\n0.5\t0.6\n"
    cases |= {
        "projector ragged vectors.tsv": (
            lambda: load_files([("vectors.tsv", b"1\t2\t3\n4\t5\n"), ("metadata.tsv", b"a\nb\n")]),
            ["vectors.tsv", "metadata.tsv"],
        ),
        "projector counts differ": (
            lambda: load_files([("vectors.tsv", tensors3), ("metadata.tsv", b"a\nb\nc\nd\ne\n")]),
            ["vectors.tsv", "metadata.tsv"],
        ),
        "projector one-column metadata with a header line": (
            lambda: load_files([("vectors.tsv", tensors3), ("metadata.tsv", b"word\na\nb\nc\n")]),
            ["vectors.tsv", "metadata.tsv"],
        ),
        "projector several columns, no header line": (
            lambda: load_files(
                [("vectors.tsv", tensors3), ("metadata.tsv", b"a\tx\nb\ty\nc\tz\n")]
            ),
            ["vectors.tsv", "metadata.tsv"],
        ),
        "projector dim=0": (lambda: load_projector(tensors3, dim=0), ["'dim'"]),
        "unknown text column": (
            lambda: load_table(table, name="notes.csv", text_column="txt"),
            ["notes.csv", "txt", _content(table)],
        ),
        "unknown label column": (
            lambda: load_table(table, name="notes.csv", label_column="topic"),
            ["notes.csv", "topic", _content(table)],
        ),
        "ragged csv": (
            lambda: load_table(b"a,b\n1,2\n3,4\n5,6,7\n8,9\n", name="ragged.csv", header=False),
            ["ragged.csv"],
        ),
        "unknown fmt": (lambda: load_table(table, name="t.csv", fmt="xlsx"), ["'xlsx'", "fmt"]),
        "empty delimiter": (lambda: load_table(table, delimiter=""), ["'delimiter'"]),
    }
    return cases


BAD_LOADS = _bad_loads()


@pytest.mark.parametrize("case", sorted(BAD_LOADS))
def test_file_errors_in_chinese_keep_only_the_users_words(case):
    """Shown in a Chinese UI, the core's English error is Chinese but for the user's values.

    Words of the user's file (names, cells) and of a library's own exception text (kept in
    parentheses, e.g. pyarrow's reason) may stay; every word embedlens wrote must not.
    """
    from embedlens.errors import EmbedlensError
    from embedlens.i18n import translate_note

    call, values = BAD_LOADS[case]
    with pytest.raises(EmbedlensError) as info:
        call()
    english = str(info.value)
    allowed = set(ALLOWED) | ERROR_TERMS | {w for v in values for w in _words(v)}
    if info.value.__context__ is not None:  # the library's reason, quoted in the message
        allowed |= set(_words(str(info.value.__context__)))
    set_language("zh_CN")
    shown = translate_note(english)
    assert re.search(r"[\u4e00-\u9fff]", shown), f"not translated: {english!r}"
    left = [
        w
        for w in _words(_code_free(shown))
        if w not in allowed and not re.fullmatch(r"[a-z]?\d+[a-z]?|\d*e[+-]?\d+", w)
    ]
    assert not left, f"English left in {shown!r} (from {english!r}): {left}"
    for value in values[:1]:  # the file or column the user named is shown as it is
        assert value in shown


def test_a_column_named_like_a_msgid_is_not_translated():
    from embedlens.errors import DataError
    from embedlens.i18n import translate_note
    from embedlens.io import load_table

    with pytest.raises(DataError) as info:  # "text" and "vectors" are msgids themselves
        load_table(b"vectors,text\n1,a\n", name="vectors", text_column="Map")
    set_language("zh_CN")
    shown = translate_note(str(info.value))
    assert shown.startswith("vectors：") and "'Map'" in shown and "'vectors', 'text'" in shown
