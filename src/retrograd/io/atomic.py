"""Write a file all at once: a crash or an error mid-write leaves the old file untouched.

Every retrograd writer (model files, weights, checkpoints, CSV logs, plots, ONNX files, the
command line's outputs) goes through `atomic_write`, which

- checks the path with `output.check_output` at write time: only regular files are replaced,
  symbolic links are written through (their target is replaced, the link stays), an output
  is never one of the declared inputs, and with ``overwrite=False`` an existing file is never
  replaced, even one created after the caller's own check;
- writes a temporary file beside the target, flushes it to disk and renames it over the target
  in one step;
- removes the temporaries a writer killed mid-write (SIGKILL, power loss) left for the same
  target: their names carry the writer's process id, and one whose process is gone is debris.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
from collections.abc import Iterable
from typing import BinaryIO

from retrograd.io.output import OutputFileError, check_output

_CHUNK = 1 << 20  # bytes per write() call
_O_BINARY = getattr(os, "O_BINARY", 0)  # Windows only: no newline translation


def _write_chunks(handle: BinaryIO, data: bytes) -> None:
    """Write `data` to `handle` in chunks (one huge write() call can fail on some systems)."""
    view = memoryview(data)
    for start in range(0, len(view), _CHUNK):
        handle.write(view[start : start + _CHUNK])


def temporary_name(target: str, pid: int | None = None) -> str:
    """A fresh temporary path beside `target`: ``.{basename}.{pid}.{random hex}.tmp``."""
    directory = os.path.dirname(os.path.abspath(target))
    owner = os.getpid() if pid is None else pid
    name = f".{os.path.basename(target)}.{owner}.{secrets.token_hex(6)}.tmp"
    return os.path.join(directory, name)


def _process_alive(pid: int) -> bool:
    """Whether process `pid` exists (POSIX; elsewhere every process counts as alive)."""
    if os.name != "posix" or pid <= 0:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: it exists, under another user
        return True
    return True


def remove_stale_temporaries(target: str) -> list[str]:
    """Delete the temporaries of `target` whose writer process no longer exists; return them.

    Temporaries of live writers (this process included) are left alone, so two processes
    writing the same file never delete each other's work.
    """
    directory = os.path.dirname(os.path.abspath(target))
    pattern = re.compile(
        rf"\.{re.escape(os.path.basename(target))}\.(?P<pid>\d{{1,10}})\.[0-9a-f]{{12}}\.tmp"
    )
    try:
        names = os.listdir(directory)
    except OSError:
        return []
    removed = []
    for name in names:
        match = pattern.fullmatch(name)
        if match is None:
            continue
        pid = int(match.group("pid"))
        if pid == os.getpid() or _process_alive(pid):
            continue
        path = os.path.join(directory, name)
        with contextlib.suppress(OSError):
            os.unlink(path)
            removed.append(path)
    return removed


def atomic_write(
    path: str | os.PathLike[str],
    data: bytes,
    *,
    overwrite: bool = True,
    inputs: Iterable[str | os.PathLike[str]] = (),
) -> None:
    """Write `data` to `path` through a temporary file beside it, flushed to disk, then renamed
    over the target in one step. On any error the temporary file is removed.

    Args:
        path: the file to write.
        data: the bytes to write.
        overwrite: whether an existing file may be replaced (with False the final rename refuses
            to replace one, even one created while the data was being prepared). Default: True.
        inputs: files the output must not be.

    Raises:
        OutputFileError: (see `output.check_output`) for a path that must not be written.
    """
    sources = [os.fspath(source) for source in inputs]
    target = check_output(path, overwrite=overwrite, inputs=sources)
    remove_stale_temporaries(target)
    directory = os.path.dirname(os.path.abspath(target))
    temporary = temporary_name(target)
    # O_EXCL: never write into someone else's file; mode 0o666 lets the umask decide, as open() does
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_BINARY, 0o666)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            _write_chunks(handle, data)
            handle.flush()
            os.fsync(handle.fileno())
        # the target may have changed while the data was written: check it again, last thing
        check_output(target, overwrite=overwrite, inputs=sources)
        if overwrite:
            os.replace(temporary, target)
        else:
            _rename_no_clobber(temporary, target, os.fspath(path))
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    _sync_directory(directory)


def _rename_no_clobber(temporary: str, target: str, shown: str) -> None:
    """Move `temporary` to `target` unless `target` exists: a hard link fails atomically when
    the name is taken. Filesystems without hard links fall back to check-then-rename."""
    try:
        os.link(temporary, target)
    except FileExistsError:
        raise OutputFileError(f"{shown} already exists; not replacing it", "exists") from None
    except OSError as error:
        if error.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EXDEV):
            raise
        if os.path.lexists(target):
            raise OutputFileError(f"{shown} already exists; not replacing it", "exists") from None
        os.replace(temporary, target)
        return
    os.unlink(temporary)


def _sync_directory(directory: str) -> None:
    """Make the rename itself durable (POSIX); a no-op where directories cannot be opened."""
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        descriptor = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
