"""The `retrograd` command line (also `python -m retrograd`).

`retrograd demo` trains a small network on the built-in data and prints what it learned;
`retrograd train` / `predict` / `evaluate` / `info` train a network on a CSV file, use it and
describe the saved model; `retrograd --version` prints the version. Usage errors print one line
and exit with status 2; a `RetrogradError` (or a failed file operation) raised while running
prints one line and exits with status 1.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import NoReturn

from retrograd._version import __version__
from retrograd.cli import (
    check_backprop,
    demo,
    doctor,
    evaluate,
    explain,
    export,
    info,
    predict,
    train,
)
from retrograd.cli.text import printable
from retrograd.errors import RetrogradError

__all__ = ["build_parser", "main"]


class _OneLineErrorParser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are one line on stderr (status 2), not the usage."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    """Return the parser of the `retrograd` command and its subcommands."""
    parser = _OneLineErrorParser(
        prog="retrograd",
        description="A small neural-network library on NumPy; try `retrograd demo`.",
    )
    parser.add_argument("--version", action="version", version=f"retrograd {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    demo.add_parser(commands)
    train.add_parser(commands)
    predict.add_parser(commands)
    evaluate.add_parser(commands)
    info.add_parser(commands)
    export.add_parser(commands)
    explain.add_parser(commands)
    doctor.add_parser(commands)
    check_backprop.add_parser(commands)
    return parser


def _exit_status(code: object) -> int:
    """The status a `SystemExit(code)` stands for (None is success, a message is failure)."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    return 1


def main(argv: Sequence[str] | None = None) -> int:
    """Run the `retrograd` command with `argv` (default `sys.argv[1:]`); return the exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        args.argv = list(sys.argv[1:] if argv is None else argv)  # `--nproc` runs it again
        status: int = args.handler(args)
    except SystemExit as exc:  # --help, --version and usage errors have already printed
        return _exit_status(exc.code)
    except RetrogradError as exc:
        message = printable(" ".join(str(exc).split())) or type(exc).__name__
        print(f"error: {message}", file=sys.stderr)
        return 1
    except OSError as exc:  # a file operation the command did not anticipate
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 1
    except MemoryError as exc:  # numpy's message names the size it could not allocate
        detail = " ".join(str(exc).split())
        print(f"error: out of memory{': ' + detail if detail else ''}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return status
