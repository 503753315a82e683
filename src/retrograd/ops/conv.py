"""2-d convolution primitives on `(N, C, H, W)` arrays: `Conv2d` and `ConvTranspose2d`.

Both are primitives for speed: one batched matmul per call on an im2col view of the input
instead of a graph of thousands of slices. The helpers below are shared: a transposed
convolution's forward is a convolution's input gradient (`_col2im`) and its backward is a
convolution's forward (`_im2col`), so each rule is written once.

Shapes: `x: (N, C, H, W)`, `weight: (O, C/groups, kH, kW)` (transposed: `(C, O/groups, kH, kW)`),
`bias: (O,)`; `padding` is `((top, bottom), (left, right))` zeros, so 'same' can be asymmetric.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from retrograd.autograd.node import Node

Pair = tuple[int, int]
Padding = tuple[Pair, Pair]


# ---------------------------------------------------------------------- shared helpers
# Matrices are laid out (groups, rows, N * oH * oW) so every product below is a plain BLAS gemm
# with the long N * oH * oW axis contiguous in both operands (the fast case by far).


def _pad(x: np.ndarray, padding: Padding) -> np.ndarray:
    """`x: (N, C, H, W)` with `padding` zeros around its last two dims (no copy when zero)."""
    if padding == ((0, 0), (0, 0)):
        return x
    (top, bottom), (left, right) = padding
    n, c, h, w = x.shape
    out = np.zeros((n, c, h + top + bottom, w + left + right), dtype=x.dtype)
    out[:, :, top : top + h, left : left + w] = x  # several times faster than np.pad
    return out


def _im2col(
    xp: np.ndarray, kernel: Pair, stride: Pair, dilation: Pair, groups: int, out_hw: Pair
) -> np.ndarray:
    """The windows of the padded input as columns: `xp: (N, C, Hp, Wp)` ->
    `(groups, C/groups * kH * kW, N * oH * oW)`, one contiguous copy."""
    n, c = xp.shape[:2]
    (kh, kw), (sh, sw), (dh, dw), (oh, ow) = kernel, stride, dilation, out_hw
    span = (dh * (kh - 1) + 1, dw * (kw - 1) + 1)
    windows = sliding_window_view(xp, span, axis=(2, 3))  # (N, C, ., ., spanH, spanW)
    windows = windows[:, :, : sh * (oh - 1) + 1 : sh, : sw * (ow - 1) + 1 : sw, ::dh, ::dw]
    # (N, C, oH, oW, kH, kW) -> (C, kH, kW, N, oH, oW): rows (channel, kernel position)
    cols = np.ascontiguousarray(windows.transpose(1, 4, 5, 0, 2, 3))
    return cols.reshape(groups, (c // groups) * kh * kw, n * oh * ow)


def _col2im(
    cols: np.ndarray,
    padded_shape: tuple[int, int, int, int],
    kernel: Pair,
    stride: Pair,
    dilation: Pair,
    out_hw: Pair,
) -> np.ndarray:
    """Scatter-add columns back onto the padded input (the adjoint of `_im2col`):
    `cols: (groups, C/groups * kH * kW, N * oH * oW)` -> `(N, C, Hp, Wp)`, a channel-major view.
    One strided add per kernel position (kH * kW of them), never a loop over pixels."""
    n, c = padded_shape[:2]
    (kh, kw), (sh, sw), (dh, dw), (oh, ow) = kernel, stride, dilation, out_hw
    cols = cols.reshape(c, kh, kw, n, oh, ow)
    # accumulate channel-major like `cols`, so each add walks both arrays in memory order
    out = np.zeros((c, n, *padded_shape[2:]), dtype=cols.dtype)
    for i in range(kh):
        rows = slice(i * dh, i * dh + sh * (oh - 1) + 1, sh)
        for j in range(kw):
            columns = slice(j * dw, j * dw + sw * (ow - 1) + 1, sw)
            out[:, :, rows, columns] += cols[:, i, j]
    return out.transpose(1, 0, 2, 3)


def _rows(y: np.ndarray, groups: int) -> np.ndarray:
    """`y: (N, O, oH, oW)` as the matrix `(groups, O/groups, N * oH * oW)` (a copy)."""
    n, o, oh, ow = y.shape
    rows = np.ascontiguousarray(y.reshape(n, groups, o // groups, oh * ow).transpose(1, 2, 0, 3))
    return rows.reshape(groups, o // groups, n * oh * ow)


def _unrows(rows: np.ndarray, n: int, out_hw: Pair) -> np.ndarray:
    """Inverse of `_rows`: `(groups, O/groups, N * oH * oW)` -> contiguous `(N, O, oH, oW)`."""
    groups, o_per_group = rows.shape[:2]
    y = rows.reshape(groups * o_per_group, n, *out_hw).transpose(1, 0, 2, 3)
    return np.ascontiguousarray(y)


def _grouped(weight: np.ndarray, groups: int) -> np.ndarray:
    """`(O, C/groups, kH, kW)` -> `(groups, O/groups, C/groups * kH * kW)` (a view)."""
    return weight.reshape(groups, weight.shape[0] // groups, -1)


def _out_size(size: int, kernel: int, stride: int, dilation: int) -> int:
    return (size - dilation * (kernel - 1) - 1) // stride + 1


# ---------------------------------------------------------------------- primitives
class Conv2d(Node):
    """Cross-correlation of `x: (N, C, H, W)` with `weight: (O, C/groups, kH, kW)` plus `bias`.

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
        xp = _pad(x, padding)
        kernel = (weight.shape[2], weight.shape[3])
        out_hw = (
            _out_size(xp.shape[2], kernel[0], stride[0], dilation[0]),
            _out_size(xp.shape[3], kernel[1], stride[1], dilation[1]),
        )
        cols = _im2col(xp, kernel, stride, dilation, groups, out_hw)
        out = _unrows(np.matmul(_grouped(weight, groups), cols), x.shape[0], out_hw)
        if bias is not None:
            out += bias[:, None, None]
        self.stride, self.padding, self.dilation, self.groups = stride, padding, dilation, groups
        self.x_shape = x.shape
        self.saved = (cols, weight)
        return out

    def backward(self, grad: np.ndarray) -> tuple[Any, ...]:
        cols, weight = self.saved
        needs = self.needs_input_grad
        grad_x = grad_w = grad_b = None
        if needs[0] or needs[1]:
            grad_rows = _rows(grad, self.groups)
            if needs[0]:
                (top, bottom), (left, right) = self.padding
                n, c, h, w = self.x_shape
                padded = (n, c, h + top + bottom, w + left + right)
                weight_t = _grouped(weight, self.groups).transpose(0, 2, 1)
                kernel = (weight.shape[2], weight.shape[3])
                out_hw = (grad.shape[2], grad.shape[3])
                grad_cols = np.matmul(weight_t, grad_rows)
                grad_xp = _col2im(grad_cols, padded, kernel, self.stride, self.dilation, out_hw)
                grad_x = grad_xp[:, :, top : top + h, left : left + w]
            if needs[1]:
                grad_w = np.matmul(grad_rows, cols.transpose(0, 2, 1)).reshape(weight.shape)
        if len(needs) > 2 and needs[2]:
            grad_b = grad.sum(axis=(0, 2, 3))
        return grad_x, grad_w, grad_b


class ConvTranspose2d(Node):
    """Transposed convolution of `x: (N, C, H, W)` with `weight: (C, O/groups, kH, kW)`, the
    input gradient of `Conv2d`: `(N, O, oH, oW)` with `oH = (H - 1) * stride - 2 * padding
    + dilation * (kH - 1) + output_padding + 1`.

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
        padded = (
            n,
            weight.shape[1] * groups,
            (h - 1) * stride[0] + dilation[0] * (kernel[0] - 1) + 1 + output_padding[0],
            (w - 1) * stride[1] + dilation[1] * (kernel[1] - 1) + 1 + output_padding[1],
        )
        x_rows = _rows(x, groups)
        cols = np.matmul(_grouped(weight, groups).transpose(0, 2, 1), x_rows)
        out = _col2im(cols, padded, kernel, stride, dilation, (h, w))
        ph, pw = padding
        out = out[:, :, ph : padded[2] - ph, pw : padded[3] - pw]
        if bias is not None:
            out += bias[:, None, None]
        self.stride, self.padding, self.dilation, self.groups = stride, padding, dilation, groups
        self.x_hw = (h, w)
        self.saved = (x_rows, weight)
        return out

    def backward(self, grad: np.ndarray) -> tuple[Any, ...]:
        x_rows, weight = self.saved
        needs = self.needs_input_grad
        grad_x = grad_w = grad_b = None
        if needs[0] or needs[1]:
            ph, pw = self.padding
            kernel = (weight.shape[2], weight.shape[3])
            # only the (H, W) windows that x wrote to are read: rows that output_padding added
            # past the last window received nothing
            grad_p = _pad(grad, ((ph, ph), (pw, pw)))
            cols = _im2col(grad_p, kernel, self.stride, self.dilation, self.groups, self.x_hw)
            if needs[0]:
                grad_x = _unrows(
                    np.matmul(_grouped(weight, self.groups), cols), grad.shape[0], self.x_hw
                )
            if needs[1]:
                grad_w = np.matmul(x_rows, cols.transpose(0, 2, 1)).reshape(weight.shape)
        if len(needs) > 2 and needs[2]:
            grad_b = grad.sum(axis=(0, 2, 3))
        return grad_x, grad_w, grad_b
