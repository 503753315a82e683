"""More of ``torch.optim.lr_scheduler``: schedules from a user function (`LambdaLR`,
`MultiplicativeLR`), warm-up and decay shapes (`ConstantLR`, `PolynomialLR`), cosine restarts and
`SequentialLR`. Exported from `retrograd.optim.lr_scheduler`; the arithmetic is PyTorch's, so
the rates agree with PyTorch's epoch by epoch.
"""

from __future__ import annotations

import math
import types
from bisect import bisect_right
from collections.abc import Callable, Sequence
from typing import Any

from retrograd.optim.lr_scheduler import (
    LRScheduler,
    LRSchedulerError,
    LRSchedulerTypeError,
    ReduceLROnPlateau,
    _group_values,
    _per_group,
    _positive_int,
)
from retrograd.optim.optimizer import Optimizer

LrLambda = Callable[[int], float]


class _LRScheduler(LRScheduler):
    """PyTorch's old name for the scheduler base class, kept for subclasses written against it."""


def _lambdas(name: str, optimizer: Optimizer, lr_lambda: Any) -> list[LrLambda]:
    """One callable per parameter group: a list or tuple of that length, or one repeated."""
    if not isinstance(lr_lambda, (list, tuple)):
        lambdas = [lr_lambda] * len(optimizer.param_groups)
    elif len(lr_lambda) != len(optimizer.param_groups):
        raise LRSchedulerError(
            f"{name}: expected {len(optimizer.param_groups)} lr_lambdas (one per parameter "
            f"group), but got {len(lr_lambda)}"
        )
    else:
        lambdas = list(lr_lambda)
    for fn in lambdas:
        if not callable(fn):
            raise LRSchedulerTypeError(
                f"{name}: lr_lambda should be a function, but got {type(fn).__name__}"
            )
    return lambdas


def _lambda_state(scheduler: Any) -> dict[str, Any]:
    """PyTorch's layout: a plain function is saved as None, a callable object as its __dict__."""
    state = {k: v for k, v in scheduler.__dict__.items() if k not in ("optimizer", "lr_lambdas")}
    state["lr_lambdas"] = [
        None if isinstance(fn, types.FunctionType) else dict(fn.__dict__)
        for fn in scheduler.lr_lambdas
    ]
    return state


def _load_lambda_state(scheduler: Any, state_dict: dict[str, Any]) -> None:
    state = dict(state_dict)
    saved = state.pop("lr_lambdas", [])
    scheduler.__dict__.update(state)
    for fn, attributes in zip(scheduler.lr_lambdas, saved):
        if attributes is not None:
            fn.__dict__.update(attributes)


class LambdaLR(LRScheduler):
    """Set each learning rate to its initial value times ``lr_lambda(epoch)``.

    Args:
        optimizer: the optimizer whose learning rates are scheduled.
        lr_lambda: a function of the epoch index giving the factor, or a list of such functions,
            one per parameter group.
        last_epoch: index of the last epoch (-1 starts a new schedule). Default: -1.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        lr_lambda: LrLambda | Sequence[LrLambda],
        last_epoch: int = -1,
    ) -> None:
        self.lr_lambdas = _lambdas("LambdaLR", optimizer, lr_lambda)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        return [
            base_lr * fn(self.last_epoch)
            for fn, base_lr in zip(self.lr_lambdas, self.base_lrs, strict=True)
        ]

    def state_dict(self) -> dict[str, Any]:
        """Attributes as PyTorch saves them: functions as None, callable objects as dicts."""
        return _lambda_state(self)

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore attributes; the functions themselves stay the ones given to the constructor."""
        _load_lambda_state(self, state_dict)


class MultiplicativeLR(LRScheduler):
    """Multiply each learning rate by ``lr_lambda(epoch)`` every epoch after the first.

    Args:
        optimizer: the optimizer whose learning rates are scheduled.
        lr_lambda: a function of the epoch index giving the factor, or one per parameter group.
        last_epoch: index of the last epoch (-1 starts a new schedule). Default: -1.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        lr_lambda: LrLambda | Sequence[LrLambda],
        last_epoch: int = -1,
    ) -> None:
        self.lr_lambdas = _lambdas("MultiplicativeLR", optimizer, lr_lambda)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self._is_initial:
            return _group_values(self.optimizer, "lr")
        return [
            group["lr"] * fn(self.last_epoch)
            for fn, group in zip(self.lr_lambdas, self.optimizer.param_groups, strict=True)
        ]

    def state_dict(self) -> dict[str, Any]:
        """Attributes as PyTorch saves them: functions as None, callable objects as dicts."""
        return _lambda_state(self)

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore attributes; the functions themselves stay the ones given to the constructor."""
        _load_lambda_state(self, state_dict)


class ConstantLR(LRScheduler):
    """Scale the learning rates by `factor` until epoch `total_iters`, then restore them.

    Args:
        optimizer: the optimizer whose learning rates are scheduled.
        factor: the scale during the first `total_iters` epochs, in [0, 1]. Default: 1/3.
        total_iters: number of scaled epochs. Default: 5.
        last_epoch: index of the last epoch (-1 starts a new schedule). Default: -1.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        factor: float = 1.0 / 3,
        total_iters: int = 5,
        last_epoch: int = -1,
    ) -> None:
        if factor > 1.0 or factor < 0:
            raise LRSchedulerError(f"ConstantLR: factor must be between 0 and 1, got {factor!r}")
        self.factor = factor
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch == 0:
            return [group["lr"] * self.factor for group in self.optimizer.param_groups]
        if self.last_epoch != self.total_iters:
            return _group_values(self.optimizer, "lr")
        return [group["lr"] * (1.0 / self.factor) for group in self.optimizer.param_groups]

    def _get_closed_form_lr(self) -> list[float]:
        after = self.last_epoch >= self.total_iters
        return [base_lr * (self.factor + after * (1 - self.factor)) for base_lr in self.base_lrs]


class PolynomialLR(LRScheduler):
    """Decay the learning rates to zero over `total_iters` epochs along ``(1 - t/T) ** power``.

    Args:
        optimizer: the optimizer whose learning rates are scheduled.
        total_iters: number of epochs of the decay. Default: 5.
        power: the polynomial's power (1.0 is a straight line). Default: 1.0.
        last_epoch: index of the last epoch (-1 starts a new schedule). Default: -1.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        total_iters: int = 5,
        power: float = 1.0,
        last_epoch: int = -1,
    ) -> None:
        self.total_iters = _positive_int("total_iters", total_iters, "PolynomialLR")
        self.power = power
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self._is_initial or self.last_epoch > self.total_iters:
            return _group_values(self.optimizer, "lr")
        decay = (
            (1.0 - self.last_epoch / self.total_iters)
            / (1.0 - (self.last_epoch - 1) / self.total_iters)
        ) ** self.power
        return [group["lr"] * decay for group in self.optimizer.param_groups]

    def _get_closed_form_lr(self) -> list[float]:
        progress = min(self.total_iters, self.last_epoch) / self.total_iters
        return [base_lr * (1.0 - progress) ** self.power for base_lr in self.base_lrs]


class CosineAnnealingWarmRestarts(LRScheduler):
    """Cosine annealing from the initial rates to `eta_min`, restarting every `T_i` epochs
    (SGDR); each period is `T_mult` times the one before, the first `T_0` long.

    `step(epoch)` accepts a fractional epoch (``epoch + i / iters``) for per-batch stepping,
    as in PyTorch.

    Args:
        optimizer: the optimizer whose learning rates are scheduled.
        T_0: length of the first period, in epochs.
        T_mult: growth factor of the period after each restart (an int >= 1). Default: 1.
        eta_min: the lowest learning rate. Default: 0.0.
        last_epoch: index of the last epoch (-1 starts a new schedule). Default: -1.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        T_0: int,
        T_mult: int = 1,
        eta_min: float = 0.0,
        last_epoch: int = -1,
    ) -> None:
        self.T_0 = _positive_int("T_0", T_0, "CosineAnnealingWarmRestarts")
        if isinstance(T_mult, bool) or not isinstance(T_mult, int) or T_mult < 1:
            raise LRSchedulerError(
                f"CosineAnnealingWarmRestarts: T_mult must be an int >= 1, got {T_mult!r}"
            )
        self.T_i = T_0
        self.T_mult = T_mult
        self.eta_min = eta_min
        self.T_cur: float = last_epoch
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        return [
            self.eta_min
            + (base_lr - self.eta_min) * (1 + math.cos(math.pi * self.T_cur / self.T_i)) / 2
            for base_lr in self.base_lrs
        ]

    def step(self, epoch: float | None = None) -> None:
        """Advance one epoch, or jump to `epoch` (which may be fractional)."""
        self._step_count += 1
        if epoch is None and self.last_epoch < 0:
            epoch = 0
        if epoch is None:
            epoch = self.last_epoch + 1
            self.T_cur = self.T_cur + 1
            if self.T_cur >= self.T_i:
                self.T_cur = self.T_cur % self.T_i
                self.T_i = self.T_i * self.T_mult
        elif epoch < 0:
            raise LRSchedulerError(
                f"CosineAnnealingWarmRestarts: expected a non-negative epoch, got {epoch}"
            )
        elif epoch >= self.T_0:
            if self.T_mult == 1:
                self.T_cur = epoch % self.T_0
            else:
                n = int(math.log(epoch / self.T_0 * (self.T_mult - 1) + 1, self.T_mult))
                self.T_cur = epoch - self.T_0 * (self.T_mult**n - 1) / (self.T_mult - 1)
                self.T_i = self.T_0 * self.T_mult**n
        else:
            self.T_i = self.T_0
            self.T_cur = epoch
        self.last_epoch = math.floor(epoch)
        for group, lr in zip(self.optimizer.param_groups, self.get_lr(), strict=True):
            group["lr"] = lr
        self._last_lr = _group_values(self.optimizer, "lr")


def _jump(scheduler: LRScheduler, epoch: int) -> None:
    """Set `scheduler` to `epoch` by its closed form (what SequentialLR does at a milestone)."""
    scheduler.last_epoch = epoch
    closed_form = getattr(scheduler, "_get_closed_form_lr", None)
    values = closed_form() if closed_form is not None else scheduler.get_lr()
    for group, lr in zip(scheduler.optimizer.param_groups, values, strict=True):
        group["lr"] = lr
    scheduler._last_lr = _group_values(scheduler.optimizer, "lr")


class _OfSchedulers(LRScheduler):
    """A scheduler made of others (`SequentialLR`, `ChainedScheduler`): their state dicts are
    kept in its own, under ``_schedulers``, as PyTorch does."""

    _schedulers: list[LRScheduler]

    def state_dict(self) -> dict[str, Any]:
        """Attributes, with each scheduler's own state dict in ``_schedulers`` (PyTorch's)."""
        state = {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "_schedulers")}
        state["_schedulers"] = [scheduler.state_dict() for scheduler in self._schedulers]
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore attributes and each scheduler's state."""
        state = dict(state_dict)
        saved = state.pop("_schedulers")
        self.__dict__.update(state)
        for scheduler, scheduler_state in zip(self._schedulers, saved, strict=True):
            scheduler.load_state_dict(scheduler_state)


class SequentialLR(_OfSchedulers):
    """Run `schedulers` one after another, switching at each epoch in `milestones`.

    A scheduler that takes over restarts from its epoch 0 (a warm-up `LinearLR` followed by a
    `CosineAnnealingLR`, for instance).

    Args:
        optimizer: the optimizer all the schedulers adjust.
        schedulers: the schedulers, in order (not `ReduceLROnPlateau`).
        milestones: the epochs at which the next scheduler takes over; one fewer than
            `schedulers`.
        last_epoch: index of the last epoch (-1 starts a new schedule). Default: -1.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        schedulers: Sequence[LRScheduler],
        milestones: Sequence[int],
        last_epoch: int = -1,
    ) -> None:
        if len(schedulers) < 1:
            raise LRSchedulerError("SequentialLR expects at least one scheduler, got none")
        for index, scheduler in enumerate(schedulers):
            if isinstance(scheduler, ReduceLROnPlateau):
                raise LRSchedulerError(
                    f"SequentialLR cannot run ReduceLROnPlateau (schedulers[{index}]): its step "
                    "needs the metric"
                )
            if getattr(scheduler, "optimizer", None) is not optimizer:
                raise LRSchedulerError(
                    f"SequentialLR expects all schedulers to belong to the same optimizer, but "
                    f"schedulers[{index}] ({type(scheduler).__name__}) has another one"
                )
        if len(milestones) != len(schedulers) - 1:
            raise LRSchedulerError(
                f"SequentialLR expects one milestone fewer than schedulers, got "
                f"{len(schedulers)} schedulers and {len(milestones)} milestones"
            )
        self._schedulers = list(schedulers)
        self._milestones = list(milestones)
        self.last_epoch = last_epoch + 1
        self.optimizer = optimizer
        self.base_lrs = _group_values(optimizer, "initial_lr")
        for group in optimizer.param_groups:
            group["lr"] = group["initial_lr"]
        # The schedulers each took their initial step when built: take those back, then let
        # only the first one in charge take it.
        for scheduler in self._schedulers:
            scheduler.last_epoch -= 1
        first = self._schedulers[bisect_right(self._milestones, 0)]
        first._initial_step()
        self._step_count = 1
        self._last_lr = first.get_last_lr()

    def step(self) -> None:  # type: ignore[override]
        """Advance one epoch with the scheduler in charge of it."""
        self._step_count += 1
        self.last_epoch += 1
        index = bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[index]
        if index > 0 and self._milestones[index - 1] == self.last_epoch:
            _jump(scheduler, 0)
        else:
            scheduler.step()
        self._last_lr = scheduler.get_last_lr()


class CyclicLR(LRScheduler):
    """Cycle the learning rate between `base_lr` and `max_lr` (and the momentum the other way),
    stepped after every batch (Smith, "Cyclical Learning Rates").

    Args:
        optimizer: the optimizer whose learning rates (and momenta) are scheduled.
        base_lr: the cycle's lower bound, one value or one per group.
        max_lr: the cycle's upper bound, one value or one per group.
        step_size_up: batches going up. Default: 2000.
        step_size_down: batches going down. Default: `step_size_up`.
        mode: ``"triangular"``, ``"triangular2"`` (amplitude halved each cycle) or
            ``"exp_range"`` (scaled by ``gamma ** step``); or your own `scale_fn(x)` with
            `scale_mode` ``"cycle"`` or ``"iterations"``. Default: "triangular".
        gamma: the factor of ``"exp_range"``. Default: 1.0.
        scale_fn: your own amplitude scaling, used instead of `mode`.
        scale_mode: what `scale_fn` is called with: ``"cycle"`` (the cycle number) or
            ``"iterations"`` (the batch count). Default: "cycle".
        cycle_momentum: cycle SGD's ``momentum`` or Adam's ``betas[0]`` inversely to the
            learning rate, between `base_momentum` and `max_momentum`. Default: True.
        base_momentum: the momentum where the learning rate peaks, one value or one per group.
            Default: 0.8.
        max_momentum: the momentum at `base_lr`, one value or one per group. Default: 0.9.
        last_epoch: index of the last batch (-1 starts a new schedule). Default: -1.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        base_lr: float | Sequence[float],
        max_lr: float | Sequence[float],
        step_size_up: int = 2000,
        step_size_down: int | None = None,
        mode: str = "triangular",
        gamma: float = 1.0,
        scale_fn: Callable[[float], float] | None = None,
        scale_mode: str = "cycle",
        cycle_momentum: bool = True,
        base_momentum: float | Sequence[float] = 0.8,
        max_momentum: float | Sequence[float] = 0.9,
        last_epoch: int = -1,
    ) -> None:
        base_lrs = _per_group("base_lr", optimizer, base_lr)
        if last_epoch == -1:
            for lr, group in zip(base_lrs, optimizer.param_groups, strict=True):
                group["lr"] = lr
        self.max_lrs = _per_group("max_lr", optimizer, max_lr)
        up = float(step_size_up)
        down = float(step_size_down) if step_size_down is not None else up
        self.total_size = up + down
        self.step_ratio = up / self.total_size
        if mode not in ("triangular", "triangular2", "exp_range") and scale_fn is None:
            raise LRSchedulerError(f"CyclicLR: mode {mode!r} is invalid and scale_fn is None")
        self.mode = mode
        self.gamma = gamma
        self._scale_fn_custom = scale_fn
        self.scale_mode = scale_mode
        if scale_fn is None:
            self.scale_mode = "iterations" if mode == "exp_range" else "cycle"
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
                raise LRSchedulerError(
                    "CyclicLR: optimizer must support momentum or beta1 with `cycle_momentum` "
                    "option enabled"
                )
            self.use_beta1 = "betas" in optimizer.defaults
            self.base_momentums = _per_group("base_momentum", optimizer, base_momentum)
            self.max_momentums = _per_group("max_momentum", optimizer, max_momentum)
            if last_epoch == -1:
                for top, bottom, group in zip(
                    self.max_momentums, self.base_momentums, optimizer.param_groups, strict=True
                ):
                    self._set_momentum(group, top)
                    group["max_momentum"] = top
                    group["base_momentum"] = bottom
        super().__init__(optimizer, last_epoch)
        self.base_lrs = base_lrs

    def _set_momentum(self, group: dict[str, Any], momentum: float) -> None:
        if self.use_beta1:
            group["betas"] = (momentum, *group["betas"][1:])
        else:
            group["momentum"] = momentum

    def scale_fn(self, x: float) -> float:
        """The amplitude's factor at cycle (or step) `x`."""
        if self._scale_fn_custom is not None:
            return self._scale_fn_custom(x)
        if self.mode == "triangular":
            return 1.0
        if self.mode == "triangular2":
            return 1 / (2.0 ** (x - 1))
        return self.gamma**x

    def get_lr(self) -> list[float]:
        """The rates at `last_epoch`; the momenta are set as a side effect, as in PyTorch."""
        cycle = math.floor(1 + self.last_epoch / self.total_size)
        x = 1.0 + self.last_epoch / self.total_size - cycle
        if x <= self.step_ratio:
            scale_factor = x / self.step_ratio
        else:
            scale_factor = (x - 1) / (self.step_ratio - 1)
        at = cycle if self.scale_mode == "cycle" else self.last_epoch
        lrs = [
            base + (top - base) * scale_factor * self.scale_fn(at)
            for base, top in zip(self.base_lrs, self.max_lrs, strict=True)
        ]
        if self.cycle_momentum:
            for bottom, top, group in zip(
                self.base_momentums, self.max_momentums, self.optimizer.param_groups, strict=True
            ):
                self._set_momentum(group, top - (top - bottom) * scale_factor * self.scale_fn(at))
        return lrs

    def state_dict(self) -> dict[str, Any]:
        """Attributes without the optimizer and a custom `scale_fn` (which cannot be stored)."""
        state = super().state_dict()
        state.pop("_scale_fn_custom", None)
        return state


class ChainedScheduler(_OfSchedulers):
    """Step every scheduler of `schedulers` at each `step`, one after another, so their
    multiplicative effects combine (e.g. a constant warm-up factor and an exponential decay).

    Args:
        schedulers: the schedulers, all on one optimizer (not `ReduceLROnPlateau`).
        optimizer: optionally, that optimizer.
    """

    def __init__(
        self, schedulers: Sequence[LRScheduler], optimizer: Optimizer | None = None
    ) -> None:
        if len(schedulers) < 1:
            raise LRSchedulerError("ChainedScheduler expects at least one scheduler, got none")
        owner: Optimizer = optimizer if optimizer is not None else schedulers[0].optimizer
        for index, scheduler in enumerate(schedulers):
            if isinstance(scheduler, ReduceLROnPlateau):
                raise LRSchedulerError(
                    f"ChainedScheduler cannot run ReduceLROnPlateau (schedulers[{index}]): its "
                    "step needs the metric"
                )
            if getattr(scheduler, "optimizer", None) is not owner:
                raise LRSchedulerError(
                    "ChainedScheduler expects all schedulers to belong to the same optimizer, "
                    f"but schedulers[{index}] ({type(scheduler).__name__}) has another one"
                )
        self._schedulers = list(schedulers)
        self.optimizer = owner
        self._last_lr = _group_values(owner, "lr")

    def step(self) -> None:  # type: ignore[override]
        """Step each scheduler in turn."""
        for scheduler in self._schedulers:
            scheduler.step()
        self._last_lr = _group_values(self.optimizer, "lr")
