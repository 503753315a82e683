"""NumPy's ufuncs on Tensors: every ufunc in the dispatch table, forward and backward, against
the retrograd-op spelling and against PyTorch, on hypothesis-drawn shapes (broadcasting too)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import retrograd as rg
from helpers import broadcast_shapes, check, distinct, rand, seeds, shapes

from .compare import compare

Fn = Callable[..., Any]

# name -> (NumPy spelling, retrograd spelling, PyTorch spelling[, (low, high) of the values])
SMOOTH: dict[str, tuple[Fn, Fn, Fn]] = {
    "negative": (np.negative, lambda a: -a, torch.negative),
    "positive": (np.positive, lambda a: a.clone(), lambda a: a.clone()),
    "exp": (np.exp, lambda a: a.exp(), torch.exp),
    "exp2": (np.exp2, lambda a: 2.0**a, torch.exp2),
    "expm1": (np.expm1, np.expm1, torch.expm1),  # a primitive of its own: PyTorch is the check
    "sin": (np.sin, lambda a: a.sin(), torch.sin),
    "cos": (np.cos, lambda a: a.cos(), torch.cos),
    "tanh": (np.tanh, lambda a: a.tanh(), torch.tanh),
    "sinh": (np.sinh, lambda a: (a.exp() - (-a).exp()) / 2, torch.sinh),
    "cosh": (np.cosh, lambda a: (a.exp() + (-a).exp()) / 2, torch.cosh),
    "square": (np.square, lambda a: a.square(), torch.square),
    "arctan": (np.arctan, lambda a: a.atan(), torch.atan),
    "arcsinh": (np.arcsinh, lambda a: a.asinh(), torch.asinh),
}
POSITIVE: dict[str, tuple[Fn, Fn, Fn]] = {
    "log": (np.log, lambda a: a.log(), torch.log),
    "log2": (np.log2, lambda a: a.log() / float(np.log(2.0)), torch.log2),
    "log10": (np.log10, lambda a: a.log() / float(np.log(10.0)), torch.log10),
    "log1p": (np.log1p, lambda a: a.log1p(), torch.log1p),
    "sqrt": (np.sqrt, lambda a: a.sqrt(), torch.sqrt),
    "reciprocal": (np.reciprocal, lambda a: a.reciprocal(), torch.reciprocal),
}
KINKED: dict[str, tuple[Fn, Fn, Fn]] = {
    "absolute": (np.absolute, lambda a: a.abs(), torch.abs),
    "sign": (np.sign, lambda a: a.sign(), torch.sign),
}
NO_GRADIENT: dict[str, tuple[Fn, Fn, Fn]] = {
    "floor": (np.floor, lambda a: a.floor(), torch.floor),
    "ceil": (np.ceil, lambda a: a.ceil(), torch.ceil),
    "trunc": (np.trunc, lambda a: a.trunc(), torch.trunc),
    "isnan": (np.isnan, lambda a: a.isnan(), torch.isnan),
    "isinf": (np.isinf, lambda a: a.isinf(), torch.isinf),
    "isfinite": (np.isfinite, lambda a: a.isfinite(), torch.isfinite),
    "logical_not": (np.logical_not, lambda a: a.logical_not(), torch.logical_not),
}
BINARY: dict[str, tuple[Fn, Fn, Fn, tuple[float, float]]] = {
    "add": (np.add, lambda a, b: a + b, torch.add, (-2.0, 2.0)),
    "subtract": (np.subtract, lambda a, b: a - b, torch.subtract, (-2.0, 2.0)),
    "multiply": (np.multiply, lambda a, b: a * b, torch.multiply, (-2.0, 2.0)),
    "divide": (np.divide, lambda a, b: a / b, torch.divide, (0.5, 2.0)),
    "power": (np.power, lambda a, b: a**b, torch.pow, (0.5, 2.0)),
    "maximum": (np.maximum, lambda a, b: a.maximum(b), torch.maximum, (-2.0, 2.0)),
    "minimum": (np.minimum, lambda a, b: a.minimum(b), torch.minimum, (-2.0, 2.0)),
    "logaddexp": (np.logaddexp, lambda a, b: a.logaddexp(b), torch.logaddexp, (-2.0, 2.0)),
}
COMPARISONS: dict[str, tuple[Fn, Fn, Fn]] = {
    "less": (np.less, lambda a, b: a < b, torch.lt),
    "less_equal": (np.less_equal, lambda a, b: a <= b, torch.le),
    "greater": (np.greater, lambda a, b: a > b, torch.gt),
    "greater_equal": (np.greater_equal, lambda a, b: a >= b, torch.ge),
    "equal": (np.equal, lambda a, b: a == b, torch.eq),
    "not_equal": (np.not_equal, lambda a, b: a != b, torch.ne),
}


@pytest.mark.parametrize("name", SMOOTH)
@given(shapes(), seeds)
def test_smooth_ufuncs(name: str, shape: tuple[int, ...], seed: int) -> None:
    np_fn, rg_fn, torch_fn = SMOOTH[name]
    if name == "expm1":  # no Tensor method: the op itself, against PyTorch only
        check(np_fn, rand(shape, seed), torch_fn=torch_fn, seed=seed)
        return
    compare(np_fn, rg_fn, torch_fn, rand(shape, seed), seed=seed)


def test_expm1_keeps_the_digits_of_a_small_input() -> None:
    x = rg.tensor(np.array([1e-12, -3e-10, 2e-8]), requires_grad=True)
    y = np.expm1(x)
    np.testing.assert_array_equal(y.array, np.expm1(x.array))
    y.sum().backward()
    np.testing.assert_allclose(x.grad.array, np.exp(x.array), rtol=1e-15)


@pytest.mark.parametrize("name", POSITIVE)
@given(shapes(), seeds)
def test_positive_domain_ufuncs(name: str, shape: tuple[int, ...], seed: int) -> None:
    np_fn, rg_fn, torch_fn = POSITIVE[name]
    compare(np_fn, rg_fn, torch_fn, rand(shape, seed, 0.2, 3.0), seed=seed)


@pytest.mark.parametrize("name", KINKED)
@given(shapes(), seeds)
def test_kinked_ufuncs(name: str, shape: tuple[int, ...], seed: int) -> None:
    np_fn, rg_fn, torch_fn = KINKED[name]
    compare(np_fn, rg_fn, torch_fn, distinct(shape, seed), seed=seed)


@pytest.mark.parametrize("name", NO_GRADIENT)
@given(shapes(), seeds)
def test_ufuncs_without_gradient(name: str, shape: tuple[int, ...], seed: int) -> None:
    np_fn, rg_fn, torch_fn = NO_GRADIENT[name]
    values = rand(shape, seed, -3.0, 3.0)
    compare(np_fn, rg_fn, torch_fn, values, grad=False, seed=seed)
    out = np_fn(rg.tensor(values, requires_grad=True))  # a result outside the graph, as the method
    assert isinstance(out, rg.Tensor) and not out.requires_grad


@pytest.mark.parametrize("name", BINARY)
@given(broadcast_shapes(2), seeds)
def test_binary_ufuncs_broadcast(name: str, shapes_: tuple[Any, ...], seed: int) -> None:
    np_fn, rg_fn, torch_fn, (low, high) = BINARY[name]
    a, b = rand(shapes_[0], seed, low, high), rand(shapes_[1], seed + 1, low, high)
    compare(np_fn, rg_fn, torch_fn, a, b, seed=seed)


@pytest.mark.parametrize("name", BINARY)
@given(broadcast_shapes(2), seeds, st.booleans())
def test_binary_ufuncs_with_an_ndarray_constant(
    name: str, shapes_: tuple[Any, ...], seed: int, constant_first: bool
) -> None:
    """`ufunc(ndarray, t)` and `ufunc(t, ndarray)`: the ndarray is a constant, as in PyTorch."""
    np_fn, rg_fn, torch_fn, (low, high) = BINARY[name]
    const = rand(shapes_[0], seed + 2, low, high)
    values = rand(shapes_[1], seed, low, high)

    def ours(t: Any) -> Any:
        other = torch.tensor(const) if isinstance(t, torch.Tensor) else const
        fn = torch_fn if isinstance(t, torch.Tensor) else np_fn
        return fn(other, t) if constant_first else fn(t, other)

    check(ours, values, seed=seed, device=False)  # a host array next to a GPU tensor is an error


@pytest.mark.parametrize("name", COMPARISONS)
@given(broadcast_shapes(2), seeds)
def test_comparisons(name: str, shapes_: tuple[Any, ...], seed: int) -> None:
    np_fn, rg_fn, torch_fn = COMPARISONS[name]
    a = np.round(rand(shapes_[0], seed), 1)  # rounded so that equal values occur
    b = np.round(rand(shapes_[1], seed + 1), 1)
    compare(np_fn, rg_fn, torch_fn, a, b, grad=False, seed=seed)


@st.composite
def matmul_shapes(draw: Any) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Shapes for a @ b: vectors, matrices and broadcast batches."""
    n, k, m = (draw(st.integers(1, 4)) for _ in range(3))
    batch = draw(broadcast_shapes(2, max_dims=2))
    left = (k,) if draw(st.booleans()) else (*batch[0], n, k)
    right = (k,) if draw(st.booleans()) else (*batch[1], k, m)
    return left, right


@given(matmul_shapes(), seeds)
def test_matmul(shapes_: tuple[tuple[int, ...], tuple[int, ...]], seed: int) -> None:
    a, b = rand(shapes_[0], seed), rand(shapes_[1], seed + 1)
    compare(np.matmul, lambda x, y: x @ y, torch.matmul, a, b, seed=seed)


@given(matmul_shapes(), seeds)
def test_matmul_operator_with_an_ndarray_on_the_left(
    shapes_: tuple[tuple[int, ...], tuple[int, ...]], seed: int
) -> None:
    const, values = rand(shapes_[0], seed), rand(shapes_[1], seed + 1)
    check(  # a host array next to a GPU tensor is an error: no device rerun
        lambda t: (torch.tensor(const) if isinstance(t, torch.Tensor) else const) @ t,
        values,
        device=False,
    )


# ---------------------------------------------------------------------- ufunc methods
REDUCE: dict[str, tuple[Fn, Fn]] = {
    "add": (np.add.reduce, torch.sum),
    "multiply": (np.multiply.reduce, torch.prod),
    "maximum": (np.maximum.reduce, torch.amax),
    "minimum": (np.minimum.reduce, torch.amin),
}


@pytest.mark.parametrize("name", REDUCE)
@given(shapes(min_dims=1), seeds, st.booleans())
def test_ufunc_reduce(name: str, shape: tuple[int, ...], seed: int, keepdims: bool) -> None:
    np_fn, torch_fn = REDUCE[name]
    values = distinct(shape, seed) if name in ("maximum", "minimum") else rand(shape, seed)
    check(
        lambda t: (
            torch_fn(t, 0, keepdim=keepdims)
            if isinstance(t, torch.Tensor)
            else np_fn(t, keepdims=keepdims)
        ),
        values,
        seed=seed,
    )


def test_ufunc_reduce_over_all_axes_and_accumulate() -> None:
    values = rand((2, 3), 0)
    check(lambda t: t.sum() if isinstance(t, torch.Tensor) else np.add.reduce(t, axis=None), values)
    check(
        lambda t: torch.cumsum(t, 1) if isinstance(t, torch.Tensor) else np.add.accumulate(t, 1),
        values,
    )


def test_numpy_aliases_are_the_same_ufuncs() -> None:
    """np.abs, np.true_divide and np.pow are other names of ufuncs tested above."""
    assert np.abs is np.absolute and np.true_divide is np.divide and np.pow is np.power
    t = rg.tensor([-1.0, 2.0], requires_grad=True)
    assert np.abs(t).requires_grad and np.true_divide(t, 2.0).requires_grad
    assert np.pow(t, 2).requires_grad
