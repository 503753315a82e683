"""The activations celu, selu, relu6, hardtanh, hardsigmoid, hardswish, mish, logsigmoid,
softsign, softmin, tanhshrink, softshrink, hardshrink, threshold, glu, and normalize and
one_hot, as functions and as layers, against PyTorch (values at the kinks included)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given

import retrograd as rg
import retrograd.nn.functional as F
from helpers import assert_close, check, distinct, seeds, shape_and_dim, shapes

# name -> (keyword arguments, the points where the slope jumps)
ACTIVATIONS = {
    "celu": ({"alpha": 0.7}, [0.0]),
    "selu": ({}, [0.0]),
    "relu6": ({}, [0.0, 6.0]),
    "hardtanh": ({"min_val": -0.5, "max_val": 1.5}, [-0.5, 1.5]),
    "hardsigmoid": ({}, [-3.0, 3.0]),
    "hardswish": ({}, [-3.0, 3.0]),
    "mish": ({}, []),
    "logsigmoid": ({}, [0.0]),
    "softsign": ({}, [0.0]),
    "tanhshrink": ({}, []),
    "softshrink": ({"lambd": 0.6}, [-0.6, 0.6]),
    "hardshrink": ({"lambd": 0.6}, [-0.6, 0.6]),
    "threshold": ({"threshold": 0.3, "value": -2.0}, [0.3]),
}
MODULES = {
    "celu": "CELU",
    "selu": "SELU",
    "relu6": "ReLU6",
    "hardtanh": "Hardtanh",
    "hardsigmoid": "Hardsigmoid",
    "hardswish": "Hardswish",
    "mish": "Mish",
    "logsigmoid": "LogSigmoid",
    "softsign": "Softsign",
    "tanhshrink": "Tanhshrink",
    "softshrink": "Softshrink",
    "hardshrink": "Hardshrink",
    "threshold": "Threshold",
}


def _function(name):
    kwargs = ACTIVATIONS[name][0]
    return lambda x: (TF if isinstance(x, torch.Tensor) else F).__dict__[name](x, **kwargs)


@pytest.mark.parametrize("name", ACTIVATIONS)
@given(shapes(), seeds)
def test_activation(name, shape, seed):
    # spread over [-8, 8) so every branch is hit, kept away from the kinks
    values = distinct(shape, seed, gap=0.37) * (16 / max(0.37 * np.prod(shape), 1))
    kinks = ACTIVATIONS[name][1]
    for kink in kinks:
        values = np.where(np.abs(values - kink) < 0.05, values + 0.1, values)
    check(_function(name), values)


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_at_kinks_and_far_out(name):
    kinks = ACTIVATIONS[name][1]
    check(_function(name), np.array([*kinks, -1000.0, -30.0, 30.0, 1000.0]), fd=False)


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_layer(name):
    kwargs = ACTIVATIONS[name][0]
    if name == "threshold":
        kwargs = {"threshold": 0.3, "value": -2.0}
    ours = getattr(rg.nn, MODULES[name])(*kwargs.values())
    theirs = getattr(torch.nn, MODULES[name])(*kwargs.values())
    check(lambda x: (theirs if isinstance(x, torch.Tensor) else ours)(x), (2, 5), low=-4, high=4)
    assert repr(ours) == repr(theirs)


@given(shape_and_dim(), seeds)
def test_softmin(shape_dim, seed):
    shape, dim = shape_dim
    check(lambda x: (TF if isinstance(x, torch.Tensor) else F).softmin(x, dim), shape, seed=seed)
    layer, reference = rg.nn.Softmin(dim), torch.nn.Softmin(dim)
    check(lambda x: (reference if isinstance(x, torch.Tensor) else layer)(x), shape, seed=seed)


@given(shape_and_dim(), seeds)
def test_glu(shape_dim, seed):
    shape, dim = shape_dim
    shape = tuple(2 * n if d == dim % len(shape) else n for d, n in enumerate(shape))
    check(lambda x: (TF if isinstance(x, torch.Tensor) else F).glu(x, dim), shape, seed=seed)
    layer, reference = rg.nn.GLU(dim), torch.nn.GLU(dim)
    check(lambda x: (reference if isinstance(x, torch.Tensor) else layer)(x), shape, seed=seed)


@pytest.mark.parametrize("p", [1.0, 2.0, 3.0])
@given(shape_and_dim(), seeds)
def test_normalize(p, shape_dim, seed):
    shape, dim = shape_dim
    check(
        lambda x: (TF if isinstance(x, torch.Tensor) else F).normalize(x, p, dim), shape, seed=seed
    )


def test_normalize_zero_row():
    check(
        lambda x: (TF if isinstance(x, torch.Tensor) else F).normalize(x),
        np.array([[0.0, 0.0], [3.0, 4.0]]),
        fd=False,
    )


def test_one_hot():
    labels = np.array([[0, 2], [1, 3]])
    assert_close(F.one_hot(rg.tensor(labels)), TF.one_hot(torch.tensor(labels)))
    assert_close(F.one_hot(rg.tensor(labels), 6), TF.one_hot(torch.tensor(labels), 6))
    with pytest.raises(rg.InvalidArgumentError):
        F.one_hot(rg.tensor([0, 4]), 3)
