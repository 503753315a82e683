"""TensorDataset, Subset and random_split."""

from __future__ import annotations

import numpy as np
import pytest

import retrograd as rg
from retrograd.data import Dataset, Subset, TensorDataset, random_split


def test_dataset_is_abstract() -> None:
    with pytest.raises(TypeError):
        Dataset()  # type: ignore[abstract]


def test_tensor_dataset_items_and_length() -> None:
    X = np.arange(12.0).reshape(4, 3)
    y = rg.tensor([0, 1, 0, 1])
    ds = TensorDataset(X, y)
    assert len(ds) == 4
    x2, y2 = ds[2]
    assert isinstance(x2, rg.Tensor) and isinstance(y2, rg.Tensor)
    np.testing.assert_array_equal(x2.numpy(), X[2])
    assert y2.item() == 0
    assert x2.dtype == np.float64  # arrays keep their dtype


def test_tensor_dataset_lists_follow_tensor_rules() -> None:
    ds = TensorDataset([[1.0, 2.0], [3.0, 4.0]])
    assert ds.tensors[0].dtype == np.float32


def test_tensor_dataset_size_mismatch_names_sizes() -> None:
    with pytest.raises(rg.ShapeError, match=r"4 \(tensor 0\), 3 \(tensor 1\)"):
        TensorDataset(np.zeros((4, 2)), np.zeros(3))


def test_tensor_dataset_rejects_nothing_and_scalars() -> None:
    with pytest.raises(ValueError, match="at least one tensor"):
        TensorDataset()
    with pytest.raises(rg.ShapeError, match="tensor 1 is 0-d"):
        TensorDataset(np.zeros(3), np.float64(1.0))


def test_subset_maps_indices() -> None:
    ds = TensorDataset(np.arange(10))
    sub = Subset(ds, [7, 2, 5])
    assert len(sub) == 3
    assert sub[0][0].item() == 7
    assert sub[-1][0].item() == 5
    assert sub[[0, 2]][0].tolist() == [7, 5]


def test_random_split_lengths_partition_and_seed() -> None:
    ds = TensorDataset(np.arange(10))
    rg.manual_seed(3)
    a, b = random_split(ds, [7, 3])
    assert (len(a), len(b)) == (7, 3)
    assert sorted(list(a.indices) + list(b.indices)) == list(range(10))
    rg.manual_seed(3)
    a2, _ = random_split(ds, [7, 3])
    assert list(a2.indices) == list(a.indices)
    g1, g2 = np.random.default_rng(5), np.random.default_rng(5)
    assert random_split(ds, [5, 5], g1)[0].indices == random_split(ds, [5, 5], g2)[0].indices


@pytest.mark.parametrize(
    ("n", "fractions", "expected"),
    [(10, [0.7, 0.3], [7, 3]), (11, [0.5, 0.5], [6, 5]), (10, [0.34, 0.33, 0.33], [4, 3, 3])],
)
def test_random_split_fractions_like_torch(
    n: int, fractions: list[float], expected: list[int]
) -> None:
    import torch

    parts = random_split(TensorDataset(np.arange(n)), fractions)
    assert [len(p) for p in parts] == expected
    torch_parts = torch.utils.data.random_split(range(n), fractions)
    assert [len(p) for p in torch_parts] == expected


def test_random_split_bad_lengths_are_named() -> None:
    ds = TensorDataset(np.arange(10))
    with pytest.raises(ValueError, match=r"sum to 9, but the dataset has 10"):
        random_split(ds, [5, 4])
    with pytest.raises(ValueError, match="fraction at index 2 is not between 0 and 1"):
        random_split(ds, [0.5, 0.6, -0.1])
    with pytest.raises(ValueError, match="at index 0"):
        random_split(ds, [2.5, 7.5])
