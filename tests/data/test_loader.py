"""DataLoader: batching, shuffling with the seeded generator, the TensorDataset fast path."""

from __future__ import annotations

from collections import namedtuple
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import retrograd as rg
from retrograd.data import DataLoader, Dataset, Subset, TensorDataset, default_collate


class ListDataset(Dataset):
    """A plain data set of (features, label) pairs, served one sample at a time."""

    def __init__(self, X: np.ndarray, y: np.ndarray) -> None:
        self.X, self.y = X, y

    def __getitem__(self, index: Any) -> tuple[np.ndarray, int]:
        return self.X[index], int(self.y[index])

    def __len__(self) -> int:
        return len(self.X)


def data(n: int) -> tuple[np.ndarray, np.ndarray]:
    return np.arange(n * 2, dtype=np.float32).reshape(n, 2), np.arange(n) % 3


@settings(max_examples=25)
@given(n=st.integers(0, 23), batch_size=st.integers(1, 9), drop_last=st.booleans())
def test_len_and_batch_sizes_match_torch(n: int, batch_size: int, drop_last: bool) -> None:
    import torch

    X, y = data(n)
    loader = DataLoader(TensorDataset(X, y), batch_size=batch_size, drop_last=drop_last)
    ref = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.from_numpy(X), torch.from_numpy(y)),
        batch_size=batch_size,
        drop_last=drop_last,
    )
    assert len(loader) == len(ref)
    assert [len(xb) for xb, _ in loader] == [len(xb) for xb, _ in ref]


def test_unshuffled_batches_are_in_order() -> None:
    X, y = data(5)
    batches = list(DataLoader(TensorDataset(X, y), batch_size=2))
    np.testing.assert_array_equal(np.concatenate([xb.numpy() for xb, _ in batches]), X)
    assert isinstance(batches[0], tuple) and batches[0][0].dtype == np.float32


@settings(max_examples=25)
@given(seed=st.integers(0, 2**31 - 1), n=st.integers(1, 30), batch_size=st.integers(1, 8))
def test_fast_path_equals_sample_by_sample(seed: int, n: int, batch_size: int) -> None:
    X, y = data(n)
    fast = DataLoader(
        TensorDataset(X, y), batch_size, shuffle=True, generator=np.random.default_rng(seed)
    )
    slow = DataLoader(
        ListDataset(X, y), batch_size, shuffle=True, generator=np.random.default_rng(seed)
    )
    for (xf, yf), (xs, ys) in zip(fast, slow, strict=True):
        np.testing.assert_array_equal(xf.numpy(), xs.numpy())
        np.testing.assert_array_equal(yf.numpy(), ys.numpy())


def test_fast_path_indexes_once_per_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    ds = TensorDataset(*data(10))
    monkeypatch.setattr(TensorDataset, "__getitem__", lambda self, i: pytest.fail("per-sample"))
    assert len(list(DataLoader(ds, batch_size=4, shuffle=True))) == 3
    assert len(list(DataLoader(Subset(ds, [1, 3, 5]), batch_size=2))) == 2


def test_subset_of_tensor_dataset_takes_its_samples() -> None:
    X, y = data(6)
    xb, yb = next(iter(DataLoader(Subset(TensorDataset(X, y), [4, 0, 2]), batch_size=3)))
    np.testing.assert_array_equal(xb.numpy(), X[[4, 0, 2]])


def test_shuffle_orders_repeat_after_manual_seed_and_change_per_epoch() -> None:
    ds = TensorDataset(np.arange(20))
    loader = DataLoader(ds, batch_size=20, shuffle=True)

    def epoch() -> list[int]:
        return next(iter(loader))[0].tolist()

    rg.manual_seed(0)
    first, second = epoch(), epoch()
    rg.manual_seed(0)
    assert epoch() == first and epoch() == second
    assert first != second and sorted(first) == list(range(20))


def test_explicit_generator_is_used() -> None:
    ds = TensorDataset(np.arange(20))
    order = np.random.default_rng(7).permutation(20)
    batch = next(iter(DataLoader(ds, 20, shuffle=True, generator=np.random.default_rng(7))))
    assert batch[0].tolist() == order.tolist()


def test_collate_fn_receives_the_samples() -> None:
    ds = TensorDataset(np.arange(5))
    batches = list(DataLoader(ds, batch_size=2, collate_fn=lambda s: [x[0].item() for x in s]))
    assert batches == [[0, 1], [2, 3], [4]]


def test_bad_arguments_are_named() -> None:
    ds = TensorDataset(np.arange(5))
    with pytest.raises(ValueError, match="batch_size must be positive, got 0"):
        DataLoader(ds, batch_size=0)
    with pytest.raises(TypeError, match="batch_size must be an int, got float"):
        DataLoader(ds, batch_size=2.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="generator must be a numpy.random.Generator"):
        DataLoader(ds, generator=3)  # type: ignore[arg-type]


def test_default_collate_types_like_torch() -> None:
    batch = default_collate(
        [(1, 0.5, True, "a", np.float32(2.0)), (2, 1.5, False, "b", np.float32(3.0))]
    )
    ints, floats, bools, strings, np_scalars = batch
    assert ints.dtype == np.int64 and ints.tolist() == [1, 2]
    assert floats.dtype == np.float64  # torch's default_collate also gives float64
    assert bools.dtype == np.bool_
    assert strings == ["a", "b"]
    assert np_scalars.dtype == np.float32


def test_default_collate_nested_structures() -> None:
    Pair = namedtuple("Pair", ["x", "y"])
    out = default_collate(
        [{"a": Pair(rg.tensor([1.0, 2.0]), 0)}, {"a": Pair(rg.tensor([3.0, 4.0]), 1)}]
    )
    assert isinstance(out["a"], Pair)
    assert out["a"].x.shape == (2, 2) and out["a"].y.tolist() == [0, 1]
    assert isinstance(default_collate([[1, 2], [3, 4]]), list)


def test_default_collate_errors_name_the_problem() -> None:
    with pytest.raises(
        rg.ShapeError, match=r"sample 1 has shape \(3,\) at sample\[0\], sample 0 has \(2,\)"
    ):
        default_collate([(np.zeros(2), 0), (np.zeros(3), 1)])
    with pytest.raises(rg.ShapeError, match="different numbers of fields"):
        default_collate([(1, 2), (1,)])
    with pytest.raises(TypeError, match="cannot batch samples of type NoneType"):
        default_collate([None, None])
    with pytest.raises(ValueError, match="empty"):
        default_collate([])
