"""Loss modules: PyTorch's constructor arguments; `forward(input, target)` calls the function
of the same name in `retrograd.nn.functional.loss`. Class weights are buffers (in the state
dict, as in PyTorch); `repr` shows the settings that differ from the defaults."""

from __future__ import annotations

from typing import Any

from retrograd.errors import InvalidArgumentError
from retrograd.nn.functional import loss as F
from retrograd.nn.module import Module
from retrograd.tensor import Tensor

__all__ = [
    "BCELoss",
    "BCEWithLogitsLoss",
    "CrossEntropyLoss",
    "HuberLoss",
    "KLDivLoss",
    "L1Loss",
    "MSELoss",
    "NLLLoss",
    "SmoothL1Loss",
]


def _optional_tensor(value: Any) -> Tensor | None:
    return value if value is None or isinstance(value, Tensor) else Tensor(value)


class _Loss(Module):
    """Holds `reduction` (checked here, so a typo fails where the loss is built)."""

    reduction: str

    def __init__(
        self, size_average: bool | None = None, reduce: bool | None = None, reduction: str = "mean"
    ) -> None:
        super().__init__()
        self.reduction = F.resolve_reduction(reduction, size_average, reduce, type(self).__name__)

    def _settings(self) -> dict[str, tuple[Any, Any]]:
        """name -> (value, default) for `extra_repr`."""
        return {"reduction": (self.reduction, "mean")}

    def extra_repr(self) -> str:
        shown = [f"{k}={v!r}" for k, (v, default) in self._settings().items() if v != default]
        return ", ".join(shown)


class _WeightedLoss(_Loss):
    """A loss with an optional `weight` buffer."""

    weight: Tensor | None

    def __init__(
        self,
        weight: Tensor | None = None,
        size_average: bool | None = None,
        reduce: bool | None = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", _optional_tensor(weight))


class MSELoss(_Loss):
    """Mean squared error. `input`, `target`: same shape, any; returns a scalar unless
    `reduction='none'` (then the input's shape)."""

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    """Mean absolute error. `input`, `target`: same shape, any."""

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.l1_loss(input, target, reduction=self.reduction)


class HuberLoss(_Loss):
    """Quadratic for errors below `delta`, linear (slope `delta`) above. Same-shape inputs."""

    delta: float

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction=reduction)
        if delta <= 0:
            raise InvalidArgumentError(f"HuberLoss: delta must be positive, got {delta}")
        self.delta = delta

    def _settings(self) -> dict[str, tuple[Any, Any]]:
        return {**super()._settings(), "delta": (self.delta, 1.0)}

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class SmoothL1Loss(_Loss):
    """Quadratic (divided by `beta`) for errors below `beta`, L1 above. Same-shape inputs."""

    beta: float

    def __init__(
        self,
        size_average: bool | None = None,
        reduce: bool | None = None,
        reduction: str = "mean",
        beta: float = 1.0,
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        if beta < 0:
            raise InvalidArgumentError(f"SmoothL1Loss: beta must be non-negative, got {beta}")
        self.beta = beta

    def _settings(self) -> dict[str, tuple[Any, Any]]:
        return {**super()._settings(), "beta": (self.beta, 1.0)}

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class BCELoss(_WeightedLoss):
    """Binary cross entropy of probabilities in [0, 1]; `weight` broadcasts to the input.
    For raw scores use `BCEWithLogitsLoss`."""

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.binary_cross_entropy(input, target, weight=self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Sigmoid and binary cross entropy in one stable step. `pos_weight` (often `(C,)`) scales
    the positive term; `weight` scales each element. Both broadcast to the input."""

    weight: Tensor | None
    pos_weight: Tensor | None

    def __init__(
        self,
        weight: Tensor | None = None,
        size_average: bool | None = None,
        reduce: bool | None = None,
        reduction: str = "mean",
        pos_weight: Tensor | None = None,
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", _optional_tensor(weight))
        self.register_buffer("pos_weight", _optional_tensor(pos_weight))

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.binary_cross_entropy_with_logits(
            input, target, self.weight, reduction=self.reduction, pos_weight=self.pos_weight
        )


class NLLLoss(_WeightedLoss):
    """Negative log-likelihood of log-probabilities. `input`: `(N, C)`, `(N, C, d1, ...)` or
    `(C,)`; `target`: int class indices `(N,)`, `(N, d1, ...)` or `()`; `weight`: `(C,)`."""

    ignore_index: int

    def __init__(
        self,
        weight: Tensor | None = None,
        size_average: bool | None = None,
        ignore_index: int = -100,
        reduce: bool | None = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def _settings(self) -> dict[str, tuple[Any, Any]]:
        return {**super()._settings(), "ignore_index": (self.ignore_index, -100)}

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.nll_loss(
            input, target, self.weight, ignore_index=self.ignore_index, reduction=self.reduction
        )


class CrossEntropyLoss(_WeightedLoss):
    """Cross entropy of raw scores (log_softmax + NLL). `input`: `(N, C)`, `(N, C, d1, ...)`
    or `(C,)`; `target`: int class indices without the class dim, or float probabilities of
    the input's shape; `weight`: `(C,)`."""

    ignore_index: int
    label_smoothing: float

    def __init__(
        self,
        weight: Tensor | None = None,
        size_average: bool | None = None,
        ignore_index: int = -100,
        reduce: bool | None = None,
        reduction: str = "mean",
        label_smoothing: float = 0.0,
    ) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        if not 0.0 <= label_smoothing <= 1.0:
            raise InvalidArgumentError(
                f"CrossEntropyLoss: label_smoothing must be in [0, 1], got {label_smoothing}"
            )
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def _settings(self) -> dict[str, tuple[Any, Any]]:
        return {
            **super()._settings(),
            "ignore_index": (self.ignore_index, -100),
            "label_smoothing": (self.label_smoothing, 0.0),
        }

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.cross_entropy(
            input,
            target,
            self.weight,
            ignore_index=self.ignore_index,
            reduction=self.reduction,
            label_smoothing=self.label_smoothing,
        )


class KLDivLoss(_Loss):
    """Kullback-Leibler divergence; `input` holds log-probabilities, `target` probabilities (or
    log-probabilities with `log_target=True`). `reduction` may also be 'batchmean' (the sum over
    the batch size: the KL divergence of each sample, averaged). See `F.kl_div`."""

    log_target: bool

    def __init__(
        self,
        size_average: bool | None = None,
        reduce: bool | None = None,
        reduction: str = "mean",
        log_target: bool = False,
    ) -> None:
        if reduction == "batchmean" and size_average is None and reduce is None:
            super().__init__()
            self.reduction = "batchmean"
        else:
            super().__init__(size_average, reduce, reduction)
        self.log_target = log_target

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        """The reduced divergence of `target` from the log-probabilities `input`."""
        return F.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)
