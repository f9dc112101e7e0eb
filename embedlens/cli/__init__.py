"""The ``embedlens`` command line: ``embedlens COMMAND ...`` or ``python -m embedlens COMMAND ...``.

Every command prints progress on stderr and, as the last line of stdout, one JSON object (or,
for ``neighbors``, a JSON list; ``models`` prints a table unless ``--json``). Bad input prints
``error: ...`` on stderr and exits 2 with no traceback and no partial output file; an
unexpected failure prints one ``error: ...`` line too and exits 1 (``EMBEDLENS_DEBUG=1``
shows its traceback).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from collections.abc import Sequence
from typing import Any

from embedlens.errors import EmbedlensError

EXIT_BAD_INPUT = 2
EXIT_FAILED = 1


class _Parser(argparse.ArgumentParser):
    """argparse that prints ``error: ...`` and exits 2 (its default) without the usage dump.

    The hint names the parser that refused the input: ``embedlens --help`` for the top level,
    ``embedlens project --help`` for a sub-command (``self.prog`` is already that phrase).
    """

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"error: {message} (see `{self.prog} --help`)\n")
        raise SystemExit(EXIT_BAD_INPUT)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every sub-command."""
    from embedlens.cli import compare, evaluate, models, pipeline

    parser = _Parser(prog="embedlens", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--workspace", help="workspace folder (default: $EMBEDLENS_HOME or ~/.embedlens)"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    pipeline.add_commands(sub)
    evaluate.add_commands(sub)
    compare.add_commands(sub)
    models.add_commands(sub)
    return parser


def emit(summary: Any) -> None:
    """Print the command's JSON summary as the last line of stdout.

    Always valid JSON: NaN and infinities (which ``json.dumps`` would print as the invalid
    ``NaN``/``Infinity``) become ``null``.
    """
    text = json.dumps(
        _finite(summary), ensure_ascii=False, default=_json_default, allow_nan=False
    )
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def _finite(value: Any) -> Any:
    """``value`` with every non-finite float (also NumPy's) replaced by None."""
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    if hasattr(value, "tolist") and getattr(value, "ndim", 0) > 0:
        return _finite(value.tolist())
    if hasattr(value, "item") and getattr(value, "ndim", 1) == 0:
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _json_default(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    if hasattr(value, "tolist"):
        return value.tolist()
    return str(value)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status.

    From a real command line (``argv`` None), ``project`` runs whole in the workspace's resident
    worker when one of this code serves it (:mod:`embedlens.cli.thin`).
    """
    if argv is None:
        from embedlens.cli.thin import run_in_resident

        status = run_in_resident(sys.argv[1:])
        if status is not None:
            return status
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        result = args.handler(args)
    except EmbedlensError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return EXIT_BAD_INPUT
    except FileNotFoundError as exc:
        sys.stderr.write(f"error: file not found: {exc.filename}; check the path.\n")
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        sys.stderr.write("error: interrupted; finished work is kept in the workspace.\n")
        return 130
    except MemoryError:
        sys.stderr.write(
            f"error: `embedlens {args.command}` ran out of memory; try a smaller file, or "
            "--sample for projections of large inputs.\n"
        )
        return EXIT_FAILED
    except Exception as exc:  # an input nobody foresaw must not end in a traceback
        if os.environ.get("EMBEDLENS_DEBUG"):
            raise
        sys.stderr.write(
            f"error: `embedlens {args.command}` failed unexpectedly ({type(exc).__name__}: "
            f"{str(exc)[:300]}). This looks like a bug in embedlens: please report it with the "
            "input; EMBEDLENS_DEBUG=1 shows the traceback.\n"
        )
        return EXIT_FAILED
    if result is not None:
        emit(result)
    return 0
