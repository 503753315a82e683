"""Hooks for the docs build (`hooks:` in mkdocs.yml).

- A line `<!-- summary -->` on a page becomes a table of the objects documented below it (the
  `::: identifier` lines up to the next `## ` heading, or to the end of the page when the line
  sits above the first one), each linked to its entry, with the first sentence of its docstring.
- A line `<!-- cli-reference -->` becomes the help of every `retrograd` subcommand, taken from
  the argparse parsers, so the page cannot drift from the command.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import os
import re
from typing import Any

SUMMARY = "<!-- summary -->"
CLI_REFERENCE = "<!-- cli-reference -->"
DIRECTIVE = re.compile(r"^::: *([\w.]+)")
HELP_WIDTH = 96


def resolve(identifier: str) -> Any:
    """The object a dotted identifier names (the longest importable module, then attributes)."""
    parts = identifier.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj: Any = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attribute in parts[cut:]:
            obj = getattr(obj, attribute)
        return obj
    raise LookupError(identifier)


def first_sentence(obj: Any) -> str:
    """The first sentence of `obj`'s docstring, on one line, ready for a table cell."""
    doc = inspect.getdoc(obj) if callable(obj) or inspect.ismodule(obj) else None
    if not doc:
        return ""
    paragraph = " ".join(doc.split("\n\n", 1)[0].split())
    match = re.search(r"(?<=[.!?])\s", paragraph)
    sentence = paragraph[: match.start()] if match else paragraph
    return sentence.replace("|", "\\|")


def summary_table(identifiers: list[str]) -> str:
    rows = ["| Name | Description |", "| --- | --- |"]
    for identifier in identifiers:
        name = identifier.rsplit(".", 1)[-1]
        rows.append(f"| [`{name}`][{identifier}] | {first_sentence(resolve(identifier))} |")
    return "\n".join(rows)


def add_summaries(markdown: str) -> str:
    """Replace each summary line with the table of the objects documented in its scope."""
    lines = markdown.split("\n")
    first_section = next((i for i, line in enumerate(lines) if line.startswith("## ")), len(lines))
    out = []
    for i, line in enumerate(lines):
        if line.strip() != SUMMARY:
            out.append(line)
            continue
        identifiers = []
        for later in lines[i + 1 :]:
            if later.startswith("## ") and i > first_section:
                break
            match = DIRECTIVE.match(later)
            if match:
                identifiers.append(match.group(1))
        out.append(summary_table(identifiers))
    return "\n".join(out)


def cli_reference() -> str:
    """The help of the `retrograd` command and of each subcommand, as Markdown sections."""
    from retrograd.cli import build_parser

    previous = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = str(HELP_WIDTH)  # argparse wraps help to the terminal's width
    try:
        parser = build_parser()
        parts = [f"```text\n$ retrograd --help\n{parser.format_help().rstrip()}\n```"]
        for name, subparser in subcommands(parser).items():
            help_text = subparser.format_help().rstrip()
            parts.append(
                f"## retrograd {name}\n\n```text\n$ retrograd {name} --help\n{help_text}\n```"
            )
    finally:
        if previous is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = previous
    return "\n\n".join(parts)


def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    """The subcommand parsers of `parser`, by name (argparse keeps them in a private action)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def on_page_markdown(markdown: str, **kwargs: Any) -> str:
    """Fill in the summary tables and the CLI reference."""
    if SUMMARY in markdown:
        markdown = add_summaries(markdown)
    if CLI_REFERENCE in markdown:
        markdown = markdown.replace(CLI_REFERENCE, cli_reference())
    return markdown
