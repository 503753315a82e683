"""2-d convolution primitives on `(N, C, H, W)` arrays: `Conv2d` and `ConvTranspose2d`.

Both are primitives for speed: one matmul per call (per group) on an im2col copy of the input
instead of a graph of thousands of slices. The helpers below are shared: a transposed
convolution's forward is a convolution's input gradient (`_input_grad`, through `_col2im`) and
its backward is a convolution's forward (`_im2col`), so each rule is written once.

The work is done channels-last. Windows unfold into rows `(N * oH * oW, kH * kW * C)`, so the
product with the kernel is `(N * oH * oW, O)`: the output in `(N, oH, oW, O)` memory order,
returned as an `(N, O, oH, oW)` view without a transpose copy. An input already laid out that
way (a convolution's output after ReLU and max-pooling) unfolds without a transpose copy either,
and gradients come back in the layout of the array they belong to.

Shapes: `x: (N, C, H, W)`, `weight: (O, C/groups, kH, kW)` (transposed: `(C, O/groups, kH, kW)`),
`bias: (O,)`; `padding` is `((top, bottom), (left, right))` zeros, so 'same' can be asymmetric.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import as_strided

from retrograd.autograd.node import Node

Pair = tuple[int, int]
Padding = tuple[Pair, Pair]


# ---------------------------------------------------------------------- shared helpers
# Rows are indexed by (n, oh, ow) and columns by (group, kernel row, kernel column, channel in
# group), the layout whose products are plain BLAS gemms with no transposed copies.


def _channels_last(x: np.ndarray, padding: Padding) -> np.ndarray:
    """`x: (N, C, H, W)` as `(N, Hp, Wp, C)` with `padding` zeros around (H, W): a view when
    there is no padding, else one copy."""
    xt = x.transpose(0, 2, 3, 1)
    if padding == ((0, 0), (0, 0)):
        return xt
    (top, bottom), (left, right) = padding
    n, h, w, c = xt.shape
    out = np.zeros((n, h + top + bottom, w + left + right, c), dtype=x.dtype)
    out[:, top : top + h, left : left + w] = xt
    return out


def _im2col(
    xp: np.ndarray, kernel: Pair, stride: Pair, dilation: Pair, groups: int, out_hw: Pair
) -> np.ndarray:
    """The windows of the channels-last padded input as rows: `xp: (N, Hp, Wp, C)` ->
    `(N * oH * oW, groups, kH * kW * C/groups)`, one copy.

    With one channel per group a row holds runs of only kW elements, so the copy runs along
    output rows instead and the result is a transposed view of `(groups, kH * kW, N * oH * oW)`
    (which every product below takes as it is)."""
    n, c = xp.shape[0], xp.shape[3]
    (kh, kw), (sh, sw), (dh, dw), (oh, ow) = kernel, stride, dilation, out_hw
    per_group = c // groups
    s0, s1, s2, s3 = xp.strides
    # a read-only view of every window: (N, oH, oW, kH, kW, C); as_strided costs a third of
    # sliding_window_view, which checks and slices more than needed here
    windows = as_strided(
        xp, (n, oh, ow, kh, kw, c), (s0, s1 * sh, s2 * sw, s1 * dh, s2 * dw, s3), writeable=False
    )
    if per_group == 1:
        cols = np.empty((groups, kh, kw, n, oh, ow), dtype=xp.dtype)
        np.copyto(cols, windows.transpose(5, 3, 4, 0, 1, 2))
        return cols.reshape(groups, kh * kw, n * oh * ow).transpose(2, 0, 1)
    cols = np.empty((n, oh, ow, groups, kh, kw, per_group), dtype=xp.dtype)
    np.copyto(
        cols, windows.reshape(n, oh, ow, kh, kw, groups, per_group).transpose(0, 1, 2, 5, 3, 4, 6)
    )
    return cols.reshape(n * oh * ow, groups, kh * kw * per_group)


def _col2im(
    blocks: np.ndarray,
    padded_shape: tuple[int, int, int, int],
    kernel: Pair,
    stride: Pair,
    dilation: Pair,
    out_hw: Pair,
) -> np.ndarray:
    """Scatter-add window rows back onto the channels-last padded input (the adjoint of
    `_im2col`), given one block of rows per kernel tap:
    `blocks: (kH * kW, groups, N * oH * oW, C/groups)` -> `(N, Hp, Wp, C)`.
    One strided add of a contiguous block per tap (kH * kW of them), never a loop over pixels."""
    n, hp, wp, c = padded_shape
    groups = blocks.shape[1]
    (kh, kw), (sh, sw), (dh, dw), (oh, ow) = kernel, stride, dilation, out_hw
    blocks = blocks.reshape(kh, kw, groups, n, oh, ow, c // groups)
    out = np.zeros((n, hp, wp, groups, c // groups), dtype=blocks.dtype)
    for i in range(kh):
        rows = slice(i * dh, i * dh + sh * (oh - 1) + 1, sh)
        for j in range(kw):
            columns = slice(j * dw, j * dw + sw * (ow - 1) + 1, sw)
            out[:, rows, columns] += blocks[i, j].transpose(1, 2, 3, 0, 4)
    return out.reshape(padded_shape)


def _kernel_matrix(weight: np.ndarray, groups: int) -> np.ndarray:
    """`(O, C/groups, kH, kW)` -> `(groups, O/groups, kH * kW * C/groups)`, columns ordered
    like `_im2col`'s (a small copy)."""
    o, c, kh, kw = weight.shape
    matrix = weight.reshape(groups, o // groups, c, kh, kw).transpose(0, 1, 3, 4, 2)
    return matrix.reshape(groups, o // groups, kh * kw * c)


def _kernel_from_matrix(matrix: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Inverse of `_kernel_matrix`: `(groups, O/groups, kH * kW * C/groups)` -> contiguous
    `shape = (O, C/groups, kH, kW)`."""
    o, c, kh, kw = shape
    return np.ascontiguousarray(matrix.reshape(o, kh, kw, c).transpose(0, 3, 1, 2))


def _times_kernel_t(rows: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """Each group's rows times its kernel transposed: `rows: (M, groups, K)`,
    `matrix: (groups, P, K)` -> `(M, groups * P)`."""
    m, groups, _ = rows.shape
    if groups == 1:
        return np.matmul(rows.reshape(m, -1), matrix[0].T)
    out = np.matmul(rows.transpose(1, 0, 2), matrix.transpose(0, 2, 1))  # (groups, M, P)
    return out.transpose(1, 0, 2).reshape(m, -1)


def _times_kernel_taps(rows: np.ndarray, matrix: np.ndarray, kernel: Pair) -> np.ndarray:
    """Each group's rows times its kernel, one block per kernel tap: `rows: (M, groups * P)`,
    `matrix: (groups, P, kH * kW * K)` -> `(kH * kW, groups, M, K)`, as `_col2im` takes it.

    Blocks keep the scatter-add's reads contiguous: adding from the row layout (runs of
    C/groups elements) takes about twice as long."""
    groups, p, _ = matrix.shape
    taps = matrix.reshape(groups, p, kernel[0] * kernel[1], -1).transpose(2, 0, 1, 3)
    return np.matmul(rows.reshape(len(rows), groups, p).transpose(1, 0, 2), taps)


def _t_times(rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Per group, `rows` transposed times `cols`: `rows: (M, groups * P)`,
    `cols: (M, groups, K)` -> `(groups, P, K)`."""
    m, groups, k = cols.shape
    if groups == 1:
        return np.matmul(rows.T, cols.reshape(m, k))[None]
    return np.matmul(rows.reshape(m, groups, -1).transpose(1, 2, 0), cols.transpose(1, 0, 2))


def _as_rows(y: np.ndarray) -> np.ndarray:
    """`y: (N, O, oH, oW)` as the matrix `(N * oH * oW, O)`: a view when `y` is channels-last
    in memory, else one copy."""
    return y.transpose(0, 2, 3, 1).reshape(-1, y.shape[1])


def _input_grad(
    grad_rows: np.ndarray,
    matrix: np.ndarray,
    kernel: Pair,
    x_shape: tuple[int, ...],
    padding: Padding,
    stride: Pair,
    dilation: Pair,
    out_hw: Pair,
) -> np.ndarray:
    """The gradient of a convolution's input of `x_shape = (N, C, H, W)` (channels-last in
    memory) from that of its output `(N, O, oH, oW)` as `grad_rows` (`_as_rows` of it);
    `matrix` is the kernel as `_kernel_matrix` gives it. Also a transposed convolution."""
    (top, bottom), (left, right) = padding
    n, c, h, w = x_shape
    padded = (n, h + top + bottom, w + left + right, c)
    blocks = _times_kernel_taps(grad_rows, matrix, kernel)
    grad_xp = _col2im(blocks, padded, kernel, stride, dilation, out_hw)
    return grad_xp[:, top : top + h, left : left + w].transpose(0, 3, 1, 2)


def _out_size(size: int, kernel: int, stride: int, dilation: int) -> int:
    return (size - dilation * (kernel - 1) - 1) // stride + 1


# ---------------------------------------------------------------------- primitives
class Conv2d(Node):
    """Cross-correlation of `x: (N, C, H, W)` with `weight: (O, C/groups, kH, kW)` plus `bias`:
    `(N, O, oH, oW)`, channels-last in memory.

    Primitive for speed: one matmul per call instead of a graph of thousands of slices."""

    __slots__ = ("stride", "padding", "dilation", "groups", "x_shape")
    value_needed_by = ((1,), (0,), ())

    def forward(
        self,
        x: np.ndarray,
        weight: np.ndarray,
        bias: np.ndarray | None = None,
        *,
        stride: Pair = (1, 1),
        padding: Padding = ((0, 0), (0, 0)),
        dilation: Pair = (1, 1),
        groups: int = 1,
    ) -> np.ndarray:
        xp = _channels_last(x, padding)
        kernel = (weight.shape[2], weight.shape[3])
        oh = _out_size(xp.shape[1], kernel[0], stride[0], dilation[0])
        ow = _out_size(xp.shape[2], kernel[1], stride[1], dilation[1])
        cols = _im2col(xp, kernel, stride, dilation, groups, (oh, ow))
        matrix = _kernel_matrix(weight, groups)
        out = _times_kernel_t(cols, matrix)  # (N * oH * oW, O)
        if bias is not None:
            out += bias
        self.stride, self.padding, self.dilation, self.groups = stride, padding, dilation, groups
        self.x_shape = x.shape
        self.saved = (cols, matrix, weight.shape)
        return out.reshape(x.shape[0], oh, ow, -1).transpose(0, 3, 1, 2)

    def backward(self, grad: np.ndarray) -> tuple[Any, ...]:
        cols, matrix, weight_shape = self.saved
        needs = self.needs_input_grad
        grad_x = grad_w = grad_b = None
        grad_rows = _as_rows(grad)
        if needs[0]:
            kernel = (weight_shape[2], weight_shape[3])
            out_hw = (grad.shape[2], grad.shape[3])
            grad_x = _input_grad(
                grad_rows,
                matrix,
                kernel,
                self.x_shape,
                self.padding,
                self.stride,
                self.dilation,
                out_hw,
            )
        if needs[1]:
            grad_w = _kernel_from_matrix(_t_times(grad_rows, cols), weight_shape)
        if len(needs) > 2 and needs[2]:
            # a product with ones: BLAS sums the columns several times faster than `sum`
            grad_b = np.matmul(np.ones(len(grad_rows), dtype=grad.dtype), grad_rows)
        return grad_x, grad_w, grad_b


class ConvTranspose2d(Node):
    """Transposed convolution of `x: (N, C, H, W)` with `weight: (C, O/groups, kH, kW)`, the
    input gradient of `Conv2d`: `(N, O, oH, oW)` with `oH = (H - 1) * stride - 2 * padding
    + dilation * (kH - 1) + output_padding + 1`, channels-last in memory.

    Primitive for speed: one matmul and kH * kW strided adds instead of a graph of slices."""

    __slots__ = ("stride", "padding", "dilation", "groups", "x_hw")
    value_needed_by = ((1,), (0,), ())

    def forward(
        self,
        x: np.ndarray,
        weight: np.ndarray,
        bias: np.ndarray | None = None,
        *,
        stride: Pair = (1, 1),
        padding: Pair = (0, 0),
        output_padding: Pair = (0, 0),
        dilation: Pair = (1, 1),
        groups: int = 1,
    ) -> np.ndarray:
        n, _, h, w = x.shape
        kernel = (weight.shape[2], weight.shape[3])
        out_shape = (
            n,
            weight.shape[1] * groups,
            (h - 1) * stride[0]
            - 2 * padding[0]
            + dilation[0] * (kernel[0] - 1)
            + 1
            + output_padding[0],
            (w - 1) * stride[1]
            - 2 * padding[1]
            + dilation[1] * (kernel[1] - 1)
            + 1
            + output_padding[1],
        )
        x_rows = _as_rows(x)
        matrix = _kernel_matrix(weight, groups)  # (groups, C/groups, kH * kW * O/groups)
        pads = ((padding[0], padding[0]), (padding[1], padding[1]))
        out = _input_grad(x_rows, matrix, kernel, out_shape, pads, stride, dilation, (h, w))
        if bias is not None:
            out += bias[:, None, None]
        self.stride, self.padding, self.dilation, self.groups = stride, padding, dilation, groups
        self.x_hw = (h, w)
        self.saved = (x_rows, matrix, weight.shape)
        return out

    def backward(self, grad: np.ndarray) -> tuple[Any, ...]:
        x_rows, matrix, weight_shape = self.saved
        needs = self.needs_input_grad
        grad_x = grad_w = grad_b = None
        if needs[0] or needs[1]:
            ph, pw = self.padding
            kernel = (weight_shape[2], weight_shape[3])
            # only the (H, W) windows that x wrote to are read: rows that output_padding added
            # past the last window received nothing
            grad_p = _channels_last(grad, ((ph, ph), (pw, pw)))
            cols = _im2col(grad_p, kernel, self.stride, self.dilation, self.groups, self.x_hw)
            if needs[0]:
                grad_x = _times_kernel_t(cols, matrix)
                grad_x = grad_x.reshape(grad.shape[0], *self.x_hw, -1).transpose(0, 3, 1, 2)
            if needs[1]:
                grad_w = _kernel_from_matrix(_t_times(x_rows, cols), weight_shape)
        if len(needs) > 2 and needs[2]:
            grad_b = grad.sum(axis=(0, 2, 3))
        return grad_x, grad_w, grad_b
