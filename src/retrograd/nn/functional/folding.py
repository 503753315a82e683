"""`unfold` (im2col) and `fold` (col2im) with PyTorch's arguments, and `pixel_shuffle` /
`pixel_unshuffle`.

`unfold` is a grouped convolution with one-hot kernels, one output channel per (channel, kernel
offset), and `fold` the matching transposed convolution: the convolution primitives of
`retrograd.ops.conv` give the windows and their gradients, so the window rule is written once.
The pixel shuffles are reshapes and a permutation.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from retrograd.errors import InvalidArgumentError, ShapeError
from retrograd.nn.functional._utils import as_tuple, check_size, require_tensor
from retrograd.nn.functional.conv import _check_hyper, _check_kernel_fits
from retrograd.ops.conv import ConvNd, ConvTransposeNd
from retrograd.tensor import Tensor, apply, constant

IntOrTuple = int | Sequence[int]


def _settings(
    who: object,
    kernel_size: IntOrTuple,
    dilation: IntOrTuple,
    padding: IntOrTuple,
    stride: IntOrTuple,
) -> tuple[tuple[int, ...], ...]:
    """Checked `(kernel, dilation, padding, stride)` as pairs."""
    kernel = as_tuple(kernel_size, 2, "kernel_size", who)
    if min(kernel) < 1:
        raise InvalidArgumentError(f"{who}: kernel_size must be positive, got {kernel}")
    dilations = as_tuple(dilation, 2, "dilation", who)
    pads = as_tuple(padding, 2, "padding", who)
    strides = as_tuple(stride, 2, "stride", who)
    _check_hyper(strides, pads, dilations, who)
    return kernel, dilations, pads, strides


def _one_hot_kernels(channels: int, kernel: tuple[int, ...], like: Tensor) -> Tensor:
    """`(channels * kH * kW, 1, kH, kW)`: kernel t of each channel picks offset t of a window
    (in `like`'s dtype, on its device)."""
    taps = math.prod(kernel)
    eye = np.eye(taps, dtype=like.dtype).reshape(taps, 1, *kernel)
    return constant(np.ascontiguousarray(np.tile(eye, (channels, 1, 1, 1))), like)


def _float_input(input: Any, who: object, rank: int, layout: str) -> tuple[Tensor, bool]:  # noqa: A002
    """`input` as a floating `rank`-d batch (an unbatched `rank - 1`-d one gets a batch axis),
    and whether it was batched."""
    require_tensor(input, who)
    if input.ndim not in (rank - 1, rank):
        raise ShapeError(
            f"{who} expects a {rank}-d input {layout} or an unbatched {rank - 1}-d one, "
            f"got shape {input.shape}"
        )
    x = input if input.dtype.kind == "f" else input.float()
    batched = x.ndim == rank
    return (x if batched else x.unsqueeze(0)), batched


def _unfold(
    input: Any,  # noqa: A002
    who: object,
    kernel_size: IntOrTuple,
    dilation: IntOrTuple,
    padding: IntOrTuple,
    stride: IntOrTuple,
) -> Tensor:
    kernel, dilations, pads, strides = _settings(who, kernel_size, dilation, padding, stride)
    x, batched = _float_input(input, who, 4, "(N, C, H, W)")
    pairs = tuple((p, p) for p in pads)
    _check_kernel_fits(x.shape, pairs, kernel, dilations, who)
    channels = x.shape[1]
    weight = _one_hot_kernels(channels, kernel, x)
    kwargs = {"stride": strides, "padding": pairs, "dilation": dilations, "groups": channels}
    blocks = apply(ConvNd, x, weight, **kwargs)  # (N, C * kH * kW, oH, oW)
    out = blocks.reshape(x.shape[0], blocks.shape[1], -1)
    return out if batched else out.squeeze(0)


def unfold(
    input: Tensor,  # noqa: A002
    kernel_size: IntOrTuple,
    dilation: IntOrTuple = 1,
    padding: IntOrTuple = 0,
    stride: IntOrTuple = 1,
) -> Tensor:
    """The sliding windows of a batch of images as columns (im2col).

    Args:
        input: `(N, C, H, W)` or unbatched `(C, H, W)`.
        kernel_size: the window (an int or a pair).
        dilation: the spacing of a window's elements.
        padding: zeros added on both sides of H and W.
        stride: the step between windows.

    Shape:
        `(N, C * kH * kW, L)` (or unbatched), L the number of windows
        `prod((size + 2p - d(k - 1) - 1) // stride + 1)`; row `c * kH * kW + i * kW + j` holds
        offset (i, j) of channel c.
    """
    return _unfold(input, "unfold", kernel_size, dilation, padding, stride)


def _fold(
    input: Any,  # noqa: A002
    who: object,
    output_size: IntOrTuple,
    kernel_size: IntOrTuple,
    dilation: IntOrTuple,
    padding: IntOrTuple,
    stride: IntOrTuple,
) -> Tensor:
    kernel, dilations, pads, strides = _settings(who, kernel_size, dilation, padding, stride)
    size = as_tuple(output_size, 2, "output_size", who)
    x, batched = _float_input(input, who, 3, "(N, C * kH * kW, L)")
    taps = math.prod(kernel)
    if x.shape[1] % taps:
        raise ShapeError(
            f"{who}: expected size of input's dimension 1 ({x.shape[1]}, of input shape "
            f"{input.shape}) to be divisible by the product of kernel_size {kernel} ({taps})"
        )
    _check_kernel_fits((1, 1, *size), tuple((p, p) for p in pads), kernel, dilations, who)
    blocks = tuple(
        (s + 2 * p - d * (k - 1) - 1) // st + 1
        for s, p, d, k, st in zip(size, pads, dilations, kernel, strides)
    )
    if x.shape[2] != math.prod(blocks):
        raise ShapeError(
            f"{who}: given output_size={size}, kernel_size={kernel}, dilation={dilations}, "
            f"padding={pads}, stride={strides}, expected size of input's dimension 2 to match "
            f"the number of sliding blocks {blocks[0]} * {blocks[1]} = {math.prod(blocks)}, "
            f"but got input of shape {input.shape}"
        )
    channels = x.shape[1] // taps
    weight = _one_hot_kernels(channels, kernel, x)
    extra = tuple(
        s - ((b - 1) * st - 2 * p + d * (k - 1) + 1)
        for s, b, st, p, d, k in zip(size, blocks, strides, pads, dilations, kernel)
    )
    out = apply(
        ConvTransposeNd,
        x.reshape(x.shape[0], x.shape[1], *blocks),
        weight,
        stride=strides,
        padding=pads,
        output_padding=extra,
        dilation=dilations,
        groups=channels,
    )
    return out if batched else out.squeeze(0)


def fold(
    input: Tensor,  # noqa: A002
    output_size: IntOrTuple,
    kernel_size: IntOrTuple,
    dilation: IntOrTuple = 1,
    padding: IntOrTuple = 0,
    stride: IntOrTuple = 1,
) -> Tensor:
    """Sum columns of sliding windows back into images (col2im), the adjoint of `unfold`.

    Args:
        input: `(N, C * kH * kW, L)` or unbatched `(C * kH * kW, L)`.
        output_size: the spatial size (H, W) of the images (an int or a pair).
        kernel_size: the window (an int or a pair).
        dilation: the spacing of a window's elements.
        padding: zeros on both sides of H and W that the windows covered.
        stride: the step between windows.

    Shape:
        `(N, C, H, W)` or `(C, H, W)`; L must be the number of windows that fit.
    """
    return _fold(input, "fold", output_size, kernel_size, dilation, padding, stride)


# ---------------------------------------------------------------------- pixel shuffle
def _shuffle(input: Any, factor: int, who: str, up: bool) -> Tensor:  # noqa: A002
    require_tensor(input, who)
    name = "upscale_factor" if up else "downscale_factor"
    r = check_size(factor, name, who, minimum=1)
    if input.ndim < 3:
        raise ShapeError(
            f"{who} expects input to have at least 3 dimensions, but got input of shape "
            f"{input.shape}"
        )
    *lead, c, h, w = input.shape
    if up:
        if c % (r * r):
            raise ShapeError(
                f"{who} expects its input's 'channel' dimension to be divisible by the square "
                f"of upscale_factor, but input.size(-3)={c} is not divisible by {r * r} "
                f"(input shape {input.shape})"
            )
        n = len(lead)
        x = input.reshape(*lead, c // (r * r), r, r, h, w)
        x = x.permute(*range(n), n, n + 3, n + 1, n + 4, n + 2)
        return x.reshape(*lead, c // (r * r), h * r, w * r)
    for axis, size in (("height", h), ("width", w)):
        if size % r:
            raise ShapeError(
                f"{who} expects {axis} to be divisible by downscale_factor, but "
                f"{axis}={size} is not divisible by {r} (input shape {input.shape})"
            )
    n = len(lead)
    x = input.reshape(*lead, c, h // r, r, w // r, r)
    x = x.permute(*range(n), n, n + 2, n + 4, n + 1, n + 3)
    return x.reshape(*lead, c * r * r, h // r, w // r)


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:  # noqa: A002
    """Rearrange channels into space: `(*, C * r * r, H, W)` -> `(*, C, H * r, W * r)`.

    Args:
        input: at least 3-d, the channels (dim -3) divisible by `upscale_factor ** 2`.
        upscale_factor: r.

    Shape:
        `(*, C, H * r, W * r)`; output `[c, h * r + i, w * r + j]` is input
        `[c * r * r + i * r + j, h, w]`.
    """
    return _shuffle(input, upscale_factor, "pixel_shuffle", up=True)


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:  # noqa: A002
    """Rearrange space into channels, the inverse of `pixel_shuffle`:
    `(*, C, H * r, W * r)` -> `(*, C * r * r, H, W)`.

    Args:
        input: at least 3-d, H and W divisible by `downscale_factor`.
        downscale_factor: r.

    Shape:
        `(*, C * r * r, H, W)`.
    """
    return _shuffle(input, downscale_factor, "pixel_unshuffle", up=False)
