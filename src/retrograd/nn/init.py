"""In-place initialisers with PyTorch's names and formulas (`kaiming_uniform_`, ...).

Each writes into `tensor` outside the graph, draws from retrograd's seeded generator unless given
`generator=`, and returns `tensor`.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from retrograd.autograd.grad_mode import no_grad
from retrograd.errors import InvalidArgumentError, ShapeError
from retrograd.random import resolve_generator
from retrograd.tensor import Tensor

Generator = np.random.Generator | None

_LINEAR_FAMILY = (
    "linear",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "sigmoid",
)


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended gain for `nonlinearity` (PyTorch's table: tanh 5/3, relu sqrt(2), ...)."""
    if nonlinearity in _LINEAR_FAMILY:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, (int, float)) and not isinstance(param, bool):
            slope = float(param)
        else:
            raise InvalidArgumentError(f"negative_slope {param!r} is not a valid number")
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise InvalidArgumentError(f"Unsupported nonlinearity {nonlinearity!r}")


def _calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight `(out, in, *kernel)`: in and out times the kernel size."""
    if tensor.ndim < 2:
        raise ShapeError(
            "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions, "
            f"got shape {tensor.shape}"
        )
    receptive_field = int(np.prod(tensor.shape[2:])) if tensor.ndim > 2 else 1
    return tensor.shape[1] * receptive_field, tensor.shape[0] * receptive_field


def _calculate_correct_fan(tensor: Tensor, mode: str) -> int:
    if mode not in ("fan_in", "fan_out"):
        raise InvalidArgumentError(
            f"Mode {mode!r} not supported, please use one of 'fan_in', 'fan_out'"
        )
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def _write(tensor: Tensor, values: Any) -> Tensor:
    """Copy `values` into `tensor` in place, outside the graph (leaves may require grad)."""
    with no_grad():
        tensor.copy_(Tensor(np.asarray(values)))
    return tensor


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0, generator: Generator = None) -> Tensor:
    """Fill with values drawn from U(a, b)."""
    return _write(tensor, resolve_generator(generator).uniform(a, b, tensor.shape))


def normal_(
    tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator: Generator = None
) -> Tensor:
    """Fill with values drawn from N(mean, std^2)."""
    return _write(tensor, resolve_generator(generator).normal(mean, std, tensor.shape))


def trunc_normal_(
    tensor: Tensor,
    mean: float = 0.0,
    std: float = 1.0,
    a: float = -2.0,
    b: float = 2.0,
    generator: Generator = None,
) -> Tensor:
    """Fill from N(mean, std^2) restricted to [a, b] (absolute bounds, as in PyTorch)."""
    if not a < b:
        raise InvalidArgumentError(f"trunc_normal_ needs a < b, got a={a}, b={b}")
    # Rejection sampling redraws the values outside [a, b]; refuse bounds that keep almost nothing.
    cdf = [0.5 * (1 + math.erf((bound - mean) / (std * math.sqrt(2)))) for bound in (a, b)]
    if cdf[1] - cdf[0] < 1e-4:
        raise InvalidArgumentError(
            f"trunc_normal_: [a, b] = [{a}, {b}] holds under 0.01% of N({mean}, {std}^2); "
            "move mean closer to the interval"
        )
    rng = resolve_generator(generator)
    values = rng.normal(mean, std, tensor.shape)
    outside = (values < a) | (values > b)
    while outside.any():
        values[outside] = rng.normal(mean, std, int(outside.sum()))
        outside = (values < a) | (values > b)
    return _write(tensor, values)


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill with `val`."""
    return _write(tensor, np.full(tensor.shape, val))


def ones_(tensor: Tensor) -> Tensor:
    """Fill with ones."""
    return constant_(tensor, 1.0)


def zeros_(tensor: Tensor) -> Tensor:
    """Fill with zeros."""
    return constant_(tensor, 0.0)


def eye_(tensor: Tensor) -> Tensor:
    """Fill a 2-d tensor with the identity matrix (ones on the diagonal, also when not square)."""
    if tensor.ndim != 2:
        raise ShapeError(f"Only tensors with 2 dimensions are supported, got shape {tensor.shape}")
    rows, cols = tensor.shape
    return _write(tensor, np.eye(rows, cols))


def xavier_uniform_(tensor: Tensor, gain: float = 1.0, generator: Generator = None) -> Tensor:
    """Glorot uniform: U(-bound, bound) with bound = gain * sqrt(6 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    bound = math.sqrt(3.0) * std  # a uniform on [-bound, bound] has standard deviation std
    return uniform_(tensor, -bound, bound, generator=generator)


def xavier_normal_(tensor: Tensor, gain: float = 1.0, generator: Generator = None) -> Tensor:
    """Glorot normal: N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return normal_(tensor, 0.0, std, generator=generator)


def _kaiming_std(tensor: Tensor, a: float, mode: str, nonlinearity: str) -> float:
    fan = _calculate_correct_fan(tensor, mode)
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def kaiming_uniform_(
    tensor: Tensor,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: Generator = None,
) -> Tensor:
    """He uniform: U(-bound, bound) with bound = gain(nonlinearity, a) * sqrt(3 / fan)."""
    if tensor.numel() == 0:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        return tensor
    bound = math.sqrt(3.0) * _kaiming_std(tensor, a, mode, nonlinearity)
    return uniform_(tensor, -bound, bound, generator=generator)


def kaiming_normal_(
    tensor: Tensor,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: Generator = None,
) -> Tensor:
    """He normal: N(0, std^2) with std = gain(nonlinearity, a) / sqrt(fan)."""
    if tensor.numel() == 0:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        return tensor
    std = _kaiming_std(tensor, a, mode, nonlinearity)
    return normal_(tensor, 0.0, std, generator=generator)


def orthogonal_(tensor: Tensor, gain: float = 1.0, generator: Generator = None) -> Tensor:
    """Fill with a (semi-)orthogonal matrix, PyTorch's way: the Q of the QR decomposition of a
    normal draw of shape `(rows, numel // rows)` (transposed when wider than tall), its columns'
    signs fixed by R's diagonal, times `gain`. Dims after the first are flattened.

    Args:
        tensor: the tensor to fill, with 2 or more dims.
        gain: the scale. Default: 1.0.
        generator: a NumPy Generator. Default: None, the seeded global one.

    Returns:
        `tensor`, filled in place.

    Raises:
        ShapeError: for a tensor with fewer than 2 dims.
    """
    if tensor.ndim < 2:
        raise ShapeError(
            f"Only tensors with 2 or more dimensions are supported, got shape {tensor.shape}"
        )
    if tensor.numel() == 0:
        return tensor  # PyTorch: no-op
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    flattened = resolve_generator(generator).normal(0.0, 1.0, (rows, cols))
    if rows < cols:
        flattened = flattened.T
    q, r = np.linalg.qr(flattened)
    q = q * np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return _write(tensor, (q * gain).reshape(tensor.shape))


__all__ = [
    "calculate_gain",
    "constant_",
    "eye_",
    "kaiming_normal_",
    "kaiming_uniform_",
    "normal_",
    "ones_",
    "orthogonal_",
    "trunc_normal_",
    "uniform_",
    "xavier_normal_",
    "xavier_uniform_",
    "zeros_",
]
