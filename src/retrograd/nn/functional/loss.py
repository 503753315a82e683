"""Loss functions, written as composites of Tensor ops so their gradients come for free.

PyTorch's names, signatures and semantics. `reduction` is 'mean' | 'sum' | 'none'; a weighted
mean divides by the total weight of the targets it counts. Class scores live in dim 1 of the
input, `(N, C)` or `(N, C, d1, ...)`, or in dim 0 of an unbatched input of shape `(C,)`.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from retrograd import ops
from retrograd.errors import DTypeError, IndexRangeError, InvalidArgumentError, ShapeError
from retrograd.tensor import Tensor, apply, constant, where

#: the loss functions (`retrograd.nn.functional` exports this list)
__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "huber_loss",
    "kl_div",
    "l1_loss",
    "mse_loss",
    "nll_loss",
    "smooth_l1_loss",
]

REDUCTIONS = ("mean", "sum", "none")
_PROBABILITIES_HINT = ", or pass class probabilities with the same shape as the input"


# ---------------------------------------------------------------------- reduction
def resolve_reduction(
    reduction: str, size_average: bool | None = None, reduce: bool | None = None, name: str = "loss"
) -> str:
    """The reduction string, from `reduction` or PyTorch's deprecated `size_average`/`reduce`."""
    if size_average is not None or reduce is not None:
        warnings.warn(
            f"{name}: size_average and reduce are deprecated; use reduction='mean'|'sum'|'none'",
            DeprecationWarning,
            stacklevel=3,
        )
        if reduce is False:
            reduction = "none"
        else:
            reduction = "sum" if size_average is False else "mean"
    if reduction not in REDUCTIONS:
        raise InvalidArgumentError(
            f"{name}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}"
        )
    return reduction


def _nan_result(loss: Tensor) -> Tensor:
    """PyTorch's answer for a mean over nothing: NaN, with a zero gradient."""
    return loss.sum() * 0.0 + float("nan")


def _mean_over(total: Tensor, count: Tensor | float) -> Tensor:
    """`total / count`, or NaN when nothing was counted (as PyTorch, without a 0/0 warning)."""
    if float(count) == 0.0:
        return _nan_result(total)
    return total / count


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    return _mean_over(loss.sum(), loss.numel())


def _reduce_weighted(loss: Tensor, weight: Tensor, reduction: str) -> Tensor:
    """Like `_reduce`, but the mean divides by `weight.sum()` instead of the element count."""
    if reduction == "mean":
        return _mean_over(loss.sum(), weight.sum())
    return _reduce(loss, reduction)


def _reduce_same_shape_weighted(loss: Tensor, weight: Any, reduction: str, name: str) -> Tensor:
    """`loss` reduced; with a `weight` of the loss's shape, `loss * weight` reduced, its mean
    divided by the total weight."""
    if weight is None:
        return _reduce(loss, reduction)
    w = _same_shape_weight(weight, loss.shape, name)
    return _reduce_weighted(loss * w, w, reduction)


# ---------------------------------------------------------------------- argument checks
def check_delta(delta: float, name: str) -> None:
    """The Huber loss's `delta` is positive (`name` is the loss's function or layer)."""
    if delta <= 0:
        raise InvalidArgumentError(f"{name}: delta must be positive, got {delta}")


def check_beta(beta: float, name: str) -> None:
    """The smooth L1 loss's `beta` is non-negative (`name` is the loss's function or layer)."""
    if beta < 0:
        raise InvalidArgumentError(f"{name}: beta must be non-negative, got {beta}")


def check_label_smoothing(label_smoothing: float, name: str) -> None:
    """The cross entropy's `label_smoothing` is in [0, 1] (`name`: its function or layer)."""
    if not 0.0 <= label_smoothing <= 1.0:
        raise InvalidArgumentError(
            f"{name}: label_smoothing must be in [0, 1], got {label_smoothing}"
        )


def _as_tensor(value: Any) -> Tensor:
    return value if isinstance(value, Tensor) else Tensor(value)


def _check_float(input: Tensor, name: str) -> None:
    if input.dtype.kind != "f":
        raise DTypeError(f"{name} expects a floating-point input, got {input.dtype}")


def _check_same_shape(input: Any, target: Any, name: str) -> tuple[Tensor, Tensor]:
    """Both as Tensors; a ShapeError where PyTorch would broadcast them (and only warn)."""
    input, target = _as_tensor(input), _as_tensor(target)
    _check_float(input, name)
    if input.shape == target.shape:
        return input, target
    message = f"{name}: target shape {target.shape} does not match input shape {input.shape}"
    try:
        broadcast = np.broadcast_shapes(input.shape, target.shape)
        message += (
            f"; broadcasting them would silently compute a loss of shape {broadcast}, "
            "pairing inputs with the wrong targets"
        )
    except ValueError:
        pass
    if input.numel() == target.numel():
        message += f"; use target.reshape({input.shape}) if they hold the same samples"
    else:
        message += "; give the target the input's shape"
    raise ShapeError(message)


def _elementwise_weight(weight: Any, shape: tuple[int, ...], name: str, what: str) -> Tensor:
    """`weight` checked to broadcast to `shape` without changing it."""
    weight = _as_tensor(weight)
    try:
        fits = np.broadcast_shapes(weight.shape, shape) == shape
    except ValueError:
        fits = False
    if not fits:
        raise ShapeError(
            f"{name}: {what} of shape {weight.shape} does not broadcast to the input shape {shape}"
        )
    return weight


def _same_shape_weight(weight: Any, shape: tuple[int, ...], name: str) -> Tensor:
    weight = _as_tensor(weight)
    if weight.shape != shape:
        raise ShapeError(
            f"{name}: weight has shape {weight.shape}, it must equal the input shape {shape}"
        )
    return weight


# ---------------------------------------------------------------------- regression
def mse_loss(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    weight: Tensor | None = None,
) -> Tensor:
    """Mean squared error `(input - target)^2`; input, target (and weight): same shape."""
    if (  # the common case, tested cheaply: one fused node
        type(input) is Tensor
        and type(target) is Tensor
        and weight is None
        and size_average is None
        and reduce is None
        and (reduction == "mean" or reduction == "sum")
        and input.array.dtype.kind == "f"
        and input.array.dtype == target.array.dtype
        and input.array.shape == target.array.shape
    ):
        return apply(ops.MeanSquaredError, input, target, mean=reduction == "mean")
    reduction = resolve_reduction(reduction, size_average, reduce, "mse_loss")
    input, target = _check_same_shape(input, target, "mse_loss")
    if weight is None and reduction != "none" and input.dtype == target.dtype:
        return apply(ops.MeanSquaredError, input, target, mean=reduction == "mean")
    diff = input - target
    return _reduce_same_shape_weighted(diff * diff, weight, reduction, "mse_loss")


def l1_loss(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    weight: Tensor | None = None,
) -> Tensor:
    """Mean absolute error `|input - target|`; input, target (and weight): same shape."""
    reduction = resolve_reduction(reduction, size_average, reduce, "l1_loss")
    input, target = _check_same_shape(input, target, "l1_loss")
    return _reduce_same_shape_weighted((input - target).abs(), weight, reduction, "l1_loss")


def huber_loss(
    input: Tensor,
    target: Tensor,
    reduction: str = "mean",
    delta: float = 1.0,
    weight: Tensor | None = None,
) -> Tensor:
    """`0.5 d^2` where `|d| < delta`, else `delta (|d| - 0.5 delta)`, with `d = input - target`.

    A weighted 'mean' is the plain mean of `weight * loss` (PyTorch's rule for this loss).
    """
    reduction = resolve_reduction(reduction, name="huber_loss")
    check_delta(delta, "huber_loss")
    input, target = _check_same_shape(input, target, "huber_loss")
    diff = input - target
    size = diff.abs()
    loss = where(size < delta, 0.5 * diff * diff, delta * (size - 0.5 * delta))
    if weight is not None:
        loss = loss * _same_shape_weight(weight, input.shape, "huber_loss")
    return _reduce(loss, reduction)


def smooth_l1_loss(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    beta: float = 1.0,
) -> Tensor:
    """`0.5 d^2 / beta` where `|d| < beta`, else `|d| - 0.5 beta`; beta=0 is the L1 loss."""
    reduction = resolve_reduction(reduction, size_average, reduce, "smooth_l1_loss")
    check_beta(beta, "smooth_l1_loss")
    input, target = _check_same_shape(input, target, "smooth_l1_loss")
    diff = input - target
    size = diff.abs()
    if beta == 0:
        return _reduce(size, reduction)
    loss = where(size < beta, 0.5 * diff * diff / beta, size - 0.5 * beta)
    return _reduce(loss, reduction)


# ---------------------------------------------------------------------- binary classification
def _clamped_log(p: Tensor) -> Tensor:
    """log(p) floored at -100 like PyTorch. p is first raised to the smallest positive float,
    so log never sees 0: a -inf there would turn the (masked) gradient into 0 * inf = NaN."""
    tiny = float(np.finfo(p.dtype).smallest_subnormal)
    return p.clamp(min=tiny).log().clamp(min=-100.0)


def _check_probabilities(values: Tensor, which: str = "input") -> None:
    """PyTorch refuses BCE inputs or targets outside [0, 1]: the formula would give a loss that
    is not a cross-entropy (a target of 2 or -1 can even make it negative)."""
    data = values.array
    if data.size == 0:
        return
    if np.isnan(data).any():
        found = "NaN values"
    else:
        low, high = float(data.min()), float(data.max())
        if low >= 0.0 and high <= 1.0:
            return
        found = f"values in [{low:.6g}, {high:.6g}]"
    if which == "target":
        raise InvalidArgumentError(
            f"binary_cross_entropy expects targets in [0, 1], found {found}; "
            "targets are the probabilities of the positive class (0 or 1 for hard labels)"
        )
    raise InvalidArgumentError(
        f"binary_cross_entropy expects input probabilities in [0, 1], found {found}; "
        "if the input holds logits (raw scores), use binary_cross_entropy_with_logits "
        "(BCEWithLogitsLoss), which applies the sigmoid itself, stably"
    )


def binary_cross_entropy(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """`-w [t log(p) + (1 - t) log(1 - p)]` with each log floored at -100 (as PyTorch).

    The gradient is the exact derivative of this loss, so a floored log (p within e^-100 of
    0 or 1) passes none; PyTorch's hand-written backward gives `(p - t) / max(p (1 - p), 1e-12)`
    there instead. The two agree wherever `p (1 - p) > 1e-12`.

    Args:
        input: p, probabilities in [0, 1], any shape.
        target: t, the same shape.
        weight: w, broadcasts to the input's shape.
        size_average: PyTorch's deprecated form of `reduction` (a DeprecationWarning).
        reduce: PyTorch's deprecated form of `reduction` (a DeprecationWarning).
        reduction: 'mean', 'sum' or 'none'. Default: 'mean'.
    """
    name = "binary_cross_entropy"
    reduction = resolve_reduction(reduction, size_average, reduce, name)
    input, target = _check_same_shape(input, target, name)
    _check_probabilities(input)
    _check_probabilities(target, "target")
    loss = -(target * _clamped_log(input) + (1 - target) * _clamped_log(1 - input))
    if weight is not None:
        loss = loss * _elementwise_weight(weight, input.shape, name, "weight")
    return _reduce(loss, reduction)


def binary_cross_entropy_with_logits(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    pos_weight: Tensor | None = None,
) -> Tensor:
    """BCE of `sigmoid(input)`, computed from the logits so it is stable at any magnitude.

    `(1 - t) x + l * softplus(-x)` with `l = 1 + (pos_weight - 1) t`, and
    `softplus(-x) = max(-x, 0) + log1p(exp(-|x|))`: no overflow, no log(0).

    Args:
        input: x, logits, any shape.
        target: t, the same shape.
        weight: broadcasts to the input's shape.
        size_average: PyTorch's deprecated form of `reduction` (a DeprecationWarning).
        reduce: PyTorch's deprecated form of `reduction` (a DeprecationWarning).
        reduction: 'mean', 'sum' or 'none'. Default: 'mean'.
        pos_weight: broadcasts to the input's shape too, usually `(C,)` for `(N, C)`.
    """
    name = "binary_cross_entropy_with_logits"
    reduction = resolve_reduction(reduction, size_average, reduce, name)
    input, target = _check_same_shape(input, target, name)
    zero = constant(np.zeros((), dtype=input.dtype), input)
    # maximum, not relu: at x = 0 it splits the gradient, giving the exact derivative -1/2
    softplus_neg = (-input).maximum(zero) + (-input.abs()).exp().log1p()
    if pos_weight is None:
        loss = (1 - target) * input + softplus_neg
    else:
        pos = _elementwise_weight(pos_weight, input.shape, name, "pos_weight")
        loss = (1 - target) * input + ((pos - 1) * target + 1) * softplus_neg
    if weight is not None:
        loss = loss * _elementwise_weight(weight, input.shape, name, "weight")
    return _reduce(loss, reduction)


# ---------------------------------------------------------------------- multi-class
def _class_dim(input: Tensor) -> int:
    return 0 if input.ndim == 1 else 1


def _check_scores(input: Any, name: str) -> Tensor:
    input = _as_tensor(input)
    if input.ndim == 0:
        raise ShapeError(
            f"{name} expects an input of shape (C,), (N, C) or (N, C, d1, ...), got a 0-d tensor"
        )
    _check_float(input, name)
    return input


def _class_weight(weight: Any, input: Tensor, name: str) -> Tensor | None:
    if weight is None:
        return None
    weight = _as_tensor(weight)
    n_classes = input.shape[_class_dim(input)]
    if weight.shape != (n_classes,):
        raise ShapeError(
            f"{name}: weight has shape {weight.shape}, expected ({n_classes},): one weight for "
            f"each of the {n_classes} classes of an input of shape {input.shape}"
        )
    return weight.type(input.dtype)


def _check_indices(
    input: Tensor, target: Tensor, ignore_index: int, name: str, hint: str
) -> np.ndarray:
    """The target's class indices, checked for dtype, shape and range."""
    indices = target.array
    if indices.dtype.kind not in "iu":
        raise DTypeError(
            f"{name} expects class indices as integers (int64), got {indices.dtype}; "
            f"use target.long(){hint}"
        )
    cdim = _class_dim(input)
    expected = input.shape[:cdim] + input.shape[cdim + 1 :]
    if indices.shape != expected:
        raise ShapeError(
            f"{name}: target shape {indices.shape} does not fit input shape {input.shape}; "
            f"class indices need shape {expected} (the input's shape without its class dim {cdim})"
        )
    n_classes = input.shape[cdim]
    bad = (indices != ignore_index) & ((indices < 0) | (indices >= n_classes))
    if bad.any():
        raise IndexRangeError(
            f"{name}: target class index {indices[bad].flat[0]} is out of range for {n_classes} "
            f"classes (valid: 0 to {n_classes - 1}, or ignore_index={ignore_index})"
        )
    return indices


def _nll_terms(
    log_probs: Tensor, indices: np.ndarray, weight: Tensor | None, ignore_index: int
) -> tuple[Tensor, Tensor]:
    """Per-target losses `-w[t] * log_probs[t]` and the weights `w[t]`, both 0 where ignored."""
    cdim = _class_dim(log_probs)
    counted = indices != ignore_index
    safe = np.where(counted, indices, 0).astype(np.int64)  # any valid index; masked out below
    picked = log_probs.gather(cdim, constant(np.expand_dims(safe, cdim), log_probs)).squeeze(cdim)
    if weight is None:
        w = constant(counted.astype(log_probs.dtype), log_probs)
    else:
        w = where(counted, weight[safe], 0.0)
    return -(picked * w), w


def nll_loss(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    ignore_index: int = -100,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Negative log-likelihood `-weight[t] * input[t]`: input holds log-probabilities.

    Args:
        input: `(N, C)`, `(N, C, d1, ...)` or `(C,)`.
        target: integer class indices `(N,)`, `(N, d1, ...)` or `()`.
        weight: `(C,)`.
        size_average: PyTorch's deprecated form of `reduction` (a DeprecationWarning).
        ignore_index: targets equal to it add nothing, to the loss or to the mean's divisor.
            Default: -100.
        reduce: PyTorch's deprecated form of `reduction` (a DeprecationWarning).
        reduction: 'mean', 'sum' or 'none'. Default: 'mean'.
    """
    name = "nll_loss"
    reduction = resolve_reduction(reduction, size_average, reduce, name)
    input = _check_scores(input, name)
    indices = _check_indices(input, _as_tensor(target), ignore_index, name, hint="")
    loss, w = _nll_terms(input, indices, _class_weight(weight, input, name), ignore_index)
    return _reduce_weighted(loss, w, reduction)


def cross_entropy(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    ignore_index: int = -100,
    reduce: bool | None = None,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """Cross entropy of raw scores (logits): `nll_loss(log_softmax(input), target)`.

    Args:
        input: `(N, C)`, `(N, C, d1, ...)` or `(C,)`.
        target: integer class indices of shape `(N,)`, `(N, d1, ...)` or `()`, or float class
            probabilities of the input's shape.
        weight: `(C,)`.
        size_average: PyTorch's deprecated form of `reduction` (a DeprecationWarning).
        ignore_index: class-index targets equal to it add nothing, to the loss or to the mean's
            divisor. Default: -100.
        reduce: PyTorch's deprecated form of `reduction` (a DeprecationWarning).
        reduction: 'mean', 'sum' or 'none'. Default: 'mean'.
        label_smoothing: in [0, 1], mixes each target with the uniform distribution over the C
            classes. Default: 0.0.
    """
    name = "cross_entropy"
    reduction = resolve_reduction(reduction, size_average, reduce, name)
    input = _check_scores(input, name)
    target = _as_tensor(target)
    check_label_smoothing(label_smoothing, name)
    weight_ = _class_weight(weight, input, name)
    cdim = _class_dim(input)
    if (
        input.ndim == 2
        and target.ndim == 1
        and weight_ is None
        and label_smoothing == 0.0
        and reduction != "none"
        and target.dtype.kind in "iu"
        and target.shape[0] == input.shape[0]
    ):  # the common case, as one fused node
        return apply(
            ops.SoftmaxCrossEntropy,
            input,
            target,
            ignore_index=ignore_index,
            mean=reduction == "mean",
        )
    log_probs = input.log_softmax(cdim)  # stable: the op subtracts the max score
    if target.shape == input.shape:
        if ignore_index >= 0:
            raise InvalidArgumentError(
                f"{name}: ignore_index={ignore_index} does not apply to class probabilities "
                "(a target with the input's shape)"
            )
        return _cross_entropy_soft(log_probs, target, weight_, reduction, label_smoothing)
    indices = _check_indices(input, target, ignore_index, name, _PROBABILITIES_HINT)
    loss, w = _nll_terms(log_probs, indices, weight_, ignore_index)
    if label_smoothing == 0.0:
        return _reduce_weighted(loss, w, reduction)
    # PyTorch's rule: (1 - eps) * nll + eps / C * (-sum over classes of weight * log_probs)
    n_classes = input.shape[cdim]
    if weight_ is not None:
        log_probs = log_probs * _along_class_dim(weight_, log_probs.ndim, cdim)
    uniform = where(indices != ignore_index, -log_probs.sum(cdim), 0.0)
    smooth = label_smoothing / n_classes
    return (1 - label_smoothing) * _reduce_weighted(loss, w, reduction) + smooth * _reduce_weighted(
        uniform, w, reduction
    )


def _along_class_dim(weight: Tensor, ndim: int, cdim: int) -> Tensor:
    """`(C,)` weights shaped to broadcast along the class dim of an `ndim`-d input."""
    shape = [1] * ndim
    shape[cdim] = weight.shape[0]
    return weight.reshape(tuple(shape))


def _cross_entropy_soft(
    log_probs: Tensor, target: Tensor, weight: Tensor | None, reduction: str, label_smoothing: float
) -> Tensor:
    """Cross entropy against class probabilities; the mean divides by the number of samples."""
    if target.dtype.kind != "f":
        raise DTypeError(
            f"cross_entropy: a target with the input's shape {log_probs.shape} holds class "
            f"probabilities and must be floating point, got {target.dtype}; for class indices "
            "drop the class dim from the target's shape"
        )
    cdim = _class_dim(log_probs)
    n_classes = log_probs.shape[cdim]
    if label_smoothing > 0.0:
        target = target * (1 - label_smoothing) + label_smoothing / n_classes
    terms = log_probs * target
    if weight is not None:
        terms = terms * _along_class_dim(weight, log_probs.ndim, cdim)
    loss = -terms.sum(cdim)
    if reduction == "mean":
        return _mean_over(loss.sum(), log_probs.numel() / n_classes if n_classes else 0.0)
    return _reduce(loss, reduction)


def kl_div(
    input: Tensor,  # noqa: A002
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    log_target: bool = False,
) -> Tensor:
    """Kullback-Leibler divergence with `input` the log-probabilities of the model:
    target * (log(target) - input) elementwise (0 where target is 0), or
    exp(target) * (target - input) with `log_target=True` (target given as log-probabilities).

    `reduction='batchmean'` divides the sum by the batch size (input.shape[0]), the true KL
    divergence of each sample averaged; 'mean' divides by the element count, as in PyTorch."""
    if reduction == "batchmean" and size_average is None and reduce is None:
        batchmean = True
    else:
        reduction = resolve_reduction(reduction, size_average, reduce, "kl_div")
        batchmean = False
        if reduction == "mean":
            warnings.warn(
                "reduction: 'mean' divides the total loss by both the batch size and the support "
                "size. 'batchmean' divides only by the batch size, and aligns with the KL div "
                "math definition.",
                UserWarning,
                stacklevel=2,
            )
    input, target = _as_tensor(input), _as_tensor(target)  # noqa: A001
    if log_target:
        loss = target.exp() * (target - input)
    else:
        positive = target > 0
        # log is taken of 1 where target is 0, so no NaN or inf reaches the gradient
        safe = where(positive, target, 1.0)
        loss = where(positive, target * safe.log(), 0.0) - target * input
    if batchmean:
        return loss.sum() / input.shape[0] if input.ndim else loss.sum()
    return _reduce(loss, reduction)
