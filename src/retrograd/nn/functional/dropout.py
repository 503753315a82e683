"""Dropout under PyTorch's names: `dropout` zeroes single elements, `dropout1d` and `dropout2d`
whole channels. Each is a product with a constant mask drawn from the seeded generator, so the
gradient is the same mask: kept entries scaled by 1 / (1 - p), dropped ones zero."""

from __future__ import annotations

import warnings
from typing import Any

from retrograd.errors import DTypeError, InvalidArgumentError, ShapeError
from retrograd.nn.functional._utils import require_tensor
from retrograd.random import resolve_generator
from retrograd.tensor import Tensor, _wrap


def check_probability(p: float, who: object = "dropout") -> None:
    """`p` is a probability in [0, 1] (PyTorch's message, prefixed with the layer)."""
    if not 0.0 <= p <= 1.0:
        raise InvalidArgumentError(
            f"{who}: dropout probability has to be between 0 and 1, but got {p}"
        )


def _check_input(input: Tensor, p: float, who: str) -> None:  # noqa: A002
    """`p` a probability, `input` a floating-point tensor (errors prefixed with `who`)."""
    check_probability(p, who)
    require_tensor(input, who)
    if input.dtype.kind != "f":
        raise DTypeError(f"{who} expects a floating-point input, got {input.dtype}")


def _apply_mask(
    input: Tensor,  # noqa: A002
    p: float,
    training: bool,
    mask_shape: tuple[int, ...],
    inplace: bool,
    generator: Any,
) -> Tensor:
    """input * keep / (1 - p), with keep ~ Bernoulli(1 - p) of `mask_shape` (broadcast), in
    training; outside training, or with p = 0, `input` itself."""
    if not training or p == 0:
        return input
    keep = resolve_generator(generator).random(mask_shape) >= p
    scale = 0.0 if p == 1 else 1.0 / (1.0 - p)
    mask = _wrap((keep * scale).astype(input.dtype))
    return input.mul_(mask) if inplace else input * mask


def dropout(
    input: Tensor,  # noqa: A002
    p: float = 0.5,
    training: bool = True,
    inplace: bool = False,
    *,
    generator: Any = None,
) -> Tensor:
    """Zero each element with probability `p` and scale the rest by 1 / (1 - p), in training.

    Args:
        input: a tensor of any shape.
        p: the probability of zeroing an element. Default: 0.5.
        training: apply dropout; False returns `input` itself. Default: True.
        inplace: multiply `input` in place instead of returning a new tensor. Default: False.
        generator: a NumPy Generator. Default: the seeded global one.

    Returns:
        The input's shape; outside training, or with p = 0, `input` itself.
    """
    _check_input(input, p, "dropout")
    return _apply_mask(input, p, training, input.shape, inplace, generator)


def dropout1d(
    input: Tensor,  # noqa: A002
    p: float = 0.5,
    training: bool = True,
    inplace: bool = False,
    *,
    generator: Any = None,
) -> Tensor:
    """Zero whole channels with probability `p` (scaling the rest by 1 / (1 - p)), in training.

    Args:
        input: `(N, C, L)` or `(C, L)`.
        p: the probability of zeroing a channel. Default: 0.5.
        training: apply dropout; False returns `input` itself. Default: True.
        inplace: multiply `input` in place instead of returning a new tensor. Default: False.
        generator: a NumPy Generator. Default: the seeded global one.

    Returns:
        The input's shape.
    """
    _check_input(input, p, "dropout1d")
    if input.ndim not in (2, 3):
        raise ShapeError(
            f"dropout1d: Expected 2D or 3D input, but received a {input.ndim}D input "
            f"of shape {input.shape}"
        )
    mask_shape = _channel_mask_shape(input.shape, 1)
    return _apply_mask(input, p, training, mask_shape, inplace, generator)


def dropout2d(
    input: Tensor,  # noqa: A002
    p: float = 0.5,
    training: bool = True,
    inplace: bool = False,
    *,
    generator: Any = None,
) -> Tensor:
    """Zero whole channels with probability `p` (scaling the rest by 1 / (1 - p)), in training.

    Args:
        input: `(N, C, H, W)`. A 3-d input is taken as `(N, C, L)` with a warning, as PyTorch
            does (use `dropout1d` for that); any other input of 2 or more dims, with
            PyTorch's deprecation warning, drops whole `(sample, channel)` slices over its
            first two dims (a 2-d input: single elements, as `dropout`).
        p: the probability of zeroing a channel. Default: 0.5.
        training: apply dropout; False returns `input` itself. Default: True.
        inplace: multiply `input` in place instead of returning a new tensor. Default: False.
        generator: a NumPy Generator. Default: the seeded global one.

    Returns:
        The input's shape.
    """
    _check_input(input, p, "dropout2d")
    if input.ndim not in (3, 4):
        warnings.warn(
            f"dropout2d: Received a {input.ndim}-D input to dropout2d, which is deprecated "
            "and will result in an error in a future release. To retain the behavior and "
            "silence this warning, please use dropout instead.",
            stacklevel=2,
        )
    if input.ndim < 2:
        raise ShapeError(
            f"dropout2d: Feature dropout requires at least 2 dimensions in the input, "
            f"got shape {input.shape}"
        )
    if input.ndim == 3:
        warnings.warn(
            "dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D "
            "dropout behavior is desired - input is interpreted as shape (N, C, L); "
            "use dropout1d instead.",
            stacklevel=2,
        )
    mask_shape = _channel_mask_shape(input.shape, input.ndim - 2)
    return _apply_mask(input, p, training, mask_shape, inplace, generator)


def _channel_mask_shape(shape: tuple[int, ...], spatial: int) -> tuple[int, ...]:
    """One mask value per (sample, channel): the last `spatial` dims become 1."""
    return shape[: len(shape) - spatial] + (1,) * spatial
