"""Every docstring example in the core runs and prints what it says (doctest, module by module).

Modules are found on disk, so a new module's examples are run the day it is added; a module
that cannot be imported fails here too.
"""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "embedlens"
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def _modules() -> list[str]:
    names = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if "__pycache__" in path.parts or path.name == "__main__.py":
            continue
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def _run(tests: list[doctest.DocTest]) -> tuple[doctest.TestResults, str]:
    lines: list[str] = []
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    for test in tests:
        runner.run(test, out=lines.append)
    return runner.summarize(verbose=False), "".join(lines)


@pytest.fixture(autouse=True)
def _scratch(tmp_path, monkeypatch):
    """Examples run in a scratch folder with a scratch workspace, never in the checkout."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("EMBEDLENS_HOME", str(tmp_path / "ws"))


@pytest.mark.parametrize("name", _modules())
def test_docstring_examples_pass(name):
    module = importlib.import_module(name)
    tests = [t for t in doctest.DocTestFinder().find(module, name) if t.examples]
    results, report = _run(tests)
    assert results.failed == 0, report


def test_the_core_has_examples_and_every_example_checks_output():
    examples = 0
    silent = []
    for name in _modules():
        for test in doctest.DocTestFinder().find(importlib.import_module(name), name):
            examples += len(test.examples)
            if test.examples and not any(e.want.strip() for e in test.examples):
                silent.append(test.name)
    assert examples >= 50
    assert silent == [], "examples that show no output cannot fail on a wrong result"


def test_a_wrong_example_fails():
    wrong = doctest.DocTestParser().get_doctest(">>> 1 + 1\n3\n", {}, "wrong", None, 0)
    results, report = _run([wrong])
    assert results.failed == 1 and "Expected:\n    3\nGot:\n    2" in report
