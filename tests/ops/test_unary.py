"""Elementwise math, clamp / maximum / minimum / where, and activations against PyTorch."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from hypothesis import given

import retrograd as rg
from helpers import broadcast_shapes, check, distinct, rand, seeds, shape_and_dim, shapes

SMOOTH = {
    "exp": lambda a: a.exp(),
    "sin": lambda a: a.sin(),
    "cos": lambda a: a.cos(),
    "tanh": lambda a: a.tanh(),
    "sigmoid": lambda a: a.sigmoid(),
    "square": lambda a: a.square(),
    "neg": lambda a: a.neg(),
    "erf": lambda a: a.erf(),
}
POSITIVE = {
    "log": lambda a: a.log(),
    "sqrt": lambda a: a.sqrt(),
    "rsqrt": lambda a: a.rsqrt(),
    "reciprocal": lambda a: a.reciprocal(),
    "log1p": lambda a: a.log1p(),
}
# kinks at 0: values are kept at least 0.05 away from it
KINKED = {
    "abs": lambda a: a.abs(),
    "builtin abs": abs,
    "sign": lambda a: a.sign(),
    "relu": lambda a: a.relu(),
}


@pytest.mark.parametrize("name", SMOOTH)
@given(shapes(), seeds)
def test_smooth(name, shape, seed):
    check(SMOOTH[name], shape, seed=seed)


@pytest.mark.parametrize("name", POSITIVE)
@given(shapes(), seeds)
def test_positive_domain(name, shape, seed):
    check(POSITIVE[name], shape, seed=seed, low=0.2, high=3.0)


def test_log1p_near_minus_one():
    check(lambda a: a.log1p(), rand((5,), 0, -0.9, -0.5))


@pytest.mark.parametrize("name", KINKED)
@given(shapes(), seeds)
def test_kinked(name, shape, seed):
    check(KINKED[name], distinct(shape, seed), seed=seed)


@pytest.mark.parametrize("name", ["abs", "sign", "relu"])
def test_gradient_at_zero_matches_torch(name):
    check(KINKED[name], np.array([-1.0, 0.0, 0.0, 2.0]), fd=False)


@pytest.mark.parametrize(
    "name", ["exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "abs", "relu"]
)
def test_free_functions(name):
    fn = getattr(rg, name)
    check(lambda a: fn(a) if isinstance(a, rg.Tensor) else getattr(torch, name)(a), (2, 3), low=0.2)


@pytest.mark.parametrize(
    "low, high",
    [(-0.5, 0.5), (None, 0.3), (-0.3, None), (0.5, -0.5)],
)
@given(shapes(), seeds)
def test_clamp(low, high, shape, seed):
    check(lambda a: a.clamp(low, high), distinct(shape, seed), seed=seed)
    check(lambda a: a.clip(min=low, max=high), distinct(shape, seed), seed=seed)


def test_clamp_ties_pass_the_gradient_like_torch():
    check(lambda a: a.clamp(-1.0, 1.0), np.array([-2.0, -1.0, 0.0, 1.0, 2.0]), fd=False)


@given(broadcast_shapes(3), seeds)
def test_clamp_with_tensor_bounds(shapes_, seed):
    _, lo, hi = shapes_
    x = np.broadcast_shapes(*shapes_)  # PyTorch's clamp does not broadcast its input up
    check(lambda a, b, c: a.clamp(b, b + c.abs() + 0.1), x, lo, hi, seed=seed, fd=False)


@pytest.mark.parametrize("op", ["maximum", "minimum"])
@given(broadcast_shapes(2), seeds)
def test_maximum_minimum(op, shapes_, seed):
    a, b = shapes_
    check(lambda x, y: getattr(x, op)(y), rand(a, seed), rand(b, seed + 1) + 0.013, seed=seed)


@pytest.mark.parametrize("op", ["maximum", "minimum", "max", "min"])
def test_maximum_minimum_ties_split_the_gradient_like_torch(op):
    a = np.array([1.0, 2.0, 3.0, -1.0])
    b = np.array([1.0, 0.0, 3.0, -1.0])
    check(lambda x, y: getattr(x, op)(y), a, b, fd=False)


@given(broadcast_shapes(3), seeds)
def test_where(shapes_, seed):
    c, a, b = shapes_
    cond = rand(c, seed) > 0
    check(
        lambda x, y: rg.where(rg.tensor(cond), x, y),
        a,
        b,
        torch_fn=lambda x, y: torch.where(torch.tensor(cond), x, y),
        seed=seed,
    )


def test_where_with_scalars_and_method_forms():
    cond = np.array([[True, False, True]])
    check(
        lambda x: rg.where(cond, x, 0.0),
        (2, 3),
        torch_fn=lambda x: torch.where(torch.tensor(cond), x, 0.0),
    )
    check(
        lambda x: rg.where(cond, 1.5, x),
        (2, 3),
        torch_fn=lambda x: torch.where(torch.tensor(cond), 1.5, x),
    )
    check(
        lambda x: x.where(rg.tensor(cond), -x),
        (2, 3),
        torch_fn=lambda x: x.where(torch.tensor(cond), -x),
    )
    check(
        lambda x: x.masked_fill(rg.tensor(cond), 7.0),
        (2, 3),
        torch_fn=lambda x: x.masked_fill(torch.tensor(cond), 7.0),
    )


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@given(shape_and_dim(), seeds)
def test_softmax(name, shape_dim, seed):
    shape, dim = shape_dim
    check(lambda a: getattr(a, name)(dim), shape, seed=seed)
    check(lambda a: getattr(a, name)(dim=dim), shape, seed=seed, fd=False)


EXTREME = np.array([[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, -1000.0], [1000.0, 1000.0, 999.0]])

STABLE = {
    "softmax": lambda a: a.softmax(-1),
    "log_softmax": lambda a: a.log_softmax(-1),
    "logsumexp": lambda a: a.logsumexp(-1),
    "sigmoid": lambda a: a.sigmoid(),
    "tanh": lambda a: a.tanh(),
    "relu": lambda a: a.relu(),
}


@pytest.mark.parametrize("name", STABLE)
def test_stable_at_plus_minus_1000(name):
    with (
        warnings.catch_warnings(),
        np.errstate(all="raise", under="ignore"),
    ):  # exp(-2000) -> 0 is fine
        warnings.simplefilter("error")
        (x,) = check(STABLE[name], EXTREME, fd=False)
        out = STABLE[name](rg.tensor(EXTREME))
    assert np.isfinite(out.array).all() and np.isfinite(x.grad.array).all()


@pytest.mark.parametrize("name", ["softmax", "log_softmax", "sigmoid", "tanh"])
def test_stable_in_float32(name):
    with (
        warnings.catch_warnings(),
        np.errstate(all="raise", under="ignore"),
    ):  # exp(-2000) -> 0 is fine
        warnings.simplefilter("error")
        out = STABLE[name](rg.tensor(EXTREME.astype(np.float32)))
    expected = STABLE[name](torch.tensor(EXTREME.astype(np.float32)))
    np.testing.assert_allclose(out.array, expected.numpy(), rtol=1e-5, atol=1e-6)
    assert out.dtype == np.float32


def test_sigmoid_in_half_precision_matches_torch_far_into_the_tails():
    x = np.array([-30.0, -12.0, -3.0, 0.0, 3.0, 12.0], dtype=np.float16)
    out = rg.tensor(x).sigmoid()
    assert out.dtype == np.float16
    np.testing.assert_allclose(
        out.array.astype(np.float64), torch.tensor(x).sigmoid().double().numpy(), rtol=1e-3, atol=0
    )


@pytest.mark.parametrize("name", ["relu", "sigmoid", "tanh"])
@given(shapes(), seeds)
def test_backward_in_float32_stays_float32_and_matches_torch(name, shape, seed):
    """The backward writes mask or derivative and product into one new float32 array."""
    values = rand(shape, seed).astype(np.float32)
    upstream = rand(shape, seed + 1).astype(np.float32)
    x = rg.tensor(values, requires_grad=True)
    out = STABLE[name](x)
    out.backward(rg.tensor(upstream))
    xt = torch.tensor(values, requires_grad=True)
    STABLE[name](xt).backward(torch.tensor(upstream))
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad.array, xt.grad.numpy(), rtol=1e-5, atol=1e-6)
    assert out.grad is None and not np.shares_memory(x.grad.array, out.array)
