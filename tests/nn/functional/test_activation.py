"""Functional activations against torch.nn.functional (forward, backward, finite differences),
their behaviour at kinks, and stability at inputs of +-1000."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given, settings
from hypothesis import strategies as st

import retrograd as rg
import retrograd.nn.functional as F
from helpers import assert_close, check, seeds, shape_and_dim, shapes

fast = settings(max_examples=25)

# name -> (ours, theirs); each pair is called with the same single tensor argument
PAIRS = {
    "relu": (F.relu, TF.relu),
    "leaky_relu": (F.leaky_relu, TF.leaky_relu),
    "leaky_relu_0.2": (lambda x: F.leaky_relu(x, 0.2), lambda x: TF.leaky_relu(x, 0.2)),
    "elu": (F.elu, TF.elu),
    "elu_alpha_0.5": (lambda x: F.elu(x, alpha=0.5), lambda x: TF.elu(x, alpha=0.5)),
    "gelu": (F.gelu, TF.gelu),
    "gelu_tanh": (
        lambda x: F.gelu(x, approximate="tanh"),
        lambda x: TF.gelu(x, approximate="tanh"),
    ),
    "silu": (F.silu, TF.silu),
    "sigmoid": (F.sigmoid, torch.sigmoid),
    "tanh": (F.tanh, torch.tanh),
    "softplus": (F.softplus, TF.softplus),
    "softplus_beta_2": (
        lambda x: F.softplus(x, beta=2.0, threshold=3.0),
        lambda x: TF.softplus(x, beta=2.0, threshold=3.0),
    ),
    "softmax_last": (lambda x: F.softmax(x, dim=-1), lambda x: TF.softmax(x, dim=-1)),
    "log_softmax_last": (lambda x: F.log_softmax(x, dim=-1), lambda x: TF.log_softmax(x, dim=-1)),
}


@pytest.mark.parametrize("name", sorted(PAIRS))
@fast
@given(shape=shapes(min_dims=1, max_dims=3, max_side=4), seed=seeds)
def test_matches_torch_and_finite_differences(name: str, shape: tuple[int, ...], seed: int) -> None:
    ours, theirs = PAIRS[name]
    # [-4, 4] spans both sides of every kink and the softplus threshold of the beta=2 case
    check(ours, shape, torch_fn=theirs, seed=seed, low=-4.0, high=4.0)


@fast
@given(case=shape_and_dim(max_dims=3), seed=seeds, log=st.booleans())
def test_softmax_any_dim(case: tuple[tuple[int, ...], int], seed: int, log: bool) -> None:
    shape, dim = case
    ours = F.log_softmax if log else F.softmax
    theirs = TF.log_softmax if log else TF.softmax
    check(lambda x: ours(x, dim=dim), shape, torch_fn=lambda x: theirs(x, dim=dim), seed=seed)


# Kinks: both libraries pick the same one-sided derivative at exactly 0, and the softplus switch
# at exactly the threshold.
KINK_INPUT = np.array([-1.0, -0.0, 0.0, 1e-300, 20.0, 1.0])


@pytest.mark.parametrize("name", ["relu", "leaky_relu", "elu", "elu_alpha_0.5", "softplus", "silu"])
def test_values_and_gradients_at_kinks(name: str) -> None:
    ours, theirs = PAIRS[name]
    check(ours, KINK_INPUT.copy(), torch_fn=theirs, fd=False)


EXTREMES = np.array([-1000.0, -100.0, -30.0, -1.0, 0.0, 1.0, 30.0, 100.0, 1000.0])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", sorted(PAIRS))
def test_stable_at_extreme_inputs(name: str, dtype: type) -> None:
    ours, theirs = PAIRS[name]
    x = rg.tensor(EXTREMES.astype(dtype), requires_grad=True)
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        out = ours(x)
        out.backward(rg.ones_like(out))
    assert out.dtype == dtype
    assert np.isfinite(out.array).all(), out.array
    assert np.isfinite(x.grad.array).all(), x.grad.array
    their_x = torch.tensor(EXTREMES, requires_grad=True)
    their_out = theirs(their_x)
    their_out.backward(torch.ones_like(their_out))
    rtol = 1e-6 if dtype == np.float64 else 1e-5
    np.testing.assert_allclose(out.array, their_out.detach().numpy(), rtol=rtol, atol=1e-6)
    np.testing.assert_allclose(x.grad.array, their_x.grad.numpy(), rtol=rtol, atol=1e-6)


def test_elu_keeps_precision_near_zero() -> None:
    # exp(x) - 1 would lose every digit here; torch uses expm1
    x = np.array([-1e-12, -1e-8, -1e-4])
    check(F.elu, x, torch_fn=TF.elu, fd=False)


def test_softplus_is_linear_above_threshold() -> None:
    x = rg.tensor([25.0, 21.0], dtype="float64", requires_grad=True)
    out = F.softplus(x)
    out.sum().backward()
    np.testing.assert_array_equal(out.array, x.array)
    np.testing.assert_array_equal(x.grad.array, [1.0, 1.0])


def test_worked_example() -> None:
    x = rg.tensor([-2.0, 0.5], dtype="float64")
    np.testing.assert_allclose(F.leaky_relu(x, 0.1).array, [-0.2, 0.5])
    np.testing.assert_allclose(F.elu(x).array, [np.exp(-2.0) - 1, 0.5])
    np.testing.assert_allclose(F.silu(x).array, [-2 / (1 + np.exp(2.0)), 0.5 / (1 + np.exp(-0.5))])
    np.testing.assert_allclose(F.softplus(x).array, np.log1p(np.exp([-2.0, 0.5])))


def test_gelu_rejects_unknown_approximation() -> None:
    with pytest.raises(ValueError, match="approximate must be 'none' or 'tanh', got 'erf'"):
        F.gelu(rg.zeros(2), approximate="erf")


def test_softmax_without_dim_warns_and_picks_torchs_dim() -> None:
    x = np.random.default_rng(0).standard_normal((2, 3))
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        ours = F.softmax(rg.tensor(x))
    with pytest.warns(UserWarning):
        theirs = TF.softmax(torch.tensor(x))
    assert_close(ours, theirs)


def test_softmax_dtype_argument_casts_first() -> None:
    out = F.log_softmax(rg.tensor([[1.0, 2.0]]), dim=1, dtype="float64")
    assert out.dtype == np.float64


def test_inplace_flag_is_accepted() -> None:
    x = rg.tensor([-1.0, 2.0])
    for fn in (F.relu, F.leaky_relu, F.elu, F.silu):
        out = fn(x, inplace=True)
        assert out.shape == (2,)
