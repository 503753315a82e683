"""dtype rules of tensor creation and promotion, compared with PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import retrograd as rg


def _same_or_both_refuse(run):
    """The same result dtype as PyTorch, or an error where PyTorch refuses (subtracting bools)."""
    try:
        theirs = run(torch)
    except RuntimeError:
        with pytest.raises(rg.RetrogradError):
            run(rg)
        return
    _same_dtype(run(rg), theirs)


def _same_dtype(ours, theirs):
    assert ours.dtype == theirs.numpy().dtype, f"{ours.dtype} != {theirs.dtype}"


@pytest.mark.parametrize(
    "data",
    [[1.0, 2.0], [1, 2], [True, False], 1.5, 3, [[1, 2.5]], np.ones(2), np.ones(2, np.float32),
     np.arange(3), np.arange(3, dtype=np.int32), np.array([True])],
    ids=repr,
)  # fmt: skip
def test_creation_dtypes(data):
    _same_dtype(rg.tensor(data), torch.tensor(data))


A32 = np.ones(3, np.float32)
A64 = np.ones(3, np.float64)
I64 = np.arange(1, 4)
I32 = np.arange(1, 4, dtype=np.int32)
B = np.array([True, False, True])

PAIRS = [
    (A32, A64), (A64, A32), (I64, A32), (I32, I64), (B, I64), (B, A32), (I32, A64), (B, B),
    (I64, np.array(2.5)),
]  # fmt: skip


@pytest.mark.parametrize("a, b", PAIRS, ids=lambda a: str(a.dtype) + str(a.shape))
@pytest.mark.parametrize("op", ["add", "mul", "sub", "truediv", "maximum"])
def test_tensor_tensor_promotion(a, b, op):
    fn = {
        "add": lambda x, y: x + y,
        "mul": lambda x, y: x * y,
        "sub": lambda x, y: x - y,
        "truediv": lambda x, y: x / y,
        "maximum": lambda x, y: x.maximum(y),
    }[op]
    with np.errstate(all="ignore"):  # False / False: only the dtype matters here
        _same_or_both_refuse(lambda lib: fn(lib.tensor(a), lib.tensor(b)))


@pytest.mark.parametrize("a", [A32, A64, I64, I32, B], ids=lambda a: str(a.dtype))
@pytest.mark.parametrize("scalar", [2, 2.5, True])
@pytest.mark.parametrize("op", ["add", "rsub", "mul", "truediv", "rtruediv", "pow"])
def test_tensor_scalar_promotion(a, scalar, op):
    fn = {
        "add": lambda x: x + scalar,
        "rsub": lambda x: scalar - x,
        "mul": lambda x: x * scalar,
        "truediv": lambda x: x / scalar,
        "rtruediv": lambda x: scalar / x,
        "pow": lambda x: x**scalar,
    }[op]
    with np.errstate(all="ignore"):
        _same_or_both_refuse(lambda lib: fn(lib.tensor(a)))


def test_named_rules():
    assert rg.tensor([1.0, 2.0]).dtype == np.float32
    assert rg.tensor([1, 2]).dtype == np.int64
    assert rg.tensor(np.ones(2)).dtype == np.float64
    assert (rg.ones(2) + rg.ones(2, dtype=rg.float64)).dtype == np.float64
    assert (rg.tensor([1, 2]) + 1.5).dtype == np.float32
    assert (rg.tensor([1, 2]) / rg.tensor([2, 2])).dtype == np.float32
    assert (rg.tensor([1, 2]) * 2).dtype == np.int64
    assert (rg.ones(2) < 1).dtype == np.bool_


def test_zero_dim_tensor_does_not_widen_a_dimensioned_one():
    # PyTorch: a 0-d float64 tensor next to a float32 vector gives float32
    _same_dtype(
        rg.ones(3) * rg.tensor(2.0, dtype=rg.float64),
        torch.ones(3) * torch.tensor(2.0, dtype=torch.float64),
    )


def test_casts_keep_the_gradient():
    x = rg.tensor([1.0, 2.0], requires_grad=True)
    y = x.double() * x.to(rg.float64)
    assert y.dtype == np.float64
    y.sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad.array, [2.0, 4.0])
    assert not x.long().requires_grad


def test_default_dtype():
    rg.set_default_dtype(rg.float64)
    try:
        assert rg.tensor([1.0]).dtype == np.float64
        assert rg.zeros(2).dtype == np.float64
    finally:
        rg.set_default_dtype(rg.float32)
    assert rg.get_default_dtype() == np.float32
