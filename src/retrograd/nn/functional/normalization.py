"""Normalisation functions under PyTorch's names: `batch_norm`, `layer_norm`, `group_norm`,
`rms_norm`. Batch, layer and group norm share the fused `Normalize` primitive (mean and biased
variance over some axes); the affine part and RMS norm are composed from Tensor ops."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from retrograd.backend.arrays import as_array
from retrograd.errors import DTypeError, InvalidArgumentError, ShapeError, UnsupportedError
from retrograd.nn.functional._utils import require_tensor
from retrograd.ops.normalization import Normalize
from retrograd.tensor import Tensor, _wrap, apply

ShapeLike = int | Sequence[int]


# ---------------------------------------------------------------------- checks shared with layers
def check_norm_input(input: Tensor, who: object, min_dims: int = 1) -> None:  # noqa: A002
    """`input` is a floating Tensor with at least `min_dims` dimensions; `who` names the layer."""
    require_tensor(input, who)
    if input.dtype.kind != "f":
        raise DTypeError(f"{who} expects a floating-point input, got {input.dtype}")
    if input.ndim < min_dims:
        raise ShapeError(
            f"{who} expects an input with at least {min_dims} dimensions, got shape {input.shape}"
        )


def check_params(input: Tensor, who: object, expected: tuple[int, ...], **tensors: object) -> None:  # noqa: A002
    """Each given tensor (weight, bias, running stats) has shape `expected`; weight and bias also
    have the input's dtype."""
    for name, tensor in tensors.items():
        if tensor is None:
            continue
        tensor = require_tensor(tensor, who, name)
        if tensor.shape != expected:
            raise ShapeError(
                f"{who}: {name} has shape {tensor.shape}, expected {expected} "
                f"for an input of shape {input.shape}"
            )
        if name in ("weight", "bias") and tensor.dtype != input.dtype:
            raise DTypeError(
                f"{who} has {tensor.dtype} {name} but got a {input.dtype} input; "
                "convert one side (module.double() or x.float())"
            )


def check_batch_size(shape: tuple[int, ...], who: object) -> None:
    """Training statistics need more than one value per channel (PyTorch's rule)."""
    values = shape[0] * int(np.prod(shape[2:], dtype=np.int64))
    if values == 1:
        raise ShapeError(
            f"{who}: Expected more than 1 value per channel when training, got input size {shape}"
        )


def to_shape_tuple(normalized_shape: ShapeLike) -> tuple[int, ...]:
    """An int or a sequence of ints as a tuple of ints."""
    if isinstance(normalized_shape, (int, np.integer)):
        return (int(normalized_shape),)
    return tuple(int(s) for s in normalized_shape)


def check_trailing_shape(input: Tensor, normalized_shape: tuple[int, ...], who: object) -> None:  # noqa: A002
    """The last dimensions of `input` equal `normalized_shape` (layer and RMS norm)."""
    k = len(normalized_shape)
    if k == 0:
        raise ShapeError(f"{who}: normalized_shape must have at least one dimension, got ()")
    if input.ndim < k or input.shape[input.ndim - k :] != normalized_shape:
        expected = ", ".join(["*", *(str(s) for s in normalized_shape)])
        raise ShapeError(
            f"{who}: given normalized_shape={normalized_shape}, expected input with shape "
            f"({expected}), got input of shape {input.shape}"
        )


def _affine(
    out: Tensor, weight: Tensor | None, bias: Tensor | None, shape: tuple[int, ...]
) -> Tensor:
    """out * weight + bias, with weight and bias reshaped to `shape` to broadcast."""
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out


# ---------------------------------------------------------------------- batch norm
def batch_norm(
    input: Tensor,  # noqa: A002
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise each channel (dim 1) over the batch and every other dim.

    With `training`, the batch's mean and biased variance normalise, and the running stats (when
    given) move in place: `r = (1 - momentum) * r + momentum * batch_stat`, the variance taken
    unbiased. Otherwise the running stats normalise.

    Args:
        input: `(N, C, *)`, floating point.
        running_mean: `(C,)` or None (needed when not `training`).
        running_var: `(C,)` or None (needed when not `training`).
        weight: `(C,)` or None. Default: None.
        bias: `(C,)` or None. Default: None.
        training: normalise with the batch's statistics and update the running ones.
            Default: False.
        momentum: the weight of the batch's statistics in the running update. Default: 0.1.
        eps: added to the variance; positive in training, non-negative otherwise.
            Default: 1e-5.

    Returns:
        `(N, C, *)`.

    Raises:
        InvalidArgumentError: when not `training` and `running_mean` or `running_var` is None,
            or for a negative `eps` (or a zero one in training).
        ShapeError: in training, when each channel holds a single value.
    """
    check_norm_input(input, "batch_norm", min_dims=2)
    channels = input.shape[1]
    check_params(
        input,
        "batch_norm",
        (channels,),
        running_mean=running_mean,
        running_var=running_var,
        weight=weight,
        bias=bias,
    )
    if training:
        check_batch_size(input.shape, "batch_norm")
        if eps <= 0.0:
            raise InvalidArgumentError(
                f"batch_norm eps must be positive during training, but got {eps}"
            )
    elif eps < 0.0:
        raise InvalidArgumentError(f"batch_norm eps must be non-negative, but got {eps}")
    shape = (channels,) + (1,) * (input.ndim - 2)
    axes = (0, *range(2, input.ndim))
    if training:
        out = apply(Normalize, input, axes=axes, eps=float(eps))
        _update_running_stats(input.array, running_mean, running_var, axes, momentum)
    else:
        if running_mean is None or running_var is None:
            raise InvalidArgumentError(
                "batch_norm: running_mean and running_var must be given when training=False"
            )
        mean = running_mean.type(input.dtype).reshape(shape)
        inv_std = (running_var.type(input.dtype).reshape(shape) + eps).rsqrt()
        out = (input - mean) * inv_std
    return _affine(out, weight, bias, shape)


def _update_running_stats(
    x: np.ndarray,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    axes: tuple[int, ...],
    momentum: float,
) -> None:
    """Move the running stats towards this batch's, in place (outside the graph)."""
    if running_mean is not None:
        new_mean = (1 - momentum) * running_mean.array + momentum * x.mean(axis=axes)
        running_mean.copy_(_wrap(as_array(new_mean)))
    if running_var is not None:
        unbiased = x.var(axis=axes, ddof=1)  # PyTorch keeps the unbiased estimate
        new_var = (1 - momentum) * running_var.array + momentum * unbiased
        running_var.copy_(_wrap(as_array(new_var)))


# ---------------------------------------------------------------------- layer, group, RMS norm
def layer_norm(
    input: Tensor,  # noqa: A002
    normalized_shape: ShapeLike,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise over the last `len(normalized_shape)` dims of each sample.

    Args:
        input: `(*, *normalized_shape)`, floating point.
        normalized_shape: an int or the trailing shape to normalise over.
        weight: of shape `normalized_shape`, or None. Default: None.
        bias: of shape `normalized_shape`, or None. Default: None.
        eps: added to the variance. Default: 1e-5.

    Returns:
        The input's shape.
    """
    shape = to_shape_tuple(normalized_shape)
    check_norm_input(input, "layer_norm")
    check_trailing_shape(input, shape, "layer_norm")
    check_params(input, "layer_norm", shape, weight=weight, bias=bias)
    axes = tuple(range(input.ndim - len(shape), input.ndim))
    out = apply(Normalize, input, axes=axes, eps=float(eps))
    return _affine(out, weight, bias, shape)


def group_norm(
    input: Tensor,  # noqa: A002
    num_groups: int,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Split the channels (dim 1) into `num_groups` groups; normalise each group of each sample.

    Args:
        input: `(N, C, *)`, floating point.
        num_groups: the number of groups; divides C.
        weight: `(C,)` or None. Default: None.
        bias: `(C,)` or None. Default: None.
        eps: added to the variance. Default: 1e-5.

    Returns:
        `(N, C, *)`.

    Raises:
        ShapeError: when `num_groups` does not divide C.
    """
    check_norm_input(input, "group_norm", min_dims=2)
    check_groups(input, num_groups, "group_norm")
    channels = input.shape[1]
    check_params(input, "group_norm", (channels,), weight=weight, bias=bias)
    n = input.shape[0]
    grouped = input.reshape(n, num_groups, -1)
    out = apply(Normalize, grouped, axes=(2,), eps=float(eps)).reshape(input.shape)
    return _affine(out, weight, bias, (channels,) + (1,) * (input.ndim - 2))


def instance_norm(
    input: Tensor,  # noqa: A002
    running_mean: Tensor | None = None,
    running_var: Tensor | None = None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    use_input_stats: bool = True,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise each channel of each sample over its other dims: `group_norm` with one group
    per channel.

    Args:
        input: `(N, C, *)`, floating point.
        running_mean: only None: running statistics are not supported. Default: None.
        running_var: only None: running statistics are not supported. Default: None.
        weight: `(C,)` or None. Default: None.
        bias: `(C,)` or None. Default: None.
        use_input_stats: only True (normalise with the input's own statistics). Default: True.
        momentum: kept for PyTorch's signature; unused. Default: 0.1.
        eps: added to the variance. Default: 1e-5.

    Returns:
        `(N, C, *)`.

    Raises:
        UnsupportedError: for running statistics (`running_mean`, `running_var`,
            `use_input_stats=False`).
    """
    if running_mean is not None or running_var is not None or not use_input_stats:
        raise UnsupportedError(
            "instance_norm with running statistics is not supported; normalise with the "
            "input's own statistics (the default of InstanceNorm, track_running_stats=False)"
        )
    check_norm_input(input, "instance_norm", min_dims=2)
    return group_norm(input, input.shape[1], weight, bias, eps)


def check_groups(input: Tensor, num_groups: int, who: object) -> None:  # noqa: A002
    """The channels split into `num_groups` equal groups, each with more than one value."""
    channels = input.shape[1]
    if num_groups <= 0 or channels % num_groups != 0:
        raise ShapeError(
            f"{who}: expected the number of channels to be divisible by num_groups, "
            f"got input of shape {input.shape} and num_groups={num_groups}"
        )
    # PyTorch's check, on the shape (N * C // G, G, *)
    check_batch_size((input.shape[0] * channels // num_groups, num_groups, *input.shape[2:]), who)


def rms_norm(
    input: Tensor,  # noqa: A002
    normalized_shape: ShapeLike,
    weight: Tensor | None = None,
    eps: float | None = None,
) -> Tensor:
    """x / sqrt(mean(x**2) + eps) over the last `len(normalized_shape)` dims, times `weight`.

    Args:
        input: `(*, *normalized_shape)`, floating point.
        normalized_shape: an int or the trailing shape to normalise over.
        weight: of shape `normalized_shape`, or None. Default: None.
        eps: added to the mean square; None means the machine epsilon of the input's dtype.
            Default: None.

    Returns:
        The input's shape.
    """
    shape = to_shape_tuple(normalized_shape)
    check_norm_input(input, "rms_norm")
    check_trailing_shape(input, shape, "rms_norm")
    check_params(input, "rms_norm", shape, weight=weight)
    if eps is None:
        eps = float(np.finfo(input.dtype).eps)
    axes = tuple(range(input.ndim - len(shape), input.ndim))
    out = input * ((input * input).mean(axes, keepdim=True) + eps).rsqrt()
    return out if weight is None else out * weight
