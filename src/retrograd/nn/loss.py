"""Loss modules: PyTorch's constructor arguments; `forward(input, target)` calls the function
of the same name in `retrograd.nn.functional.loss`. Class weights are buffers (in the state
dict, as in PyTorch); `repr` shows the settings that differ from the defaults."""

from __future__ import annotations

from typing import Any

from retrograd.nn.functional import loss as F
from retrograd.nn.module import Module
from retrograd.tensor import Tensor

#: the loss layers (`retrograd.nn` and `nn.modules.loss` export this list)
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
    """Mean squared error of two tensors of the same shape.

    The loss of each element is `(input - target) ** 2`.

    Args:
        size_average: PyTorch's deprecated form of `reduction` (with a warning). Default: None.
        reduce: PyTorch's deprecated form of `reduction` (with a warning). Default: None.
        reduction: `"mean"` (the mean over all elements), `"sum"`, or `"none"` (one loss per
            element). Default: `"mean"`.

    Shape:
        - Input: `(*)`, any number of dimensions.
        - Target: `(*)`, the same shape as the input.
        - Output: `()`, a scalar; with `reduction="none"`, `(*)`, the input's shape.

    Example:
        >>> loss = nn.MSELoss()
        >>> loss(retrograd.tensor([0.5, 2.0, -1.0]), retrograd.tensor([0.0, 1.0, 1.0]))
        tensor(1.75)
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """The squared error of `input` and `target`, reduced as `reduction` says; shapes as in the
        class's `Shape:` section."""
        return F.mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    """Mean absolute error of two tensors of the same shape.

    The loss of each element is `|input - target|`.

    Args:
        size_average: PyTorch's deprecated form of `reduction` (with a warning). Default: None.
        reduce: PyTorch's deprecated form of `reduction` (with a warning). Default: None.
        reduction: `"mean"` (the mean over all elements), `"sum"`, or `"none"` (one loss per
            element). Default: `"mean"`.

    Shape:
        - Input: `(*)`, any number of dimensions.
        - Target: `(*)`, the same shape as the input.
        - Output: `()`, a scalar; with `reduction="none"`, `(*)`, the input's shape.

    Example:
        >>> loss = nn.L1Loss()
        >>> loss(retrograd.tensor([0.5, 2.0, -1.0]), retrograd.tensor([0.0, 1.0, 1.0]))
        tensor(1.1667)
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """The absolute error of `input` and `target`, reduced as `reduction` says; shapes as in the
        class's `Shape:` section."""
        return F.l1_loss(input, target, reduction=self.reduction)


class HuberLoss(_Loss):
    """Quadratic for errors below `delta`, linear (slope `delta`) above. Same-shape inputs.

    The loss of each element, with `d = |input - target|`, is `0.5 * d ** 2` for `d < delta`,
    else `delta * (d - 0.5 * delta)`.

    Args:
        reduction: `"mean"` (the mean over all elements), `"sum"`, or `"none"` (one loss per
            element). Default: `"mean"`.
        delta: where the loss turns from quadratic to linear; must be positive. Default: 1.0.

    Shape:
        - Input: `(*)`, any number of dimensions.
        - Target: `(*)`, the same shape as the input.
        - Output: `()`, a scalar; with `reduction="none"`, `(*)`, the input's shape.

    Example:
        >>> loss = nn.HuberLoss()
        >>> loss(retrograd.tensor([0.5, 2.0, -1.0]), retrograd.tensor([0.0, 1.0, 1.0]))
        tensor(0.7083)
    """

    delta: float

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction=reduction)
        F.check_delta(delta, "HuberLoss")
        self.delta = delta

    def _settings(self) -> dict[str, tuple[Any, Any]]:
        return {**super()._settings(), "delta": (self.delta, 1.0)}

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """The Huber loss of `input` and `target`, reduced as `reduction` says; shapes as in the
        class's `Shape:` section."""
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class SmoothL1Loss(_Loss):
    """Quadratic (divided by `beta`) for errors below `beta`, L1 above. Same-shape inputs.

    The loss of each element, with `d = |input - target|`, is `0.5 * d ** 2 / beta` for
    `d < beta`, else `d - 0.5 * beta`; `beta=0` makes it the L1 loss.

    Args:
        size_average: PyTorch's deprecated form of `reduction` (with a warning). Default: None.
        reduce: PyTorch's deprecated form of `reduction` (with a warning). Default: None.
        reduction: `"mean"` (the mean over all elements), `"sum"`, or `"none"` (one loss per
            element). Default: `"mean"`.
        beta: where the loss turns from quadratic to linear; must be non-negative. Default: 1.0.

    Shape:
        - Input: `(*)`, any number of dimensions.
        - Target: `(*)`, the same shape as the input.
        - Output: `()`, a scalar; with `reduction="none"`, `(*)`, the input's shape.

    Example:
        >>> loss = nn.SmoothL1Loss(beta=0.5)
        >>> loss(retrograd.tensor([0.5, 2.0, -1.0]), retrograd.tensor([0.0, 1.0, 1.0]))
        tensor(0.9167)
    """

    beta: float

    def __init__(
        self,
        size_average: bool | None = None,
        reduce: bool | None = None,
        reduction: str = "mean",
        beta: float = 1.0,
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        F.check_beta(beta, "SmoothL1Loss")
        self.beta = beta

    def _settings(self) -> dict[str, tuple[Any, Any]]:
        return {**super()._settings(), "beta": (self.beta, 1.0)}

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """The smooth L1 loss of `input` and `target`, reduced as `reduction` says; shapes as in the
        class's `Shape:` section."""
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class BCELoss(_WeightedLoss):
    """Binary cross entropy of probabilities in [0, 1]; `weight` broadcasts to the input.
    For raw scores use `BCEWithLogitsLoss`.

    The loss of each element is `-weight * (target * log(input) + (1 - target) * log(1 - input))`.

    Args:
        weight: a rescaling weight per element, broadcast to the input's shape (kept as a buffer).
            Default: None, weight 1.
        size_average: PyTorch's deprecated form of `reduction` (with a warning). Default: None.
        reduce: PyTorch's deprecated form of `reduction` (with a warning). Default: None.
        reduction: `"mean"` (the mean over all elements), `"sum"`, or `"none"` (one loss per
            element). Default: `"mean"`.

    Shape:
        - Input: `(*)`, probabilities, any number of dimensions.
        - Target: `(*)`, the same shape as the input, values in [0, 1].
        - Output: `()`, a scalar; with `reduction="none"`, `(*)`, the input's shape.

    Example:
        >>> loss = nn.BCELoss()
        >>> loss(retrograd.tensor([0.9, 0.2]), retrograd.tensor([1.0, 0.0]))
        tensor(0.1643)
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """The binary cross entropy of the probabilities `input` for `target`, reduced as
        `reduction` says; shapes as in the class's `Shape:` section."""
        return F.binary_cross_entropy(input, target, weight=self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_WeightedLoss):
    """Sigmoid and binary cross entropy in one stable step. `pos_weight` (often `(C,)`) scales
    the positive term; `weight` scales each element. Both broadcast to the input.

    The loss of each element, with `s = sigmoid(input)`, is
    `-weight * (pos_weight * target * log(s) + (1 - target) * log(1 - s))`.

    Args:
        weight: a rescaling weight per element, broadcast to the input's shape (kept as a buffer).
            Default: None, weight 1.
        size_average: PyTorch's deprecated form of `reduction` (with a warning). Default: None.
        reduce: PyTorch's deprecated form of `reduction` (with a warning). Default: None.
        reduction: `"mean"` (the mean over all elements), `"sum"`, or `"none"` (one loss per
            element). Default: `"mean"`.
        pos_weight: the weight of the positive term, broadcast to the input's shape (often one
            per class, `(C,)`; kept as a buffer). Default: None, weight 1.

    Shape:
        - Input: `(*)`, raw scores (logits), any number of dimensions.
        - Target: `(*)`, the same shape as the input, values in [0, 1].
        - Output: `()`, a scalar; with `reduction="none"`, `(*)`, the input's shape.

    Example:
        >>> loss = nn.BCEWithLogitsLoss()
        >>> loss(retrograd.tensor([2.0, -1.0]), retrograd.tensor([1.0, 0.0]))
        tensor(0.2201)
    """

    pos_weight: Tensor | None

    def __init__(
        self,
        weight: Tensor | None = None,
        size_average: bool | None = None,
        reduce: bool | None = None,
        reduction: str = "mean",
        pos_weight: Tensor | None = None,
    ) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.register_buffer("pos_weight", _optional_tensor(pos_weight))

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """The binary cross entropy of `sigmoid(input)` for `target`, computed stably and reduced as
        `reduction` says; shapes as in the class's `Shape:` section."""
        return F.binary_cross_entropy_with_logits(
            input, target, self.weight, reduction=self.reduction, pos_weight=self.pos_weight
        )


class NLLLoss(_WeightedLoss):
    """Negative log-likelihood of log-probabilities, for integer class targets.

    The loss of each target is `-weight[t] * input[t]`, with `t` its class index; the input
    usually comes from `LogSoftmax`.

    Args:
        weight: a weight per class, `(C,)` (kept as a buffer). Default: None, weight 1.
        size_average: PyTorch's deprecated form of `reduction` (with a warning). Default: None.
        ignore_index: a target value that adds nothing to the loss or to the mean's divisor.
            Default: -100.
        reduce: PyTorch's deprecated form of `reduction` (with a warning). Default: None.
        reduction: `"mean"` (the weighted mean: the sum divided by the total weight of the
            targets not ignored), `"sum"`, or `"none"` (one loss per target). Default: `"mean"`.

    Shape:
        - Input: `(N, C)`, `(N, C, d1, ..., dK)` or `(C,)`: log-probabilities of C classes.
        - Target: `(N,)`, `(N, d1, ..., dK)` or `()`: integer class indices in `[0, C)`.
        - Output: `()`, a scalar; with `reduction="none"`, the target's shape.

    Example:
        >>> loss = nn.NLLLoss()
        >>> log_probs = retrograd.tensor([[2.0, 0.5, -1.0], [0.0, 1.0, 0.0]]).log_softmax(1)
        >>> loss(log_probs, retrograd.tensor([0, 1]))
        tensor(0.3964)
    """

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
        """The negative log-likelihood of the class indices `target` under the log-probabilities
        `input`, reduced as `reduction` says; shapes as in the class's `Shape:` section."""
        return F.nll_loss(
            input, target, self.weight, ignore_index=self.ignore_index, reduction=self.reduction
        )


class CrossEntropyLoss(_WeightedLoss):
    """Cross entropy of raw scores (log_softmax + NLL), for class indices or probabilities.

    Args:
        weight: a weight per class, `(C,)` (kept as a buffer). Default: None, weight 1.
        size_average: PyTorch's deprecated form of `reduction` (with a warning). Default: None.
        ignore_index: a class-index target value that adds nothing to the loss or to the mean's
            divisor. Default: -100.
        reduce: PyTorch's deprecated form of `reduction` (with a warning). Default: None.
        reduction: `"mean"` (the weighted mean: the sum divided by the total weight of the
            targets not ignored; for probability targets, by the number of samples), `"sum"`,
            or `"none"` (one loss per target). Default: `"mean"`.
        label_smoothing: in [0, 1]: each target becomes a mix of its class (weight
            `1 - label_smoothing`) and the uniform distribution over the C classes. Default: 0.0.

    Shape:
        - Input: `(N, C)`, `(N, C, d1, ..., dK)` or `(C,)`: raw scores (logits) of C classes.
        - Target: integer class indices `(N,)`, `(N, d1, ..., dK)` or `()`, in `[0, C)`; or
          float class probabilities of the input's shape.
        - Output: `()`, a scalar; with `reduction="none"`, the shape of the input without its
          class dimension.

    Example:
        >>> loss = nn.CrossEntropyLoss()
        >>> logits = retrograd.tensor([[2.0, 0.5, -1.0], [0.0, 1.0, 0.0]])
        >>> loss(logits, retrograd.tensor([0, 1]))
        tensor(0.3964)
    """

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
        F.check_label_smoothing(label_smoothing, "CrossEntropyLoss")
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def _settings(self) -> dict[str, tuple[Any, Any]]:
        return {
            **super()._settings(),
            "ignore_index": (self.ignore_index, -100),
            "label_smoothing": (self.label_smoothing, 0.0),
        }

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """The cross entropy of the raw scores `input` for `target` (class indices or
        probabilities), reduced as `reduction` says; shapes as in the class's `Shape:` section."""
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
    the batch size: the KL divergence of each sample, averaged). See `F.kl_div`.

    The loss of each element is `target * (log(target) - input)`.

    Args:
        size_average: PyTorch's deprecated form of `reduction` (with a warning). Default: None.
        reduce: PyTorch's deprecated form of `reduction` (with a warning). Default: None.
        reduction: `"mean"` (the mean over all elements), `"batchmean"` (the sum divided by
            `input.shape[0]`), `"sum"`, or `"none"`. Default: `"mean"`.
        log_target: whether `target` holds log-probabilities. Default: False.

    Shape:
        - Input: `(*)`, log-probabilities, any number of dimensions.
        - Target: `(*)`, the same shape as the input.
        - Output: `()`, a scalar; with `reduction="none"`, `(*)`, the input's shape.

    Example:
        >>> loss = nn.KLDivLoss(reduction="batchmean")
        >>> log_probs = retrograd.tensor([[0.25, 0.75]]).log()
        >>> loss(log_probs, retrograd.tensor([[0.5, 0.5]]))
        tensor(0.1438)
    """

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
        """The reduced divergence of `target` from the log-probabilities `input`; shapes as in the
        class's `Shape:` section."""
        return F.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)
