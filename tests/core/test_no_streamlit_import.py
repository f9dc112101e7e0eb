"""The core never imports Streamlit or the app's layers, and importing it stays cheap.

Two checks, over every ``.py`` file under ``embedlens/`` (found on disk, so a new module is
covered the day it is added, and one that fails to import fails the test):

- at run time: a fresh interpreter imports each module in turn and, after each import, looks
  at ``sys.modules`` for ``streamlit``, ``components`` / ``app_pages`` (the Streamlit front end)
  and the heavy libraries (torch, umap, openTSNE) that must load lazily;
- in the source: no ``import streamlit`` / ``from components ...`` anywhere, not even inside a
  function, where the run-time check cannot see it.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "embedlens"
FRONT_END = ("streamlit", "components", "app_pages")
HEAVY = ("torch", "umap", "openTSNE")
# Adapters that subclass a heavy library's classes, so they import it at the top: the probe
# leaves them out, and so fails if any other module imports one of them at import time.
HEAVY_ADAPTERS = {"embedlens.reduce_tsne_affinity": "openTSNE"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> list[str]:
    return sorted(
        _module_name(p)
        for p in PACKAGE.rglob("*.py")
        if "__pycache__" not in p.parts and p.name != "__main__.py"
    )


_PROBE = """
import importlib, json, sys
watch = {watch!r}
first = {{}}
for name in {modules!r}:
    importlib.import_module(name)
    for top in watch:
        hit = top in sys.modules or any(m.startswith(top + ".") for m in sys.modules)
        if hit and top not in first:
            first[top] = name
print(json.dumps(first))
"""


def test_the_module_list_covers_the_whole_package():
    modules = _modules()
    for name in ("embedlens", "embedlens.cli", "embedlens.store", "embedlens.validation"):
        assert name in modules
    assert len(modules) > 40
    assert all(not m.endswith("__main__") for m in modules)


def test_importing_every_core_module_loads_no_front_end_and_no_heavy_library():
    modules = [m for m in _modules() if m not in HEAVY_ADAPTERS]
    code = _PROBE.format(watch=FRONT_END + HEAVY, modules=modules)
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=PACKAGE.parent,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    loaded = json.loads(out.stdout.strip().splitlines()[-1])
    assert loaded == {}, f"imported by (first module after which it appeared): {loaded}"


def _front_end_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found += [f"{path.name}:{node.lineno} {n}" for n in names if n.split(".")[0] in FRONT_END]
    return found


def test_no_core_source_file_imports_the_front_end_even_lazily():
    offenders = [hit for p in PACKAGE.rglob("*.py") for hit in _front_end_imports(p)]
    assert offenders == []


def test_the_source_check_would_catch_a_lazy_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text(
        "def draw():\n    import streamlit as st\n    from components.state import keys\n",
        encoding="utf-8",
    )
    assert _front_end_imports(bad) == ["bad.py:2 streamlit", "bad.py:3 components.state"]
