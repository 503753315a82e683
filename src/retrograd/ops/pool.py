"""Pooling on raw arrays, over the trailing `len(kernel)` axes (1, 2 or 3 pooled axes).

`pool_output_size` is PyTorch's output-size rule. `MaxPool` and `AvgPool` are primitives;
`max_pool_indices` gives the positions of the maxima that `MaxPool` picks (for `return_indices`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from retrograd.autograd.node import Node
from retrograd.backend.arrays import as_array, namespace, zeros

Ints = Sequence[int]


def pool_output_size(
    size: int, kernel: int, stride: int, padding: int, dilation: int, ceil_mode: bool
) -> int:
    """Number of windows along one axis (PyTorch's `pooling_output_shape`)."""
    span = dilation * (kernel - 1) + 1
    out = (size + 2 * padding - span + (stride - 1 if ceil_mode else 0)) // stride + 1
    if ceil_mode and (out - 1) * stride >= size + padding:
        out -= 1  # the last window must start inside the input or its left padding
    return out


def _pad(
    x: np.ndarray,
    kernel: Ints,
    stride: Ints,
    padding: Ints,
    dilation: Ints,
    out_size: Ints,
    fill: float,
) -> np.ndarray:
    """`x` padded with `fill` on its trailing axes: `padding` before, and after as far as the
    last window reaches (past `padding` with ceil_mode, less when windows stop short)."""
    lead = x.ndim - len(kernel)
    widths = [(0, 0)] * lead + [
        (p, max((o - 1) * s + d * (k - 1) + 1 - size - p, 0))
        for size, k, s, p, d, o in zip(x.shape[lead:], kernel, stride, padding, dilation, out_size)
    ]
    if not any(any(w) for w in widths):
        return x
    return np.pad(x, widths, constant_values=fill)


def _window_element(
    lead: int, offset: Ints, stride: Ints, dilation: Ints, out_size: Ints
) -> tuple[slice, ...]:
    """Index of the padded input that gives every window's element at kernel `offset` (a strided
    view of shape `(*lead, *out_size)`)."""
    return (slice(None),) * lead + tuple(
        slice(j * d, j * d + (o - 1) * s + 1, s)
        for j, s, d, o in zip(offset, stride, dilation, out_size)
    )


def _lowest(dtype: np.dtype) -> float:
    if dtype.kind == "f":
        return -np.inf
    return float(np.iinfo(dtype).min)


def _memory_order(a: np.ndarray) -> list[int]:
    """The axes of `a` from the largest stride to the smallest: its layout in memory."""
    return sorted(range(a.ndim), key=lambda axis: -a.strides[axis])


def _new(shape: Ints, order: Ints, dtype: Any, like: Any, zero: bool = False) -> np.ndarray:
    """A new array of `shape` whose axes lie in memory in `order` (outermost first), on the
    device of the array `like`."""
    xp = np if type(like) is np.ndarray else namespace(like)
    new = xp.zeros if zero else xp.empty
    inverse = sorted(range(len(order)), key=order.__getitem__)  # np.argsort costs 5x more
    return new([shape[axis] for axis in order], dtype=dtype).transpose(inverse)


def _in_layout(a: np.ndarray, order: Ints) -> np.ndarray:
    """`a` when it fills one block of memory with its axes in `order`, else such a copy."""
    expected = a.itemsize
    for axis in reversed(order):
        if a.shape[axis] != 1 and a.strides[axis] != expected:
            copy = _new(a.shape, order, a.dtype, like=a)
            np.copyto(copy, a)
            return copy
        expected *= a.shape[axis]
    return a


def _along(ndim: int, axis: int, index: slice) -> tuple[slice, ...]:
    """`index` on `axis` of an `ndim`-d array, everything elsewhere."""
    return (slice(None),) * axis + (index,) + (slice(None),) * (ndim - axis - 1)


def _taps(k: int, s: int, d: int, o: int) -> list[slice]:
    """For each kernel offset along one axis, the slice that gives it in every window."""
    return [slice(j * d, j * d + (o - 1) * s + 1, s) for j in range(k)]


def _window_max(
    values: np.ndarray, axis: int, k: int, s: int, d: int, o: int, nan_aware: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Maximum over windows along one axis (`k` taps `d` apart, starts `s` apart, `o` of them),
    and the offset in the window that first holds it.

    With `nan_aware`, a NaN beats every number and the last NaN wins; without it, a window
    holding a NaN gets NaN as maximum but a wrong offset. Both keep the layout of `values`.
    """
    taps = _taps(k, s, d, o)
    best = values[_along(values.ndim, axis, taps[0])]
    if k == 1:
        return best.copy(order="K"), np.zeros_like(best, dtype=np.int8)
    offsets = np.zeros(0, dtype=np.int8)
    for j, tap in enumerate(taps[1:], start=1):
        candidate = values[_along(values.ndim, axis, tap)]
        better = candidate > best  # strict: an equal value later in the window does not win
        if nan_aware:
            better |= np.isnan(candidate)
        if j == 1:  # 0 where the first tap wins, 1 where the second does (bools as bytes)
            offsets = better.view(np.int8) if k <= 127 else better.astype(np.int64)
            best = np.maximum(best, candidate)  # NaN propagates, as in the comparison above
        else:  # j is above every earlier offset: the maximum is j where this tap wins
            np.maximum(offsets, better * offsets.dtype.type(j), out=offsets)
            np.maximum(best, candidate, out=best)
    return best, offsets


def _window_max_grad(
    grad: np.ndarray,
    offsets: np.ndarray,
    shape: Ints,
    axis: int,
    k: int,
    s: int,
    d: int,
    exact: bool,
) -> np.ndarray:
    """The gradient of `_window_max`'s input, of `shape`, from that of its maximum `grad`
    (laid out like `offsets`): each window's gradient goes to the offset that won."""
    order = _memory_order(offsets)
    grad = _in_layout(grad, order)
    overlap = s < d * (k - 1) + 1  # overlapping windows add up, others are copied
    tiled = not exact and d == 1 and s == k and offsets.shape[axis] * k == shape[axis]
    upstream = _new(shape, order, grad.dtype, like=grad, zero=not tiled)
    taps = _taps(k, s, d, offsets.shape[axis])
    if exact:  # a product would turn an infinite or NaN gradient into NaN where not chosen
        host = type(grad) is np.ndarray
        for j, tap in enumerate(taps):
            view = upstream[_along(upstream.ndim, axis, tap)]
            if host:
                np.add(view, grad, out=view, where=offsets == j)
            else:  # CuPy's ufuncs take no `where`; adding +0 leaves `view` (never -0) as it is
                view += np.where(offsets == j, grad, grad.dtype.type(0))
        return upstream
    if k == 2:  # offsets 0 or 1: one product, and the rest
        second = grad * offsets.view(bool)
        parts = [grad - second, second]
    else:
        parts = [grad * (offsets == j) for j in range(k)]
    for tap, part in zip(taps, parts):
        view = upstream[_along(upstream.ndim, axis, tap)]
        if overlap:
            view += part
        else:
            np.copyto(view, part)  # a strided copy is fast; a ufunc writing there is not
    return upstream


def _separable_max(
    padded: np.ndarray,
    kernel: Ints,
    stride: Ints,
    dilation: Ints,
    out_size: Ints,
    nan_aware: bool,
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Window maxima over the trailing `len(kernel)` axes of `padded`, one axis at a time from
    the last: the first maximum of each row, then the first of those rows to hold the window's
    maximum, which is the first maximum in row-major order (PyTorch's choice on ties).

    Returns:
        The maxima and, per axis in order, the winning offsets along it (each of the shape that
            axis's pass produced).
    """
    lead = padded.ndim - len(kernel)
    offsets: list[np.ndarray] = [np.zeros(0, dtype=np.int8)] * len(kernel)
    values = padded
    for axis in reversed(range(len(kernel))):
        k, s, d, o = kernel[axis], stride[axis], dilation[axis], out_size[axis]
        values, offsets[axis] = _window_max(values, lead + axis, k, s, d, o, nan_aware)
    return values, offsets


def _starts(axis: int, n: int, k: int, s: int, p: int, d: int, o: int, size: int, like: Any) -> Any:
    """Along one pooled axis (of `n`): each window's start in the input, its first position
    inside the input, and whether it holds padding only; shaped to broadcast on that axis, on
    the device of the array `like`."""
    shape = [1] * n
    shape[axis] = o
    start = (namespace(like).arange(o) * s - p).reshape(shape)
    first_inside = start + np.maximum(-start + d - 1, 0) // d * d
    empty = first_inside > np.minimum(start + (k - 1) * d, size - 1)
    return start, first_inside, empty


def max_pool_indices(
    x: np.ndarray,
    kernel: Ints,
    stride: Ints,
    padding: Ints,
    dilation: Ints,
    out_size: Ints,
) -> np.ndarray:
    """Flat index (into the trailing spatial axes of `x`) of each window's maximum, int64 of
    shape `(*lead, *out_size)`, as PyTorch's `return_indices` gives them.

    As in PyTorch, on ties the first maximum in row-major window order wins, a NaN wins over
    numbers (the last NaN over earlier ones), padding never wins over the input, and a window
    whose inputs are all -inf (or that holds padding only, possible with dilation) reports its
    first position inside the input, even one past the window or the input.
    """
    n = len(kernel)
    lead = x.ndim - n
    padded = _pad(x, kernel, stride, padding, dilation, out_size, _lowest(x.dtype))
    _, offsets = _separable_max(padded, kernel, stride, dilation, out_size, x.dtype.kind == "f")
    flat = zeros(x.shape[:lead] + tuple(out_size), np.int64, like=x)
    out_shape: tuple[int, ...] = flat.shape
    xp = namespace(x)
    grid: list[np.ndarray] = list(xp.ix_(*(xp.arange(extent) for extent in out_shape)))
    rows: list[np.ndarray] = []  # the padded index each window chose on the axes before
    for axis, size in enumerate(x.shape[lead:]):
        k, s, p, d, o = kernel[axis], stride[axis], padding[axis], dilation[axis], out_size[axis]
        start, first_inside, _ = _starts(axis, n, k, s, p, d, o, size, like=x)
        # the pass over this axis ran on every (padded) position of the axes before it: read
        # each window's winner at the positions it chose there, all of them at once
        chosen = offsets[axis]
        if rows:
            index = (*grid[:lead], *rows, *grid[lead + axis :])
            chosen = chosen[index]
        padded_index = start + p + chosen.astype(np.int64) * d
        rows.append(np.broadcast_to(padded_index, flat.shape))
        position = np.where(padded_index < p, first_inside, padded_index - p)
        flat = flat * size + position
    return flat


class MaxPool(Node):
    """Window maxima over the trailing axes; padding is -inf (the lowest integer for integers).
    The gradient goes to each window's first maximum, as in PyTorch (see `max_pool_indices`).

    Primitive for speed: one pass per pooled axis with a strided compare per kernel offset
    finds the maxima, and backward makes one product and one strided copy per offset, where a
    gather scattered its gradient through np.add.at.
    """

    __slots__ = ("settings",)
    saves_inputs = False

    def forward(
        self,
        x: np.ndarray,
        *,
        kernel: tuple[int, ...],
        stride: tuple[int, ...],
        padding: tuple[int, ...],
        dilation: tuple[int, ...],
        out_size: tuple[int, ...],
    ) -> np.ndarray:
        n = len(kernel)
        lead = x.ndim - n
        padded = _pad(x, kernel, stride, padding, dilation, out_size, _lowest(x.dtype))
        # NaN checks cost a third of the work: made only when a maximum turns out NaN
        best, offsets = _separable_max(padded, kernel, stride, dilation, out_size, False)
        if x.dtype.kind == "f" and np.isnan(best).any():
            best, offsets = _separable_max(padded, kernel, stride, dilation, out_size, True)
        if any(padding):
            # an all -inf window's gradient goes where PyTorch reports its maximum, the first
            # position inside the input; a window of padding only keeps a padding winner, so
            # its gradient is dropped
            for axis, size in enumerate(x.shape[lead:]):
                k, s, p, d = kernel[axis], stride[axis], padding[axis], dilation[axis]
                shape = offsets[axis].shape[lead:]
                start, first_inside, empty = _starts(axis, n, k, s, p, d, shape[axis], size, like=x)
                inside = (first_inside - start) // d
                move = (start + offsets[axis] * d < 0) & ~empty
                offsets[axis] = np.where(move, inside, offsets[axis]).astype(offsets[axis].dtype)
        self.saved = (offsets, x.shape, padded.shape)
        self.settings = (kernel, stride, padding, dilation, out_size)
        return best

    def backward(self, grad: np.ndarray) -> np.ndarray:
        offsets, shape, padded_shape = self.saved
        kernel, stride, padding, dilation, out_size = self.settings
        lead = len(shape) - len(kernel)
        exact = not np.isfinite(grad).all()
        for axis in range(len(kernel)):  # undo the passes, the last one (over axis 0) first
            # that pass's input: padded on this axis and the ones before it
            in_shape = padded_shape[: lead + axis + 1] + tuple(out_size[axis + 1 :])
            k, s, d = kernel[axis], stride[axis], dilation[axis]
            grad = _window_max_grad(grad, offsets[axis], in_shape, lead + axis, k, s, d, exact)
        crop = (slice(None),) * lead + tuple(
            slice(p, p + size) for p, size in zip(padding, shape[lead:])
        )
        return grad[crop]


def avg_pool_divisor(
    sizes: Ints,
    kernel: Ints,
    stride: Ints,
    padding: Ints,
    out_size: Ints,
    count_include_pad: bool,
) -> np.ndarray:
    """The number each window's sum is divided by, shape `out_size` (PyTorch's rule: a window
    counts its padding when `count_include_pad`, never the part past the padding)."""
    divisor = np.ones((), dtype=np.int64)
    for size, k, s, p, o in zip(sizes, kernel, stride, padding, out_size):
        start = np.arange(o) * s - p
        end = np.minimum(start + k, size + p)
        if count_include_pad:
            count = end - start
        else:
            count = np.minimum(end, size) - np.maximum(start, 0)
        divisor = np.multiply.outer(divisor, np.maximum(count, 1))
    return divisor


class AvgPool(Node):
    """Window means over the trailing axes, zero padding; `divisor` has shape `out_size`.

    Primitive for speed: forward and backward make one strided add per kernel offset, where
    composed ops would gather every window element and scatter back through np.add.at.
    """

    saves_inputs = False

    def forward(
        self,
        x: np.ndarray,
        *,
        kernel: tuple[int, ...],
        stride: tuple[int, ...],
        padding: tuple[int, ...],
        out_size: tuple[int, ...],
        divisor: np.ndarray,
    ) -> np.ndarray:
        lead = x.ndim - len(kernel)
        ones = (1,) * len(kernel)
        padded = _pad(x, kernel, stride, padding, ones, out_size, 0.0)
        total = zeros(x.shape[:lead] + out_size, x.dtype, like=x)
        for offset in np.ndindex(*kernel):  # kernel offsets only, each a strided add
            total += padded[_window_element(lead, offset, stride, ones, out_size)]
        if type(x) is not np.ndarray:  # the divisor is made on the host
            divisor = namespace(x).asarray(divisor)
        self.saved = (x.shape, x.dtype, kernel, stride, padding, out_size, divisor)
        return as_array(total / divisor.astype(x.dtype)).astype(x.dtype, copy=False)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        shape, dtype, kernel, stride, padding, out_size, divisor = self.saved
        n = len(kernel)
        lead = len(shape) - n
        share = grad / divisor.astype(dtype)
        padded_shape = shape[:lead] + tuple(
            max(p + size, (o - 1) * s + k)
            for size, k, s, p, o in zip(shape[lead:], kernel, stride, padding, out_size)
        )
        padded = zeros(padded_shape, dtype, like=grad)
        ones = (1,) * n
        for offset in np.ndindex(*kernel):  # kernel offsets only, each a strided add
            padded[_window_element(lead, offset, stride, ones, out_size)] += share
        crop = (slice(None),) * lead + tuple(
            slice(p, p + size) for p, size in zip(padding, shape[lead:])
        )
        return padded[crop]
