"""Edge values where a naive rule gives NaN or a traceback and PyTorch gives a number or a clear
error: pow at base 0, norms of a zero vector, std of a constant, dims of 0-d tensors, empty
softmax, Python ints outside an integer dtype."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import retrograd as rg
from helpers import assert_close, check, distinct, rand, seeds

# ---------------------------------------------------------------------- pow at base 0
BASES = [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 2.0, -2.0, 1.5]
EXPONENTS = [0.0, 2.0, 0.5, -1.0, -0.5, 1.0, 0.0, 2.0, -1.5]


def test_pow_tensor_exponent_at_base_zero_matches_pytorch():
    """d/da is 0 where b == 0; d/db is 0 where a == 0 and b >= 0, -inf where b < 0."""
    a, b = np.array(BASES), np.array(EXPONENTS)
    check(lambda x, y: x**y, a, b, fd=False)


def test_scalar_base_zero_to_tensor_exponent_matches_pytorch():
    b = np.array([0.0, 1.0, -1.0, 2.5, -0.5])
    check(lambda y: 0.0**y, b, fd=False)
    check(lambda y: 0.0**y, b, torch_fn=lambda y: torch.tensor(0.0, dtype=y.dtype) ** y, fd=False)


@pytest.mark.parametrize("exponent", [0, 0.0, 1, 2, 3, 0.5, -1, -0.5])
def test_pow_scalar_exponent_at_zero_matches_pytorch(exponent):
    check(lambda x: x**exponent, np.array([0.0, 2.0, -3.0]), fd=False)


@settings(deadline=None)
@given(st.tuples(st.integers(1, 3), st.integers(1, 3)), seeds)
def test_pow_tensor_exponent_away_from_zero(shape, seed):
    base = rand(shape, seed, low=0.5, high=2.0)
    check(lambda x, y: x**y, base, shape, seed=seed)


# ---------------------------------------------------------------------- norms
PS = [2, 1, math.inf, -math.inf, 3, 1.5, 0.5, -1, 0]


@pytest.mark.parametrize("p", PS, ids=repr)
@pytest.mark.parametrize("dim", [None, 0, 1, (0, 1)], ids=repr)
def test_norm_of_zeros_has_zero_gradient(p, dim):
    check(
        lambda x: x.norm(p, dim),
        np.zeros((2, 3)),
        torch_fn=lambda x: torch.linalg.vector_norm(x, p, dim),
        fd=False,
    )


@pytest.mark.parametrize("p", PS, ids=repr)
def test_norm_of_a_row_with_zeros_matches_pytorch(p):
    x = np.array([[0.0, 0.0, 0.0], [0.0, 1.5, -2.0], [0.5, -1.0, 3.0]])
    check(
        lambda t: t.norm(p, 1, keepdim=True),
        x,
        torch_fn=lambda t: torch.linalg.vector_norm(t, p, 1, keepdim=True),
        fd=False,
    )


@settings(deadline=None)
@given(st.sampled_from(PS), st.sampled_from([None, 0, -1]), st.booleans(), seeds)
def test_norm_matches_pytorch_and_finite_differences(p, dim, keepdim, seed):
    x = distinct((3, 4), seed, gap=0.3)  # no zeros, no ties: differentiable everywhere
    check(
        lambda t: t.norm(p, dim, keepdim),
        x,
        torch_fn=lambda t: torch.linalg.vector_norm(t, p, dim, keepdim),
        seed=seed,
    )


def test_norm_of_a_0d_tensor_accepts_dim_0():
    check(lambda t: t.norm(2, 0), np.array(-1.5), torch_fn=lambda t: t.norm(2, 0))


@pytest.mark.parametrize("dim", [None, 0, 1], ids=repr)
def test_std_of_a_constant_has_zero_gradient(dim):
    check(lambda x: x.std(dim), np.full((3, 4), 2.5), fd=False)
    check(lambda x: x.std(dim, unbiased=False), np.full((3, 4), -1.0), fd=False)
    check(lambda x: x.var(dim), np.full((3, 4), 2.5), fd=False)


def test_std_without_degrees_of_freedom_is_nan_like_pytorch():
    with pytest.warns(RuntimeWarning):
        check(lambda x: x.std(), np.array([1.5]), fd=False)


@settings(deadline=None)
@given(st.sampled_from([None, 0, 1, (0, 1)]), st.booleans(), st.sampled_from([0, 1, 2]), seeds)
def test_std_matches_pytorch_and_finite_differences(dim, keepdim, correction, seed):
    check(
        lambda x: x.std(dim, keepdim=keepdim, correction=correction),
        (3, 4),
        torch_fn=lambda x: x.std(dim, keepdim=keepdim, correction=correction),
        seed=seed,
    )


# ---------------------------------------------------------------------- 0-d tensors, empty dims
SCANS_AND_REDUCTIONS = [
    "cumsum",
    "sum",
    "mean",
    "amax",
    "amin",
    "softmax",
    "log_softmax",
    "logsumexp",
    "prod",
    "norm",
]


@pytest.mark.parametrize("name", SCANS_AND_REDUCTIONS)
@pytest.mark.parametrize("dim", [0, -1])
def test_dims_0_and_minus_1_of_a_0d_tensor(name, dim):
    if name == "norm":
        check(lambda x: x.norm(2, dim), np.array(1.5), torch_fn=lambda x: x.norm(2, dim))
        return
    check(lambda x: getattr(x, name)(dim), np.array(1.5))


@pytest.mark.parametrize("name", ["argmax", "argmin"])
def test_arg_extremes_of_a_0d_tensor(name):
    assert_close(getattr(rg.tensor(1.5), name)(0), getattr(torch.tensor(1.5), name)(0))


def test_max_of_a_0d_tensor_along_dim_0():
    values, indices = rg.tensor(1.5).max(0)
    expected = torch.tensor(1.5).max(0)
    assert_close(values, expected.values)
    assert_close(indices, expected.indices)


def test_cumsum_of_a_0d_tensor_refuses_dim_1():
    with pytest.raises(IndexError, match="out of range"):
        rg.tensor(1.5).cumsum(1)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("shape_dim", [((2, 0), -1), ((0, 3), 1), ((2, 0, 3), 1)], ids=repr)
def test_softmax_over_an_empty_dim_is_empty(name, shape_dim):
    shape, dim = shape_dim
    check(lambda x: getattr(x, name)(dim), np.zeros(shape), fd=False)


# ---------------------------------------------------------------------- Python ints and int dtypes
INT_OPS = {
    "or": lambda a, s: a | s,
    "and": lambda a, s: a & s,
    "xor": lambda a, s: a ^ s,
    "ror": lambda a, s: s | a,
    "add": lambda a, s: a + s,
    "radd": lambda a, s: s + a,
    "sub": lambda a, s: a - s,
    "mul": lambda a, s: a * s,
}
SCALARS = [0xFFFFFFFF, 2**40, -(2**40), 2**31, 2**63, -(2**63), 300, -1]


@pytest.mark.parametrize("op", INT_OPS, ids=str)
@pytest.mark.parametrize("scalar", SCALARS, ids=repr)
@pytest.mark.parametrize("dtype", ["int32", "int64", "int16", "int8"])
def test_python_int_out_of_an_integer_dtype_wraps_like_pytorch(op, scalar, dtype):
    values = np.array([1, 2, -3], dtype=dtype)
    fn = INT_OPS[op]
    expected = fn(torch.tensor(values), scalar)
    assert_close(fn(rg.tensor(values), scalar), expected)


@pytest.mark.parametrize("op", INT_OPS, ids=str)
def test_python_int_wider_than_64_bits_is_an_overflow_error(op):
    with pytest.raises(OverflowError):
        INT_OPS[op](torch.tensor([1, 2], dtype=torch.int32), 2**64)
    with pytest.raises(OverflowError, match="64 bits"):
        INT_OPS[op](rg.tensor(np.array([1, 2], dtype=np.int32)), 2**64)


def test_in_place_add_of_a_wide_int_wraps_like_pytorch():
    ours = rg.tensor(np.array([1, 2], dtype=np.int32))
    theirs = torch.tensor([1, 2], dtype=torch.int32)
    ours.add_(2**40 + 5)
    theirs.add_(2**40 + 5)
    assert_close(ours, theirs)


def test_bool_or_int_promotes_like_pytorch():
    assert_close(rg.tensor([True, False]) | 2, torch.tensor([True, False]) | 2)
