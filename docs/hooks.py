"""Hooks for the docs build (`hooks:` in mkdocs.yml).

- A line `<!-- summary -->` on a page becomes a table of the objects documented below it (the
  `::: identifier` lines up to the next `## ` heading, or to the end of the page when the line
  sits above the first one), each linked to its entry, with the first sentence of its docstring.
- A line `<!-- cli-reference -->` becomes the help of every `retrograd` subcommand, taken from
  the argparse parsers, so the page cannot drift from the command.
- The figures of docs/figures.py are drawn into the site as `figures/NAME.png`.
- A line `<!-- example: NAME -->` becomes the code of `examples/NAME.py` and what it printed
  when run during the build (with the PNG it wrote, if any); `<!-- example-code: NAME -->`
  shows the code only, for the examples too slow to run on every build.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import inspect
import io
import os
import re
import runpy
import sys
import tempfile
from pathlib import Path
from typing import Any

from mkdocs.structure.files import File, Files

SUMMARY = "<!-- summary -->"
CLI_REFERENCE = "<!-- cli-reference -->"
DIRECTIVE = re.compile(r"^::: *([\w.]+)")
HELP_WIDTH = 96
EXAMPLE = re.compile(r"^<!-- example(-code)?: (\w+) -->$", re.MULTILINE)
ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_OUTPUTS: dict[str, str] = {}


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


def run_example(name: str, directory: Path) -> str:
    """Run examples/NAME.py as a script in `directory`; return what it printed."""
    captured = io.StringIO()
    previous = Path.cwd()
    os.chdir(directory)  # an example writes its files (a PNG) next to where it runs
    try:
        with contextlib.redirect_stdout(captured):
            runpy.run_path(str(ROOT / "examples" / f"{name}.py"), run_name="__main__")
    finally:
        os.chdir(previous)
    return captured.getvalue()


def example_markdown(match: re.Match[str]) -> str:
    code_only, name = match.group(1), match.group(2)
    code = (ROOT / "examples" / f"{name}.py").read_text(encoding="utf-8").rstrip()
    parts = [f"```python\n{code}\n```"]
    if not code_only:
        output = EXAMPLE_OUTPUTS[name].rstrip()
        parts.append(f"Output (from the build of these pages):\n\n```text\n{output}\n```")
        if f"examples/{name}.png" in FIGURE_NAMES:
            parts.append(f"![what {name}.py draws](figures/examples/{name}.png)")
    return "\n\n".join(parts)


FIGURE_NAMES: set[str] = set()


def on_files(files: Files, config: Any) -> Files:
    """Draw the figures and run the examples of the gallery; add the PNGs to the site."""
    sys.path.insert(0, str(Path(__file__).parent))
    import figures

    directory = Path(tempfile.mkdtemp(prefix="retrograd-docs-"))
    for path in figures.draw_all(directory / "figures"):
        files.append(File.generated(config, f"figures/{path.name}", abs_src_path=str(path)))
    gallery = (Path(__file__).parent / "examples.md").read_text(encoding="utf-8")
    for code_only, name in EXAMPLE.findall(gallery):
        if code_only:
            continue
        workdir = directory / "examples" / name
        workdir.mkdir(parents=True)
        EXAMPLE_OUTPUTS[name] = run_example(name, workdir)
        for png in workdir.glob("*.png"):
            uri = f"figures/examples/{name}.png"
            FIGURE_NAMES.add(uri.removeprefix("figures/"))
            files.append(File.generated(config, uri, abs_src_path=str(png)))
    return files


def on_page_markdown(markdown: str, **kwargs: Any) -> str:
    """Fill in the summary tables, the CLI reference and the examples."""
    if SUMMARY in markdown:
        markdown = add_summaries(markdown)
    if CLI_REFERENCE in markdown:
        markdown = markdown.replace(CLI_REFERENCE, cli_reference())
    markdown = EXAMPLE.sub(example_markdown, markdown)
    return markdown
