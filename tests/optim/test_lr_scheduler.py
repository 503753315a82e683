"""Learning-rate schedules: the same sequences as PyTorch's, step by step, for several configs.

Each test builds the same optimizer (two parameter groups with different rates) in both
libraries, wraps it in the same scheduler and steps both; the rates (and, for OneCycleLR, the
momenta) must agree to 1e-12 after every step.
"""

from __future__ import annotations

import json
import warnings
from typing import Any

import numpy as np
import pytest
import torch

import retrograd as rg
from retrograd import optim
from retrograd.optim import lr_scheduler
from retrograd.optim.lr_scheduler import (
    LRSchedulerError,
    LRSchedulerStateError,
    LRSchedulerTypeError,
)

RTOL = 1e-12


def make_optimizers(name: str, **kwargs: Any) -> tuple[Any, Any]:
    """The same two-group optimizer in retrograd and in PyTorch."""
    ours = [rg.zeros(2, requires_grad=True), rg.zeros(3, requires_grad=True)]
    theirs = [torch.zeros(2, requires_grad=True), torch.zeros(3, requires_grad=True)]

    def groups(params: list[Any]) -> list[dict[str, Any]]:
        return [{"params": [params[0]]}, {"params": [params[1]], "lr": 0.03}]

    return (
        getattr(optim, name)(groups(ours), **kwargs),
        getattr(torch.optim, name)(groups(theirs), **kwargs),
    )


def group_values(optimizer: Any, key: str) -> list[Any]:
    return [group[key] for group in optimizer.param_groups]


def assert_same(ours: Any, theirs: Any, where: str) -> None:
    np.testing.assert_allclose(
        np.asarray(ours, dtype=float),
        np.asarray(theirs, dtype=float),
        rtol=RTOL,
        atol=0,
        err_msg=where,
    )


def run_both(
    name: str,
    kwargs: dict[str, Any],
    steps: int,
    optimizer: str = "SGD",
    optimizer_kwargs: dict[str, Any] | None = None,
    momentum_key: str | None = None,
) -> list[float]:
    """Step both schedulers `steps` times, comparing after each; return our first group's lrs."""
    our_opt, their_opt = make_optimizers(optimizer, **(optimizer_kwargs or {"lr": 0.1}))
    ours = getattr(lr_scheduler, name)(our_opt, **kwargs)
    theirs = getattr(torch.optim.lr_scheduler, name)(their_opt, **kwargs)
    seen = []
    for step in range(steps + 1):
        where = f"{name}({kwargs}) after {step} steps"
        assert_same(ours.get_last_lr(), theirs.get_last_lr(), where)
        assert_same(group_values(our_opt, "lr"), group_values(their_opt, "lr"), where)
        if momentum_key == "betas":
            assert_same(
                [b[0] for b in group_values(our_opt, "betas")],
                [b[0] for b in group_values(their_opt, "betas")],
                where + " (beta1)",
            )
        elif momentum_key is not None:
            assert_same(
                group_values(our_opt, momentum_key), group_values(their_opt, momentum_key), where
            )
        assert ours.last_epoch == theirs.last_epoch, where
        seen.append(ours.get_last_lr()[0])
        if step < steps:
            our_opt.step()
            their_opt.step()
            ours.step()
            theirs.step()
    return seen


def assert_varies(values: list[float]) -> None:
    assert len(set(values)) >= 2, "the schedule barely changed; the comparison would prove little"


@pytest.mark.parametrize(
    "kwargs", [{"step_size": 3}, {"step_size": 7, "gamma": 0.5}, {"step_size": 1, "gamma": 0.9}]
)
def test_step_lr_matches_torch(kwargs):
    assert_varies(run_both("StepLR", kwargs, 40))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"milestones": [5, 12, 30]},
        {"milestones": [30, 3, 3, 17], "gamma": 0.5},
        {"milestones": [0, 1, 2], "gamma": 0.7},
    ],
)
def test_multistep_lr_matches_torch(kwargs):
    assert_varies(run_both("MultiStepLR", kwargs, 40))


@pytest.mark.parametrize("gamma", [0.9, 0.5, 1.05])
def test_exponential_lr_matches_torch(gamma):
    assert_varies(run_both("ExponentialLR", {"gamma": gamma}, 60))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"T_max": 10},
        {"T_max": 25, "eta_min": 0.001},
        {"T_max": 7, "eta_min": 0.01},  # 100 steps: past T_max, several half periods
        {"T_max": 1},
    ],
)
def test_cosine_annealing_lr_matches_torch(kwargs):
    assert_varies(run_both("CosineAnnealingLR", kwargs, 100))


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"start_factor": 0.1, "end_factor": 1.0, "total_iters": 20},
        {"start_factor": 1.0, "end_factor": 0.05, "total_iters": 13},
        {"start_factor": 0.5, "end_factor": 0.0, "total_iters": 4},
    ],
)
def test_linear_lr_matches_torch(kwargs):
    assert_varies(run_both("LinearLR", kwargs, 30))


ONE_CYCLE_CONFIGS = [
    {"max_lr": 0.5, "total_steps": 100},
    {"max_lr": [0.2, 0.9], "total_steps": 57, "anneal_strategy": "linear", "pct_start": 0.25},
    {"max_lr": 1.0, "epochs": 6, "steps_per_epoch": 11, "three_phase": True},
    {
        "max_lr": 0.3,
        "total_steps": 80,
        "three_phase": True,
        "anneal_strategy": "linear",
        "base_momentum": [0.8, 0.7],
        "max_momentum": 0.99,
        "div_factor": 10.0,
        "final_div_factor": 100.0,
    },
]


@pytest.mark.parametrize("kwargs", ONE_CYCLE_CONFIGS)
def test_one_cycle_lr_with_sgd_momentum_matches_torch(kwargs):
    steps = kwargs.get("total_steps") or kwargs["epochs"] * kwargs["steps_per_epoch"]
    lrs = run_both(
        "OneCycleLR",
        kwargs,
        steps - 1,
        optimizer_kwargs={"lr": 0.1, "momentum": 0.9},
        momentum_key="momentum",
    )
    assert_varies(lrs)


@pytest.mark.parametrize("kwargs", ONE_CYCLE_CONFIGS[:3])
def test_one_cycle_lr_with_adam_betas_matches_torch(kwargs):
    steps = kwargs.get("total_steps") or kwargs["epochs"] * kwargs["steps_per_epoch"]
    run_both(
        "OneCycleLR",
        kwargs,
        steps - 1,
        optimizer="Adam",
        optimizer_kwargs={"lr": 0.01},
        momentum_key="betas",
    )


def test_one_cycle_lr_without_momentum_leaves_momentum_alone():
    our_opt, _ = make_optimizers("SGD", lr=0.1, momentum=0.5)
    scheduler = lr_scheduler.OneCycleLR(our_opt, 1.0, total_steps=10, cycle_momentum=False)
    for _ in range(5):
        scheduler.step()
    assert group_values(our_opt, "momentum") == [0.5, 0.5]


def test_one_cycle_lr_refuses_to_step_past_the_end():
    our_opt, _ = make_optimizers("SGD", lr=0.1, momentum=0.9)
    scheduler = lr_scheduler.OneCycleLR(our_opt, 1.0, total_steps=5)
    for _ in range(5):
        scheduler.step()
    with pytest.raises(LRSchedulerError, match="tried to step 6 times, but total_steps is 5"):
        scheduler.step()


def test_one_cycle_lr_needs_momentum_to_cycle_it():
    our_opt, _ = make_optimizers("Adagrad", lr=0.1)
    with pytest.raises(LRSchedulerError, match="Adagrad has neither"):
        lr_scheduler.OneCycleLR(our_opt, 1.0, total_steps=5)


def run_plateau(kwargs: dict[str, Any], metrics: list[float]) -> list[float]:
    our_opt, their_opt = make_optimizers("SGD", lr=0.1)
    ours = lr_scheduler.ReduceLROnPlateau(our_opt, **kwargs)
    theirs = torch.optim.lr_scheduler.ReduceLROnPlateau(their_opt, **kwargs)
    seen = []
    for epoch, metric in enumerate(metrics):
        our_opt.step()
        their_opt.step()
        ours.step(metric)
        theirs.step(metric)
        where = f"ReduceLROnPlateau({kwargs}) at epoch {epoch} (metric {metric})"
        assert_same(ours.get_last_lr(), theirs.get_last_lr(), where)
        assert_same(group_values(our_opt, "lr"), group_values(their_opt, "lr"), where)
        assert (ours.num_bad_epochs, ours.cooldown_counter) == (
            theirs.num_bad_epochs,
            theirs.cooldown_counter,
        ), where
        seen.append(ours.get_last_lr()[0])
    return seen


def plateau_metrics(seed: int, n: int = 80) -> list[float]:
    """A noisy loss that improves, then stalls: plenty of good and bad epochs."""
    rng = np.random.default_rng(seed)
    trend = np.maximum(1.0 - 0.05 * np.arange(n), 0.3)
    return list(trend + rng.normal(0, 0.03, n))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"patience": 2},
        {"patience": 0, "factor": 0.5, "cooldown": 2},
        {"patience": 3, "threshold": 0.05, "threshold_mode": "abs", "min_lr": [0.001, 0.01]},
        {"patience": 1, "factor": 0.3, "min_lr": 0.002, "eps": 1e-3, "cooldown": 1},
    ],
)
def test_reduce_lr_on_plateau_min_mode_matches_torch(kwargs):
    assert_varies(run_plateau(kwargs, plateau_metrics(0)))


@pytest.mark.parametrize("threshold_mode", ["rel", "abs"])
def test_reduce_lr_on_plateau_max_mode_matches_torch(threshold_mode):
    kwargs = {"mode": "max", "patience": 2, "threshold_mode": threshold_mode, "threshold": 0.01}
    metrics = [-m for m in plateau_metrics(1)]
    assert_varies(run_plateau(kwargs, metrics))


def test_reduce_lr_on_plateau_hand_example():
    """Patience 1: the second bad epoch in a row reduces; cooldown 1 then ignores the next."""
    opt, _ = make_optimizers("SGD", lr=1.0)
    scheduler = lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=1, cooldown=1)
    lrs = []
    for metric in [1.0, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.4]:
        scheduler.step(metric)
        lrs.append(scheduler.get_last_lr()[0])
    assert lrs == [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.25, 0.25]


# ---------------------------------------------------------------------- base behaviour


def test_constructor_sets_initial_lr_and_performs_the_initial_step():
    opt, _ = make_optimizers("SGD", lr=0.1)
    scheduler = lr_scheduler.StepLR(opt, step_size=2)
    assert group_values(opt, "initial_lr") == [0.1, 0.03]
    assert scheduler.base_lrs == [0.1, 0.03]
    assert scheduler.last_epoch == 0
    assert scheduler.get_last_lr() == [0.1, 0.03]


def test_get_last_lr_is_a_copy():
    opt, _ = make_optimizers("SGD", lr=0.1)
    scheduler = lr_scheduler.ExponentialLR(opt, gamma=0.5)
    scheduler.get_last_lr()[0] = 123.0
    assert scheduler.get_last_lr() == [0.1, 0.03]


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("StepLR", {"step_size": 3, "gamma": 0.5}),
        ("MultiStepLR", {"milestones": [2, 5, 5, 9]}),
        ("ExponentialLR", {"gamma": 0.8}),
        ("CosineAnnealingLR", {"T_max": 10, "eta_min": 0.001}),
        ("LinearLR", {"start_factor": 0.2, "total_iters": 8}),
    ],
)
def test_step_with_epoch_uses_the_closed_form_like_torch(name, kwargs):
    our_opt, their_opt = make_optimizers("SGD", lr=0.1)
    ours = getattr(lr_scheduler, name)(our_opt, **kwargs)
    theirs = getattr(torch.optim.lr_scheduler, name)(their_opt, **kwargs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for epoch in [3, 7, 1, 12, 5]:
            ours.step(epoch)
            theirs.step(epoch)
            assert_same(ours.get_last_lr(), theirs.get_last_lr(), f"{name} at epoch {epoch}")
    with pytest.warns(UserWarning, match="deprecated"):
        ours.step(2)


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("StepLR", {"step_size": 4, "gamma": 0.5}),
        ("MultiStepLR", {"milestones": [3, 8, 8, 15]}),
        ("ExponentialLR", {"gamma": 0.9}),
        ("CosineAnnealingLR", {"T_max": 12, "eta_min": 0.001}),
        ("LinearLR", {"start_factor": 0.25, "total_iters": 10}),
        ("OneCycleLR", {"max_lr": 0.5, "total_steps": 30}),
    ],
)
def test_state_dict_resumes_the_same_sequence(name, kwargs):
    """Save after 10 steps (through JSON, as a checkpoint would), resume in a fresh pair."""
    opt, _ = make_optimizers("SGD", lr=0.1, momentum=0.9)
    scheduler = getattr(lr_scheduler, name)(opt, **kwargs)
    for _ in range(10):
        scheduler.step()
    saved_opt = opt.state_dict()
    saved = json.loads(json.dumps(scheduler.state_dict()))
    assert "optimizer" not in saved
    expected = []
    for _ in range(15):
        scheduler.step()
        expected.append(scheduler.get_last_lr())

    resumed_opt, _ = make_optimizers("SGD", lr=0.1, momentum=0.9)
    resumed = getattr(lr_scheduler, name)(resumed_opt, **kwargs)
    resumed_opt.load_state_dict(saved_opt)
    resumed.load_state_dict(saved)
    got = []
    for _ in range(15):
        resumed.step()
        got.append(resumed.get_last_lr())
    assert got == expected


def test_reduce_lr_on_plateau_state_dict_round_trip():
    opt, _ = make_optimizers("SGD", lr=0.1)
    scheduler = lr_scheduler.ReduceLROnPlateau(opt, mode="max", patience=1)
    for metric in [1.0, 2.0, 1.5]:
        scheduler.step(metric)
    saved = json.loads(json.dumps(scheduler.state_dict()))
    other = lr_scheduler.ReduceLROnPlateau(make_optimizers("SGD", lr=0.1)[0])
    other.load_state_dict(saved)
    assert (other.mode, other.best, other.num_bad_epochs, other.mode_worse) == (
        "max",
        2.0,
        1,
        float("-inf"),
    )


def test_resuming_without_initial_lr_names_the_group():
    opt, _ = make_optimizers("SGD", lr=0.1)
    with pytest.raises(LRSchedulerStateError, match=r"param_groups\[0\].*last_epoch=4"):
        lr_scheduler.StepLR(opt, step_size=2, last_epoch=4)


def test_resuming_with_last_epoch_matches_torch():
    our_opt, their_opt = make_optimizers("SGD", lr=0.1)
    for opt in (our_opt, their_opt):
        for group in opt.param_groups:
            group["initial_lr"] = group["lr"]
    ours = lr_scheduler.CosineAnnealingLR(our_opt, T_max=20, last_epoch=6)
    theirs = torch.optim.lr_scheduler.CosineAnnealingLR(their_opt, T_max=20, last_epoch=6)
    for step in range(15):
        assert_same(ours.get_last_lr(), theirs.get_last_lr(), f"step {step}")
        our_opt.step()
        their_opt.step()
        ours.step()
        theirs.step()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda o: lr_scheduler.StepLR(o, step_size=0), "step_size must be a positive int"),
        (lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=0), "T_max must be a positive int"),
        (lambda o: lr_scheduler.LinearLR(o, start_factor=0.0), "start_factor must be in"),
        (lambda o: lr_scheduler.LinearLR(o, end_factor=1.5), "end_factor must be in"),
        (lambda o: lr_scheduler.MultiStepLR(o, [2, 3.5]), "milestones must be ints"),
        (lambda o: lr_scheduler.OneCycleLR(o, 1.0), "total_steps or both epochs"),
        (lambda o: lr_scheduler.OneCycleLR(o, 1.0, 10, pct_start=1.5), "pct_start must be in"),
        (lambda o: lr_scheduler.OneCycleLR(o, [1.0], 10), "max_lr must have the same length"),
        (
            lambda o: lr_scheduler.OneCycleLR(o, 1.0, 10, anneal_strategy="exp"),
            "anneal_strategy must be",
        ),
        (lambda o: lr_scheduler.ReduceLROnPlateau(o, factor=1.0), "factor must be < 1.0"),
        (lambda o: lr_scheduler.ReduceLROnPlateau(o, mode="up"), "mode must be 'min' or 'max'"),
        (
            lambda o: lr_scheduler.ReduceLROnPlateau(o, threshold_mode="x"),
            "threshold_mode must be",
        ),
    ],
)
def test_invalid_arguments_raise_clear_errors(make, message):
    opt, _ = make_optimizers("SGD", lr=0.1, momentum=0.9)
    with pytest.raises(LRSchedulerError, match=message):
        make(opt)


def test_scheduler_needs_a_retrograd_optimizer():
    _, their_opt = make_optimizers("SGD", lr=0.1)
    with pytest.raises(LRSchedulerTypeError, match="got SGD"):
        lr_scheduler.StepLR(their_opt, step_size=2)
    with pytest.raises(LRSchedulerTypeError, match="got list"):
        lr_scheduler.ReduceLROnPlateau([])
