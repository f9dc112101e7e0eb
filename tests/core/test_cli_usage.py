"""CLI usage errors: `error: ...`, exit 2, and a hint naming the right `--help`."""

from __future__ import annotations

import subprocess
import sys

import pytest

from embedlens.cli import main


def _usage_error(capsys, *argv: str) -> str:
    with pytest.raises(SystemExit) as info:
        main(list(argv))
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "usage:" not in err and "Traceback" not in err
    return err


@pytest.mark.parametrize("argv", [(), ("no-such-command",), ("--workspace",)])
def test_top_level_errors_point_to_embedlens_help(capsys, argv):
    err = _usage_error(capsys, *argv)
    assert "(see `embedlens --help`)" in err
    assert "embedlens embedlens" not in err


@pytest.mark.parametrize(
    ("argv", "command"),
    [
        (("project", "x.parquet", "--method", "no-such-method"), "project"),
        (("embed",), "embed"),
        (("cluster", "x.parquet", "--k", "many"), "cluster"),
    ],
)
def test_sub_command_errors_point_to_that_command_help(capsys, argv, command):
    err = _usage_error(capsys, *argv)
    assert f"(see `embedlens {command} --help`)" in err


def test_python_dash_m_gives_the_same_hint():
    proc = subprocess.run(
        [sys.executable, "-m", "embedlens", "frobnicate"], capture_output=True, text=True
    )
    assert proc.returncode == 2
    assert "(see `embedlens --help`)" in proc.stderr
