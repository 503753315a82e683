"""CyclicLR and ChainedScheduler against PyTorch's, step by step."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import retrograd as rg
from retrograd.optim import lr_scheduler as ours_sched


def pair(optimizer: str) -> tuple[object, object]:
    w = np.ones(3)
    p, tp = rg.nn.Parameter(rg.tensor(w)), torch.nn.Parameter(torch.tensor(w))
    if optimizer == "sgd":
        return rg.optim.SGD([p], lr=0.1, momentum=0.9), torch.optim.SGD([tp], lr=0.1, momentum=0.9)
    return rg.optim.Adam([p], lr=0.1), torch.optim.Adam([tp], lr=0.1)


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
@pytest.mark.parametrize(
    "kwargs",
    [
        {"mode": "triangular"},
        {"mode": "triangular2", "step_size_down": 3},
        {"mode": "exp_range", "gamma": 0.9},
        {"mode": "triangular", "cycle_momentum": False},
    ],
)
def test_cyclic_lr_matches_torch(optimizer: str, kwargs: dict) -> None:
    opt, topt = pair(optimizer)
    if optimizer == "adam" and kwargs.get("cycle_momentum", True) is False:
        pass
    ours = ours_sched.CyclicLR(opt, base_lr=0.01, max_lr=0.1, step_size_up=4, **kwargs)
    theirs = torch.optim.lr_scheduler.CyclicLR(
        topt, base_lr=0.01, max_lr=0.1, step_size_up=4, **kwargs
    )
    for _ in range(20):
        ours.step()
        theirs.step()
        np.testing.assert_allclose(ours.get_last_lr(), theirs.get_last_lr(), rtol=1e-12)
        key = "betas" if optimizer == "adam" else "momentum"
        a, b = opt.param_groups[0][key], topt.param_groups[0][key]
        np.testing.assert_allclose(np.ravel(a)[0], np.ravel(b)[0], rtol=1e-12)


def test_cyclic_lr_custom_scale_fn_and_errors() -> None:
    opt, topt = pair("sgd")
    ours = ours_sched.CyclicLR(opt, 0.01, 0.1, step_size_up=2, scale_fn=lambda x: 0.5**x)
    theirs = torch.optim.lr_scheduler.CyclicLR(
        topt, 0.01, 0.1, step_size_up=2, scale_fn=lambda x: 0.5**x
    )
    for _ in range(9):
        ours.step()
        theirs.step()
    np.testing.assert_allclose(ours.get_last_lr(), theirs.get_last_lr(), rtol=1e-12)
    with pytest.raises(ours_sched.LRSchedulerError, match="mode"):
        ours_sched.CyclicLR(opt, 0.01, 0.1, mode="sawtooth")
    adagrad = rg.optim.Adagrad([rg.nn.Parameter(rg.ones(2))], lr=0.1)
    with pytest.raises(ours_sched.LRSchedulerError, match="momentum or beta1"):
        ours_sched.CyclicLR(adagrad, 0.01, 0.1)


def test_chained_scheduler_matches_torch() -> None:
    opt, topt = pair("sgd")
    ours = ours_sched.ChainedScheduler(
        [
            ours_sched.ConstantLR(opt, factor=0.1, total_iters=2),
            ours_sched.ExponentialLR(opt, gamma=0.9),
        ]
    )
    theirs = torch.optim.lr_scheduler.ChainedScheduler(
        [
            torch.optim.lr_scheduler.ConstantLR(topt, factor=0.1, total_iters=2),
            torch.optim.lr_scheduler.ExponentialLR(topt, gamma=0.9),
        ]
    )
    for _ in range(6):
        ours.step()
        theirs.step()
        np.testing.assert_allclose(ours.get_last_lr(), theirs.get_last_lr(), rtol=1e-12)
    state = ours.state_dict()
    assert len(state["_schedulers"]) == 2
