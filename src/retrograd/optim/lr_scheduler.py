"""Learning-rate schedules: the names, arguments and arithmetic of ``torch.optim.lr_scheduler``.

A scheduler adjusts ``optimizer.param_groups[i]["lr"]``. Constructing one records each group's
``initial_lr`` and performs the initial step (epoch 0); call `step()` after `optimizer.step()`,
once per epoch (or per batch for `OneCycleLR`). The chainable schedules (`StepLR`,
`ExponentialLR`, `CosineAnnealingLR`, ...) compute the next rate from the current one exactly as
PyTorch does, so the sequences agree with PyTorch's to the last bit; `step(epoch)` uses the
closed form, as in PyTorch.

`ReduceLROnPlateau` is different: `step(metric)` lowers the rates when the metric stops improving.
"""

from __future__ import annotations

import math
import warnings
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any, Literal, SupportsFloat

from retrograd.errors import RetrogradError, StateDictError
from retrograd.optim.optimizer import Optimizer

__all__ = [
    "ChainedScheduler",
    "ConstantLR",
    "CosineAnnealingLR",
    "CosineAnnealingWarmRestarts",
    "CyclicLR",
    "ExponentialLR",
    "LRScheduler",
    "LRSchedulerError",
    "LRSchedulerStateError",
    "LRSchedulerTypeError",
    "LambdaLR",
    "LinearLR",
    "MultiStepLR",
    "MultiplicativeLR",
    "OneCycleLR",
    "PolynomialLR",
    "ReduceLROnPlateau",
    "SequentialLR",
    "StepLR",
]

_EPOCH_DEPRECATION = (
    "the epoch argument of scheduler.step() is deprecated (as in PyTorch): it sets last_epoch "
    "and uses the closed form where one exists; call scheduler.step() without it instead"
)


class LRSchedulerError(RetrogradError, ValueError):
    """Invalid scheduler arguments (a step size, a factor, a phase fraction ...)."""


class LRSchedulerTypeError(RetrogradError, TypeError):
    """A scheduler given something other than a retrograd Optimizer."""


class LRSchedulerStateError(StateDictError):
    """A scheduler resumed (``last_epoch >= 0``) from an optimizer without ``initial_lr``."""


def _check_optimizer(optimizer: Any, scheduler: str) -> Optimizer:
    if not isinstance(optimizer, Optimizer):
        raise LRSchedulerTypeError(
            f"{scheduler} needs a retrograd Optimizer, but got {type(optimizer).__name__}"
        )
    return optimizer


def _per_group(name: str, optimizer: Optimizer, value: Any) -> list[Any]:
    """One value per parameter group: a list or tuple of that length, or a scalar repeated."""
    if isinstance(value, (list, tuple)):
        if len(value) != len(optimizer.param_groups):
            raise LRSchedulerError(
                f"{name} must have the same length as optimizer.param_groups: {name} has "
                f"{len(value)} values, param_groups has {len(optimizer.param_groups)}"
            )
        return list(value)
    return [value] * len(optimizer.param_groups)


def _group_values(optimizer: Optimizer, key: str) -> list[Any]:
    return [group[key] for group in optimizer.param_groups]


def _positive_int(name: str, value: Any, scheduler: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise LRSchedulerError(f"{scheduler}: {name} must be a positive int, got {value!r}")
    return value


class LRScheduler:
    """Base class of the epoch-indexed schedules.

    Subclasses write `get_lr` (the next rates, from the current ones: the chainable form) and,
    where one exists, `_get_closed_form_lr` (the rates at `last_epoch` from `base_lrs`).

    Args:
        optimizer: the optimizer whose ``param_groups[i]["lr"]`` are set.
        last_epoch: index of the last epoch seen; -1 (the default) starts a new schedule. A value >=
            0 resumes one and needs ``initial_lr`` in every group (a loaded optimizer has it).
    """

    optimizer: Optimizer
    base_lrs: list[float]
    last_epoch: int
    _last_lr: list[float]
    _step_count: int
    _is_initial: bool = False

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        self.optimizer = _check_optimizer(optimizer, type(self).__name__)
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for index, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise LRSchedulerStateError(
                        f"param 'initial_lr' is not specified in param_groups[{index}] when "
                        f"resuming {type(self).__name__} with last_epoch={last_epoch}; load the "
                        "optimizer's state dict first, or start with last_epoch=-1"
                    )
        self.base_lrs = _group_values(optimizer, "initial_lr")
        self.last_epoch = last_epoch
        self._initial_step()

    def _initial_step(self) -> None:
        """Count no steps yet and perform the first one (to epoch ``last_epoch + 1``)."""
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def get_lr(self) -> list[float]:
        """The learning rates for epoch `last_epoch`, one per parameter group (used by `step`)."""
        raise NotImplementedError

    def get_last_lr(self) -> list[float]:
        """The learning rates the last `step` set, one per parameter group."""
        return list(self._last_lr)

    def step(self, epoch: int | None = None) -> None:
        """Advance one epoch and set each group's learning rate.

        `epoch` (deprecated, as in PyTorch) jumps to that epoch and uses the closed form.
        """
        self._step_count += 1
        if epoch is None:
            self.last_epoch += 1
            values = self.get_lr()
        else:
            warnings.warn(_EPOCH_DEPRECATION, UserWarning, stacklevel=2)
            self.last_epoch = epoch
            closed_form = getattr(self, "_get_closed_form_lr", None)
            values = closed_form() if closed_form is not None else self.get_lr()
        for group, lr in zip(self.optimizer.param_groups, values, strict=True):
            group["lr"] = lr
        self._last_lr = _group_values(self.optimizer, "lr")

    def state_dict(self) -> dict[str, Any]:
        """Every attribute except the optimizer (PyTorch's layout)."""
        return {key: value for key, value in self.__dict__.items() if key != "optimizer"}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore attributes saved by `state_dict`."""
        self.__dict__.update(state_dict)


class StepLR(LRScheduler):
    """Multiply the learning rates by `gamma` every `step_size` epochs.

    Args:
        optimizer: the optimizer whose learning rates are scheduled.
        step_size: period of the decay, in epochs.
        gamma: multiplicative factor of the decay. Default: 0.1.
        last_epoch: index of the last epoch (-1 starts a new schedule). Default: -1.
    """

    def __init__(
        self, optimizer: Optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1
    ) -> None:
        self.step_size = _positive_int("step_size", step_size, "StepLR")
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return _group_values(self.optimizer, "lr")
        return [group["lr"] * self.gamma for group in self.optimizer.param_groups]

    def _get_closed_form_lr(self) -> list[float]:
        return [
            base_lr * self.gamma ** (self.last_epoch // self.step_size) for base_lr in self.base_lrs
        ]


class MultiStepLR(LRScheduler):
    """Multiply the learning rates by `gamma` at each epoch listed in `milestones`.

    Args:
        optimizer: the optimizer whose learning rates are scheduled.
        milestones: epoch indices; one listed n times decays by ``gamma ** n``.
        gamma: multiplicative factor of the decay. Default: 0.1.
        last_epoch: index of the last epoch (-1 starts a new schedule). Default: -1.
    """

    milestones: Counter[int]

    def __init__(
        self,
        optimizer: Optimizer,
        milestones: Iterable[int],
        gamma: float = 0.1,
        last_epoch: int = -1,
    ) -> None:
        milestones = list(milestones)
        for milestone in milestones:
            if isinstance(milestone, bool) or not isinstance(milestone, int):
                raise LRSchedulerError(
                    f"MultiStepLR: milestones must be ints, got {milestone!r} in {milestones}"
                )
        self.milestones = Counter(milestones)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch not in self.milestones:
            return _group_values(self.optimizer, "lr")
        factor = self.gamma ** self.milestones[self.last_epoch]
        return [group["lr"] * factor for group in self.optimizer.param_groups]

    def _get_closed_form_lr(self) -> list[float]:
        milestones = sorted(self.milestones.elements())
        return [
            base_lr * self.gamma ** bisect_right(milestones, self.last_epoch)
            for base_lr in self.base_lrs
        ]

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore attributes; milestones read back from JSON (string keys) become ints again."""
        super().load_state_dict(state_dict)
        self.milestones = Counter({int(k): int(v) for k, v in dict(self.milestones).items()})


class ExponentialLR(LRScheduler):
    """Multiply the learning rates by `gamma` every epoch.

    Args:
        optimizer: the optimizer whose learning rates are scheduled.
        gamma: multiplicative factor of the decay.
        last_epoch: index of the last epoch (-1 starts a new schedule). Default: -1.
    """

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        # A resumed schedule must not move one epoch ahead in its constructor's step.
        if self._is_initial:
            return _group_values(self.optimizer, "lr")
        return [group["lr"] * self.gamma for group in self.optimizer.param_groups]

    def _get_closed_form_lr(self) -> list[float]:
        return [base_lr * self.gamma**self.last_epoch for base_lr in self.base_lrs]


class CosineAnnealingLR(LRScheduler):
    """Anneal the learning rates from their initial values to `eta_min` along a half cosine.

    The closed form is ``eta_min + (base_lr - eta_min) * (1 + cos(pi * t / T_max)) / 2``; `step()`
    follows PyTorch's recursive form (each rate from the previous one), which also lets other
    changes to the rates chain with it. Past `T_max` the rate climbs back up (no restarts).

    Args:
        optimizer: the optimizer whose learning rates are scheduled.
        T_max: number of epochs of the half cosine.
        eta_min: the lowest learning rate. Default: 0.0.
        last_epoch: index of the last epoch (-1 starts a new schedule). Default: -1.
    """

    def __init__(
        self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1
    ) -> None:
        self.T_max = _positive_int("T_max", T_max, "CosineAnnealingLR")
        self.eta_min = eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        groups = self.optimizer.param_groups
        if self._is_initial:
            return _group_values(self.optimizer, "lr")
        if self._step_count == 1 and self.last_epoch > 0:
            # the first step of a resumed schedule: no previous rate to recurse from
            return [
                self.eta_min
                + (base_lr - self.eta_min)
                * (1 + math.cos(self.last_epoch * math.pi / self.T_max))
                / 2
                for base_lr in self.base_lrs
            ]
        if (self.last_epoch - 1 - self.T_max) % (2 * self.T_max) == 0:
            # at the bottom of the cosine the ratio below would be 0 / 0
            return [
                group["lr"] + (base_lr - self.eta_min) * (1 - math.cos(math.pi / self.T_max)) / 2
                for base_lr, group in zip(self.base_lrs, groups, strict=True)
            ]
        return [
            (1 + math.cos(math.pi * self.last_epoch / self.T_max))
            / (1 + math.cos(math.pi * (self.last_epoch - 1) / self.T_max))
            * (group["lr"] - self.eta_min)
            + self.eta_min
            for group in groups
        ]

    def _get_closed_form_lr(self) -> list[float]:
        return [
            self.eta_min
            + (base_lr - self.eta_min) * (1 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2
            for base_lr in self.base_lrs
        ]


class LinearLR(LRScheduler):
    """Scale the learning rates by a factor that moves linearly from `start_factor` to
    `end_factor` over `total_iters` epochs (a warm-up when `start_factor` < `end_factor`).

    Args:
        optimizer: the optimizer whose learning rates are scheduled.
        start_factor: factor at epoch 0, in (0, 1]. Default: 1/3.
        end_factor: factor from epoch `total_iters` on, in [0, 1]. Default: 1.0.
        total_iters: number of epochs of the linear change. Default: 5.
        last_epoch: index of the last epoch (-1 starts a new schedule). Default: -1.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        start_factor: float = 1.0 / 3,
        end_factor: float = 1.0,
        total_iters: int = 5,
        last_epoch: int = -1,
    ) -> None:
        if start_factor > 1.0 or start_factor <= 0:
            raise LRSchedulerError(f"LinearLR: start_factor must be in (0, 1], got {start_factor}")
        if end_factor > 1.0 or end_factor < 0:
            raise LRSchedulerError(f"LinearLR: end_factor must be in [0, 1], got {end_factor}")
        self.start_factor = start_factor
        self.end_factor = end_factor
        self.total_iters = _positive_int("total_iters", total_iters, "LinearLR")
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        groups = self.optimizer.param_groups
        if self.last_epoch == 0:
            return [group["lr"] * self.start_factor for group in groups]
        if self._is_initial or self.last_epoch > self.total_iters:
            return _group_values(self.optimizer, "lr")
        # the ratio of this epoch's factor to the previous one
        ratio = 1.0 + (self.end_factor - self.start_factor) / (
            self.total_iters * self.start_factor
            + (self.last_epoch - 1) * (self.end_factor - self.start_factor)
        )
        return [group["lr"] * ratio for group in groups]

    def _get_closed_form_lr(self) -> list[float]:
        return [
            base_lr
            * (
                self.start_factor
                + (self.end_factor - self.start_factor)
                * min(self.total_iters, self.last_epoch)
                / self.total_iters
            )
            for base_lr in self.base_lrs
        ]


class OneCycleLR(LRScheduler):
    """The 1cycle policy: warm the learning rate up to `max_lr`, then anneal it far below the
    start; momentum (SGD's ``momentum`` or Adam's ``betas[0]``) moves the opposite way.

    Step it after every batch; `total_steps` (or ``epochs * steps_per_epoch``) steps in all.
    Two phases by default (fastai's); `three_phase` runs warm-up and cool-down symmetrically and
    then a third phase down to ``initial_lr / final_div_factor``.

    Args:
        optimizer: the optimizer whose learning rates (and momenta) are scheduled.
        max_lr: peak learning rate, or one per parameter group.
        total_steps: length of the cycle in steps; or give `epochs` and `steps_per_epoch`.
        epochs: with `steps_per_epoch`, the cycle's length is ``epochs * steps_per_epoch`` steps.
        steps_per_epoch: see `epochs`.
        pct_start: fraction of the cycle spent warming up. Default: 0.3.
        anneal_strategy: ``"cos"`` or ``"linear"``. Default: "cos".
        cycle_momentum: cycle momentum between `max_momentum` and `base_momentum`. Default: True.
        base_momentum: momentum at the peak of the cycle, one value or one per group.
            Default: 0.85.
        max_momentum: momentum at the ends of the cycle, one value or one per group.
            Default: 0.95.
        div_factor: ``initial_lr = max_lr / div_factor``. Default: 25.0.
        final_div_factor: ``min_lr = initial_lr / final_div_factor``. Default: 10000.0.
        three_phase: use the three-phase schedule. Default: False.
        last_epoch: index of the last batch (-1 starts a new schedule). Default: -1.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        max_lr: float | Sequence[float],
        total_steps: int | None = None,
        epochs: int | None = None,
        steps_per_epoch: int | None = None,
        pct_start: float = 0.3,
        anneal_strategy: Literal["cos", "linear"] = "cos",
        cycle_momentum: bool = True,
        base_momentum: float | Sequence[float] = 0.85,
        max_momentum: float | Sequence[float] = 0.95,
        div_factor: float = 25.0,
        final_div_factor: float = 1e4,
        three_phase: bool = False,
        last_epoch: int = -1,
    ) -> None:
        _check_optimizer(optimizer, "OneCycleLR")
        if total_steps is not None:
            self.total_steps = _positive_int("total_steps", total_steps, "OneCycleLR")
        elif epochs is not None and steps_per_epoch is not None:
            epochs = _positive_int("epochs", epochs, "OneCycleLR")
            steps_per_epoch = _positive_int("steps_per_epoch", steps_per_epoch, "OneCycleLR")
            self.total_steps = epochs * steps_per_epoch
        else:
            raise LRSchedulerError(
                "OneCycleLR: give either total_steps or both epochs and steps_per_epoch"
            )
        if isinstance(pct_start, bool) or not isinstance(pct_start, float):
            raise LRSchedulerError(f"OneCycleLR: pct_start must be a float, got {pct_start!r}")
        if not 0.0 <= pct_start <= 1.0:
            raise LRSchedulerError(f"OneCycleLR: pct_start must be in [0, 1], got {pct_start}")
        if anneal_strategy not in ("cos", "linear"):
            raise LRSchedulerError(
                f"OneCycleLR: anneal_strategy must be 'cos' or 'linear', got {anneal_strategy!r}"
            )
        self.anneal_strategy = anneal_strategy

        # Each phase: the step it ends on, and the group keys it goes from and to.
        warm_up: dict[str, Any] = {
            "end_step": float(pct_start * self.total_steps) - 1,
            "start_lr": "initial_lr",
            "end_lr": "max_lr",
            "start_momentum": "max_momentum",
            "end_momentum": "base_momentum",
        }
        self._schedule_phases: list[dict[str, Any]]
        if three_phase:
            self._schedule_phases = [
                warm_up,
                {
                    "end_step": float(2 * pct_start * self.total_steps) - 2,
                    "start_lr": "max_lr",
                    "end_lr": "initial_lr",
                    "start_momentum": "base_momentum",
                    "end_momentum": "max_momentum",
                },
                {
                    "end_step": self.total_steps - 1,
                    "start_lr": "initial_lr",
                    "end_lr": "min_lr",
                    "start_momentum": "max_momentum",
                    "end_momentum": "max_momentum",
                },
            ]
        else:
            self._schedule_phases = [
                warm_up,
                {
                    "end_step": self.total_steps - 1,
                    "start_lr": "max_lr",
                    "end_lr": "min_lr",
                    "start_momentum": "base_momentum",
                    "end_momentum": "max_momentum",
                },
            ]

        max_lrs = _per_group("max_lr", optimizer, max_lr)
        if last_epoch == -1:
            for group, group_max_lr in zip(optimizer.param_groups, max_lrs, strict=True):
                group["initial_lr"] = group_max_lr / div_factor
                group["max_lr"] = group_max_lr
                group["min_lr"] = group["initial_lr"] / final_div_factor

        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
                raise LRSchedulerError(
                    f"OneCycleLR: cycle_momentum needs an optimizer with momentum or betas, but "
                    f"{type(optimizer).__name__} has neither; pass cycle_momentum=False"
                )
            self.use_beta1 = "betas" in optimizer.defaults
            max_momentums = _per_group("max_momentum", optimizer, max_momentum)
            base_momentums = _per_group("base_momentum", optimizer, base_momentum)
            if last_epoch == -1:
                for group, group_max, group_base in zip(
                    optimizer.param_groups, max_momentums, base_momentums, strict=True
                ):
                    self._set_momentum(group, group_max)
                    group["max_momentum"] = group_max
                    group["base_momentum"] = group_base
        super().__init__(optimizer, last_epoch)

    def _set_momentum(self, group: dict[str, Any], momentum: float) -> None:
        if self.use_beta1:
            group["betas"] = (momentum, *group["betas"][1:])
        else:
            group["momentum"] = momentum

    def _anneal(self, start: float, end: float, pct: float) -> float:
        if self.anneal_strategy == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def get_lr(self) -> list[float]:
        """The learning rates at step `last_epoch`; also sets the momenta when cycling them."""
        step_num = self.last_epoch
        if step_num > self.total_steps:
            raise LRSchedulerError(
                f"OneCycleLR: tried to step {step_num} times, but total_steps is {self.total_steps}"
            )
        lrs = []
        last_phase = len(self._schedule_phases) - 1
        for group in self.optimizer.param_groups:
            start_step = 0.0
            for index, phase in enumerate(self._schedule_phases):
                end_step = phase["end_step"]
                if step_num <= end_step or index == last_phase:
                    pct = (step_num - start_step) / (end_step - start_step)
                    lrs.append(self._anneal(group[phase["start_lr"]], group[phase["end_lr"]], pct))
                    if self.cycle_momentum:
                        momentum = self._anneal(
                            group[phase["start_momentum"]], group[phase["end_momentum"]], pct
                        )
                        self._set_momentum(group, momentum)
                    break
                start_step = phase["end_step"]
        return lrs


class ReduceLROnPlateau(LRScheduler):
    """Multiply the learning rates by `factor` when a metric has stopped improving.

    `step(metric)` is called once per epoch with the monitored value (a validation loss, say).
    After more than `patience` epochs without improvement the rates drop, then `cooldown` epochs
    pass before bad epochs count again.

    Args:
        optimizer: the optimizer whose learning rates are reduced.
        mode: ``"min"`` (lower is better) or ``"max"``. Default: "min".
        factor: ``new_lr = lr * factor``, below 1. Default: 0.1.
        patience: bad epochs tolerated before a reduction. Default: 10.
        threshold: how much better counts as an improvement. Default: 0.0001.
        threshold_mode: ``"rel"`` (``best * (1 -/+ threshold)``) or ``"abs"``
            (``best -/+ threshold``). Default: "rel".
        cooldown: epochs to wait after a reduction before counting bad epochs. Default: 0.
        min_lr: lower bound on the rates: one value, or one per parameter group. Default: 0.
        eps: a reduction smaller than this is skipped. Default: 1e-08.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        mode: Literal["min", "max"] = "min",
        factor: float = 0.1,
        patience: int = 10,
        threshold: float = 1e-4,
        threshold_mode: Literal["rel", "abs"] = "rel",
        cooldown: int = 0,
        min_lr: float | Sequence[float] = 0,
        eps: float = 1e-8,
    ) -> None:
        if factor >= 1.0:
            raise LRSchedulerError(f"ReduceLROnPlateau: factor must be < 1.0, got {factor}")
        self.factor = factor
        self.optimizer = _check_optimizer(optimizer, "ReduceLROnPlateau")
        if isinstance(min_lr, (list, tuple)):
            self.default_min_lr: float | None = None
            self.min_lrs = _per_group("min_lr", optimizer, min_lr)
        else:
            self.default_min_lr = float(min_lr)  # type: ignore[arg-type]
            self.min_lrs = [min_lr] * len(optimizer.param_groups)
        self.patience = patience
        self.cooldown = cooldown
        self.eps = eps
        self.last_epoch = 0
        self._last_lr = _group_values(optimizer, "lr")
        self._init_is_better(mode, threshold, threshold_mode)
        self._reset()

    def _init_is_better(self, mode: str, threshold: float, threshold_mode: str) -> None:
        if mode not in ("min", "max"):
            raise LRSchedulerError(f"ReduceLROnPlateau: mode must be 'min' or 'max', got {mode!r}")
        if threshold_mode not in ("rel", "abs"):
            raise LRSchedulerError(
                f"ReduceLROnPlateau: threshold_mode must be 'rel' or 'abs', got {threshold_mode!r}"
            )
        self.mode = mode
        self.threshold = threshold
        self.threshold_mode = threshold_mode
        self.mode_worse = math.inf if mode == "min" else -math.inf

    def _reset(self) -> None:
        """Forget the best value and the bad-epoch and cooldown counters."""
        self.best = self.mode_worse
        self.cooldown_counter = 0
        self.num_bad_epochs = 0

    @property
    def in_cooldown(self) -> bool:
        """Whether cooldown epochs after a reduction remain (bad epochs are not counted)."""
        return self.cooldown_counter > 0

    def is_better(self, value: float, best: float) -> bool:
        """Whether `value` improves on `best` by more than the threshold."""
        if self.mode == "min" and self.threshold_mode == "rel":
            return value < best * (1.0 - self.threshold)
        if self.mode == "min":
            return value < best - self.threshold
        if self.threshold_mode == "rel":
            return value > best * (self.threshold + 1.0)
        return value > best + self.threshold

    def step(self, metrics: SupportsFloat, epoch: int | None = None) -> None:  # type: ignore[override]
        """Record this epoch's metric and reduce the learning rates if it has stalled."""
        current = float(metrics)
        if epoch is None:
            epoch = self.last_epoch + 1
        else:
            warnings.warn(_EPOCH_DEPRECATION, UserWarning, stacklevel=2)
        self.last_epoch = epoch

        if self.is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.in_cooldown:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0  # bad epochs in cooldown do not count
        if self.num_bad_epochs > self.patience:
            self._reduce_lr()
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = _group_values(self.optimizer, "lr")

    def _reduce_lr(self) -> None:
        groups = self.optimizer.param_groups
        if len(groups) != len(self.min_lrs):
            if self.default_min_lr is None:
                raise LRSchedulerError(
                    f"ReduceLROnPlateau: the optimizer has {len(groups)} parameter groups but "
                    f"min_lr lists {len(self.min_lrs)} values (a group was added after the "
                    "scheduler was made); set min_lrs to one value per group"
                )
            self.min_lrs = [self.default_min_lr] * len(groups)
        for group, min_lr in zip(groups, self.min_lrs, strict=True):
            old_lr = float(group["lr"])
            new_lr = max(old_lr * self.factor, min_lr)
            if old_lr - new_lr > self.eps:
                group["lr"] = new_lr

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore attributes saved by `state_dict`."""
        super().load_state_dict(state_dict)
        self._init_is_better(self.mode, self.threshold, self.threshold_mode)


# The schedules built on the classes above live in their own module, which imports this one;
# importing them last lets either module be imported first.
from retrograd.optim._lr_extra import (  # noqa: E402
    ChainedScheduler,
    ConstantLR,
    CosineAnnealingWarmRestarts,
    CyclicLR,
    LambdaLR,
    MultiplicativeLR,
    PolynomialLR,
    SequentialLR,
)
from retrograd.optim._lr_extra import _LRScheduler as _LRScheduler  # noqa: E402
