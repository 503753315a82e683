"""ConcatDataset, IterableDataset and ChainDataset, against torch.utils.data's."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
import torch.utils.data as tud
from hypothesis import given
from hypothesis import strategies as st

from retrograd.data import (
    ChainDataset,
    ConcatDataset,
    DataLoader,
    Dataset,
    IterableDataset,
    TensorDataset,
)


class Count(IterableDataset):
    def __init__(self, n: int) -> None:
        self.n = n

    def __iter__(self) -> Iterator[int]:
        return iter(range(self.n))


class TorchCount(tud.IterableDataset):
    def __init__(self, n: int) -> None:
        self.n = n

    def __iter__(self) -> Iterator[int]:
        return iter(range(self.n))


@given(sizes=st.lists(st.integers(0, 5), min_size=1, max_size=4))
def test_concat_dataset_indexes_like_torch(sizes: list[int]) -> None:
    parts = [list(range(100 * k, 100 * k + size)) for k, size in enumerate(sizes)]
    ours, theirs = ConcatDataset(parts), tud.ConcatDataset(parts)
    assert len(ours) == len(theirs) and ours.cumulative_sizes == theirs.cumulative_sizes
    for i in range(-len(ours), len(ours)):
        assert ours[i] == theirs[i]
    with pytest.raises(IndexError, match="out of range"):
        ours[len(ours)]


def test_concat_dataset_batches_and_the_plus_operator() -> None:
    a, b = TensorDataset(np.arange(3)), TensorDataset(np.arange(10, 14))
    both = a + b
    assert isinstance(both, ConcatDataset) and len(both) == 7
    batches = [batch[0].tolist() for batch in DataLoader(both, batch_size=3)]
    assert batches == [[0, 1, 2], [10, 11, 12], [13]]


def test_concat_dataset_rejects_what_torch_rejects() -> None:
    with pytest.raises(ValueError, match="should not be an empty iterable"):
        ConcatDataset([])
    with pytest.raises(TypeError, match="does not support IterableDataset"):
        ConcatDataset([Count(2)])


@pytest.mark.parametrize(
    ("n", "batch_size", "drop_last"), [(7, 3, False), (7, 3, True), (6, 2, False), (0, 2, False)]
)
def test_iterable_dataset_batches_like_torch(n: int, batch_size: int, drop_last: bool) -> None:
    ours = DataLoader(Count(n), batch_size=batch_size, drop_last=drop_last)
    theirs = tud.DataLoader(TorchCount(n), batch_size=batch_size, drop_last=drop_last)
    assert [b.tolist() for b in ours] == [b.tolist() for b in theirs]
    assert list(DataLoader(Count(n), batch_size=None)) == list(range(n))


def test_iterable_dataset_len_as_torch() -> None:
    class Sized(Count):
        def __len__(self) -> int:
            return self.n

    class TorchSized(TorchCount):
        def __len__(self) -> int:
            return self.n

    for drop_last in (False, True):
        ours = DataLoader(Sized(7), batch_size=3, drop_last=drop_last)
        assert len(ours) == len(tud.DataLoader(TorchSized(7), batch_size=3, drop_last=drop_last))
    with pytest.raises(TypeError, match="has no len"):
        len(DataLoader(Count(3), batch_size=2))
    with pytest.raises(TypeError):
        Count(3)[0]
    assert isinstance(Count(1), Dataset)


def test_chain_dataset_streams_one_after_the_other() -> None:
    chained = Count(2) + Count(3)
    assert isinstance(chained, ChainDataset)
    assert list(chained) == list(tud.ChainDataset([TorchCount(2), TorchCount(3)]))
    assert [b.tolist() for b in DataLoader(chained, batch_size=4)] == [[0, 1, 0, 1], [2]]
