"""DistributedSampler against PyTorch's (explicit ranks: no MPI needed)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from torch.utils.data.distributed import DistributedSampler as TorchSampler

from retrograd.distributed import DistributedError, DistributedSampler


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(1, 40),
    replicas=st.integers(1, 5),
    drop_last=st.booleans(),
)
def test_in_order_shards_equal_pytorchs(n: int, replicas: int, drop_last: bool) -> None:
    data = list(range(n))
    for rank in range(replicas):
        ours = DistributedSampler(data, replicas, rank, shuffle=False, drop_last=drop_last)
        theirs = TorchSampler(data, replicas, rank, shuffle=False, drop_last=drop_last)
        assert list(ours) == list(theirs)
        assert len(ours) == len(theirs)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 40), replicas=st.integers(1, 5), seed=st.integers(0, 99))
def test_shuffled_shards_are_equal_sized_and_cover_the_data(
    n: int, replicas: int, seed: int
) -> None:
    data = list(range(n))
    shards = [list(DistributedSampler(data, replicas, r, seed=seed)) for r in range(replicas)]
    assert len({len(s) for s in shards}) == 1  # every rank runs the same number of steps
    seen = [i for shard in shards for i in shard]
    assert set(seen) == set(data)  # nothing left out; padding repeats only when n % replicas
    assert len(seen) - n == (-n) % replicas


def test_set_epoch_reshuffles_identically_on_every_rank() -> None:
    data = list(range(100))
    a0, b0 = (DistributedSampler(data, 2, r, seed=1) for r in (0, 1))
    first = list(a0)
    for sampler in (a0, b0):
        sampler.set_epoch(1)
    assert list(a0) != first
    assert sorted(list(a0) + list(b0)) == data  # still one permutation split in two
    again = DistributedSampler(data, 2, 0, seed=1)
    again.set_epoch(1)
    assert list(again) == list(a0)


def test_a_rank_outside_the_job_is_refused() -> None:
    try:
        DistributedSampler(list(range(4)), num_replicas=2, rank=2)
    except DistributedError as error:
        assert "rank 2 is outside [0, 1]" in str(error)
    else:
        raise AssertionError("rank 2 of 2 accepted")


def test_without_mpi_the_job_is_one_rank() -> None:
    sampler = DistributedSampler(np.arange(5), shuffle=False)
    assert list(sampler) == [0, 1, 2, 3, 4]
