"""No module of the project is over 400 lines (issue 14: split a module by concern before then).

Files are found on disk (embedlens/, components/, app_pages/ and app.py), so a new module is
covered the day it is added. Lines are counted as ``wc -l`` counts them.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TREES = ("embedlens", "components", "app_pages")
MAX_LINES = 400


def _sources(root: Path) -> list[Path]:
    files = [root / "app.py"] if (root / "app.py").is_file() else []
    for tree in TREES:
        files += [p for p in sorted((root / tree).rglob("*.py")) if "__pycache__" not in p.parts]
    return files


def _oversized(root: Path, limit: int = MAX_LINES) -> dict[str, int]:
    """{path relative to root: line count} of every source file over ``limit`` lines."""
    out = {}
    for path in _sources(root):
        n = len(path.read_text(encoding="utf-8").splitlines())
        if n > limit:
            out[path.relative_to(root).as_posix()] = n
    return out


def test_no_module_is_over_400_lines():
    sources = _sources(ROOT)
    assert len(sources) > 100 and ROOT / "app.py" in sources  # the trees were found
    over = _oversized(ROOT)
    listing = "\n".join(f"  {path}: {n} lines" for path, n in sorted(over.items()))
    assert not over, (
        f"{len(over)} module(s) over {MAX_LINES} lines; split each by concern (keep old import "
        f"paths working with re-exports):\n{listing}"
    )


def test_the_check_finds_a_long_module_in_any_tree(tmp_path):
    (tmp_path / "app.py").write_text("x = 1\n" * 401)
    (tmp_path / "components").mkdir()
    (tmp_path / "components" / "ok.py").write_text("x = 1\n" * 400)
    nested = tmp_path / "embedlens" / "sub"
    nested.mkdir(parents=True)
    (nested / "long.py").write_text("x = 1\n" * 450)
    (nested / "__pycache__").mkdir()
    (nested / "__pycache__" / "long.py").write_text("x = 1\n" * 999)  # not a source
    assert _oversized(tmp_path) == {"app.py": 401, "embedlens/sub/long.py": 450}
