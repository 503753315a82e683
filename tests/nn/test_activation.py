"""Activation modules: same forward and backward as torch.nn's, same repr."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import retrograd as rg
from retrograd import nn

from .torch_modules import compare_modules

LAYERS = {
    "ReLU": lambda lib: lib.nn.ReLU(),
    "LeakyReLU": lambda lib: lib.nn.LeakyReLU(),
    "LeakyReLU_0.3": lambda lib: lib.nn.LeakyReLU(0.3),
    "ELU": lambda lib: lib.nn.ELU(),
    "ELU_2": lambda lib: lib.nn.ELU(alpha=2.0),
    "GELU": lambda lib: lib.nn.GELU(),
    "GELU_tanh": lambda lib: lib.nn.GELU(approximate="tanh"),
    "SiLU": lambda lib: lib.nn.SiLU(),
    "Sigmoid": lambda lib: lib.nn.Sigmoid(),
    "Tanh": lambda lib: lib.nn.Tanh(),
    "Softplus": lambda lib: lib.nn.Softplus(),
    "Softplus_beta": lambda lib: lib.nn.Softplus(beta=0.5, threshold=2.0),
    "Softmax": lambda lib: lib.nn.Softmax(dim=-1),
    "Softmax_0": lambda lib: lib.nn.Softmax(0),
    "LogSoftmax": lambda lib: lib.nn.LogSoftmax(dim=1),
}


@pytest.mark.parametrize("name", sorted(LAYERS))
@settings(max_examples=20)
@given(
    shape=hnp.array_shapes(min_dims=2, max_dims=3, min_side=1, max_side=4),
    seed=st.integers(0, 2**16),
)
def test_matches_torch(name: str, shape: tuple[int, ...], seed: int) -> None:
    ours, theirs = LAYERS[name](rg), LAYERS[name](torch)
    x = np.random.default_rng(seed).uniform(-5, 5, shape)
    compare_modules(ours, theirs, x, seed=seed)


# torch refuses in-place activations on leaves that require grad, so these only check repr
IN_PLACE = {
    "ReLU_inplace": lambda lib: lib.nn.ReLU(inplace=True),
    "LeakyReLU_inplace": lambda lib: lib.nn.LeakyReLU(0.3, inplace=True),
    "ELU_inplace": lambda lib: lib.nn.ELU(inplace=True),
    "SiLU_inplace": lambda lib: lib.nn.SiLU(inplace=True),
}


@pytest.mark.parametrize("name", sorted(LAYERS | IN_PLACE))
def test_repr_matches_torch(name: str) -> None:
    make = (LAYERS | IN_PLACE)[name]
    assert repr(make(rg)) == repr(make(torch))


@pytest.mark.parametrize("name", sorted(IN_PLACE))
def test_in_place_flag_gives_the_same_values(name: str) -> None:
    x = np.linspace(-3, 3, 7)
    out = IN_PLACE[name](rg)(rg.tensor(x))
    with torch.no_grad():
        expected = IN_PLACE[name](torch)(torch.tensor(x))
    np.testing.assert_allclose(out.array, expected.numpy(), rtol=1e-6)


def test_default_softmax_repr() -> None:
    assert repr(nn.Softmax()) == repr(torch.nn.Softmax()) == "Softmax(dim=None)"


def test_gelu_rejects_unknown_approximation() -> None:
    with pytest.raises(ValueError, match="approximate must be 'none' or 'tanh'"):
        nn.GELU("fast")


def test_activations_have_no_parameters() -> None:
    for make in LAYERS.values():
        module: Any = make(rg)
        assert list(module.parameters()) == [] and module.state_dict() == {}
