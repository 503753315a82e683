"""`Optimizer.load_state_dict` checks the hyperparameters of each saved group before using them:
unknown options and values of the wrong type are refused naming the option, a flag that differs
from the optimizer's warns naming it."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest

import retrograd as rg
from retrograd import optim
from retrograd.optim import SGD, Adam, OptimizerStateDictError


def weights() -> list[rg.Tensor]:
    return [rg.tensor(np.array([1.0, -2.0]), requires_grad=True)]


def saved_with(optimizer_cls: Any, **changes: Any) -> dict[str, Any]:
    state = optimizer_cls(weights(), lr=0.1).state_dict()
    state["param_groups"][0].update(changes)
    return state


@pytest.mark.parametrize(
    ("optimizer_cls", "changes", "fragment"),
    [
        (SGD, {"lr": "0.1"}, "option 'lr' must be a finite number, got '0.1'"),
        (SGD, {"lr": True}, "option 'lr' must be a finite number, got True"),
        (SGD, {"lr": float("nan")}, "option 'lr' must be a finite number, got nan"),
        (SGD, {"lr": -1.0}, "Invalid learning rate: -1.0"),
        (SGD, {"maximize": "yes"}, "option 'maximize' must be True or False, got 'yes'"),
        (SGD, {"nesterov": 1}, "option 'nesterov' must be True or False"),
        (SGD, {"capturable": False}, "has the option 'capturable', which SGD does not have"),
        (Adam, {"betas": [0.9]}, "option 'betas' must be 2 finite numbers"),
        (Adam, {"betas": [0.9, 1.5]}, "Invalid beta parameter at index 1: 1.5"),
        (Adam, {"eps": [1e-8]}, "option 'eps' must be a finite number"),
    ],
)
def test_bad_hyperparameters_are_refused_naming_the_option(
    optimizer_cls: Any, changes: dict[str, Any], fragment: str
) -> None:
    optimizer = optimizer_cls(weights(), lr=0.1)
    before = dict(optimizer.param_groups[0])
    with pytest.raises(OptimizerStateDictError, match="parameter group 0 of the loaded") as caught:
        optimizer.load_state_dict(saved_with(optimizer_cls, **changes))
    assert fragment in str(caught.value)
    assert optimizer.param_groups[0] == before  # nothing loaded


def test_a_string_learning_rate_no_longer_fails_at_step() -> None:
    optimizer = SGD(weights(), lr=0.1)
    with pytest.raises(OptimizerStateDictError, match="'lr'"):
        optimizer.load_state_dict(saved_with(SGD, lr="0.1"))
    optimizer.param_groups[0]["params"][0].grad = rg.tensor(np.ones(2))
    optimizer.step()  # the optimizer is as it was, and works


def test_a_flag_that_differs_warns_naming_it() -> None:
    """PyTorch loads hyperparameters from the state dict; a flipped direction is worth a word."""
    optimizer = SGD(weights(), lr=0.1)
    with pytest.warns(UserWarning, match="sets maximize=True, but the optimizer was built with"):
        optimizer.load_state_dict(saved_with(SGD, maximize=True))
    assert optimizer.param_groups[0]["maximize"] is True


def test_matching_state_dicts_load_silently() -> None:
    source = Adam(weights(), lr=0.01, betas=(0.8, 0.9))
    target = Adam(weights(), lr=0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        target.load_state_dict(source.state_dict())
        optim.AdamW(weights()).load_state_dict(Adam(weights()).state_dict())
    assert target.param_groups[0]["lr"] == 0.01
    assert target.param_groups[0]["betas"] == (0.8, 0.9)


def test_scheduler_options_load_before_the_scheduler_exists() -> None:
    """`initial_lr` comes with a state dict saved beside a scheduler."""
    optimizer = SGD(weights(), lr=0.1)
    optim.lr_scheduler.StepLR(optimizer, step_size=2)
    fresh = SGD(weights(), lr=0.1)
    fresh.load_state_dict(optimizer.state_dict())
    assert fresh.param_groups[0]["initial_lr"] == 0.1
