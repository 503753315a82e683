"""The README's Python examples run, and print exactly what the README shows after them."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"
BLOCK = re.compile(r"```(\w+)\n(.*?)```", re.DOTALL)


def _python_blocks_with_output() -> list[tuple[str, str | None]]:
    blocks = [(lang, body) for lang, body in BLOCK.findall(README.read_text())]
    pairs = []
    for i, (lang, body) in enumerate(blocks):
        if lang != "python":
            continue
        following = blocks[i + 1] if i + 1 < len(blocks) else None
        expected = following[1] if following and following[0] == "text" else None
        pairs.append((body, expected))
    return pairs


def test_readme_has_examples() -> None:
    assert len(_python_blocks_with_output()) >= 2


def test_readme_examples_print_what_the_readme_shows(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)  # examples may write files
    namespace: dict[str, object] = {"__name__": "readme"}
    for code, expected in _python_blocks_with_output():
        captured = io.StringIO()
        with contextlib.redirect_stdout(captured):
            exec(compile(code, str(README), "exec"), namespace)  # noqa: S102 - our own README
        if expected is not None:
            assert captured.getvalue().strip() == expected.strip(), code
