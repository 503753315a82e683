"""Text from files, made safe to print: a model or data file can hold any characters, and
control characters (terminal escape sequences, carriage returns, bidirectional overrides)
must not reach the terminal raw."""

from __future__ import annotations

from typing import Any

__all__ = ["printable"]


def printable(value: Any) -> str:
    """`str(value)` with every non-printable character (control and format characters, line
    and paragraph separators; not the space) written as its Python escape, e.g. ``\\x1b``."""
    text = str(value)
    if text.isprintable():
        return text
    return "".join(
        char if char.isprintable() else char.encode("unicode_escape").decode("ascii")
        for char in text
    )
