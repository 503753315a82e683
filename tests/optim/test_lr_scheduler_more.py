"""LambdaLR, MultiplicativeLR, ConstantLR, PolynomialLR, CosineAnnealingWarmRestarts and
SequentialLR give PyTorch's rates after every step (two parameter groups, 1e-12)."""

from __future__ import annotations

import warnings
from typing import Any

import pytest
import torch

from retrograd.optim import lr_scheduler
from retrograd.optim.lr_scheduler import LRSchedulerError

from .test_lr_scheduler import assert_same, assert_varies, group_values, make_optimizers, run_both


def warmup(epoch: int) -> float:
    return min(1.0, (epoch + 1) / 5) * 0.95**epoch


class Decay:
    """A callable object: its attributes travel in the state dict."""

    def __init__(self, rate: float) -> None:
        self.rate = rate

    def __call__(self, epoch: int) -> float:
        return self.rate


@pytest.mark.parametrize("fn", [warmup, lambda epoch: 1 / (1 + epoch)])
def test_lambda_lr_matches_torch(fn):
    assert_varies(run_both("LambdaLR", {"lr_lambda": fn}, 30))


def test_lambda_lr_takes_one_function_per_group():
    assert_varies(run_both("LambdaLR", {"lr_lambda": [warmup, lambda e: 0.9**e]}, 20))


def test_multiplicative_lr_matches_torch():
    assert_varies(run_both("MultiplicativeLR", {"lr_lambda": lambda e: 0.9 if e % 2 else 1.0}, 20))


@pytest.mark.parametrize(
    "kwargs", [{}, {"factor": 0.5, "total_iters": 3}, {"factor": 0.1, "total_iters": 1}]
)
def test_constant_lr_matches_torch(kwargs):
    assert_varies(run_both("ConstantLR", kwargs, 12))


@pytest.mark.parametrize("kwargs", [{}, {"total_iters": 10, "power": 2.0}, {"power": 0.5}])
def test_polynomial_lr_matches_torch(kwargs):
    assert_varies(run_both("PolynomialLR", kwargs, 15))


@pytest.mark.parametrize(
    "kwargs", [{"T_0": 5}, {"T_0": 3, "T_mult": 2, "eta_min": 0.001}, {"T_0": 4, "T_mult": 3}]
)
def test_cosine_warm_restarts_matches_torch(kwargs):
    assert_varies(run_both("CosineAnnealingWarmRestarts", kwargs, 30))


def test_cosine_warm_restarts_fractional_epochs_match_torch():
    our_opt, their_opt = make_optimizers("SGD", lr=0.1)
    ours = lr_scheduler.CosineAnnealingWarmRestarts(our_opt, T_0=2, T_mult=2)
    theirs = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(their_opt, T_0=2, T_mult=2)
    for epoch in range(8):
        for i in range(4):
            ours.step(epoch + i / 4)
            theirs.step(epoch + i / 4)
            assert_same(ours.get_last_lr(), theirs.get_last_lr(), f"epoch {epoch} + {i}/4")


def sequential(library: Any, optimizer: Any) -> Any:
    warm = library.LinearLR(optimizer, start_factor=0.1, total_iters=4)
    cosine = library.CosineAnnealingLR(optimizer, T_max=10, eta_min=0.001)
    decay = library.ExponentialLR(optimizer, gamma=0.8)
    return library.SequentialLR(optimizer, [warm, cosine, decay], milestones=[4, 14])


def test_sequential_lr_matches_torch():
    our_opt, their_opt = make_optimizers("SGD", lr=0.1)
    ours = sequential(lr_scheduler, our_opt)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyTorch's notes about the step order
        theirs = sequential(torch.optim.lr_scheduler, their_opt)
    seen = []
    for step in range(25):
        where = f"SequentialLR after {step} steps"
        assert_same(ours.get_last_lr(), theirs.get_last_lr(), where)
        assert_same(group_values(our_opt, "lr"), group_values(their_opt, "lr"), where)
        seen.append(ours.get_last_lr()[0])
        our_opt.step()
        their_opt.step()
        ours.step()
        theirs.step()
    assert_varies(seen)


def test_sequential_lr_state_dict_resumes():
    our_opt, _ = make_optimizers("SGD", lr=0.1)
    ours = sequential(lr_scheduler, our_opt)
    for _ in range(6):
        ours.step()
    state = ours.state_dict()
    assert len(state["_schedulers"]) == 3
    resumed_opt, _ = make_optimizers("SGD", lr=0.1)
    resumed = sequential(lr_scheduler, resumed_opt)
    resumed.load_state_dict(state)
    for group, saved in zip(resumed_opt.param_groups, our_opt.param_groups):
        group["lr"] = saved["lr"]
    for _ in range(5):
        ours.step()
        resumed.step()
        assert resumed.get_last_lr() == ours.get_last_lr()


def test_lambda_state_dict_is_pytorchs_layout():
    our_opt, their_opt = make_optimizers("SGD", lr=0.1)
    ours = lr_scheduler.LambdaLR(our_opt, [warmup, Decay(0.5)])
    theirs = torch.optim.lr_scheduler.LambdaLR(their_opt, [warmup, Decay(0.5)])
    assert ours.state_dict()["lr_lambdas"] == theirs.state_dict()["lr_lambdas"]
    other = Decay(0.1)
    resumed = lr_scheduler.LambdaLR(make_optimizers("SGD", lr=0.1)[0], [warmup, other])
    resumed.load_state_dict(ours.state_dict())
    assert other.rate == 0.5


def test_bad_arguments_raise_like_torch():
    opt, _ = make_optimizers("SGD", lr=0.1)
    with pytest.raises(LRSchedulerError, match="2 lr_lambdas"):
        lr_scheduler.LambdaLR(opt, [warmup])
    with pytest.raises(LRSchedulerError, match="between 0 and 1"):
        lr_scheduler.ConstantLR(opt, factor=2.0)
    with pytest.raises(LRSchedulerError, match="T_mult"):
        lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=0)
    step = lr_scheduler.StepLR(opt, 2)
    with pytest.raises(LRSchedulerError, match="one milestone fewer"):
        lr_scheduler.SequentialLR(opt, [step], milestones=[3])
    plateau = lr_scheduler.ReduceLROnPlateau(opt)
    with pytest.raises(LRSchedulerError, match="ReduceLROnPlateau"):
        lr_scheduler.SequentialLR(opt, [step, plateau], milestones=[3])


def test_old_base_class_name_subclasses_the_base():
    assert issubclass(lr_scheduler._LRScheduler, lr_scheduler.LRScheduler)
