"""Trigonometric and hyperbolic functions, exp2/log2/log10, logaddexp, lerp, copysign, rounded
division and remainders, shifts and logical ops, isclose, scans and std_mean/var_mean against
PyTorch (forward, backward, finite differences in float64)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import retrograd as rg
from helpers import (
    assert_close,
    broadcast_shapes,
    check,
    distinct,
    rand,
    seeds,
    shape_and_dim,
    shapes,
)

ANYWHERE = {
    "atan": lambda a: a.atan(),
    "sinh": lambda a: a.sinh(),
    "cosh": lambda a: a.cosh(),
    "asinh": lambda a: a.asinh(),
    "exp2": lambda a: a.exp2(),
    "tan": lambda a: a.tan(),  # values in [-1.2, 1.2], away from the poles
}
UNIT = {  # domain (-1, 1)
    "asin": lambda a: a.asin(),
    "acos": lambda a: a.acos(),
    "atanh": lambda a: a.atanh(),
}
ABOVE_ONE = {"acosh": lambda a: a.acosh()}
POSITIVE = {"log2": lambda a: a.log2(), "log10": lambda a: a.log10()}


@pytest.mark.parametrize("name", ANYWHERE)
@given(shapes(), seeds)
def test_unary_everywhere(name, shape, seed):
    check(ANYWHERE[name], shape, seed=seed, low=-1.2, high=1.2)


@pytest.mark.parametrize("name", UNIT)
@given(shapes(), seeds)
def test_unary_unit_interval(name, shape, seed):
    check(UNIT[name], shape, seed=seed, low=-0.9, high=0.9)


@pytest.mark.parametrize("name", {**ABOVE_ONE, **POSITIVE})
@given(shapes(), seeds)
def test_unary_positive(name, shape, seed):
    check({**ABOVE_ONE, **POSITIVE}[name], shape, seed=seed, low=1.1, high=4.0)


@pytest.mark.parametrize(
    "name, values",
    [("asin", [1.0, -1.0]), ("acos", [1.0]), ("atanh", [1.0, -1.0]), ("acosh", [1.0])],
)
def test_domain_edges_match_torch(name, values):
    check(lambda a: getattr(a, name)(), np.array(values), fd=False)


@pytest.mark.parametrize(
    "name",
    ["tan", "asin", "acos", "atan", "sinh", "cosh", "asinh", "atanh", "exp2", "log2", "log10"],
)
def test_integer_input_becomes_float32(name):
    data = np.array([0, 1, 2]) if name != "acosh" else np.array([1, 2])
    ours = getattr(rg, name)(rg.tensor(data))
    theirs = getattr(torch, name)(torch.tensor(data))
    assert_close(ours, theirs, rtol=1e-6, atol=1e-6)


def test_exp2_log2_exact_on_powers_of_two():
    x = rg.tensor([0.0, 3.0, 10.0])
    assert x.exp2().tolist() == [1.0, 8.0, 1024.0]
    assert x.exp2().log2().tolist() == [0.0, 3.0, 10.0]


@given(broadcast_shapes(2), seeds)
def test_logaddexp(shapes_, seed):
    check(lambda a, b: a.logaddexp(b), *shapes_, seed=seed, low=-3, high=3)


def test_logaddexp_large_and_infinite():
    check(
        lambda a, b: torch.logaddexp(a, b) if isinstance(a, torch.Tensor) else rg.logaddexp(a, b),
        np.array([1000.0, -1000.0, 0.0]),
        np.array([999.0, -1001.0, 5.0]),
    )
    out = rg.logaddexp(rg.tensor([-np.inf]), rg.tensor([-np.inf]))
    assert out.tolist() == [-np.inf]


@given(broadcast_shapes(3), seeds)
def test_lerp(shapes_, seed):
    check(lambda a, b, w: a.lerp(b, w), *shapes_, seed=seed)


def test_lerp_scalar_weight():
    check(lambda a, b: a.lerp(b, 0.3), (2, 3), (3,))


@given(broadcast_shapes(2), seeds)
def test_copysign(shapes_, seed):
    a_shape, b_shape = shapes_
    check(lambda a, b: a.copysign(b), distinct(a_shape, seed), distinct(b_shape, seed + 1))


def test_copysign_zero_gradient_convention():
    check(
        lambda a, b: a.copysign(b),
        np.array([0.0, -0.0, 2.0, -2.0]),
        np.array([1.0, -1.0, -0.0, 0.0]),
        fd=False,
    )
    assert_close(
        rg.copysign(rg.tensor([1, 2]), rg.tensor([-1, 1])),
        torch.copysign(torch.tensor([1, 2]), torch.tensor([-1, 1])),
    )


@pytest.mark.parametrize("op", ["remainder", "fmod"])
@given(broadcast_shapes(2), seeds)
def test_remainder_float(op, shapes_, seed):
    a_shape, b_shape = shapes_
    a = rand(a_shape, seed, -5, 5)
    b = rand(b_shape, seed + 1, 0.5, 2) * np.where(rand(b_shape, seed + 2) > 0, 1, -1)
    check(lambda x, y: getattr(x, op)(y), a, b, fd=False)


@pytest.mark.parametrize("op", ["remainder", "fmod"])
def test_remainder_finite_differences(op):
    a = np.array([[3.3, -3.3, 7.7], [-0.4, 0.4, 5.2]])
    b = np.array([2.0, -1.5, 2.5])
    check(lambda x, y: getattr(x, op)(y), a, b)


def test_python_operators_on_floats():
    a = np.array([[3.3, -3.3, 7.7], [-0.4, 0.4, 5.2]])
    check(lambda x: x % 2.0, a)
    # torch has no derivative for a Python scalar on the left; a 0-d tensor gives the rule
    check(lambda x: 7.5 % x, a, torch_fn=lambda x: torch.tensor(7.5, dtype=x.dtype) % x)
    # PyTorch has no derivative for `//` (backward raises); the values must match, and the
    # gradient is zero, as for div(rounding_mode="floor")
    check(lambda x: x // 2.0, a, grad=False)
    check(lambda x: 7.5 // x, a, grad=False)
    check(lambda x, y: x // y, a, np.array([2.0, -1.5, 2.5]), grad=False)
    x = rg.tensor(a, requires_grad=True)
    (x // 2.0).sum().backward()
    assert x.grad.tolist() == np.zeros_like(a).tolist()


@pytest.mark.parametrize("mode", [None, "floor", "trunc"])
def test_div_rounding_mode(mode):
    a = np.array([[3.3, -3.3, 7.7], [-0.4, 0.4, 5.2]])
    check(lambda x, y: x.div(y, rounding_mode=mode), a, np.array([2.0, -1.5, 2.5]))


@pytest.mark.parametrize("mode", ["floor", "trunc"])
def test_integer_division_stays_integer(mode):
    a, b = np.array([7, -7, 6, -6, 0]), np.array([2, 2, -4, -4, 3])
    assert_close(
        rg.tensor(a).div(rg.tensor(b), rounding_mode=mode),
        torch.tensor(a).div(torch.tensor(b), rounding_mode=mode),
    )


def test_integer_operators_match_torch():
    a, b = np.array([7, -7, 6, -6, 0]), np.array([2, 3, -4, -4, 3])
    ra, ta = rg.tensor(a), torch.tensor(a)
    rb, tb = rg.tensor(b), torch.tensor(b)
    cases = [
        (lambda x, y: x // y),
        (lambda x, y: x % y),
        (lambda x, y: x // 2),
        (lambda x, y: 7 // y),
        (lambda x, y: 7 % y),
        (lambda x, y: x % -3),
        (lambda x, y: x.fmod(y)),
        (lambda x, y: x.remainder(y)),
        (lambda x, y: x // 2.5),
        (lambda x, y: y.abs() << 2),
        (lambda x, y: 2 << y.abs()),
        (lambda x, y: y.abs() >> 1),
        (lambda x, y: 64 >> y.abs()),
        (lambda x, y: x << y.abs()),
        (lambda x, y: x.bitwise_left_shift(y.abs())),
        (lambda x, y: x.bitwise_right_shift(y.abs())),
        (lambda x, y: x.bitwise_and(y)),
        (lambda x, y: x.bitwise_or(y)),
        (lambda x, y: x.bitwise_xor(y)),
        (lambda x, y: x.bitwise_not()),
        (lambda x, y: 3 & x),
        (lambda x, y: 3 | x),
        (lambda x, y: 3 ^ x),
        (lambda x, y: x.logical_and(y)),
        (lambda x, y: x.logical_or(y)),
        (lambda x, y: x.logical_xor(y)),
    ]
    for i, fn in enumerate(cases):
        assert_close(fn(ra, rb), fn(ta, tb), what=f"case {i}")


def test_int32_shift_keeps_dtype():
    x = np.array([1, 2, 3], dtype=np.int32)
    assert_close(rg.tensor(x) << 3, torch.tensor(x) << 3)


def test_shift_of_float_is_refused():
    with pytest.raises(TypeError):
        rg.tensor([1.5]) << 2


def test_isclose():
    a = np.array([1.0, 1.0 + 1e-6, 2.0, np.nan, np.inf])
    b = np.array([1.0, 1.0, 2.1, np.nan, np.inf])
    for kwargs in [{}, {"equal_nan": True}, {"rtol": 0.1}, {"atol": 0.2}]:
        assert_close(
            rg.tensor(a).isclose(rg.tensor(b), **kwargs),
            torch.isclose(torch.tensor(a), torch.tensor(b), **kwargs),
        )
    assert_close(
        rg.isclose(rg.tensor(a), 1.0),
        torch.isclose(torch.tensor(a), torch.tensor(1.0, dtype=torch.float64)),
    )


@given(shape_and_dim(), seeds)
def test_cumprod(shape_dim, seed):
    shape, dim = shape_dim
    check(lambda a: a.cumprod(dim), shape, seed=seed, low=0.5, high=1.5)


@pytest.mark.parametrize("zeros", [[2], [0], [4], [1, 3]])
def test_cumprod_gradient_with_zeros(zeros):
    x = np.array([[1.5, -2.0, 0.7, 3.0, -0.5], [0.9, 1.1, -1.3, 2.0, 0.8]])
    x[0, zeros] = 0.0
    check(lambda a: a.cumprod(1), x)
    check(lambda a: a.cumprod(0), x)


def test_cumprod_integer_dtype():
    for data in ([1, 2, 3], [True, False, True]):
        assert_close(rg.tensor(data).cumprod(0), torch.tensor(data).cumprod(0))


@given(shape_and_dim(), seeds)
def test_logcumsumexp(shape_dim, seed):
    shape, dim = shape_dim
    check(lambda a: a.logcumsumexp(dim), shape, seed=seed, low=-3, high=3)


def test_logcumsumexp_large_values():
    check(lambda a: a.logcumsumexp(0), np.array([1000.0, -1000.0, 999.0, 1001.0]))


@pytest.mark.parametrize("op", ["cummax", "cummin"])
@given(shape_and_dim(), seeds)
def test_running_extremes(op, shape_dim, seed):
    shape, dim = shape_dim
    check(lambda a: getattr(a, op)(dim), distinct(shape, seed))


@pytest.mark.parametrize("op", ["cummax", "cummin"])
def test_running_extremes_with_ties(op):
    check(lambda a: getattr(a, op)(0), np.array([1.0, 3.0, 3.0, 2.0, 3.0, -1.0]), fd=False)
    values, indices = getattr(rg.tensor([[1, 5, 5], [2, 0, 7]]), op)(dim=1)
    expected = getattr(torch.tensor([[1, 5, 5], [2, 0, 7]]), op)(dim=1)
    assert_close(values, expected.values)
    assert_close(indices, expected.indices)


@pytest.mark.parametrize("op", ["std_mean", "var_mean"])
@given(shape_and_dim(), seeds, st.booleans(), st.integers(0, 1))
def test_std_var_mean(op, shape_dim, seed, keepdim, correction):
    shape, dim = shape_dim
    if shape[dim] - correction <= 0:
        return
    check(
        lambda a: getattr(torch if isinstance(a, torch.Tensor) else rg, op)(
            a, dim, keepdim=keepdim, correction=correction
        ),
        shape,
        seed=seed,
    )


def test_std_mean_all_elements():
    check(lambda a: a.std_mean() if isinstance(a, rg.Tensor) else torch.std_mean(a), (3, 4))


def test_mm_bmm_dot_outer():
    check(lambda a, b: a.mm(b), (2, 3), (3, 4))
    check(lambda a, b: a.bmm(b), (2, 2, 3), (2, 3, 4))
    check(lambda a, b: a.dot(b), (3,), (3,))
    check(lambda a, b: a.outer(b), (3,), (2,))
    with pytest.raises(rg.ShapeError):
        rg.randn(2, 3).mm(rg.randn(2, 3, 4))
    assert rg.randn(2, 3).nelement() == 6


def test_new_empty():
    x = rg.tensor([1, 2], dtype=rg.int32)
    assert x.new_empty(2, 3).shape == (2, 3) and x.new_empty((4,)).dtype == np.int32
    assert x.new_empty(2, dtype=rg.float64).dtype == np.float64
