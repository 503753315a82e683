"""`--nproc N`: run the same command on N processes with `mpiexec` (data-parallel training).

The parent process only launches: it runs `mpiexec -n N python -m retrograd <the same
arguments>` with `RETROGRAD_NPROC_CHILD` set, and returns its exit status. In each child, the
command trains with `fit(..., distributed=True)`; rank 0 alone prints and writes files.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import IO

from retrograd.cli.common import CommandError

CHILD = "RETROGRAD_NPROC_CHILD"


def inside_launched_job() -> bool:
    """True in a process started by `launch` (its command must not launch again)."""
    return os.environ.get(CHILD) == "1"


def find_mpiexec() -> str:
    """`mpiexec` beside this Python (the mpich wheel), else the one on PATH."""
    local = Path(sys.executable).parent / "mpiexec"
    if local.exists():
        return str(local)
    found = shutil.which("mpiexec")
    if found is None:
        raise CommandError(
            "--nproc needs MPI: pip install 'retrograd[mpi]' (mpi4py and the mpich wheel), or "
            "install your system's MPI and mpi4py"
        )
    return found


def launch(argv: Sequence[str], nproc: int) -> int:
    """Run `retrograd <argv>` on `nproc` ranks; the exit status of the job. What the ranks
    print goes through this process's `sys.stdout` and `sys.stderr`, line by line."""
    command = [find_mpiexec(), "-n", str(nproc), sys.executable, "-m", "retrograd", *argv]
    env = {**os.environ, CHILD: "1"}
    try:
        job = subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
    except OSError as error:
        raise CommandError(f"could not start {command[0]}: {error.strerror or error}") from None
    assert job.stdout is not None and job.stderr is not None
    relays = [
        threading.Thread(target=_relay, args=(job.stdout, lambda: sys.stdout), daemon=True),
        threading.Thread(target=_relay, args=(job.stderr, lambda: sys.stderr), daemon=True),
    ]
    for relay in relays:
        relay.start()
    try:
        status = job.wait()
    except KeyboardInterrupt:
        job.terminate()
        job.wait()
        raise
    for relay in relays:
        relay.join()
    return status


def _relay(source: IO[str], target: Callable[[], IO[str]]) -> None:
    for line in source:
        stream = target()
        stream.write(line)
        stream.flush()


@contextlib.contextmanager
def quiet_unless_rank_zero(rank: int) -> Iterator[None]:
    """Ranks other than 0 print nothing on stdout (errors still reach stderr)."""
    if rank == 0:
        yield
        return
    with open(os.devnull, "w", encoding="utf-8") as sink, contextlib.redirect_stdout(sink):
        yield
