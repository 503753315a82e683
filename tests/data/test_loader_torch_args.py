"""DataLoader with PyTorch's arguments: samplers and batch samplers, the rules for combining
arguments, worker options, unbatched loading, and batches compared with torch's DataLoader."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
import torch.utils.data as tud
from hypothesis import given, settings
from hypothesis import strategies as st

import retrograd as rg
from retrograd.data import (
    BatchSampler,
    DataLoader,
    Dataset,
    IterableDataset,
    RandomSampler,
    SequentialSampler,
    Subset,
    SubsetRandomSampler,
    TensorDataset,
    WeightedRandomSampler,
    get_worker_info,
)
from retrograd.distributed import DistributedSampler


class PairDataset(Dataset):
    """Samples `(features, label)` served one at a time: no stacked fast path."""

    def __init__(self, X: np.ndarray, y: np.ndarray) -> None:
        self.X, self.y = X, y

    def __getitem__(self, index: Any) -> tuple[np.ndarray, int]:
        return self.X[index], int(self.y[index])

    def __len__(self) -> int:
        return len(self.X)


class TorchPairDataset(tud.Dataset):
    def __init__(self, X: np.ndarray, y: np.ndarray) -> None:
        self.X, self.y = X, y

    def __getitem__(self, index: Any) -> tuple[np.ndarray, int]:
        return self.X[index], int(self.y[index])

    def __len__(self) -> int:
        return len(self.X)


def data(n: int) -> tuple[np.ndarray, np.ndarray]:
    return np.arange(n * 2, dtype=np.float32).reshape(n, 2), np.arange(n) % 3


def as_lists(batches: Any) -> list[list[Any]]:
    return [[np.asarray(part).tolist() for part in batch] for batch in batches]


index_streams = st.lists(st.integers(0, 11), max_size=30)


@settings(max_examples=30, deadline=None)
@given(order=index_streams, batch_size=st.integers(1, 7), drop_last=st.booleans())
def test_batches_follow_the_sampler_like_torch(
    order: list[int], batch_size: int, drop_last: bool
) -> None:
    X, y = data(12)
    theirs = tud.DataLoader(
        TorchPairDataset(X, y), batch_size=batch_size, sampler=order, drop_last=drop_last
    )
    expected = as_lists(theirs)
    for dataset in (TensorDataset(X, y), PairDataset(X, y)):
        ours = DataLoader(dataset, batch_size=batch_size, sampler=order, drop_last=drop_last)
        assert as_lists(ours) == expected
        assert len(ours) == len(theirs)


@settings(max_examples=30, deadline=None)
@given(batches=st.lists(st.lists(st.integers(0, 11), min_size=1, max_size=5), max_size=8))
def test_batches_follow_the_batch_sampler_like_torch(batches: list[list[int]]) -> None:
    X, y = data(12)
    theirs = tud.DataLoader(TorchPairDataset(X, y), batch_sampler=batches)
    ours = DataLoader(TensorDataset(X, y), batch_sampler=batches)
    assert as_lists(ours) == as_lists(theirs)
    assert len(ours) == len(theirs) == len(batches)
    assert ours.batch_size is None and theirs.batch_size is None


def test_a_batch_sampler_object_and_sampler_object_give_their_order() -> None:
    X, y = data(10)
    sampler = SubsetRandomSampler([7, 1, 4, 8], generator=np.random.default_rng(0))
    order = [[7, 1, 4, 8][i] for i in np.random.default_rng(0).permutation(4)]
    loader = DataLoader(TensorDataset(X, y), batch_size=3, sampler=sampler)
    assert [yb.tolist() for _, yb in loader] == [list(y[order[:3]]), list(y[order[3:]])]
    batch_sampler = BatchSampler(SequentialSampler(range(5)), 2, drop_last=True)
    loader = DataLoader(TensorDataset(X, y), batch_sampler=batch_sampler)
    assert [xb.numpy().tolist() for xb, _ in loader] == [X[:2].tolist(), X[2:4].tolist()]
    assert len(loader) == 2


def test_weighted_sampler_feeds_the_loader() -> None:
    X, y = data(4)
    sampler = WeightedRandomSampler([0.0, 1.0, 0.0, 1.0], num_samples=50)
    loader = DataLoader(TensorDataset(X, y), batch_size=8, sampler=sampler)
    labels = np.concatenate([yb.numpy() for _, yb in loader])
    assert len(labels) == 50 and set(labels.tolist()) <= {1, 0}  # y = [0, 1, 2, 0]
    assert len(loader) == 7


def test_random_sampler_with_the_loaders_generator_matches_shuffle() -> None:
    ds = TensorDataset(np.arange(20))
    shuffled = DataLoader(ds, batch_size=6, shuffle=True, generator=np.random.default_rng(5))
    sampled = DataLoader(
        ds, batch_size=6, sampler=RandomSampler(ds, generator=np.random.default_rng(5))
    )
    assert [b[0].tolist() for b in shuffled] == [b[0].tolist() for b in sampled]
    assert isinstance(shuffled.sampler, RandomSampler) and shuffled.sampler.generator is not None
    assert isinstance(DataLoader(ds).sampler, SequentialSampler)


@pytest.mark.parametrize("replicas", [2, 3])
def test_distributed_sampler_shards_the_loader_like_torch(replicas: int) -> None:
    X, y = data(11)
    seen = 0
    for rank in range(replicas):
        ours = DataLoader(
            TensorDataset(X, y),
            batch_size=2,
            sampler=DistributedSampler(X, num_replicas=replicas, rank=rank, shuffle=False),
        )
        theirs = tud.DataLoader(
            TorchPairDataset(X, y),
            batch_size=2,
            sampler=tud.DistributedSampler(X, num_replicas=replicas, rank=rank, shuffle=False),
        )
        assert as_lists(ours) == as_lists(theirs)
        assert len(ours) == len(theirs)
        seen += sum(len(yb) for _, yb in ours)
    assert seen == 11 + (-11) % replicas  # padded to equal shares, as torch pads


def test_distributed_sampler_epochs_reshuffle_in_the_loader() -> None:
    ds = TensorDataset(np.arange(12))
    sampler = DistributedSampler(ds, num_replicas=2, rank=1, seed=3)
    loader = DataLoader(ds, batch_size=6, sampler=sampler)
    first = next(iter(loader))[0].tolist()
    assert first == sampler.indices().tolist()
    sampler.set_epoch(1)
    second = next(iter(loader))[0].tolist()
    assert second == sampler.indices().tolist() and second != first


CONFLICTS = [
    ({"shuffle": True, "sampler": [0, 1]}, "sampler option is mutually exclusive with shuffle"),
    ({"batch_sampler": [[0]], "batch_size": 2}, "batch_sampler option is mutually exclusive"),
    ({"batch_sampler": [[0]], "shuffle": True}, "batch_sampler option is mutually exclusive"),
    ({"batch_sampler": [[0]], "sampler": [0]}, "batch_sampler option is mutually exclusive"),
    ({"batch_sampler": [[0]], "drop_last": True}, "batch_sampler option is mutually exclusive"),
    ({"batch_size": None, "drop_last": True}, "batch_size=None option disables auto-batching"),
    ({"num_workers": -1}, "num_workers option should be non-negative"),
    ({"timeout": -1}, "timeout option should be non-negative"),
    ({"prefetch_factor": 2}, "prefetch_factor option could only be specified in multiproc"),
    ({"num_workers": 1, "prefetch_factor": -1}, "prefetch_factor option should be non-negative"),
    ({"persistent_workers": True}, "persistent_workers option needs num_workers > 0"),
    ({"multiprocessing_context": "spawn"}, "multiprocessing_context can only be used with"),
]


@pytest.mark.parametrize(("kwargs", "message"), CONFLICTS)
def test_conflicting_arguments_raise_torchs_errors(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        tud.DataLoader(list(range(4)), **kwargs)
    with pytest.raises(ValueError, match=message):
        DataLoader(list(range(4)), **kwargs)


def test_iterable_dataset_refuses_order_arguments_like_torch() -> None:
    class Ours(IterableDataset):
        def __iter__(self):  # type: ignore[no-untyped-def]
            return iter(range(3))

    class Theirs(tud.IterableDataset):
        def __iter__(self):  # type: ignore[no-untyped-def]
            return iter(range(3))

    for kwargs, message in [
        ({"shuffle": True}, "expected unspecified shuffle option, but got shuffle=True"),
        ({"sampler": [0]}, "expected unspecified sampler option"),
        ({"batch_sampler": [[0]]}, "expected unspecified batch_sampler option"),
    ]:
        with pytest.raises(ValueError, match=message):
            tud.DataLoader(Theirs(), **kwargs)
        with pytest.raises(ValueError, match=message):
            DataLoader(Ours(), **kwargs)
    DataLoader(Ours(), shuffle=False)  # an explicit False is fine, in torch too


@settings(max_examples=15, deadline=None)
@given(
    n=st.integers(0, 20),
    batch_size=st.integers(1, 6),
    shuffle=st.booleans(),
    workers=st.integers(1, 4),
)
def test_workers_give_the_same_batches_in_the_same_order(
    n: int, batch_size: int, shuffle: bool, workers: int
) -> None:
    X, y = data(n)
    for dataset in (TensorDataset(X, y), PairDataset(X, y)):
        loaders = [
            DataLoader(
                dataset,
                batch_size=batch_size,
                shuffle=shuffle,
                generator=np.random.default_rng(9),
                **extra,
            )
            for extra in (
                {},
                {"num_workers": workers, "pin_memory": True, "persistent_workers": True},
            )
        ]
        assert as_lists(loaders[0]) == as_lists(loaders[1])
        assert len(loaders[0]) == len(loaders[1])


def test_workers_keep_random_augmentation_reproducible() -> None:
    class Noisy(Dataset):
        def __getitem__(self, index: Any) -> np.ndarray:
            noise = rg.random.default_generator().standard_normal(2)
            return np.float32(index) + noise

        def __len__(self) -> int:
            return 9

    def epoch(**kwargs: Any) -> list[list[float]]:
        rg.manual_seed(0)
        return [b.numpy().tolist() for b in DataLoader(Noisy(), batch_size=4, **kwargs)]

    calls: list[int] = []
    with_workers = epoch(num_workers=3, prefetch_factor=4, timeout=5.0, worker_init_fn=calls.append)
    assert with_workers == epoch()
    assert calls == []  # loading stays in this process: no worker to initialise
    assert get_worker_info() is None


def test_unbatched_loading_converts_like_torch() -> None:
    X, y = data(3)
    ours = list(DataLoader(PairDataset(X, y), batch_size=None))
    theirs = list(tud.DataLoader(TorchPairDataset(X, y), batch_size=None))
    assert len(ours) == len(theirs) == 3
    for (xo, yo), (xt, yt) in zip(ours, theirs, strict=True):
        assert isinstance(xo, rg.Tensor) and isinstance(xt, torch.Tensor)
        assert xo.tolist() == xt.tolist() and yo == yt and isinstance(yo, int)
    loader = DataLoader(PairDataset(X, y), batch_size=None, sampler=[2, 0])
    assert [int(yb) for _, yb in loader] == [2, 0] and len(loader) == 2


def test_samples_of_dicts_numbers_and_arrays_collate_like_torch() -> None:
    samples = [
        {"x": np.full(3, i, dtype=np.float32), "label": i, "weight": 0.5 * i, "id": f"s{i}"}
        for i in range(5)
    ]
    ours = list(DataLoader(samples, batch_size=2))
    theirs = list(tud.DataLoader(samples, batch_size=2))
    for o, t in zip(ours, theirs, strict=True):
        assert set(o) == set(t)
        for key in ("x", "label", "weight"):
            assert o[key].tolist() == t[key].tolist()
            assert str(o[key].dtype) == str(t[key].dtype).removeprefix("torch.")
        assert o["id"] == t["id"]


def test_number_and_tensor_samples_collate_like_torch() -> None:
    assert [b.tolist() for b in DataLoader([1, 2, 3], batch_size=2)] == [
        b.tolist() for b in tud.DataLoader([1, 2, 3], batch_size=2)
    ]
    ours = next(iter(DataLoader([rg.tensor([1.0, 2.0]), rg.tensor([3.0, 4.0])], batch_size=2)))
    assert ours.shape == (2, 2) and ours.tolist() == [[1.0, 2.0], [3.0, 4.0]]


def test_a_tensor_dataset_subclass_with_its_own_getitem_is_asked_per_sample() -> None:
    class Doubled(TensorDataset):
        def __getitem__(self, index: Any) -> tuple[rg.Tensor, ...]:
            return tuple(t * 2 for t in super().__getitem__(index))

    ds = Doubled(np.arange(4.0))
    assert [b[0].tolist() for b in DataLoader(ds, batch_size=2)] == [[0.0, 2.0], [4.0, 6.0]]
    subset = Subset(ds, np.array([3, 1]))
    assert next(iter(DataLoader(subset, batch_size=2)))[0].tolist() == [6.0, 2.0]


def test_subset_with_array_indices_takes_the_fast_path() -> None:
    ds = TensorDataset(np.arange(10) * 10)
    loader = DataLoader(Subset(ds, np.array([9, 2, 5])), batch_size=2)
    assert [b[0].tolist() for b in loader] == [[90, 20], [50]]


def test_torch_positional_order() -> None:
    # DataLoader(dataset, batch_size, shuffle, sampler, batch_sampler, num_workers, collate_fn)
    loader = DataLoader(list(range(5)), 2, False, [4, 3, 2, 1, 0], None, 0, lambda s: s)
    assert list(loader) == [[4, 3], [2, 1], [0]]


def test_a_sampler_yielding_0d_tensors_indexes_plain_data_sets() -> None:
    class TensorIndices:
        def __iter__(self):  # type: ignore[no-untyped-def]
            yield from rg.tensor([2, 0, 1])  # as torch's samplers do with randperm

        def __len__(self) -> int:
            return 3

    X, y = data(3)
    loader = DataLoader(PairDataset(X, y), batch_size=2, sampler=TensorIndices())
    assert [yb.tolist() for _, yb in loader] == [[2, 0], [1]]
    assert [
        yb.tolist() for _, yb in DataLoader(TensorDataset(X, y), 2, sampler=TensorIndices())
    ] == [[2, 0], [1]]
