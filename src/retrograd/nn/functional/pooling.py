"""Pooling functions under PyTorch's names: `max_pool1d/2d/3d`, `avg_pool1d/2d/3d`,
`adaptive_avg_pool1d/2d/3d`, `adaptive_max_pool1d/2d/3d`, `lp_pool1d/2d/3d` and
`max_unpool1d/2d/3d`. Inputs are batched `(N, C, *spatial)` or unbatched `(C, *spatial)`.

Each public function checks its arguments and calls a `_`-prefixed worker that also takes `who`,
the name used in error messages (a layer passes its repr).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from retrograd.errors import DTypeError, InvalidArgumentError, ShapeError, UnsupportedError
from retrograd.nn.functional._utils import _COUNT_WORDS, as_tuple, require_tensor
from retrograd.ops.pool import (
    AvgPool,
    MaxPool,
    avg_pool_divisor,
    max_pool_indices,
    pool_output_size,
)
from retrograd.tensor import Tensor, _wrap, apply, constant

IntOrTuple = int | Sequence[int]
_LAYOUTS = {
    1: ("(N, C, L)", "(C, L)"),
    2: ("(N, C, H, W)", "(C, H, W)"),
    3: ("(N, C, D, H, W)", "(C, D, H, W)"),
}


# ---------------------------------------------------------------------- argument checks
def pool_params(
    n: int,
    who: object,
    kernel_size: IntOrTuple,
    stride: IntOrTuple | None,
    padding: IntOrTuple,
    dilation: IntOrTuple = 1,
) -> tuple[tuple[int, ...], ...]:
    """Checked `(kernel, stride, padding, dilation)` as `n`-tuples; stride defaults to kernel."""
    kernel, strides, pads = pool_tuples(n, who, kernel_size, stride, padding)
    dilations = as_tuple(dilation, n, "dilation", who)
    for name, values, low in (
        ("kernel_size", kernel, 1),
        ("stride", strides, 1),
        ("padding", pads, 0),
        ("dilation", dilations, 1),
    ):
        if min(values) < low:
            bound = "positive" if low else "non-negative"
            raise InvalidArgumentError(f"{who}: {name} must be {bound}, got {_show(values)}")
    if any(p > k // 2 for p, k in zip(pads, kernel)):
        raise InvalidArgumentError(
            f"{who}: padding should be at most half of kernel_size, got "
            f"padding={_show(pads)} and kernel_size={_show(kernel)}"
        )
    return kernel, strides, pads, dilations


def pool_tuples(
    n: int, who: object, kernel_size: IntOrTuple, stride: IntOrTuple | None, padding: IntOrTuple
) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
    """`(kernel, stride, padding)` as `n`-tuples (not range-checked); stride defaults to kernel."""
    kernel = as_tuple(kernel_size, n, "kernel_size", who)
    strides = kernel if stride is None else as_tuple(stride, n, "stride", who)
    return kernel, strides, as_tuple(padding, n, "padding", who)


def check_divisor(divisor_override: int | None, who: object) -> None:
    """`divisor_override` is None or non-zero."""
    if divisor_override is not None and divisor_override == 0:
        raise InvalidArgumentError(f"{who}: divisor_override must not be zero")


def _show(values: tuple[int, ...]) -> object:
    return values[0] if len(set(values)) == 1 else values


def check_pool_input(input: Any, n: int, who: object, float_only: bool = False) -> Tensor:  # noqa: A002
    """`input` as `(N, C, *spatial)` or `(C, *spatial)` with `n` spatial axes, else ShapeError."""
    require_tensor(input, who)
    if input.ndim not in (n + 1, n + 2):
        batched, unbatched = _LAYOUTS[n]
        raise ShapeError(
            f"{who} expects input of shape {batched} or {unbatched}, got {input.shape}"
        )
    if float_only and input.dtype.kind != "f":
        raise DTypeError(f"{who} expects a floating-point input, got {input.dtype}")
    return input


def _output_size(
    input: Tensor,  # noqa: A002
    who: object,
    kernel: tuple[int, ...],
    stride: tuple[int, ...],
    padding: tuple[int, ...],
    dilation: tuple[int, ...],
    ceil_mode: bool,
) -> tuple[int, ...]:
    sizes = input.shape[-len(kernel) :]
    out = tuple(
        pool_output_size(*args, ceil_mode) for args in zip(sizes, kernel, stride, padding, dilation)
    )
    if min(out) < 1:
        raise ShapeError(
            f"{who}: input of spatial size {sizes} gives output size {out}, which is too small "
            "(each output size must be at least 1)"
        )
    return out


# ---------------------------------------------------------------------- max pooling
def _max_pool(
    input: Any,  # noqa: A002
    n: int,
    who: object,
    kernel_size: IntOrTuple,
    stride: IntOrTuple | None,
    padding: IntOrTuple,
    dilation: IntOrTuple,
    ceil_mode: bool,
    return_indices: bool,
) -> Any:
    kwargs = max_pool_kwargs(input, n, who, kernel_size, stride, padding, dilation, ceil_mode)
    return run_max_pool(input, kwargs, return_indices)


def max_pool_kwargs(
    input: Any,  # noqa: A002
    n: int,
    who: object,
    kernel_size: IntOrTuple,
    stride: IntOrTuple | None,
    padding: IntOrTuple,
    dilation: IntOrTuple,
    ceil_mode: bool,
) -> dict[str, tuple[int, ...]]:
    """Checks a max-pooling call; returns the `MaxPool` op's keyword arguments."""
    kernel, strides, pads, dilations = pool_params(n, who, kernel_size, stride, padding, dilation)
    input = check_pool_input(input, n, who)
    if input.dtype.kind == "b":
        raise DTypeError(f"{who} expects a numeric input, got {input.dtype}")
    out = _output_size(input, who, kernel, strides, pads, dilations, ceil_mode)
    return {
        "kernel": kernel,
        "stride": strides,
        "padding": pads,
        "dilation": dilations,
        "out_size": out,
    }


def run_max_pool(input: Tensor, kwargs: dict[str, Any], return_indices: bool) -> Any:  # noqa: A002
    """Max pooling of a checked call (`kwargs` from `max_pool_kwargs`)."""
    values = apply(MaxPool, input, **kwargs)
    if not return_indices:
        return values
    return values, _wrap(max_pool_indices(input.array, **kwargs))


def max_pool1d(
    input: Tensor,  # noqa: A002
    kernel_size: IntOrTuple,
    stride: IntOrTuple | None = None,
    padding: IntOrTuple = 0,
    dilation: IntOrTuple = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Any:
    """Maximum over windows of `kernel_size` along L; padding is -inf.
    **Shapes:** `(N, C, L)` or `(C, L)` -> `(N, C, L_out)` or `(C, L_out)`; with `return_indices`
    also the int64 position in L of each maximum."""
    return _max_pool(
        input, 1, "max_pool1d", kernel_size, stride, padding, dilation, ceil_mode, return_indices
    )


def max_pool2d(
    input: Tensor,  # noqa: A002
    kernel_size: IntOrTuple,
    stride: IntOrTuple | None = None,
    padding: IntOrTuple = 0,
    dilation: IntOrTuple = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Any:
    """Maximum over `kernel_size` windows of (H, W); padding is -inf.
    **Shapes:** `(N, C, H, W)` or `(C, H, W)` -> `(N, C, H_out, W_out)` or `(C, H_out, W_out)`;
    with `return_indices` also the int64 flat position `h * W + w` of each maximum."""
    return _max_pool(
        input, 2, "max_pool2d", kernel_size, stride, padding, dilation, ceil_mode, return_indices
    )


def max_pool3d(
    input: Tensor,  # noqa: A002
    kernel_size: IntOrTuple,
    stride: IntOrTuple | None = None,
    padding: IntOrTuple = 0,
    dilation: IntOrTuple = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Any:
    """Maximum over `kernel_size` windows of (D, H, W); padding is -inf.

    Args:
        input: `(N, C, D, H, W)` or `(C, D, H, W)`.
        kernel_size: an int or a triple.
        stride: an int or a triple (None: `kernel_size`).
        padding: an int or a triple, at most half the kernel.
        dilation: an int or a triple.
        ceil_mode: round the output size up instead of down.
        return_indices: also return the int64 flat position `(d * H + h) * W + w` of each
            maximum (for `max_unpool3d`).

    Shape:
        `(N, C, D_out, H_out, W_out)` (or unbatched), each side
        `(size + 2p - d(k - 1) - 1) // stride + 1` (ceil with `ceil_mode`).
    """
    return _max_pool(
        input, 3, "max_pool3d", kernel_size, stride, padding, dilation, ceil_mode, return_indices
    )


# ---------------------------------------------------------------------- average pooling
def _avg_pool(
    input: Any,  # noqa: A002
    n: int,
    who: object,
    kernel_size: IntOrTuple,
    stride: IntOrTuple | None,
    padding: IntOrTuple,
    ceil_mode: bool,
    count_include_pad: bool,
    divisor_override: int | None,
) -> Tensor:
    kernel, strides, pads, _ = pool_params(n, who, kernel_size, stride, padding)
    check_divisor(divisor_override, who)
    input = check_pool_input(input, n, who, float_only=True)
    out = _output_size(input, who, kernel, strides, pads, (1,) * n, ceil_mode)
    if divisor_override is None:
        sizes = input.shape[-n:]
        divisor = avg_pool_divisor(sizes, kernel, strides, pads, out, count_include_pad)
    else:
        divisor = np.full(out, divisor_override, dtype=np.int64)
    return apply(
        AvgPool,
        input,
        kernel=kernel,
        stride=strides,
        padding=pads,
        out_size=out,
        divisor=divisor,
    )


def avg_pool1d(
    input: Tensor,  # noqa: A002
    kernel_size: IntOrTuple,
    stride: IntOrTuple | None = None,
    padding: IntOrTuple = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> Tensor:
    """Mean over windows of `kernel_size` along L; padding is zeros (counted when
    `count_include_pad`). **Shapes:** `(N, C, L)` or `(C, L)` -> `(N, C, L_out)` or `(C, L_out)`."""
    return _avg_pool(
        input, 1, "avg_pool1d", kernel_size, stride, padding, ceil_mode, count_include_pad, None
    )


def avg_pool2d(
    input: Tensor,  # noqa: A002
    kernel_size: IntOrTuple,
    stride: IntOrTuple | None = None,
    padding: IntOrTuple = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    """Mean over `kernel_size` windows of (H, W); padding is zeros (counted when
    `count_include_pad`); `divisor_override` replaces the window size as divisor.
    **Shapes:** `(N, C, H, W)` or `(C, H, W)` -> `(N, C, H_out, W_out)` or `(C, H_out, W_out)`."""
    return _avg_pool(
        input,
        2,
        "avg_pool2d",
        kernel_size,
        stride,
        padding,
        ceil_mode,
        count_include_pad,
        divisor_override,
    )


def avg_pool3d(
    input: Tensor,  # noqa: A002
    kernel_size: IntOrTuple,
    stride: IntOrTuple | None = None,
    padding: IntOrTuple = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    """Mean over `kernel_size` windows of (D, H, W); padding is zeros.

    Args:
        input: `(N, C, D, H, W)` or `(C, D, H, W)`, floating point.
        kernel_size: an int or a triple.
        stride: an int or a triple (None: `kernel_size`).
        padding: an int or a triple, at most half the kernel.
        ceil_mode: round the output size up instead of down.
        count_include_pad: count the padding in each window's divisor.
        divisor_override: divide every window's sum by this instead.

    Shape:
        `(N, C, D_out, H_out, W_out)` (or unbatched), each side
        `(size + 2p - k) // stride + 1` (ceil with `ceil_mode`).
    """
    return _avg_pool(
        input,
        3,
        "avg_pool3d",
        kernel_size,
        stride,
        padding,
        ceil_mode,
        count_include_pad,
        divisor_override,
    )


# ---------------------------------------------------------------------- power-average pooling
def _lp_pool(
    input: Any,  # noqa: A002
    n: int,
    who: object,
    norm_type: float,
    kernel_size: IntOrTuple,
    stride: IntOrTuple | None,
    ceil_mode: bool,
) -> Tensor:
    """PyTorch's LP pooling: `(sum over the window of x ** p) ** (1 / p)`, as the window mean
    of `x ** p` times the window size (a negative mean clamped to 0 before the root)."""
    kernel, _, _, _ = pool_params(n, who, kernel_size, stride, 0)
    check_pool_input(input, n, who, float_only=True)
    mean = _avg_pool(input.pow(norm_type), n, who, kernel, stride, 0, ceil_mode, True, None)
    return (mean.sign() * mean.abs().relu() * math.prod(kernel)).pow(1.0 / norm_type)


def lp_pool1d(
    input: Tensor,  # noqa: A002
    norm_type: float,
    kernel_size: IntOrTuple,
    stride: IntOrTuple | None = None,
    ceil_mode: bool = False,
) -> Tensor:
    """Power-average pooling along L: `(sum of x ** norm_type) ** (1 / norm_type)` over each
    window (no padding).

    Args:
        input: `(N, C, L)` or `(C, L)`, floating point.
        norm_type: the power p (1: sum pooling; infinity: max pooling).
        kernel_size: the window length.
        stride: the step between windows (None: `kernel_size`).
        ceil_mode: round the output size up instead of down.

    Shape:
        `(N, C, L_out)` or `(C, L_out)`, `L_out = (L - k) // stride + 1`.
    """
    return _lp_pool(input, 1, "lp_pool1d", norm_type, kernel_size, stride, ceil_mode)


def lp_pool2d(
    input: Tensor,  # noqa: A002
    norm_type: float,
    kernel_size: IntOrTuple,
    stride: IntOrTuple | None = None,
    ceil_mode: bool = False,
) -> Tensor:
    """Power-average pooling over (H, W) windows, as `lp_pool1d` on each axis.

    Args:
        input: `(N, C, H, W)` or `(C, H, W)`, floating point.
        norm_type: the power p.
        kernel_size: an int or a pair.
        stride: an int or a pair (None: `kernel_size`).
        ceil_mode: round the output size up instead of down.

    Shape:
        `(N, C, H_out, W_out)` or `(C, H_out, W_out)`.
    """
    return _lp_pool(input, 2, "lp_pool2d", norm_type, kernel_size, stride, ceil_mode)


def lp_pool3d(
    input: Tensor,  # noqa: A002
    norm_type: float,
    kernel_size: IntOrTuple,
    stride: IntOrTuple | None = None,
    ceil_mode: bool = False,
) -> Tensor:
    """Power-average pooling over (D, H, W) windows, as `lp_pool1d` on each axis.

    Args:
        input: `(N, C, D, H, W)` or `(C, D, H, W)`, floating point.
        norm_type: the power p.
        kernel_size: an int or a triple.
        stride: an int or a triple (None: `kernel_size`).
        ceil_mode: round the output size up instead of down.

    Shape:
        `(N, C, D_out, H_out, W_out)` or `(C, D_out, H_out, W_out)`.
    """
    return _lp_pool(input, 3, "lp_pool3d", norm_type, kernel_size, stride, ceil_mode)


# ---------------------------------------------------------------------- adaptive pooling
def adaptive_output_size(output_size: Any, sizes: tuple[int, ...], who: object) -> tuple[int, ...]:
    """`output_size` (an int, or a tuple whose None entries keep the input size) as a tuple."""
    n = len(sizes)
    if isinstance(output_size, (int, np.integer)) and not isinstance(output_size, bool):
        entries: tuple[Any, ...] = (output_size,) * n
    elif isinstance(output_size, (tuple, list)) and len(output_size) == n:
        entries = tuple(output_size)
    else:
        raise InvalidArgumentError(
            f"{who}: output_size must be an int or a tuple of {_COUNT_WORDS[n]} (or None), "
            f"got {output_size!r}"
        )
    out = tuple(size if o is None else int(o) for o, size in zip(entries, sizes))
    if min(out) < 0:
        raise InvalidArgumentError(f"{who}: output_size must be non-negative, got {output_size!r}")
    return out


def _averaging_matrix(size: int, out: int, dtype: np.dtype) -> np.ndarray:
    """`(out, size)`: row i averages PyTorch's window floor(i*size/out) .. ceil((i+1)*size/out)."""
    i = np.arange(out)
    start = i * size // out
    end = -(-(i + 1) * size // out)
    columns = np.arange(size)
    inside = (columns >= start[:, None]) & (columns < end[:, None])
    return (inside / (end - start)[:, None]).astype(dtype)


def _adaptive_avg_pool(input: Any, n: int, who: object, output_size: Any) -> Tensor:  # noqa: A002
    input = check_pool_input(input, n, who, float_only=True)
    out = adaptive_output_size(output_size, input.shape[-n:], who)
    # separable: a constant averaging matrix per axis, applied by MatMul (which gives the
    # gradient); exact sums, unlike differences of a cumulative sum
    result = input
    width = _averaging_matrix(input.shape[-1], out[-1], input.dtype)
    result = result @ constant(np.ascontiguousarray(width.T), input)
    if n >= 2:
        result = constant(_averaging_matrix(input.shape[-2], out[-2], input.dtype), input) @ result
    if n == 3:  # the depth axis moved last for its product, then back
        depth = constant(
            np.ascontiguousarray(_averaging_matrix(input.shape[-3], out[-3], input.dtype).T), input
        )
        result = (result.transpose(-3, -1) @ depth).transpose(-3, -1)
    return result


def adaptive_avg_pool1d(input: Tensor, output_size: Any) -> Tensor:  # noqa: A002
    """Mean over `output_size` windows that tile L as evenly as possible.
    **Shapes:** `(N, C, L)` or `(C, L)` -> `(N, C, output_size)` or `(C, output_size)`."""
    return _adaptive_avg_pool(input, 1, "adaptive_avg_pool1d", output_size)


def adaptive_avg_pool2d(input: Tensor, output_size: Any) -> Tensor:  # noqa: A002
    """Mean over windows that tile (H, W) into `output_size` (an int, or a pair whose None
    entries keep that input size). **Shapes:** `(N, C, H, W)` or `(C, H, W)` ->
    `(N, C, *output_size)` or `(C, *output_size)`."""
    return _adaptive_avg_pool(input, 2, "adaptive_avg_pool2d", output_size)


def _adaptive_windows(size: int, out: int) -> np.ndarray:
    """(out, K) input positions of each window floor(i*size/out) .. ceil((i+1)*size/out);
    shorter windows repeat their last position (a repeat changes neither the max nor, once the
    copies' gradients are added back, the gradient)."""
    starts = (np.arange(out) * size) // out
    ends = -((-(np.arange(out) + 1) * size) // out)
    width = int((ends - starts).max())
    return np.minimum(starts[:, None] + np.arange(width), ends[:, None] - 1)


def _adaptive_max_pool(
    input: Any,  # noqa: A002
    n: int,
    who: object,
    output_size: Any,
    return_indices: bool,
) -> Tensor:
    if return_indices:
        raise UnsupportedError(f"{who}: return_indices=True is not supported")
    input = check_pool_input(input, n, who, float_only=True)
    out = adaptive_output_size(output_size, input.shape[-n:], who)
    # separable: the max over a rectangle is the max over rows of the max over columns
    result = input
    for axis in range(input.ndim - n, input.ndim):
        windows = _adaptive_windows(input.shape[axis], out[axis - input.ndim])
        lead = (slice(None),) * axis
        result = result[lead + (windows,)].amax(axis + 1)
    return result


def adaptive_max_pool1d(
    input: Tensor,  # noqa: A002
    output_size: Any,
    return_indices: bool = False,
) -> Tensor:
    """Max over `output_size` windows that tile L as evenly as possible (window i spans
    floor(i*L/out) .. ceil((i+1)*L/out)). **Shapes:** `(N, C, L)` or `(C, L)` ->
    `(N, C, output_size)` or `(C, output_size)`."""
    return _adaptive_max_pool(input, 1, "adaptive_max_pool1d", output_size, return_indices)


def adaptive_max_pool2d(
    input: Tensor,  # noqa: A002
    output_size: Any,
    return_indices: bool = False,
) -> Tensor:
    """Max over windows that tile (H, W) into `output_size` (an int, or a pair whose None
    entries keep that input size). **Shapes:** `(N, C, H, W)` or `(C, H, W)` ->
    `(N, C, *output_size)` or `(C, *output_size)`."""
    return _adaptive_max_pool(input, 2, "adaptive_max_pool2d", output_size, return_indices)


def adaptive_avg_pool3d(input: Tensor, output_size: Any) -> Tensor:  # noqa: A002
    """Mean over windows that tile (D, H, W) into `output_size`.

    Args:
        input: `(N, C, D, H, W)` or `(C, D, H, W)`, floating point.
        output_size: an int, or a triple whose None entries keep that input size. Window i
            along an axis spans floor(i * size / out) .. ceil((i + 1) * size / out).

    Shape:
        `(N, C, *output_size)` or `(C, *output_size)`.
    """
    return _adaptive_avg_pool(input, 3, "adaptive_avg_pool3d", output_size)


def adaptive_max_pool3d(
    input: Tensor,  # noqa: A002
    output_size: Any,
    return_indices: bool = False,
) -> Tensor:
    """Max over windows that tile (D, H, W) into `output_size` (windows as in
    `adaptive_avg_pool3d`).

    Args:
        input: `(N, C, D, H, W)` or `(C, D, H, W)`, floating point.
        output_size: an int, or a triple whose None entries keep that input size.
        return_indices: not supported (raises UnsupportedError).

    Shape:
        `(N, C, *output_size)` or `(C, *output_size)`.
    """
    return _adaptive_max_pool(input, 3, "adaptive_max_pool3d", output_size, return_indices)


# ---------------------------------------------------------------------- max unpooling
def unpool_output_size(
    input: Tensor,  # noqa: A002
    n: int,
    who: object,
    kernel: tuple[int, ...],
    stride: tuple[int, ...],
    padding: tuple[int, ...],
    output_size: Any,
) -> tuple[int, ...]:
    """PyTorch's `_unpool_output_size`: `(size - 1) * stride + kernel - 2 * padding` per axis,
    or `output_size` (its last `n` entries) when it lies within a stride of that."""
    default = tuple(
        (size - 1) * s + k - 2 * p
        for size, k, s, p in zip(input.shape[-n:], kernel, stride, padding)
    )
    if output_size is None:
        return default
    wanted = tuple(int(o) for o in output_size)
    if len(wanted) == n + 2:
        wanted = wanted[2:]
    if len(wanted) != n:
        raise InvalidArgumentError(
            f"{who}: output_size should be a sequence of {n} or {n + 2} ints, got "
            f"{tuple(output_size)}"
        )
    for w, d, s in zip(wanted, default, stride):
        if not d - s < w < d + s:
            raise InvalidArgumentError(
                f"{who}: invalid output_size {tuple(output_size)} (dim sizes must lie between "
                f"{tuple(a - b for a, b in zip(default, stride))} and "
                f"{tuple(a + b for a, b in zip(default, stride))}, exclusive)"
            )
    return wanted


def _max_unpool(
    input: Any,  # noqa: A002
    indices: Any,
    n: int,
    who: object,
    kernel_size: IntOrTuple,
    stride: IntOrTuple | None,
    padding: IntOrTuple,
    output_size: Any,
) -> Tensor:
    kernel, strides, pads = pool_tuples(n, who, kernel_size, stride, padding)
    input = check_pool_input(input, n, who)
    require_tensor(indices, who, "indices")
    if tuple(indices.shape) != tuple(input.shape):
        raise ShapeError(
            f"{who}: indices of shape {indices.shape} must have the shape of the input "
            f"{input.shape}"
        )
    if indices.dtype != np.int64:
        raise DTypeError(f"{who}: indices must be int64, got {indices.dtype}")
    out = unpool_output_size(input, n, who, kernel, strides, pads, output_size)
    lead = tuple(input.shape[:-n])
    total = math.prod(out)
    flat_indices = indices.reshape(*lead, -1)
    if flat_indices.numel() and (
        int(flat_indices.array.min()) < 0 or int(flat_indices.array.max()) >= total
    ):
        raise InvalidArgumentError(
            f"{who}: found an invalid max index {int(flat_indices.array.max())} (output of "
            f"spatial size {out} holds {total} positions)"
        )
    # each input value goes to its flat position; the gradient gathers them back
    zeros = constant(np.zeros((*lead, total), dtype=input.dtype), input)
    return zeros.scatter(-1, flat_indices, input.reshape(*lead, -1)).reshape(*lead, *out)


def max_unpool1d(
    input: Tensor,  # noqa: A002
    indices: Tensor,
    kernel_size: IntOrTuple,
    stride: IntOrTuple | None = None,
    padding: IntOrTuple = 0,
    output_size: Sequence[int] | None = None,
) -> Tensor:
    """The partial inverse of `max_pool1d`: each value goes to the position its index names,
    zeros elsewhere.

    Args:
        input: `(N, C, L)` or `(C, L)`.
        indices: int64 of the input's shape, as `max_pool1d(..., return_indices=True)` gives.
        kernel_size: the pooling's window length.
        stride: the pooling's stride (None: `kernel_size`).
        padding: the pooling's padding.
        output_size: the size to produce (the pooled input's), within a stride of the default.

    Shape:
        `(N, C, L_out)` or `(C, L_out)`, `L_out = (L - 1) * stride - 2 * padding + kernel_size`.
    """
    return _max_unpool(input, indices, 1, "max_unpool1d", kernel_size, stride, padding, output_size)


def max_unpool2d(
    input: Tensor,  # noqa: A002
    indices: Tensor,
    kernel_size: IntOrTuple,
    stride: IntOrTuple | None = None,
    padding: IntOrTuple = 0,
    output_size: Sequence[int] | None = None,
) -> Tensor:
    """The partial inverse of `max_pool2d`: each value goes to the flat position `h * W + w`
    its index names, zeros elsewhere.

    Args:
        input: `(N, C, H, W)` or `(C, H, W)`.
        indices: int64 of the input's shape, as `max_pool2d(..., return_indices=True)` gives.
        kernel_size: the pooling's kernel (an int or a pair).
        stride: the pooling's stride (None: `kernel_size`).
        padding: the pooling's padding.
        output_size: the size to produce, within a stride of the default.

    Shape:
        `(N, C, H_out, W_out)` or `(C, H_out, W_out)`,
        `H_out = (H - 1) * stride - 2 * padding + kernel_size`.
    """
    return _max_unpool(input, indices, 2, "max_unpool2d", kernel_size, stride, padding, output_size)


def max_unpool3d(
    input: Tensor,  # noqa: A002
    indices: Tensor,
    kernel_size: IntOrTuple,
    stride: IntOrTuple | None = None,
    padding: IntOrTuple = 0,
    output_size: Sequence[int] | None = None,
) -> Tensor:
    """The partial inverse of `max_pool3d`: each value goes to the flat position
    `(d * H + h) * W + w` its index names, zeros elsewhere.

    Args:
        input: `(N, C, D, H, W)` or `(C, D, H, W)`.
        indices: int64 of the input's shape, as `max_pool3d(..., return_indices=True)` gives.
        kernel_size: the pooling's kernel (an int or a triple).
        stride: the pooling's stride (None: `kernel_size`).
        padding: the pooling's padding.
        output_size: the size to produce, within a stride of the default.

    Shape:
        `(N, C, D_out, H_out, W_out)` or unbatched, each side
        `(size - 1) * stride - 2 * padding + kernel_size`.
    """
    return _max_unpool(input, indices, 3, "max_unpool3d", kernel_size, stride, padding, output_size)
