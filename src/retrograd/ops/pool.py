"""Pooling on raw arrays, over the trailing `len(kernel)` axes (1 for 1-d, 2 for 2-d pooling).

`pool_output_size` is PyTorch's output-size rule. Max pooling has no primitive of its own:
`max_pool_indices` finds each window's first maximum (no gradient) and the existing `Gather` op
picks those values and scatters the gradient back. `AvgPool` is a primitive.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from retrograd.autograd.node import Node

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


def max_pool_indices(
    x: np.ndarray,
    kernel: Ints,
    stride: Ints,
    padding: Ints,
    dilation: Ints,
    out_size: Ints,
) -> tuple[np.ndarray, np.ndarray]:
    """Flat index (into the trailing spatial axes of `x`) of each window's maximum.

    **Returns** `(indices, empty)`, both of shape `(*lead, *out_size)`: int64 indices as
    PyTorch's `return_indices` gives them, and a bool mask (a read-only broadcast view) of the
    windows that hold padding only (possible with dilation; their maximum is the padding value).
    As in PyTorch, on ties the first maximum in row-major window order wins, a NaN wins over
    numbers (the last NaN over earlier ones), and padding never wins over the input.
    """
    n = len(kernel)
    lead = x.ndim - n
    padded = _pad(x, kernel, stride, padding, dilation, out_size, _lowest(x.dtype))
    best: np.ndarray | None = None
    # which kernel offset holds the maximum so far (a small int type: this is the hot loop)
    small = np.int16 if np.prod(kernel) <= np.iinfo(np.int16).max else np.int64
    best_offset = np.zeros(x.shape[:lead] + tuple(out_size), dtype=small)
    for number, offset in enumerate(np.ndindex(*kernel)):  # kernel offsets only, each vectorised
        values = padded[_window_element(lead, offset, stride, dilation, out_size)]
        if best is None:
            best = values.copy()
            continue
        better = values > best  # strict: an equal value later in the window does not take over
        if x.dtype.kind == "f":
            better |= np.isnan(values)
        best_offset = np.where(better, small(number), best_offset)
        np.maximum(best, values, out=best)  # NaN propagates, as in the comparison above
    flat = np.zeros(best_offset.shape, dtype=np.int64)
    empty = np.zeros((1,) * n, dtype=bool)  # depends on the window's place only
    for axis in range(n):  # one pass per spatial axis (1 or 2), vectorised over all windows
        size, k, step = x.shape[lead + axis], kernel[axis], dilation[axis]
        shape = [1] * n
        shape[axis] = out_size[axis]
        start = (np.arange(out_size[axis]) * stride[axis] - padding[axis]).reshape(shape)
        # the window's first position inside the input: PyTorch reports it when nothing beats
        # the padding (an all -inf window), even if it lies past the window or the input
        first_inside = start + np.maximum(-start + step - 1, 0) // step * step
        empty = empty | (first_inside > np.minimum(start + (k - 1) * step, size - 1))
        offset = best_offset // small(np.prod(kernel[axis + 1 :])) % small(k)  # row-major
        position = start + offset * step
        position = np.where(position < 0, first_inside, position)
        flat = flat * size + position
    return flat, np.broadcast_to(empty, flat.shape)


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
        total = np.zeros(x.shape[:lead] + out_size, dtype=x.dtype)
        for offset in np.ndindex(*kernel):  # kernel offsets only, each a strided add
            total += padded[_window_element(lead, offset, stride, ones, out_size)]
        self.saved = (x.shape, x.dtype, kernel, stride, padding, out_size, divisor)
        return np.asarray(total / divisor.astype(x.dtype), dtype=x.dtype)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        shape, dtype, kernel, stride, padding, out_size, divisor = self.saved
        n = len(kernel)
        lead = len(shape) - n
        share = grad / divisor.astype(dtype)
        padded_shape = shape[:lead] + tuple(
            max(p + size, (o - 1) * s + k)
            for size, k, s, p, o in zip(shape[lead:], kernel, stride, padding, out_size)
        )
        padded = np.zeros(padded_shape, dtype=dtype)
        ones = (1,) * n
        for offset in np.ndindex(*kernel):  # kernel offsets only, each a strided add
            padded[_window_element(lead, offset, stride, ones, out_size)] += share
        crop = (slice(None),) * lead + tuple(
            slice(p, p + size) for p, size in zip(padding, shape[lead:])
        )
        return padded[crop]
