"""Tensor construction and autograd flags that PyTorch refuses: gradients on integer tensors,
tensors of strings, objects or dates."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import retrograd as rg

NOT_FLOAT = [np.int64, np.int32, np.uint8, np.bool_]


@pytest.mark.parametrize("dtype", NOT_FLOAT)
def test_requires_grad_attribute_on_a_non_float_tensor_is_refused(dtype):
    with pytest.raises(RuntimeError, match="floating point"):
        torch.tensor(np.array([1, 0], dtype=dtype)).requires_grad = True
    t = rg.tensor(np.array([1, 0], dtype=dtype))
    with pytest.raises(TypeError, match="only Tensors of floating point dtype"):
        t.requires_grad = True
    assert t.requires_grad is False


@pytest.mark.parametrize("dtype", NOT_FLOAT)
def test_requires_grad_method_on_a_non_float_tensor_is_refused(dtype):
    with pytest.raises(TypeError, match="only Tensors of floating point dtype"):
        rg.tensor(np.array([1, 0], dtype=dtype)).requires_grad_()


@pytest.mark.parametrize(
    "make",
    [
        lambda: rg.zeros(2, dtype=rg.int64, requires_grad=True),
        lambda: rg.ones(2, dtype="bool", requires_grad=True),
        lambda: rg.full((2,), 3, requires_grad=True),
        lambda: rg.arange(3, requires_grad=True),
        lambda: rg.tensor([1, 2], requires_grad=True),
        lambda: rg.tensor([True], requires_grad=True),
    ],
)
def test_factories_refuse_requires_grad_on_integer_dtypes(make):
    with pytest.raises(TypeError, match="floating point"):
        make()


def test_requires_grad_attribute_still_works_on_floats():
    t = rg.tensor([1.0, 2.0])
    t.requires_grad = True
    (t * t).sum().backward()
    np.testing.assert_array_equal(t.grad.array, [2.0, 4.0])
    t.requires_grad = False
    assert not t.requires_grad


def test_requires_grad_cannot_be_turned_off_on_a_non_leaf():
    y = rg.tensor([1.0], requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="leaf"):
        y.requires_grad = False


NON_NUMERIC = [
    np.array(["1", "2"]),
    np.array([b"1", b"2"]),
    np.array([1, None]),
    np.array([1, 2], dtype=object),
    np.array(["2020-01-01"], dtype="datetime64[D]"),
    np.array([1], dtype="timedelta64[s]"),
    np.zeros(2, dtype=[("a", "f4")]),
]


@pytest.mark.parametrize("array", NON_NUMERIC, ids=lambda a: str(a.dtype))
@pytest.mark.parametrize(
    "make",
    [rg.tensor, rg.as_tensor, rg.from_numpy, rg.Tensor, lambda a: rg.tensor(a, dtype=rg.float32)],
    ids=["tensor", "as_tensor", "from_numpy", "Tensor", "tensor_dtype"],
)
def test_non_numeric_numpy_arrays_are_refused(array, make):
    with pytest.raises(TypeError, match="cannot make a tensor from a NumPy array of dtype"):
        make(array)


def test_a_list_of_strings_is_refused_too():
    with pytest.raises(TypeError, match="cannot make a tensor"):
        rg.tensor(["1", "2"])
