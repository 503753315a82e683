"""Samplers against PyTorch's: same arguments, same indices where the order is deterministic, the
same distribution and constraints where it is random."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
import torch
import torch.utils.data as tud
from hypothesis import given, settings
from hypothesis import strategies as st

import retrograd as rg
from retrograd.data import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)


@given(n=st.integers(0, 30))
def test_sequential_sampler_equals_torch(n: int) -> None:
    data = list(range(n))
    assert list(SequentialSampler(data)) == list(tud.SequentialSampler(data))
    assert len(SequentialSampler(data)) == len(tud.SequentialSampler(data))


@settings(max_examples=40)
@given(n=st.integers(0, 25), batch_size=st.integers(1, 8), drop_last=st.booleans())
def test_batch_sampler_equals_torch(n: int, batch_size: int, drop_last: bool) -> None:
    ours = BatchSampler(SequentialSampler(range(n)), batch_size, drop_last)
    theirs = tud.BatchSampler(tud.SequentialSampler(range(n)), batch_size, drop_last)
    assert list(ours) == list(theirs)
    assert len(ours) == len(theirs)


def test_batch_sampler_groups_any_iterable_in_its_order() -> None:
    order = [5, 3, 9, 0, 1]
    assert list(BatchSampler(order, 2, False)) == list(tud.BatchSampler(order, 2, False))
    assert list(BatchSampler(order, 2, True)) == [[5, 3], [9, 0]]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"batch_size": 0, "drop_last": False}, "batch_size should be a positive integer value"),
        ({"batch_size": True, "drop_last": False}, "batch_size should be a positive integer"),
        ({"batch_size": 2, "drop_last": 1}, "drop_last should be a boolean value"),
    ],
)
def test_batch_sampler_rejects_what_torch_rejects(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        tud.BatchSampler(range(4), **kwargs)
    with pytest.raises(ValueError, match=message):
        BatchSampler(range(4), **kwargs)


@settings(max_examples=30)
@given(n=st.integers(1, 30), seed=st.integers(0, 2**32 - 1))
def test_random_sampler_is_a_permutation_drawn_from_its_generator(n: int, seed: int) -> None:
    sampler = RandomSampler(range(n), generator=np.random.default_rng(seed))
    drawn = list(sampler)
    assert sorted(drawn) == sorted(tud.RandomSampler(range(n))) == list(range(n))
    assert drawn == np.random.default_rng(seed).permutation(n).tolist()
    assert len(sampler) == len(tud.RandomSampler(range(n)))


@settings(max_examples=30)
@given(n=st.integers(1, 12), num_samples=st.integers(1, 40))
def test_random_sampler_without_replacement_repeats_whole_permutations(
    n: int, num_samples: int
) -> None:
    # torch: num_samples // n full permutations, then the start of one more
    drawn = list(RandomSampler(range(n), num_samples=num_samples))
    theirs = list(tud.RandomSampler(range(n), num_samples=num_samples))
    assert len(drawn) == len(theirs) == num_samples
    for start in range(0, num_samples - num_samples % n, n):
        assert sorted(drawn[start : start + n]) == list(range(n))
    tail = drawn[num_samples - num_samples % n :]
    assert len(set(tail)) == len(tail)
    counts = Counter(drawn)
    assert max(counts.values()) - min(counts.get(i, 0) for i in range(n)) <= 1


def test_random_sampler_with_replacement_draws_uniformly_and_repeats() -> None:
    sampler = RandomSampler(range(5), replacement=True, num_samples=20_000)
    drawn = np.array(list(sampler))
    assert len(sampler) == len(tud.RandomSampler(range(5), True, 20_000)) == 20_000
    assert drawn.min() >= 0 and drawn.max() <= 4
    np.testing.assert_allclose(np.bincount(drawn, minlength=5) / 20_000, 0.2, atol=0.015)
    assert len(set(RandomSampler(range(50), replacement=True).__iter__())) < 50  # repeats


def test_random_sampler_follows_manual_seed_and_changes_per_epoch() -> None:
    sampler = RandomSampler(range(30))
    rg.manual_seed(3)
    first, second = list(sampler), list(sampler)
    rg.manual_seed(3)
    assert list(sampler) == first and list(sampler) == second and first != second


def test_random_sampler_rejects_what_torch_rejects() -> None:
    with pytest.raises(TypeError, match="replacement should be a boolean value"):
        tud.RandomSampler(range(3), replacement=1)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="replacement should be a boolean value"):
        RandomSampler(range(3), replacement=1)  # type: ignore[arg-type]
    for bad in (0, -2, 1.5):
        with pytest.raises(ValueError, match="num_samples should be a positive integer value"):
            tud.RandomSampler(range(3), num_samples=bad)  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="num_samples should be a positive integer value"):
            RandomSampler(range(3), num_samples=bad)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="generator must be a numpy.random.Generator"):
        RandomSampler(range(3), generator=torch.Generator())  # type: ignore[arg-type]


@settings(max_examples=25)
@given(indices=st.lists(st.integers(0, 100), max_size=20, unique=True))
def test_subset_random_sampler_permutes_its_indices(indices: list[int]) -> None:
    ours = SubsetRandomSampler(indices)
    theirs = tud.SubsetRandomSampler(indices)
    assert sorted(ours) == sorted(theirs) == sorted(indices)
    assert len(ours) == len(theirs)


def test_subset_random_sampler_uses_its_generator() -> None:
    indices = [10, 20, 30, 40, 50]
    order = np.random.default_rng(4).permutation(5)
    drawn = list(SubsetRandomSampler(indices, generator=np.random.default_rng(4)))
    assert drawn == [indices[i] for i in order]


def test_weighted_sampler_frequencies_follow_the_weights_like_torch() -> None:
    weights = [0.1, 0.0, 3.0, 1.0]
    n = 40_000
    ours = np.bincount(list(WeightedRandomSampler(weights, n)), minlength=4) / n
    torch.manual_seed(0)
    theirs = np.bincount(list(tud.WeightedRandomSampler(weights, n)), minlength=4) / n
    expected = np.array(weights) / sum(weights)
    np.testing.assert_allclose(ours, expected, atol=0.01)
    np.testing.assert_allclose(theirs, expected, atol=0.01)
    assert ours[1] == 0  # a zero weight is never drawn


def test_weighted_sampler_without_replacement_draws_each_index_once() -> None:
    weights = rg.tensor([1.0, 5.0, 2.0, 0.5, 3.0])
    for _ in range(20):
        ours = list(WeightedRandomSampler(weights, 5, replacement=False))
        theirs = list(tud.WeightedRandomSampler(weights.numpy(), 5, replacement=False))
        assert sorted(ours) == sorted(theirs) == [0, 1, 2, 3, 4]
    # heavier indices come first more often: the first draw has probability w / sum(w)
    firsts = Counter(
        next(iter(WeightedRandomSampler([1.0, 9.0], 2, replacement=False))) for _ in range(2000)
    )
    assert 0.85 < firsts[1] / 2000 < 0.95


def test_weighted_sampler_len_and_argument_errors_like_torch() -> None:
    assert len(WeightedRandomSampler([1, 2], 7)) == len(tud.WeightedRandomSampler([1, 2], 7))
    for kwargs, message in [
        ({"weights": [1.0, 2.0], "num_samples": 0}, "num_samples should be a positive integer"),
        ({"weights": [1.0, 2.0], "num_samples": 2, "replacement": 0}, "replacement should be"),
        ({"weights": [[1.0, 2.0]], "num_samples": 2}, r"weights should be a 1d sequence"),
    ]:
        with pytest.raises(ValueError, match=message):
            tud.WeightedRandomSampler(**kwargs)
        with pytest.raises(ValueError, match=message):
            WeightedRandomSampler(**kwargs)


def test_weighted_sampler_refuses_weights_it_cannot_draw_from() -> None:
    # torch fails only when iterating (multinomial); here the constructor says why
    with pytest.raises(ValueError, match="non-negative"):
        WeightedRandomSampler([1.0, -1.0], 2)
    with pytest.raises(RuntimeError, match="sum of probabilities"):
        list(tud.WeightedRandomSampler([0.0, 0.0], 2))
    with pytest.raises(ValueError, match="all zero"):
        WeightedRandomSampler([0.0, 0.0], 2)
    with pytest.raises(RuntimeError, match="without replacement"):
        list(tud.WeightedRandomSampler([1.0, 0.0, 2.0], 4, replacement=False))
    with pytest.raises(ValueError, match="num_samples=4 without replacement from 3 weights"):
        WeightedRandomSampler([1.0, 0.0, 2.0], 4, replacement=False)


def test_weighted_sampler_without_replacement_puts_zero_weights_last_like_torch() -> None:
    weights = [1.0, 0.0, 2.0, 0.0]
    for _ in range(10):
        ours = list(WeightedRandomSampler(weights, 4, replacement=False))
        theirs = list(tud.WeightedRandomSampler(weights, 4, replacement=False))
        assert set(ours[:2]) == set(theirs[:2]) == {0, 2}
        assert set(ours[2:]) == set(theirs[2:]) == {1, 3}


def test_a_sampler_subclass_written_for_torch_works() -> None:
    class EvensFirst(Sampler[int]):
        def __init__(self, data_source: list[int]) -> None:
            super().__init__(data_source)
            self.n = len(data_source)

        def __iter__(self):  # type: ignore[no-untyped-def]
            return iter([*range(0, self.n, 2), *range(1, self.n, 2)])

        def __len__(self) -> int:
            return self.n

    assert list(BatchSampler(EvensFirst(list(range(5))), 2, False)) == [[0, 2], [4, 1], [3]]
    with pytest.raises(NotImplementedError):
        iter(Sampler())
