"""Activation functions under PyTorch's names. relu, sigmoid, tanh and the softmax family are
primitives (see `retrograd.ops.activation`); the rest are composed from primitives here, written
so that inputs like +-1000 neither overflow nor give NaN gradients.

`inplace=True` is accepted for PyTorch compatibility; the result is always a new tensor.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from retrograd.errors import InvalidArgumentError
from retrograd.ops.nograd import NoGrad
from retrograd.tensor import Tensor, apply, where

#: the activation functions (`retrograd.nn.functional` exports this list)
__all__ = [
    "relu",
    "leaky_relu",
    "elu",
    "gelu",
    "silu",
    "sigmoid",
    "tanh",
    "softplus",
    "softmax",
    "log_softmax",
    "relu6",
    "hardtanh",
    "hardsigmoid",
    "hardswish",
    "celu",
    "selu",
    "logsigmoid",
    "softsign",
    "mish",
    "tanhshrink",
    "softshrink",
    "hardshrink",
    "threshold",
    "glu",
    "softmin",
    "normalize",
    "one_hot",
    "prelu",
]


def relu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """max(x, 0)."""
    return input.relu()


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:  # noqa: A002
    """x for x > 0, else negative_slope * x."""
    return where(input > 0, input, input * negative_slope)


def _expm1_nonpositive(x: Tensor) -> Tensor:
    """exp(x) - 1 for x <= 0 without the cancellation of exp(x) - 1 near 0:
    2 t / (1 - t) with t = tanh(x / 2); the denominator stays in [1, 2)."""
    t = (x * 0.5).tanh()
    return 2 * t / (1 - t)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:  # noqa: A002
    """x for x > 0, else alpha * (exp(x) - 1)."""
    # clamp first: exp of the positive inputs (discarded by where) would overflow
    negative = _expm1_nonpositive(input.clamp(max=0.0)) * alpha
    return where(input > 0, input, negative)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:  # noqa: A002
    """x * Phi(x) with Phi the standard normal CDF; `approximate="tanh"` uses
    0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))."""
    if approximate == "none":
        return input * 0.5 * (1 + (input * (1 / math.sqrt(2))).erf())
    if approximate == "tanh":
        inner = (input + input * input * input * 0.044715) * math.sqrt(2 / math.pi)
        return input * 0.5 * (1 + inner.tanh())
    raise InvalidArgumentError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")


def silu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """x * sigmoid(x) (also called swish)."""
    return input * input.sigmoid()


def sigmoid(input: Tensor) -> Tensor:  # noqa: A002
    """1 / (1 + exp(-x))."""
    return input.sigmoid()


def tanh(input: Tensor) -> Tensor:  # noqa: A002
    """The hyperbolic tangent."""
    return input.tanh()


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:  # noqa: A002
    """log(1 + exp(beta x)) / beta, and x itself where beta x > threshold (PyTorch's rule)."""
    z = input * beta
    positive = z.relu()
    # log(1 + e^z) = max(z, 0) + log1p(e^-|z|): the exponent is never positive, so never overflows.
    # -|z| is written z - 2 relu(z) so its slope at 0 is 1, giving softplus'(0) = 1/2 exactly.
    smooth = (positive + (z - 2 * positive).exp().log1p()) / beta
    return where(z > threshold, input, smooth)


def _implicit_dim(name: str, ndim: int) -> int:
    warnings.warn(
        f"Implicit dimension choice for {name} has been deprecated. "
        "Change the call to include dim=X as an argument.",
        UserWarning,
        stacklevel=3,
    )
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input: Tensor, dim: int | None = None, dtype: Any = None) -> Tensor:  # noqa: A002
    """exp(x) / sum(exp(x)) along `dim` (rows sum to one)."""
    if dtype is not None:
        input = input.type(dtype)
    if dim is None:
        dim = _implicit_dim("softmax", input.ndim)
    return input.softmax(dim)


def log_softmax(input: Tensor, dim: int | None = None, dtype: Any = None) -> Tensor:  # noqa: A002
    """log(softmax(x)) along `dim`, computed stably (no log of a rounded-to-zero probability)."""
    if dtype is not None:
        input = input.type(dtype)
    if dim is None:
        dim = _implicit_dim("log_softmax", input.ndim)
    return input.log_softmax(dim)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """min(max(x, 0), 6); the gradient is 0 at 0 and at 6 (PyTorch's rule)."""
    return hardtanh(input, 0.0, 6.0)


def hardtanh(
    input: Tensor,  # noqa: A002
    min_val: float = -1.0,
    max_val: float = 1.0,
    inplace: bool = False,
) -> Tensor:
    """x clipped to [min_val, max_val]; the gradient passes strictly inside only (PyTorch)."""
    # constants at and beyond the limits, so the slope there is 0 (clamp's would be 1)
    return where(input <= min_val, min_val, where(input >= max_val, max_val, input))


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """relu6(x + 3) / 6: 0 below -3, 1 above 3, linear between."""
    return hardtanh(input, -3.0, 3.0) / 6 + 0.5


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """x * relu6(x + 3) / 6; slope 0 at -3 and 1 at 3, as in PyTorch."""
    middle = input * (input + 3) / 6
    return where(input <= -3, 0.0, where(input < 3, middle, input))


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:  # noqa: A002
    """x for x > 0, else alpha * (exp(x / alpha) - 1)."""
    negative = _expm1_nonpositive(input.clamp(max=0.0) / alpha) * alpha
    return where(input > 0, input, negative)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def selu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """scale * elu(x, alpha) with the self-normalising constants; the negative branch holds
    at 0, so the slope there is scale * alpha (PyTorch's)."""
    negative = _expm1_nonpositive(input.clamp(max=0.0)) * (_SELU_ALPHA * _SELU_SCALE)
    return where(input > 0, input * _SELU_SCALE, negative)


def logsigmoid(input: Tensor) -> Tensor:  # noqa: A002
    """log(sigmoid(x)) = min(x, 0) - log1p(exp(-|x|)), never overflowing."""
    positive = input.relu()
    # -|x| written x - 2 relu(x) so its slope at 0 is 1: the gradient at 0 is 1/2 exactly
    return (input - positive) - (input - 2 * positive).exp().log1p()


def softsign(input: Tensor) -> Tensor:  # noqa: A002
    """x / (1 + |x|)."""
    return input / (1 + input.abs())


def mish(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """x * tanh(softplus(x))."""
    return input * softplus(input).tanh()


def tanhshrink(input: Tensor) -> Tensor:  # noqa: A002
    """x - tanh(x)."""
    return input - input.tanh()


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:  # noqa: A002
    """x - lambd above lambd, x + lambd below -lambd, 0 between (and at +-lambd)."""
    return where(input > lambd, input - lambd, where(input < -lambd, input + lambd, 0.0))


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:  # noqa: A002
    """x where |x| > lambd, else 0."""
    return where((input > lambd) | (input < -lambd), input, 0.0)


def threshold(
    input: Tensor,  # noqa: A002
    threshold: float,
    value: float,
    inplace: bool = False,
) -> Tensor:
    """x where x > threshold, else value."""
    return where(input > threshold, input, value)


def glu(input: Tensor, dim: int = -1) -> Tensor:  # noqa: A002
    """a * sigmoid(b), with a and b the two halves of `input` along `dim`."""
    if input.shape[dim] % 2:
        raise InvalidArgumentError(
            f"glu: dim {dim} of shape {input.shape} must have an even size to be halved"
        )
    first, second = input.chunk(2, dim)
    return first * second.sigmoid()


def softmin(input: Tensor, dim: int | None = None, dtype: Any = None) -> Tensor:  # noqa: A002
    """softmax(-x) along `dim`."""
    if dtype is not None:
        input = input.type(dtype)
    if dim is None:
        dim = _implicit_dim("softmin", input.ndim)
    return (-input).softmax(dim)


def normalize(
    input: Tensor,  # noqa: A002
    p: float = 2.0,
    dim: int = 1,
    eps: float = 1e-12,
) -> Tensor:
    """x / max(||x||_p, eps) along `dim`."""
    return input / input.norm(p, dim, keepdim=True).clamp(min=eps)


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """(..., ) int64 class indices -> (..., num_classes) int64 one-hot rows."""
    labels = tensor.array
    if labels.dtype.kind not in "iu":
        raise InvalidArgumentError(
            f"one_hot is only applicable to index tensors, got {labels.dtype}"
        )
    if num_classes == -1:
        num_classes = int(labels.max()) + 1 if labels.size else 0
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise InvalidArgumentError(f"one_hot: class values must be in [0, {num_classes})")
    return apply(NoGrad, tensor, fn=_one_hot_rows, num_classes=num_classes)


def _one_hot_rows(labels: np.ndarray, num_classes: int) -> np.ndarray:
    return np.eye(num_classes, dtype=np.int64)[labels.astype(np.int64)]


def prelu(input: Tensor, weight: Tensor) -> Tensor:  # noqa: A002
    """x for x > 0, else weight * x, with one slope (`weight` of one element) or one per channel
    (`weight` of shape `(C,)`, channels on axis 1 of an input of 2 or more axes)."""
    if weight.ndim > 1:
        raise InvalidArgumentError(f"prelu: weight must be 0-d or 1-d, got shape {weight.shape}")
    if weight.numel() == 1:
        slope = weight.reshape(())
    else:
        channels = input.shape[1] if input.ndim >= 2 else 1
        if channels != weight.numel():
            raise InvalidArgumentError(
                f"Mismatch of parameter numbers and input channel size. Found parameter "
                f"numbers = {weight.numel()} and channel size = {channels}."
            )
        slope = weight.reshape((-1,) + (1,) * (input.ndim - 2))
    return where(input > 0, input, slope * input)
