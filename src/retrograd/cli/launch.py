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
from collections.abc import Iterator, Sequence
from pathlib import Path

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
    """Run `retrograd <argv>` on `nproc` ranks; the exit status of the job."""
    command = [find_mpiexec(), "-n", str(nproc), sys.executable, "-m", "retrograd", *argv]
    env = {**os.environ, CHILD: "1"}
    try:
        return subprocess.run(command, env=env, check=False).returncode
    except OSError as error:
        raise CommandError(f"could not start {command[0]}: {error.strerror or error}") from None


@contextlib.contextmanager
def quiet_unless_rank_zero(rank: int) -> Iterator[None]:
    """Ranks other than 0 print nothing on stdout (errors still reach stderr)."""
    if rank == 0:
        yield
        return
    with open(os.devnull, "w", encoding="utf-8") as sink, contextlib.redirect_stdout(sink):
        yield
