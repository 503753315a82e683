"""Convolution primitives on `(N, C, *spatial)` arrays with 1, 2 or 3 spatial axes: `ConvNd`
and `ConvTransposeNd` (also under their 2-d names `Conv2d` and `ConvTranspose2d`).

Both are primitives for speed: one matmul per call (per group) on an im2col copy of the input
instead of a graph of thousands of slices. The helpers below are shared: a transposed
convolution's forward is a convolution's input gradient (`_input_grad`, through `_col2im`) and
its backward is a convolution's forward (`_im2col`), so each rule is written once, for every
number of spatial axes.

The work is done channels-last. Windows unfold into rows `(N * prod(out), prod(kernel) * C)`,
so the product with the kernel is `(N * prod(out), O)`: the output in `(N, *out, O)` memory
order, returned as an `(N, O, *out)` view without a transpose copy. An input already laid out
that way (a convolution's output after ReLU and max-pooling) unfolds without a transpose copy
either, and gradients come back in the layout of the array they belong to.

Shapes: `x: (N, C, *S)`, `weight: (O, C/groups, *kernel)` (transposed:
`(C, O/groups, *kernel)`), `bias: (O,)`; `padding` is one `(before, after)` pair of zeros per
spatial axis, so 'same' can be asymmetric.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import as_strided

from retrograd.autograd.node import Node
from retrograd.backend.arrays import namespace, zeros

Ints = tuple[int, ...]
Padding = tuple[tuple[int, int], ...]


# ---------------------------------------------------------------------- shared helpers
# Rows are indexed by (n, *out) and columns by (group, *kernel offset, channel in group), the
# layout whose products are plain BLAS gemms with no transposed copies.


def _channels_last(x: np.ndarray, padding: Padding) -> np.ndarray:
    """`x: (N, C, *S)` as `(N, *Sp, C)` with `padding` zeros around the spatial axes: a view
    when there is no padding, else one copy."""
    nd = x.ndim - 2
    xt = x.transpose(0, *range(2, nd + 2), 1)
    if not any(a or b for a, b in padding):
        return xt
    shape = (xt.shape[0], *(s + a + b for s, (a, b) in zip(xt.shape[1:-1], padding)), xt.shape[-1])
    out = zeros(shape, x.dtype, like=x)
    inside = (slice(None), *(slice(a, a + s) for s, (a, _) in zip(xt.shape[1:-1], padding)))
    out[inside] = xt
    return out


def _im2col(
    xp: np.ndarray, kernel: Ints, stride: Ints, dilation: Ints, groups: int, out_size: Ints
) -> np.ndarray:
    """The windows of the channels-last padded input as rows: `xp: (N, *Sp, C)` ->
    `(N * prod(out), groups, prod(kernel) * C/groups)`, one copy.

    With one channel per group a row holds runs of only kW elements, so the copy runs along
    output rows instead and the result is a transposed view of
    `(groups, prod(kernel), N * prod(out))` (which every product below takes as it is)."""
    nd = len(kernel)
    n, c = xp.shape[0], xp.shape[-1]
    per_group = c // groups
    spatial = xp.strides[1:-1]
    # a read-only view of every window: (N, *out, *kernel, C); as_strided costs a third of
    # sliding_window_view, which checks and slices more than needed here
    window_shape = (n, *out_size, *kernel, c)
    window_strides = (
        xp.strides[0],
        *(s * st for s, st in zip(spatial, stride)),
        *(s * d for s, d in zip(spatial, dilation)),
        xp.strides[-1],
    )
    if type(xp) is np.ndarray:
        windows = as_strided(xp, window_shape, window_strides, writeable=False)
        empty = np.empty
    else:  # CuPy's as_strided has no read-only views (nothing here writes through them)
        module = namespace(xp)
        windows = module.lib.stride_tricks.as_strided(xp, window_shape, window_strides)
        empty = module.empty
    rows, taps = n * math.prod(out_size), math.prod(kernel)
    if per_group == 1:
        cols = empty((groups, *kernel, n, *out_size), dtype=xp.dtype)
        np.copyto(cols, windows.transpose(2 * nd + 1, *range(nd + 1, 2 * nd + 1), *range(nd + 1)))
        return cols.reshape(groups, taps, rows).transpose(2, 0, 1)
    cols = empty((n, *out_size, groups, *kernel, per_group), dtype=xp.dtype)
    split = windows.reshape(n, *out_size, *kernel, groups, per_group)
    np.copyto(
        cols,
        split.transpose(*range(nd + 1), 2 * nd + 1, *range(nd + 1, 2 * nd + 1), 2 * nd + 2),
    )
    return cols.reshape(rows, groups, taps * per_group)


def _col2im(
    blocks: np.ndarray,
    padded_shape: Ints,
    kernel: Ints,
    stride: Ints,
    dilation: Ints,
    out_size: Ints,
) -> np.ndarray:
    """Scatter-add window rows back onto the channels-last padded input (the adjoint of
    `_im2col`), given one block of rows per kernel tap:
    `blocks: (prod(kernel), groups, N * prod(out), C/groups)` -> `(N, *Sp, C)`.
    One strided add of a contiguous block per tap, never a loop over pixels."""
    nd = len(kernel)
    n, c = padded_shape[0], padded_shape[-1]
    groups = blocks.shape[1]
    blocks = blocks.reshape(math.prod(kernel), groups, n, *out_size, c // groups)
    out = zeros((*padded_shape[:-1], groups, c // groups), blocks.dtype, like=blocks)
    order = (1, *range(2, nd + 2), 0, nd + 2)  # (groups, N, *out, C/g) -> (N, *out, groups, C/g)
    for tap, offset in enumerate(np.ndindex(*kernel)):
        where = tuple(
            slice(j * d, j * d + s * (o - 1) + 1, s)
            for j, d, s, o in zip(offset, dilation, stride, out_size)
        )
        index = (slice(None), *where)
        out[index] += blocks[tap].transpose(order)
    return out.reshape(padded_shape)


def _kernel_matrix(weight: np.ndarray, groups: int) -> np.ndarray:
    """`(O, C/groups, *kernel)` -> `(groups, O/groups, prod(kernel) * C/groups)`, columns
    ordered like `_im2col`'s (a small copy)."""
    o, c, *kernel = weight.shape
    nd = len(kernel)
    matrix = weight.reshape(groups, o // groups, c, *kernel)
    matrix = matrix.transpose(0, 1, *range(3, nd + 3), 2)
    return matrix.reshape(groups, o // groups, -1)


def _kernel_from_matrix(matrix: np.ndarray, shape: Ints) -> np.ndarray:
    """Inverse of `_kernel_matrix`: `(groups, O/groups, prod(kernel) * C/groups)` ->
    contiguous `shape = (O, C/groups, *kernel)`."""
    o, c, *kernel = shape
    nd = len(kernel)
    kernel_first = matrix.reshape(o, *kernel, c).transpose(0, nd + 1, *range(1, nd + 1))
    if type(kernel_first) is np.ndarray:
        return np.ascontiguousarray(kernel_first)
    return namespace(kernel_first).ascontiguousarray(kernel_first)  # no NumPy dispatch here


def _times_kernel_t(rows: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """Each group's rows times its kernel transposed: `rows: (M, groups, K)`,
    `matrix: (groups, P, K)` -> `(M, groups * P)`."""
    m, groups, _ = rows.shape
    if groups == 1:
        return np.matmul(rows.reshape(m, -1), matrix[0].T)
    out = np.matmul(rows.transpose(1, 0, 2), matrix.transpose(0, 2, 1))  # (groups, M, P)
    return out.transpose(1, 0, 2).reshape(m, -1)


def _times_kernel_taps(rows: np.ndarray, matrix: np.ndarray, kernel: Ints) -> np.ndarray:
    """Each group's rows times its kernel, one block per kernel tap: `rows: (M, groups * P)`,
    `matrix: (groups, P, prod(kernel) * K)` -> `(prod(kernel), groups, M, K)`, as `_col2im`
    takes it.

    Blocks keep the scatter-add's reads contiguous: adding from the row layout (runs of
    C/groups elements) takes about twice as long."""
    groups, p, _ = matrix.shape
    taps = matrix.reshape(groups, p, math.prod(kernel), -1).transpose(2, 0, 1, 3)
    return np.matmul(rows.reshape(len(rows), groups, p).transpose(1, 0, 2), taps)


def _t_times(rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Per group, `rows` transposed times `cols`: `rows: (M, groups * P)`,
    `cols: (M, groups, K)` -> `(groups, P, K)`."""
    m, groups, k = cols.shape
    if groups == 1:
        return np.matmul(rows.T, cols.reshape(m, k))[None]
    return np.matmul(rows.reshape(m, groups, -1).transpose(1, 2, 0), cols.transpose(1, 0, 2))


def _as_rows(y: np.ndarray) -> np.ndarray:
    """`y: (N, O, *S)` as the matrix `(N * prod(S), O)`: a view when `y` is channels-last in
    memory, else one copy."""
    return y.transpose(0, *range(2, y.ndim), 1).reshape(-1, y.shape[1])


def _from_rows(rows: np.ndarray, n: int, spatial: Ints) -> np.ndarray:
    """`(N * prod(S), O)` rows as the `(N, O, *S)` view (channels-last in memory)."""
    nd = len(spatial)
    return rows.reshape(n, *spatial, -1).transpose(0, nd + 1, *range(1, nd + 1))


def _input_grad(
    grad_rows: np.ndarray,
    matrix: np.ndarray,
    kernel: Ints,
    x_shape: Ints,
    padding: Padding,
    stride: Ints,
    dilation: Ints,
    out_size: Ints,
) -> np.ndarray:
    """The gradient of a convolution's input of `x_shape = (N, C, *S)` (channels-last in
    memory) from that of its output `(N, O, *out)` as `grad_rows` (`_as_rows` of it);
    `matrix` is the kernel as `_kernel_matrix` gives it. Also a transposed convolution."""
    n, c, *sizes = x_shape
    padded = (n, *(s + a + b for s, (a, b) in zip(sizes, padding)), c)
    blocks = _times_kernel_taps(grad_rows, matrix, kernel)
    grad_xp = _col2im(blocks, padded, kernel, stride, dilation, out_size)
    crop = (slice(None), *(slice(a, a + s) for s, (a, _) in zip(sizes, padding)))
    return grad_xp[crop].transpose(0, len(sizes) + 1, *range(1, len(sizes) + 1))


def _out_size(size: int, kernel: int, stride: int, dilation: int) -> int:
    return (size - dilation * (kernel - 1) - 1) // stride + 1


# ---------------------------------------------------------------------- primitives
class ConvNd(Node):
    """Cross-correlation of `x: (N, C, *S)` with `weight: (O, C/groups, *kernel)` plus `bias`:
    `(N, O, *out)`, channels-last in memory, for 1, 2 or 3 spatial axes.

    Primitive for speed: one matmul per call instead of a graph of thousands of slices."""

    __slots__ = ("stride", "padding", "dilation", "groups", "x_shape")
    value_needed_by = ((1,), (0,), ())

    def forward(
        self,
        x: np.ndarray,
        weight: np.ndarray,
        bias: np.ndarray | None = None,
        *,
        stride: Ints | None = None,
        padding: Padding | None = None,
        dilation: Ints | None = None,
        groups: int = 1,
    ) -> np.ndarray:
        nd = x.ndim - 2
        stride = stride or (1,) * nd
        padding = padding or ((0, 0),) * nd
        dilation = dilation or (1,) * nd
        xp = _channels_last(x, padding)
        kernel = weight.shape[2:]
        out_size = tuple(
            _out_size(s, k, st, d) for s, k, st, d in zip(xp.shape[1:-1], kernel, stride, dilation)
        )
        cols = _im2col(xp, kernel, stride, dilation, groups, out_size)
        matrix = _kernel_matrix(weight, groups)
        out = _times_kernel_t(cols, matrix)  # (N * prod(out), O)
        if bias is not None:
            out += bias
        self.stride, self.padding, self.dilation, self.groups = stride, padding, dilation, groups
        self.x_shape = x.shape
        self.saved = (cols, matrix, weight.shape)
        return _from_rows(out, x.shape[0], out_size)

    def backward(self, grad: np.ndarray) -> tuple[Any, ...]:
        cols, matrix, weight_shape = self.saved
        needs = self.needs_input_grad
        grad_x = grad_w = grad_b = None
        grad_rows = _as_rows(grad)
        if needs[0]:
            grad_x = _input_grad(
                grad_rows,
                matrix,
                weight_shape[2:],
                self.x_shape,
                self.padding,
                self.stride,
                self.dilation,
                grad.shape[2:],
            )
        if needs[1]:
            grad_w = _kernel_from_matrix(_t_times(grad_rows, cols), weight_shape)
        if len(needs) > 2 and needs[2]:
            # a product with ones: BLAS sums the columns several times faster than `sum`
            ones = np.ones_like(grad_rows, shape=len(grad_rows), dtype=grad.dtype)
            grad_b = np.matmul(ones, grad_rows)
        return grad_x, grad_w, grad_b


class ConvTransposeNd(Node):
    """Transposed convolution of `x: (N, C, *S)` with `weight: (C, O/groups, *kernel)`, the
    input gradient of `ConvNd`: `(N, O, *out)` with `out = (S - 1) * stride - 2 * padding
    + dilation * (kernel - 1) + output_padding + 1`, channels-last in memory.

    Primitive for speed: one matmul and one strided add per kernel tap instead of a graph of
    slices."""

    __slots__ = ("stride", "padding", "dilation", "groups", "x_size")
    value_needed_by = ((1,), (0,), ())

    def forward(
        self,
        x: np.ndarray,
        weight: np.ndarray,
        bias: np.ndarray | None = None,
        *,
        stride: Ints | None = None,
        padding: Ints | None = None,
        output_padding: Ints | None = None,
        dilation: Ints | None = None,
        groups: int = 1,
    ) -> np.ndarray:
        sizes = x.shape[2:]
        ones, zeros = (1,) * len(sizes), (0,) * len(sizes)
        stride, dilation = stride or ones, dilation or ones
        padding, output_padding = padding or zeros, output_padding or zeros
        kernel = weight.shape[2:]
        out_shape = (
            x.shape[0],
            weight.shape[1] * groups,
            *(
                (size - 1) * s - 2 * p + d * (k - 1) + 1 + o
                for size, s, p, d, k, o in zip(
                    sizes, stride, padding, dilation, kernel, output_padding
                )
            ),
        )
        x_rows = _as_rows(x)
        matrix = _kernel_matrix(weight, groups)  # (groups, C/groups, prod(kernel) * O/groups)
        pads = tuple((p, p) for p in padding)
        out = _input_grad(x_rows, matrix, kernel, out_shape, pads, stride, dilation, sizes)
        if bias is not None:
            out += bias.reshape(-1, *(1,) * len(sizes))
        self.stride, self.padding, self.dilation, self.groups = stride, padding, dilation, groups
        self.x_size = sizes
        self.saved = (x_rows, matrix, weight.shape)
        return out

    def backward(self, grad: np.ndarray) -> tuple[Any, ...]:
        x_rows, matrix, weight_shape = self.saved
        needs = self.needs_input_grad
        grad_x = grad_w = grad_b = None
        if needs[0] or needs[1]:
            # only the windows that x wrote to are read: positions that output_padding added
            # past the last window received nothing
            grad_p = _channels_last(grad, tuple((p, p) for p in self.padding))
            kernel = weight_shape[2:]
            cols = _im2col(grad_p, kernel, self.stride, self.dilation, self.groups, self.x_size)
            if needs[0]:
                grad_x = _from_rows(_times_kernel_t(cols, matrix), grad.shape[0], self.x_size)
            if needs[1]:
                grad_w = _kernel_from_matrix(_t_times(x_rows, cols), weight_shape)
        if len(needs) > 2 and needs[2]:
            grad_b = grad.sum(axis=(0, *range(2, grad.ndim)))
        return grad_x, grad_w, grad_b


#: the 2-d names (the ops take any number of spatial axes)
Conv2d = ConvNd
ConvTranspose2d = ConvTransposeNd
