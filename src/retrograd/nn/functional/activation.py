"""Activation functions under PyTorch's names. relu, sigmoid, tanh and the softmax family are
primitives (see `retrograd.ops.activation`); the rest are composed from primitives here, written
so that inputs like +-1000 neither overflow nor give NaN gradients.

`inplace=True` is accepted for PyTorch compatibility; the result is always a new tensor.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

from retrograd.errors import InvalidArgumentError
from retrograd.tensor import Tensor, where


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
