"""``embedlens models``: the text models embedlens can use on this machine, never the network.

Lists the sentence-transformers models found where :mod:`embedlens.embedders.local_models`
looks (the bundled all-MiniLM-L6-v2, the folders in ``EMBEDLENS_MODEL_DIRS``, the Hugging Face
and sentence-transformers caches), with the languages each reads, and the offline baselines
that need no model. A table by default; ``--json`` prints one JSON object instead.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from embedlens.i18n import N_, _

_LANGUAGE_NAMES = {
    "zh": N_("Chinese"),
    "ja": N_("Japanese"),
    "ko": N_("Korean"),
    "en": N_("English"),
    "multilingual": N_("multilingual"),
}
_BASELINES = (
    (
        "tfidf-char",
        N_("Chinese, Japanese, Korean (any unspaced script)"),
        N_("character 1-2-gram TF-IDF + SVD; what --model auto uses for CJK text when no "
           "Chinese or multilingual model is here (10-NN 0.76 on THUCNews titles)"),
    ),
    (
        "tfidf-svd",
        N_("any language with spaces between words"),
        N_("word TF-IDF + SVD; needs no model at all"),
    ),
)  # fmt: skip


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Register the ``models`` sub-command."""
    p = sub.add_parser("models", help="list the text models embedlens can use on this machine")
    p.add_argument("--json", action="store_true", help="print one JSON object, not a table")
    p.set_defaults(handler=run_models)


def _languages(codes: frozenset[str]) -> str:
    """e.g. "Chinese, English"; "unknown" when the model's languages could not be told."""
    names = [_(_LANGUAGE_NAMES.get(c, c)) for c in sorted(codes, key=_order)]
    return ", ".join(names) if names else _("unknown")


def _order(code: str) -> tuple[int, str]:
    return (list(_LANGUAGE_NAMES).index(code) if code in _LANGUAGE_NAMES else 99, code)


def models_summary() -> dict[str, Any]:
    """What ``embedlens models --json`` prints: models, baselines, searched folders, a hint."""
    from embedlens.embedders.auto import BETTER_FOR_CHINESE
    from embedlens.embedders.local_models import (
        MULTI,
        find_local_models,
        hub_cache_dirs,
        model_dirs,
    )

    models = find_local_models()
    rows = [
        {
            "name": m.name,
            "languages": sorted(m.languages, key=_order),
            "reads": _languages(m.languages),
            "note": _(m.note),
            "source": m.source,
            "path": m.path,
            "known": m.known,
        }
        for m in models
    ]
    chinese = any("zh" in m.languages or MULTI in m.languages for m in models)
    hint = ""
    if not chinese:
        hint = _(
            "No Chinese or multilingual model is on this machine. To use one offline, copy its "
            "folder (e.g. {options}) into the Hugging Face cache (~/.cache/huggingface/hub, or "
            "$HF_HOME/hub) or into a folder listed in EMBEDLENS_MODEL_DIRS, or pass the folder "
            "as --model /path/to/model."
        ).format(options=", ".join(BETTER_FOR_CHINESE))
    return {
        "models": rows,
        "baselines": [
            {"backend": name, "reads": _(reads), "note": _(note)}
            for name, reads, note in _BASELINES
        ],
        "searched": [str(d) for d in [*model_dirs(), *hub_cache_dirs()]],
        "hint": hint,
    }


def _table(summary: dict[str, Any]) -> str:
    lines = [_("Sentence-transformers models embedlens can use here (--model NAME):")]
    rows = summary["models"]
    if not rows:
        lines.append("  " + _("(none found)"))
    width = max([len(r["name"]) for r in rows] + [8])
    for r in rows:
        lines.append(f"  {r['name']:<{width}}  {r['reads']}: {r['note']}  [{r['source']}]")
    lines.append(_("Offline baselines, no model needed (--model NAME):"))
    for b in summary["baselines"]:
        lines.append(f"  {b['backend']:<{width}}  {b['reads']}: {b['note']}")
    lines.append(_("Searched: {folders}").format(folders=", ".join(summary["searched"])))
    if summary["hint"]:
        lines.append(summary["hint"])
    return "\n".join(lines) + "\n"


def run_models(args: argparse.Namespace) -> dict[str, Any] | None:
    """Print the table (or, with ``--json``, return the summary for the JSON line)."""
    summary = models_summary()
    if args.json:
        return summary
    sys.stdout.write(_table(summary))
    sys.stdout.flush()
    return None
