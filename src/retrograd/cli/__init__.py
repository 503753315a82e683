"""The `retrograd` command line (also `python -m retrograd`).

`retrograd demo` trains a small network on the built-in data and prints what it learned;
`retrograd --version` prints the version. Usage errors print one line and exit with status 2;
a `RetrogradError` raised while running prints one line and exits with status 1.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import NoReturn

from retrograd._version import __version__
from retrograd.cli import demo
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
        status: int = args.handler(args)
    except SystemExit as exc:  # --help, --version and usage errors have already printed
        return _exit_status(exc.code)
    except RetrogradError as exc:
        message = " ".join(str(exc).split()) or type(exc).__name__
        print(f"error: {message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return status
