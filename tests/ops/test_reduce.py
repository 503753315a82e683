"""Reductions (sum, mean, prod, max/min, amax/amin, var/std, logsumexp, argmax/argmin, norm,
cumsum) against PyTorch, with dim / axis, negative dims and keepdim / keepdims."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import retrograd as rg
from helpers import check, distinct, keepdims, rand, seeds, shape_and_dim, shapes


@st.composite
def shape_and_dims(draw, min_dims=0, max_dims=4):
    """A shape and a dim argument: None, one dim, or a tuple of distinct dims (negative too)."""
    shape = draw(shapes(min_dims=min_dims, max_dims=max_dims))
    n = len(shape)
    if n == 0:
        return shape, None
    one = st.integers(-n, n - 1)
    several = st.lists(st.integers(0, n - 1), min_size=1, max_size=n, unique=True).flatmap(
        lambda axes: st.tuples(*[st.sampled_from([a, a - n]) for a in axes])
    )
    return shape, draw(st.one_of(st.none(), one, several))


def _keyword(dim, keepdim):
    return {} if dim is None else {"dim": dim, "keepdim": keepdim}


@pytest.mark.parametrize("name", ["sum", "mean"])
@given(shape_and_dims(), keepdims, seeds)
def test_sum_mean(name, shape_dims, keepdim, seed):
    shape, dim = shape_dims
    check(lambda a: getattr(a, name)(**_keyword(dim, keepdim)), shape, seed=seed)


@pytest.mark.parametrize("name", ["sum", "mean", "amax", "amin", "logsumexp", "var", "std"])
def test_numpy_keyword_names(name):
    torch_name = {"var": "var", "std": "std"}.get(name, name)
    check(
        lambda a: getattr(a, name)(axis=(0, -1), keepdims=True),
        distinct((2, 3, 4)),
        torch_fn=lambda a: getattr(a, torch_name)(dim=(0, -1), keepdim=True),
    )


@pytest.mark.parametrize("name", ["sum", "mean", "prod", "amax", "amin", "max", "min", "logsumexp"])
def test_zero_dim_tensor_with_dim(name):
    check(lambda a: getattr(a, name)(0), np.array(1.5))
    check(lambda a: getattr(a, name)(-1, keepdim=True), np.array(1.5))


def test_free_function_forms():
    check(lambda a: rg.sum(a, dim=1) if isinstance(a, rg.Tensor) else torch.sum(a, dim=1), (2, 3))
    check(lambda a: rg.mean(a) if isinstance(a, rg.Tensor) else torch.mean(a), (2, 3))


@given(shapes(), keepdims, seeds)
def test_prod(shape, keepdim, seed):
    check(lambda a: a.prod(), shape, seed=seed, low=0.5, high=1.5)
    for dim in range(-len(shape), len(shape)):
        check(lambda a, d=dim: a.prod(d, keepdim=keepdim), shape, seed=seed, low=0.5, high=1.5)


def test_prod_with_zeros():
    x = np.array([[0.0, 2.0, 3.0], [0.0, 0.0, 4.0], [1.0, 2.0, 3.0]])
    check(lambda a: a.prod(1), x, fd=False)
    check(lambda a: a.prod(), np.array([0.0, 2.0, 3.0]), fd=False)


@pytest.mark.parametrize("name", ["amax", "amin"])
@given(shape_and_dims(), keepdims, seeds)
def test_amax_amin(name, shape_dims, keepdim, seed):
    shape, dim = shape_dims
    check(lambda a: getattr(a, name)(**_keyword(dim, keepdim)), distinct(shape, seed), seed=seed)


@pytest.mark.parametrize("name", ["max", "min"])
@given(shape_and_dim(), keepdims, seeds)
def test_max_min_dim_gives_values_and_indices(name, shape_dim, keepdim, seed):
    shape, dim = shape_dim
    x = distinct(shape, seed)
    check(lambda a: getattr(a, name)(dim, keepdim=keepdim), x, seed=seed)
    check(lambda a: getattr(a, name)(dim=dim, keepdim=keepdim).values, x, seed=seed, fd=False)
    out = getattr(rg.tensor(x), name)(dim)
    assert out.indices.dtype == np.int64 and not out.indices.requires_grad


@pytest.mark.parametrize("name", ["max", "min"])
@given(shapes(), seeds)
def test_max_min_full(name, shape, seed):
    check(lambda a: getattr(a, name)(), distinct(shape, seed), seed=seed)


TIES = np.array([[1.0, 3.0, 3.0, 0.0], [2.0, 2.0, 2.0, 2.0], [-1.0, -5.0, -5.0, -1.0]])


@pytest.mark.parametrize(
    "fn",
    [
        lambda a: a.amax(),
        lambda a: a.amin(),
        lambda a: a.amax(1),
        lambda a: a.amin(-1, keepdim=True),
        lambda a: a.amax((0, 1)),
        lambda a: a.max(),  # full reductions share the gradient among ties
        lambda a: a.min(),
        lambda a: a.max(1),  # with a dim, the gradient goes to the returned index
        lambda a: a.min(1, keepdim=True),
        lambda a: a.max(0),
    ],
)
def test_ties_follow_torch(fn):
    check(fn, TIES, fd=False)


@pytest.mark.parametrize("name", ["argmax", "argmin"])
@given(shape_and_dim(min_dims=0), keepdims, seeds)
def test_argmax_argmin(name, shape_dim, keepdim, seed):
    shape, dim = shape_dim
    x = distinct(shape, seed)
    check(lambda a: getattr(a, name)(), x, grad=False)
    check(lambda a: getattr(a, name)(dim, keepdim=keepdim), x, grad=False)
    check(lambda a: getattr(a, name)(dim=dim, keepdim=keepdim), x, grad=False)


@pytest.mark.parametrize("name", ["argmax", "argmin"])
def test_argmax_ties_pick_the_first(name):
    check(lambda a: getattr(a, name)(1), TIES, grad=False)
    check(lambda a: getattr(a, name)(), TIES, grad=False)
    check(lambda a: getattr(a, name)(keepdim=True), TIES, grad=False)


@pytest.mark.parametrize("name", ["var", "std"])
@given(shape_and_dims(min_dims=1), keepdims, st.sampled_from([0, 1, 2]), seeds)
def test_var_std_correction(name, shape_dims, keepdim, correction, seed):
    shape, dim = shape_dims
    x = rand(shape, seed)
    n = x.size if dim is None else int(np.prod([shape[d] for d in np.atleast_1d(dim)]))
    if n <= correction or (name == "std" and n == 1):
        return  # division by zero: NaN / inf in both, nothing to differentiate
    check(lambda a: getattr(a, name)(dim, keepdim=keepdim, correction=correction), x, seed=seed)


@pytest.mark.parametrize("name", ["var", "std"])
@pytest.mark.parametrize("unbiased", [True, False])
def test_var_std_unbiased(name, unbiased):
    check(lambda a: getattr(a, name)(unbiased=unbiased), (3, 4))
    check(lambda a: getattr(a, name)(1, unbiased=unbiased), (3, 4))
    check(lambda a: getattr(a, name)(dim=-1, unbiased=unbiased, keepdim=True), (3, 4))
    check(lambda a: getattr(a, name)(0), (3, 4))


@given(shape_and_dims(min_dims=1), keepdims, seeds)
def test_logsumexp(shape_dims, keepdim, seed):
    shape, dim = shape_dims
    dim = tuple(range(len(shape))) if dim is None else dim  # PyTorch needs a dim
    check(lambda a: a.logsumexp(dim, keepdim=keepdim), shape, seed=seed)


def test_logsumexp_of_minus_inf_rows():
    x = np.array([[-np.inf, -np.inf], [0.0, -np.inf]])
    with np.errstate(invalid="ignore"):  # the all -inf row has a NaN gradient in PyTorch too
        check(lambda a: a.logsumexp(1), x, fd=False)


@given(shape_and_dim(), seeds)
def test_cumsum(shape_dim, seed):
    shape, dim = shape_dim
    check(lambda a: a.cumsum(dim), shape, seed=seed)
    check(lambda a: a.cumsum(dim=dim), shape, seed=seed, fd=False)


@pytest.mark.parametrize("p", [1, 2, 3, float("inf")])
@given(shape_and_dims(min_dims=1), keepdims, seeds)
def test_norm(p, shape_dims, keepdim, seed):
    shape, dim = shape_dims
    check(lambda a: a.norm(p, dim, keepdim=keepdim), distinct(shape, seed), seed=seed)
    check(lambda a: a.norm(p=p, dim=dim, keepdim=keepdim), distinct(shape, seed), fd=False)


def test_reductions_of_integers_keep_torch_dtypes():
    x = np.arange(6).reshape(2, 3)
    check(lambda a: a.sum(), x)
    check(lambda a: a.sum(1), x)
    check(lambda a: a.prod(1), x)
    check(lambda a: a.amax(0), x)
    check(lambda a: a.argmax(1), x)
    check(lambda a: (a > 2).sum(), x)
    check(lambda a: a.float().mean(), x)
    assert (
        rg.tensor(x).sum(dtype=rg.float64).dtype
        == torch.tensor(x).sum(dtype=torch.float64).numpy().dtype
    )
