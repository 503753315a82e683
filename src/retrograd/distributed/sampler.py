"""`DistributedSampler`: each rank's share of a dataset's indices, as PyTorch's.

Every rank draws the same permutation (seeded by `seed + epoch`, so call `set_epoch` at the
start of each epoch for a new shuffle), pads it by repeating its start (or drops the tail,
with `drop_last`) to a multiple of the number of ranks, and takes every `num_replicas`-th
index from position `rank`: equal shard sizes, so every rank runs the same number of steps.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sized

import numpy as np

from retrograd.data.sampler import Sampler
from retrograd.distributed.comm import DistributedError, get_rank, get_world_size


class DistributedSampler(Sampler[int]):
    """Indices of `dataset` for one rank; iterate it, or pass it as a DataLoader's `sampler`."""

    def __init__(
        self,
        dataset: Sized,
        num_replicas: int | None = None,
        rank: int | None = None,
        shuffle: bool = True,
        seed: int = 0,
        drop_last: bool = False,
    ) -> None:
        self.num_replicas = get_world_size() if num_replicas is None else int(num_replicas)
        self.rank = get_rank() if rank is None else int(rank)
        if self.num_replicas < 1:
            raise DistributedError(
                f"DistributedSampler: num_replicas must be >= 1, got {num_replicas}"
            )
        if not 0 <= self.rank < self.num_replicas:
            raise DistributedError(
                f"DistributedSampler: rank {self.rank} is outside [0, {self.num_replicas - 1}]"
            )
        self.dataset = dataset
        self.shuffle = bool(shuffle)
        self.seed = int(seed)
        self.drop_last = bool(drop_last)
        self.epoch = 0
        n = len(dataset)
        if self.drop_last and n % self.num_replicas:
            self.num_samples = n // self.num_replicas
        else:
            self.num_samples = math.ceil(n / self.num_replicas)
        self.total_size = self.num_samples * self.num_replicas

    def set_epoch(self, epoch: int) -> None:
        """Shuffle differently (and identically on every rank) for this epoch."""
        self.epoch = int(epoch)

    def indices(self) -> np.ndarray:
        """This rank's indices for the current epoch."""
        n = len(self.dataset)
        if self.shuffle:
            order = np.random.default_rng(self.seed + self.epoch).permutation(n)
        else:
            order = np.arange(n)
        if self.drop_last:
            order = order[: self.total_size]
        elif self.total_size > n:
            repeats = math.ceil((self.total_size - n) / max(n, 1))
            order = np.concatenate([order, np.tile(order, repeats)[: self.total_size - n]])
        return order[self.rank : self.total_size : self.num_replicas]

    def __iter__(self) -> Iterator[int]:
        return iter(self.indices().tolist())

    def __len__(self) -> int:
        return self.num_samples
