"""The core never imports streamlit, and importing it stays cheap (no torch, umap, openTSNE)."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import embedlens


def _submodules() -> list[str]:
    return sorted(
        m.name
        for m in pkgutil.walk_packages(embedlens.__path__, "embedlens.")
        if m.name != "embedlens.__main__"
    )


def test_core_and_every_submodule_never_import_streamlit():
    modules = _submodules()
    assert "embedlens.cli" in modules and "embedlens.store" in modules
    code = (
        "import sys, importlib\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        "print(sorted(n for n in ('streamlit', 'torch', 'umap', 'openTSNE') if n in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
