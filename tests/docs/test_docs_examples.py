"""The docs site: every page's Python examples run and print what the page shows after them, and
`mkdocs build --strict` succeeds.

Each page runs in one namespace, its ```python and ```console blocks in order, in a fresh
working directory. A ```text block right after a ```python block is the output that block must
print (compared after stripping the ends, like the README test). A ```console block holds
`$ retrograd ...` commands, each followed by its output (stdout and stderr); the commands run
through `retrograd.cli.main` and must print exactly that. A block preceded by the line
`<!-- docs-test: skip -->` is not run; keep that for blocks that need a file the page cannot
create itself.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
SKIP_MARK = "<!-- docs-test: skip -->"
FENCE = re.compile(r"^```(\w*)[^\n]*$")


@dataclass
class Block:
    lang: str
    body: str
    line: int  # 1-based line of the opening fence
    skip: bool


def read_blocks(page: Path) -> list[Block]:
    """The fenced code blocks of `page` (fences at the start of a line), in order."""
    blocks: list[Block] = []
    lines = page.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        match = FENCE.match(lines[i])
        if not match or lines[i].strip() == "```":
            i += 1
            continue
        start = i
        body: list[str] = []
        i += 1
        while i < len(lines) and lines[i].rstrip() != "```":
            body.append(lines[i])
            i += 1
        previous = next((line for line in reversed(lines[:start]) if line.strip()), "")
        blocks.append(
            Block(match.group(1), "\n".join(body) + "\n", start + 1, previous.strip() == SKIP_MARK)
        )
        i += 1
    return blocks


def examples(page: Path) -> list[tuple[Block, str | None]]:
    """Each Python or console block of `page` to run, with the output the page shows after a
    Python block (or None)."""
    blocks = read_blocks(page)
    pairs = []
    for i, block in enumerate(blocks):
        if block.lang not in ("python", "console") or block.skip:
            continue
        if block.lang == "console":
            pairs.append((block, None))
            continue
        following = blocks[i + 1] if i + 1 < len(blocks) else None
        expected = following.body if following and following.lang == "text" else None
        pairs.append((block, expected))
    return pairs


def console_commands(block: Block) -> list[tuple[list[str], str]]:
    """The `$ retrograd ...` commands of a console block, each with the output shown after it
    (a command may go on over lines that end with a backslash)."""
    commands: list[tuple[list[str], str]] = []
    lines = block.body.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        assert line.startswith("$ "), f"line {block.line + 1 + i}: expected a '$ ' prompt"
        command = line[2:]
        while command.endswith("\\"):
            i += 1
            command = command[:-1] + lines[i]
        i += 1
        output = []
        while i < len(lines) and not lines[i].startswith("$ "):
            output.append(lines[i])
            i += 1
        argv = shlex.split(command)
        assert argv[0] == "retrograd", f"line {block.line}: only retrograd commands are run"
        commands.append((argv[1:], "\n".join(output)))
    return commands


def run_console(block: Block, name: str) -> None:
    """Run the commands of a console block and compare what each prints with the page."""
    from retrograd.cli import main

    for argv, expected in console_commands(block):
        captured = io.StringIO()
        with contextlib.redirect_stdout(captured), contextlib.redirect_stderr(captured):
            main(argv)
        shown = "\n".join(line.rstrip() for line in captured.getvalue().strip().splitlines())
        where = f"{name}, the console block at line {block.line}: retrograd {shlex.join(argv)}"
        assert shown == expected.strip(), where


PAGES = sorted(DOCS.rglob("*.md"))


def test_the_docs_have_pages_with_examples() -> None:
    assert len(PAGES) >= 8
    assert sum(len(examples(page)) for page in PAGES) >= 20


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(DOCS).as_posix())
def test_page_examples_print_what_the_page_shows(
    page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # files an example writes by a relative name land here
    namespace: dict[str, object] = {"__name__": "__main__"}  # as when run as a script
    name = page.relative_to(ROOT).as_posix()
    for block, expected in examples(page):
        if block.lang == "console":
            run_console(block, name)
            continue
        captured = io.StringIO()
        with contextlib.redirect_stdout(captured):
            exec(compile(block.body, f"{name}:{block.line}", "exec"), namespace)  # noqa: S102
        if expected is not None:
            where = f"{name}, the python block at line {block.line}"
            assert captured.getvalue().strip() == expected.strip(), where


def test_skip_marks_sit_right_above_a_code_block() -> None:
    for page in PAGES:
        lines = page.read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines):
            if line.strip() != SKIP_MARK:
                continue
            after = next((rest for rest in lines[number + 1 :] if rest.strip()), "")
            assert after.startswith("```"), f"{page.name}:{number + 1}: skip mark without a block"


def test_every_page_is_in_the_navigation() -> None:
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    for page in PAGES:
        assert page.relative_to(DOCS).as_posix() in nav, page


def test_mkdocs_build_strict_succeeds(tmp_path: Path) -> None:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(tmp_path / "site")]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "site" / "index.html").is_file()
    assert (tmp_path / "site" / "api" / "nn" / "index.html").is_file()
