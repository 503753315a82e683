"""Property: any sequence of saves, loads, refused overwrites, writes that crash midway and
writers killed midway (their temporary left behind, as SIGKILL leaves it) never loses the last
complete model and never replaces anything but a regular file."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO
from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from io_testing import mlp

from retrograd.io import atomic, load, save
from retrograd.io.atomic import temporary_name
from retrograd.io.output import OutputFileError
from retrograd.nn import Sequential

pytestmark = pytest.mark.skipif(os.name != "posix", reason="FIFOs, links and pids are POSIX")

MODELS = [mlp(seed) for seed in range(4)]
KINDS = ("absent", "regular", "symlink", "dangling-symlink", "fifo", "directory", "device")
OPERATIONS = ("save", "save-no-overwrite", "crash-mid-write", "killed-writer", "load")


def _dead_pid() -> int:
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], text=True,
                          capture_output=True, check=True)  # fmt: skip
    return int(done.stdout)


DEAD_PID = _dead_pid() if os.name == "posix" else 0


def _same(a: Sequential, b: Sequential) -> bool:
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(np.array_equal(sa[k].array, sb[k].array) for k in sa)


def _make(folder: Path, kind: str) -> tuple[Path, Path, int | None]:
    """The path the writers are given, the file a load must find, and the special node's type."""
    path = folder / "model.safetensors"
    real = folder / "real.safetensors"
    if kind == "regular":
        save(MODELS[0], path)
    elif kind == "symlink":
        save(MODELS[0], real)
        path.symlink_to(real.name)
        return path, real, None
    elif kind == "dangling-symlink":
        path.symlink_to(real.name)
        return path, real, None
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "directory":
        path.mkdir()
    elif kind == "device":
        try:
            os.mknod(path, stat.S_IFCHR | 0o600, os.stat(os.devnull).st_rdev)
        except OSError:
            os.mkfifo(path)  # no device nodes here: another special file instead
    mode = os.lstat(path).st_mode if kind in ("fifo", "directory", "device") else None
    return path, path, None if mode is None else stat.S_IFMT(mode)


def _crash(handle: BinaryIO, data: bytes) -> None:
    handle.write(data[: len(data) // 3])
    raise OSError("No space left on device")


def _killed_writer(target: Path, data_size: int) -> None:
    """What a writer killed by SIGKILL leaves: its temporary, partly written."""
    Path(temporary_name(str(target), pid=DEAD_PID)).write_bytes(b"\0" * data_size)


@settings(max_examples=100, deadline=None)
@given(
    kind=st.sampled_from(KINDS),
    steps=st.lists(
        st.tuples(st.sampled_from(OPERATIONS), st.integers(0, len(MODELS) - 1)), max_size=8
    ),
)
def test_the_last_complete_model_survives_and_special_files_are_never_replaced(
    kind: str, steps: list[tuple[str, int]]
) -> None:
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        path, stored, special = _make(folder, kind)
        last: Sequential | None = MODELS[0] if kind in ("regular", "symlink") else None
        for operation, index in steps:
            model = MODELS[index]
            attempt: Callable[[], None] | None = None
            if operation == "save":
                attempt = lambda m=model: save(m, path)  # noqa: E731
            elif operation == "save-no-overwrite":
                attempt = lambda m=model: save(m, path, overwrite=False)  # noqa: E731
            elif operation == "crash-mid-write":
                attempt = lambda m=model: _crash_save(m, path)  # noqa: E731
            elif operation == "killed-writer":
                _killed_writer(stored, 4096)
            if attempt is not None:
                expect_refusal = special is not None or (
                    operation == "save-no-overwrite" and last is not None
                )
                try:
                    attempt()
                except OutputFileError:
                    assert expect_refusal
                except OSError as error:
                    assert operation == "crash-mid-write" and "No space" in str(error)
                else:
                    assert not expect_refusal and operation != "crash-mid-write"
                    last = model
                    # a successful write leaves no temporary of a dead writer behind
                    assert not [n for n in os.listdir(folder) if f".{DEAD_PID}." in n]
            # invariants after every step
            if special is not None:
                assert stat.S_IFMT(os.lstat(path).st_mode) == special
                continue
            if kind in ("symlink", "dangling-symlink"):
                assert path.is_symlink() and os.readlink(path) == stored.name
            if last is None:
                assert not stored.exists()
            else:
                assert _same(load(path), last)


def _crash_save(model: Sequential, path: Path) -> None:
    with mock.patch.object(atomic, "_write_chunks", _crash):
        save(model, path)
