"""The process group: MPI's world communicator (mpi4py), with PyTorch's function names.

Every collective waits with a deadline (`timeout`, 300 s unless `init` is told otherwise):
a rank that died or stopped taking part makes the others raise `DistributedError` instead of
hanging. An uncaught exception on one rank aborts the whole job (as `python -m mpi4py` does),
so the other ranks never wait forever for a collective it will not join.
"""

from __future__ import annotations

import ctypes
import enum
import json
import os
import signal
import sys
import threading
import time
import types
from typing import Any

import numpy as np

from retrograd.backend.arrays import device_of, is_host, to_device, to_host
from retrograd.errors import RetrogradError
from retrograd.io.errors import ModelFileError
from retrograd.io.tree import decode, encode
from retrograd.tensor import Tensor


class DistributedError(RetrogradError, RuntimeError):
    """A collective failed: a rank is gone, timed out, or ranks disagree."""


class ReduceOp(enum.Enum):
    """How `all_reduce` combines the ranks' values (`torch.distributed.ReduceOp`)."""

    SUM = "sum"
    AVG = "avg"
    MAX = "max"
    MIN = "min"
    PRODUCT = "product"


class _Group:
    """The initialised world: the communicator and the deadline for each collective."""

    def __init__(self) -> None:
        self.comm: Any = None
        self.mpi: Any = None
        self.timeout = 300.0

    @property
    def ready(self) -> bool:
        return self.comm is not None


_group = _Group()


def is_available() -> bool:
    """Whether mpi4py can be imported (the `mpi` extra)."""
    try:
        import mpi4py  # noqa: F401
    except ImportError:
        return False
    return True


def init(timeout: float = 300.0) -> None:
    """Join the MPI job this process was started in (`mpiexec -n N python train.py`).

    A process started without `mpiexec` is a job of one rank. `timeout` is how many seconds a
    collective waits for the other ranks before raising `DistributedError`. Calling it again
    only changes the timeout.
    """
    if not isinstance(timeout, (int, float)) or isinstance(timeout, bool) or timeout <= 0:
        raise DistributedError(
            f"init: timeout must be a positive number of seconds, got {timeout!r}"
        )
    _group.timeout = float(timeout)
    if _group.ready:
        return
    try:
        from mpi4py import MPI
    except ImportError as error:
        raise DistributedError(
            "retrograd.distributed needs mpi4py and an MPI library: pip install 'retrograd[mpi]' "
            "(mpi4py with the mpich wheel), or mpi4py over your system's MPI"
        ) from error
    _group.mpi = MPI
    _group.comm = MPI.COMM_WORLD
    if _group.comm.Get_size() > 1:
        _abort_on_uncaught_exception()
        _stop_when_a_rank_fails()


def init_process_group(backend: str = "mpi", timeout: Any = None, **kwargs: Any) -> None:
    """`torch.distributed.init_process_group`: only the `mpi` backend exists here; `timeout`
    may be a `datetime.timedelta` or seconds. Other keywords (`rank`, `world_size`,
    `init_method`) are fixed by `mpiexec` and must agree with it when given."""
    if backend not in ("mpi", "gloo"):  # gloo scripts run unchanged over MPI on CPU
        raise DistributedError(
            f"init_process_group: backend {backend!r} is not available; use 'mpi'"
        )
    seconds = 300.0 if timeout is None else getattr(timeout, "total_seconds", lambda: timeout)()
    init(float(seconds))
    for key in ("rank", "world_size"):
        given = kwargs.get(key)
        actual = get_rank() if key == "rank" else get_world_size()
        if given is not None and given != -1 and given != actual:
            raise DistributedError(
                f"init_process_group: {key}={given} but mpiexec started this process as {actual}"
            )


def is_initialized() -> bool:
    """Whether `init()` has joined an MPI job."""
    return _group.ready


def destroy_process_group() -> None:
    """Leave the group (MPI itself is finalised when the process exits)."""
    _group.comm = None


def _comm() -> Any:
    if not _group.ready:
        raise DistributedError(
            "retrograd.distributed is not initialised: call retrograd.distributed.init() first"
        )
    return _group.comm


def get_rank() -> int:
    """This process's rank (0 when not initialised)."""
    return int(_group.comm.Get_rank()) if _group.ready else 0


def get_world_size() -> int:
    """Number of ranks (1 when not initialised)."""
    return int(_group.comm.Get_size()) if _group.ready else 1


def _wait(request: Any, what: str) -> None:
    """Complete a non-blocking collective, or raise once the deadline passes."""
    if request.Test():
        return
    deadline = time.monotonic() + _group.timeout
    spins = 0
    while not request.Test():
        spins += 1
        if spins > 1000:
            time.sleep(1e-4)  # past the first microseconds: stop burning the core
            if time.monotonic() > deadline:
                raise DistributedError(
                    f"{what} on rank {get_rank()} waited more than {_group.timeout:g} s for the "
                    "other ranks: one of them died, hangs or runs different code"
                )


def _mpi_op(op: ReduceOp) -> Any:
    mpi = _group.mpi
    return {
        ReduceOp.SUM: mpi.SUM,
        ReduceOp.AVG: mpi.SUM,
        ReduceOp.MAX: mpi.MAX,
        ReduceOp.MIN: mpi.MIN,
        ReduceOp.PRODUCT: mpi.PROD,
    }[op]


_CUDA_AWARE: list[bool] = []


def cuda_aware() -> bool:
    """Whether the MPI library reads GPU memory itself: `RETROGRAD_MPI_CUDA_AWARE=1` or `0`
    decides; else Open MPI's `MPIX_Query_cuda_support()`, where the library has it (MPICH's
    wheel does not: then GPU arrays travel through host copies)."""
    setting = os.environ.get("RETROGRAD_MPI_CUDA_AWARE")
    if setting is not None:
        return setting == "1"
    if not _CUDA_AWARE:
        try:
            query = ctypes.CDLL(None).MPIX_Query_cuda_support  # the loaded MPI library's symbols
            _CUDA_AWARE.append(bool(query()))
        except (OSError, AttributeError):
            _CUDA_AWARE.append(False)
    return _CUDA_AWARE[0]


def _direct(array: Any) -> bool:
    """Whether MPI takes the GPU array `array` as it is: a CuPy array and CUDA-aware MPI."""
    if not type(array).__module__.startswith("cupy") or not cuda_aware():
        return False
    array.device.synchronize()  # the values must be written before MPI reads them
    return True


def all_reduce_array(array: np.ndarray, op: ReduceOp = ReduceOp.SUM) -> None:
    """Combine a contiguous array across ranks, in place. A GPU array goes to MPI as it is with
    CUDA-aware MPI (`cuda_aware`), else through a host copy."""
    comm = _comm()
    if comm.Get_size() == 1:
        return
    if not is_host(array) and not _direct(array):
        host = np.ascontiguousarray(to_host(array))
        all_reduce_array(host, op)
        array[...] = to_device(host, device_of(array))
        return
    if not array.flags.c_contiguous:
        raise DistributedError("all_reduce needs a contiguous array")
    _wait(comm.Iallreduce(_group.mpi.IN_PLACE, array, op=_mpi_op(op)), "all_reduce")
    if op is ReduceOp.AVG:
        array /= comm.Get_size()


def broadcast_array(array: np.ndarray, src: int = 0) -> None:
    """Overwrite `array` on every rank with rank `src`'s, in place."""
    comm = _comm()
    if comm.Get_size() == 1:
        return
    if not is_host(array) and not _direct(array):  # through a host copy, as all_reduce_array
        host = np.ascontiguousarray(to_host(array))
        broadcast_array(host, src)
        array[...] = to_device(host, device_of(array))
        return
    _wait(comm.Ibcast(array, root=src), "broadcast")


def all_reduce(tensor: Tensor, op: ReduceOp = ReduceOp.SUM) -> None:
    """`torch.distributed.all_reduce`: combine `tensor` across ranks, in place."""
    data = tensor.array
    work = data if data.flags.c_contiguous or not is_host(data) else np.ascontiguousarray(data)
    all_reduce_array(work, op)
    if work is not data:
        data[...] = work


def broadcast(tensor: Tensor, src: int = 0) -> None:
    """`torch.distributed.broadcast`: every rank gets rank `src`'s `tensor`, in place."""
    data = tensor.array
    work = data if data.flags.c_contiguous or not is_host(data) else np.ascontiguousarray(data)
    broadcast_array(work, src)
    if work is not data:
        data[...] = work


def all_gather_object(values: list[Any], obj: Any) -> None:
    """`torch.distributed.all_gather_object`: `values[r]` becomes rank r's `obj`.

    `obj` travels as JSON (numbers, strings, booleans, None, lists, tuples, dicts and NumPy
    arrays or Tensors, which arrive as arrays), never as a pickle: a rank cannot make another
    run code. Anything else is a `DistributedError` naming where it sits in `obj`."""
    gathered = _gather_objects(obj)
    if len(values) != len(gathered):
        raise DistributedError(
            f"all_gather_object: the output list has {len(values)} slots for {len(gathered)} ranks"
        )
    values[:] = gathered


def _gather_objects(obj: Any) -> list[Any]:
    """Every rank's `obj`, in rank order, encoded as JSON by `io.tree` (the same rules on one
    rank as on many: what cannot be sent is refused everywhere)."""
    try:
        text = json.dumps(encode(obj, "obj", None), allow_nan=True)
    except ModelFileError as error:
        raise DistributedError(f"all_gather_object: {error}") from None
    payload = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
    comm = _comm()
    if comm.Get_size() == 1:
        return [decode(json.loads(text), {}, "rank 0")]
    sizes = np.zeros(comm.Get_size(), dtype=np.int64)
    _wait(comm.Iallgather(np.array([payload.size], dtype=np.int64), sizes), "all_gather_object")
    buffer = np.empty(int(sizes.sum()), dtype=np.uint8)
    request = comm.Iallgatherv(payload, [buffer, sizes])
    _wait(request, "all_gather_object")
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    return [
        decode(json.loads(buffer[offsets[r] : offsets[r + 1]].tobytes()), {}, f"rank {r}")
        for r in range(comm.Get_size())
    ]


def barrier() -> None:
    """Wait until every rank gets here (or raise after the timeout)."""
    comm = _comm()
    if comm.Get_size() > 1:
        _wait(comm.Ibarrier(), "barrier")


def _stop_when_a_rank_fails() -> None:
    """MPICH's launcher, run with `-disable-auto-cleanup`, signals SIGUSR1 to the surviving
    ranks when one fails (by default it kills them all at once): turn that into a clear error."""
    if not hasattr(signal, "SIGUSR1") or threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGUSR1) not in (signal.SIG_DFL, None):
        return  # the program handles it itself

    def failed(signum: int, frame: types.FrameType | None) -> None:
        signal.signal(signal.SIGUSR1, signal.SIG_IGN)  # once: not again while it is reported
        raise DistributedError(
            f"rank {get_rank()}: another rank of this job died (the MPI launcher reported a "
            "failed process); stopping"
        )

    signal.signal(signal.SIGUSR1, failed)


def _abort_on_uncaught_exception() -> None:
    """An uncaught exception on one rank prints as usual, then aborts every rank: without this
    the others would wait in their next collective until the timeout."""
    previous = sys.excepthook

    def hook(
        kind: type[BaseException], value: BaseException, tb: types.TracebackType | None
    ) -> None:
        # the one line first: the launcher may cut the rest when the job is torn down
        sys.stderr.write(
            f"retrograd.distributed: rank {get_rank()} stopped: {kind.__name__}: {value}\n"
        )
        sys.stderr.flush()
        previous(kind, value, tb)
        sys.stderr.flush()
        time.sleep(0.2)  # let the launcher forward the output before the job ends
        if _group.ready:
            _group.comm.Abort(1)

    sys.excepthook = hook
