"""Binary arithmetic, matmul, reflected forms and comparisons against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import retrograd as rg
from helpers import broadcast_shapes, check, rand, seeds


@given(broadcast_shapes(2), seeds)
def test_add(shapes, seed):
    check(lambda a, b: a + b, *shapes, seed=seed)


@given(broadcast_shapes(2), seeds)
def test_sub(shapes, seed):
    check(lambda a, b: a - b, *shapes, seed=seed)


@given(broadcast_shapes(2), seeds)
def test_mul(shapes, seed):
    check(lambda a, b: a * b, *shapes, seed=seed)


@given(broadcast_shapes(2), seeds)
def test_div(shapes, seed):
    a, b = shapes
    check(lambda x, y: x / y, rand(a, seed), rand(b, seed + 1, 0.5, 2.0) * (-1) ** seed, seed=seed)


@given(broadcast_shapes(3), seeds)
def test_three_way_broadcast(shapes, seed):
    check(lambda a, b, c: a * b + c, *shapes, seed=seed)


@given(broadcast_shapes(1), seeds, st.sampled_from([2, 3, 0, 1, -1, 0.5, -2.5, 1.7]))
def test_pow_scalar(shapes, seed, exponent):
    check(lambda a: a**exponent, rand(shapes[0], seed, 0.3, 2.0), seed=seed)


@pytest.mark.parametrize("exponent", [2, 3, -1, 0])
def test_pow_integer_exponent_of_negative_base(exponent):
    check(lambda a: a**exponent, rand((3, 4), 0, -2.0, -0.3))


@given(broadcast_shapes(2), seeds)
def test_pow_tensor(shapes, seed):
    a, b = shapes
    check(lambda x, y: x**y, rand(a, seed, 0.3, 2.0), rand(b, seed + 1), seed=seed)


@given(broadcast_shapes(1), seeds)
def test_scalar_pow_tensor(shapes, seed):
    check(lambda x: 2.5**x, shapes[0], seed=seed)


def test_pow_tensor_base_zero_matches_torch():
    # d(a**b)/db at a == 0 is 0 in PyTorch (log(0) times 0); the base gradient at 0**2 is 0
    check(lambda a, b: a**b, np.array([0.0, 0.0, 1.5]), np.array([2.0, 3.0, 2.0]), fd=False)


@pytest.mark.parametrize(
    "a, b",
    [
        ((3,), (3,)),
        ((2, 3), (3,)),
        ((3,), (3, 4)),
        ((2, 3), (3, 4)),
        ((5, 2, 3), (3, 4)),
        ((2, 3), (5, 3, 4)),
        ((5, 1, 2, 3), (4, 3, 2)),
        ((4, 2, 3), (3,)),
        ((3,), (4, 3, 2)),
        ((1, 2, 3), (5, 3, 2)),
    ],
)
def test_matmul(a, b):
    check(lambda x, y: x @ y, a, b)


@given(
    st.integers(1, 3), st.integers(1, 3), st.integers(1, 3), broadcast_shapes(2, max_dims=2), seeds
)
def test_matmul_batched_broadcast(n, k, m, batches, seed):
    check(lambda x, y: x.matmul(y), batches[0] + (n, k), batches[1] + (k, m), seed=seed)


def test_matmul_mismatch_message_names_both_shapes():
    with pytest.raises(rg.ShapeError, match=r"\(2, 3\).*\(4, 5\)"):
        rg.ones(2, 3) @ rg.ones(4, 5)


@pytest.mark.parametrize(
    "fn",
    [
        lambda a: 3 + a,
        lambda a: 3 - a,
        lambda a: 3 * a,
        lambda a: 3 / a,
        lambda a: 2.0**a,
        lambda a: a + 1.5,
        lambda a: a - 1.5,
        lambda a: a * -2,
        lambda a: a / 4,
        lambda a: -a,
        lambda a: +a * 1,
        lambda a: 1 - (-a),
    ],
)
def test_scalar_operands(fn):
    check(fn, rand((2, 3), 0, 0.5, 2.0))


@pytest.mark.parametrize(
    "fn",
    [
        lambda a, c: a + c,
        lambda a, c: c + a,
        lambda a, c: c - a,
        lambda a, c: c * a,
        lambda a, c: c / a,
        lambda a, c: a**c,
        lambda a, c: c @ a.T,
    ],
)
def test_numpy_array_operands(fn):
    const = rand((3,), 7)
    # PyTorch refuses a NumPy array next to a tensor that requires grad: it gets a tensor.
    # A host (NumPy) operand next to a device tensor is an error by design: no device rerun
    check(
        lambda a: fn(a, const),
        (2, 3),
        low=0.5,
        torch_fn=lambda a: fn(a, torch.tensor(const)),
        device=False,
    )


def test_numpy_array_on_the_left_gives_a_tensor():
    out = np.ones(3) + rg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    assert isinstance(out, rg.Tensor) and out.requires_grad


@pytest.mark.parametrize(
    "fn",
    [
        lambda a, b: a == b,
        lambda a, b: a != b,
        lambda a, b: a < b,
        lambda a, b: a <= b,
        lambda a, b: a > b,
        lambda a, b: a >= b,
        lambda a, b: a.eq(b),
        lambda a, b: a.ne(b),
        lambda a, b: a.lt(b),
        lambda a, b: a.le(b),
        lambda a, b: a.gt(b),
        lambda a, b: a.ge(b),
        lambda a, b: a > 0.5,
        lambda a, b: a == a,
    ],
)
def test_comparisons(fn):
    a = np.round(rand((2, 1, 3), 0), 0)
    b = np.round(rand((4, 1), 1), 0)
    check(fn, a, b, grad=False)
    result = fn(rg.tensor(a, requires_grad=True), rg.tensor(b, requires_grad=True))
    assert result.dtype == np.bool_ and not result.requires_grad and result.grad_fn is None
