"""Checks every file writer runs before it writes: the one place that decides whether a path
may receive an output.

A path may be written when it names a regular file or nothing yet, in a folder that exists and
can be written, and is not one of the inputs of the same work. Symbolic links are followed: the
file written is the link's target, and the link itself is left in place. Everything else is an
`OutputFileError` naming the path and the reason, raised before any work is done (callers check
once up front) and again at write time (`atomic_write` re-checks).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable

from retrograd.io.errors import ModelFileError

__all__ = ["OutputFileError", "check_output", "describe_file_type", "resolve_output"]

PathLike = str | os.PathLike[str]


class OutputFileError(ModelFileError):
    """A path an output cannot be written to (a directory, a named pipe, a device, an input of
    the same command, an existing file that must not be replaced, a folder that is missing or
    read-only). `reason` is a short code: ``"empty"``, ``"special"``, ``"exists"``,
    ``"same-as-input"``, ``"no-folder"``, ``"not-writable"``."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


_TYPES = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISREG, "a regular file"),
)


def describe_file_type(mode: int) -> str:
    """What `st_mode` stands for, in words: ``"a named pipe (FIFO)"``, ``"a directory"`` ..."""
    for test, words in _TYPES:
        if test(mode):
            return words
    return "not a regular file"


def resolve_output(path: PathLike) -> str:
    """The file a write to `path` lands in: `path` itself, or the end of its symlink chain
    (which may not exist yet).

    Raises:
        OutputFileError: for an empty path or a symlink loop.
    """
    name = os.fspath(path)
    if not isinstance(name, str) or name == "":
        raise OutputFileError("the output path is empty; give a file name", "empty")
    if not os.path.islink(name):
        return name
    target = os.path.realpath(name)
    if os.path.islink(target):  # realpath stops at a loop and returns a link
        raise OutputFileError(f"{name}: a symbolic link loop; give a file name", "special")
    return target


def _same_file(a: str, b: str) -> bool:
    """Whether `a` and `b` are one file: the same inode (hard links, symlinks) or, for paths
    that do not exist yet, the same resolved name."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.realpath(a) == os.path.realpath(b)


def check_output(
    path: PathLike,
    *,
    overwrite: bool = True,
    inputs: Iterable[PathLike] = (),
    what: str = "output",
) -> str:
    """Check that `path` can receive an output; return the file that will be written (the
    symlink target when `path` is a link).

    Args:
        path: the output path.
        overwrite: whether an existing regular file may be replaced. Default: True.
        inputs: files the same work reads, which must never be the output.
        what: how messages name the path (e.g. ``"--out"``). Default: "output".

    Raises:
        OutputFileError: when `path` cannot receive the output (one line naming the path and
            the reason).
    """
    name = os.fspath(path)
    if name == "":
        raise OutputFileError(f"the {what} path is empty; give a file name", "empty")
    label = name if what == "output" else f"{what} {name}"
    target = resolve_output(name)
    shown = label if target == name else f"{label} (a link to {target})"
    for source in inputs:
        source_name = os.fspath(source)
        if source_name and _same_file(target, source_name):
            raise OutputFileError(
                f"{shown} is the same file as the input {source_name}; writing it would "
                "destroy the input: give another output file",
                "same-as-input",
            )
    try:
        info = os.stat(target)
    except FileNotFoundError:
        info = None
    except OSError as error:
        raise OutputFileError(
            f"{shown}: cannot be examined ({error.strerror or error})", "special"
        ) from None
    if info is not None:
        if not stat.S_ISREG(info.st_mode):
            kind = describe_file_type(info.st_mode)
            hint = "; give a file name" if stat.S_ISDIR(info.st_mode) else ""
            raise OutputFileError(
                f"{shown} is {kind}, not a regular file; refusing to replace it{hint}", "special"
            )
        if not overwrite:
            raise OutputFileError(f"{shown} already exists; not replacing it", "exists")
    folder = os.path.dirname(os.path.abspath(target))
    if not os.path.isdir(folder):
        raise OutputFileError(f"{shown}: the folder {folder} does not exist", "no-folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputFileError(
            f"{shown}: the folder {folder} is not writable (read-only or no permission)",
            "not-writable",
        )
    return target
