"""PyTorch's legacy `torch.Tensor(*sizes)` and `size=` keywords, as old scripts use them:
`nn.Parameter(torch.Tensor(out_features))` must be a vector, never a scalar."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import retrograd as rg
from retrograd.errors import ArgumentTypeError


@pytest.mark.parametrize("args", [(3,), (2, 3), (2, 0, 4), ()], ids=repr)
def test_tensor_of_sizes_has_torchs_shape_and_dtype(args: tuple[int, ...]) -> None:
    ours, theirs = rg.Tensor(*args), torch.Tensor(*args)
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert ours.dtype == theirs.numpy().dtype
    assert not ours.array.any()  # zeros where torch leaves memory uninitialised


def test_a_parameter_from_a_size_is_a_vector_that_initialises_in_place() -> None:
    bias = rg.nn.Parameter(rg.Tensor(4))
    bias.data.uniform_(-0.1, 0.1)
    assert tuple(bias.shape) == (4,) and bias.requires_grad and bias.array.any()


def test_data_still_makes_a_tensor_of_the_data() -> None:
    np.testing.assert_array_equal(rg.Tensor([1.5, 2.0]).array, [1.5, 2.0])
    assert rg.tensor(3).item() == 3 and rg.tensor(3).ndim == 0  # tensor(): a value
    assert tuple(rg.Tensor(2, 3, dtype=rg.float64).shape) == (2, 3)


def test_sizes_must_be_integers() -> None:
    with pytest.raises(ArgumentTypeError, match="non-negative integers"):
        rg.Tensor(2, "a")
    with pytest.raises(ArgumentTypeError, match="non-negative integers"):
        rg.Tensor(-1)


@pytest.mark.parametrize("name", ["empty", "zeros", "ones", "rand", "randn"])
def test_factories_take_size_as_a_keyword(name: str) -> None:
    for size in ((2, 3), [2, 3], (4,)):
        ours = getattr(rg, name)(size=size)
        assert tuple(ours.shape) == tuple(getattr(torch, name)(size=size).shape)
    with pytest.raises(ArgumentTypeError, match="both positionally and as size="):
        getattr(rg, name)(2, size=(2,))


@pytest.mark.parametrize("data", [[1, 2], [[True, False]], (3, 4), [1.5]], ids=repr)
def test_the_class_makes_lists_float_like_torch(data) -> None:  # type: ignore[no-untyped-def]
    assert rg.Tensor(data).dtype == torch.Tensor(data).numpy().dtype
    np.testing.assert_array_equal(rg.Tensor(data).array, torch.Tensor(data).numpy())
