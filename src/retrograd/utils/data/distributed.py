"""`torch.utils.data.distributed`'s path: `DistributedSampler` (needs no MPI with explicit
`num_replicas` and `rank`)."""

from retrograd.distributed.sampler import DistributedSampler

__all__ = ["DistributedSampler"]
