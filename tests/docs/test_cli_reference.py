"""The command-line page is the parsers' own help: every subcommand, generated at build time."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "docs"))

import hooks  # noqa: E402  (docs/hooks.py, the docs build's hook file)

from retrograd.cli import build_parser  # noqa: E402


def test_the_cli_page_asks_for_the_generated_reference() -> None:
    assert hooks.CLI_REFERENCE in (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")


def test_the_reference_has_the_help_of_every_subcommand() -> None:
    reference = hooks.cli_reference()
    names = list(hooks.subcommands(build_parser()))
    assert {"doctor", "export", "explain", "check-backprop", "train", "demo"} <= set(names)
    for name in names:
        assert f"## retrograd {name}\n" in reference
        assert f"usage: retrograd {name} " in reference


def test_the_help_fits_the_page() -> None:
    widest = max(len(line) for line in hooks.cli_reference().splitlines())
    assert widest <= hooks.HELP_WIDTH
