"""Data-parallel training over MPI (mpi4py): the names of `torch.distributed`.

Start every rank with `mpiexec -n N python train.py`; in the script call `init()`, wrap the
model in `DistributedDataParallel`, give each rank its share of the data with
`DistributedSampler`, and save checkpoints on rank 0 only. See the "Scaling out" guide.
"""

from retrograd.distributed.comm import (
    DistributedError,
    ReduceOp,
    all_gather_object,
    all_reduce,
    barrier,
    broadcast,
    destroy_process_group,
    get_rank,
    get_world_size,
    init,
    init_process_group,
    is_available,
    is_initialized,
)
from retrograd.distributed.ddp import DistributedDataParallel
from retrograd.distributed.sampler import DistributedSampler

__all__ = [
    "DistributedDataParallel",
    "DistributedError",
    "DistributedSampler",
    "ReduceOp",
    "all_gather_object",
    "all_reduce",
    "barrier",
    "broadcast",
    "destroy_process_group",
    "get_rank",
    "get_world_size",
    "init",
    "init_process_group",
    "is_available",
    "is_initialized",
]
