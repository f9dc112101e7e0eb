"""One message shape for every parameter: name (and owner), what is allowed, the value, the fix."""

from __future__ import annotations

import re

import pytest

from embedlens.errors import InvalidParameterError
from embedlens.validation import (
    check_choice,
    check_in_range,
    check_params_vs_data,
    parameter_error,
)

SHAPE = re.compile(r"^The '\w+' parameter( of [\w.]+)? must be .+\. Got .+ instead(; .+)?\.$")


def _message(fn, *args, **kwargs) -> str:
    with pytest.raises(InvalidParameterError) as info:
        fn(*args, **kwargs)
    return str(info.value)


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (
            lambda: check_in_range("perplexity", -1.0, low=0, closed="neither", owner="TSNE"),
            "The 'perplexity' parameter of TSNE must be a float in the range (0, inf). "
            "Got -1.0 instead.",
        ),
        (
            lambda: check_in_range("k", 2.5, low=2, owner="ClusterParams", kind=int),
            "The 'k' parameter of ClusterParams must be an int in the range [2, inf). "
            "Got 2.5 instead.",
        ),
        (
            lambda: check_choice("method", "mds", ("pca", "umap"), owner="ProjectionParams"),
            "The 'method' parameter of ProjectionParams must be one of {'pca', 'umap'}. "
            "Got 'mds' instead.",
        ),
        (
            lambda: check_params_vs_data("k", 9, 8, owner="ClusterParams", hint="lower k."),
            "The 'k' parameter of ClusterParams must be less than the number of points (8). "
            "Got 9 instead; lower k.",
        ),
        (
            lambda: check_params_vs_data("min_samples", 9, 8, hint="lower it", inclusive=True),
            "The 'min_samples' parameter must be at most the number of points (8). "
            "Got 9 instead; lower it.",
        ),
    ],
)
def test_every_check_speaks_in_one_shape(call, expected):
    message = _message(call)
    assert message == expected
    assert SHAPE.match(message), message


def test_values_at_the_limit_pass_or_fail_as_the_bound_says():
    check_params_vs_data("min_samples", 8, 8, hint="h", inclusive=True)
    with pytest.raises(InvalidParameterError):
        check_params_vs_data("k", 8, 8, hint="h")
    check_in_range("p", 0.5, low=0, high=1, owner="X")
    for bad in (float("nan"), True, "1", None):
        with pytest.raises(InvalidParameterError, match="Got"):
            check_in_range("p", bad, low=0, high=1, owner="X")


def test_parameter_errors_stay_value_and_type_errors_and_keep_chinese_values():
    error = parameter_error("text_column", "标题", "a column of the table", owner="load_table")
    assert isinstance(error, ValueError) and isinstance(error, TypeError)
    assert "Got '标题' instead." in str(error)


def _untyped_raises(source: str, filename: str) -> list[str]:
    import ast

    found = []
    for node in ast.walk(ast.parse(source, filename=filename)):
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
            func = node.exc.func
            if isinstance(func, ast.Name) and func.id in ("ValueError", "TypeError"):
                found.append(f"{filename}:{node.lineno} {func.id}")
    return found


def test_the_core_raises_typed_errors_only():
    """DataError / InvalidParameterError (both ValueErrors), never a bare ValueError/TypeError.

    The one exception: a ``json.dumps(default=...)`` hook must raise TypeError by contract.
    """
    from pathlib import Path

    package = Path(__file__).resolve().parents[2] / "embedlens"
    allowed = {"store/records.py"}  # _json_default: json's protocol
    found = [
        hit
        for path in sorted(package.rglob("*.py"))
        if (name := path.relative_to(package).as_posix()) not in allowed
        for hit in _untyped_raises(path.read_text(encoding="utf-8"), name)
    ]
    assert found == []
    assert _untyped_raises("def f():\n    raise ValueError('x')\n", "m.py") == ["m.py:2 ValueError"]
