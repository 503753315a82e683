"""Scans along one axis: cumulative product and log-cumulative-sum-exp. (cumsum is a matmul
with a triangular matrix and cummax/cummin a gather, so they need no primitive here.)"""

from __future__ import annotations

import numpy as np

from retrograd.autograd.node import Node


def accumulate(ufunc: np.ufunc, x: np.ndarray, axis: int) -> np.ndarray:
    """`ufunc.accumulate(x, axis=axis)`. CuPy accumulates only add and multiply, so on a device
    array any other ufunc runs as a loop along `axis`: the same ufunc in the same order, which
    gives the CPU's result bit for bit."""
    if type(x) is np.ndarray or ufunc is np.add or ufunc is np.multiply:
        return ufunc.accumulate(x, axis=axis)
    out = x.copy()
    head = (slice(None),) * axis
    for i in range(1, x.shape[axis]):
        out[head + (i,)] = ufunc(out[head + (i - 1,)], x[head + (i,)])
    return out


def _reverse_cumsum(x: np.ndarray, axis: int) -> np.ndarray:
    return np.flip(np.cumsum(np.flip(x, axis), axis=axis), axis)


class CumProd(Node):
    """Cumulative product; exact gradients with zeros in the input (PyTorch's rule: the
    product of the other factors, never a division by zero)."""

    __slots__ = ("axis",)

    def forward(self, x: np.ndarray, *, axis: int) -> np.ndarray:
        out = np.cumprod(x, axis=axis)
        self.saved = (x, out)
        self.axis = axis
        return out

    def backward(self, grad: np.ndarray) -> np.ndarray:
        x, out = self.saved
        axis = self.axis
        zero = x == 0
        with np.errstate(divide="ignore", invalid="ignore"):
            result = _reverse_cumsum(grad * out, axis) / x
        if not zero.any():
            return result
        # rows holding a zero: before the first zero the formula above holds; at the first
        # zero the gradient is prod(x before it) * sum_i g_i prod(x strictly between); after it
        # every product has the zero as a factor
        moved_x = np.moveaxis(x, axis, -1).reshape(-1, x.shape[axis])
        moved_g = np.moveaxis(grad, axis, -1).reshape(-1, x.shape[axis])
        moved_r = np.moveaxis(result, axis, -1).reshape(-1, x.shape[axis]).copy()
        for row in np.flatnonzero((moved_x == 0).any(axis=1)):
            values, g = moved_x[row], moved_g[row]
            first = int(np.flatnonzero(values == 0)[0])
            before = np.prod(values[:first])
            after = np.cumprod(np.concatenate([np.ones_like(values[:1]), values[first + 1 :]]))
            moved_r[row, first] = before * np.sum(g[first:] * after)
            moved_r[row, first + 1 :] = 0
        shape = np.moveaxis(x, axis, -1).shape
        return np.moveaxis(moved_r.reshape(shape), -1, axis).astype(x.dtype, copy=False)


class LogCumSumExp(Node):
    """log(cumsum(exp(x))) without overflow (NumPy's logaddexp scan); the gradient
    sum_{i >= j} g_i exp(x_j - out_i) is computed in log space, positive and negative parts
    apart, so it neither overflows nor underflows."""

    __slots__ = ("axis",)

    def forward(self, x: np.ndarray, *, axis: int) -> np.ndarray:
        out = accumulate(np.logaddexp, x, axis) if x.size else x.copy()
        self.saved = (x, out)
        self.axis = axis
        return out

    def backward(self, grad: np.ndarray) -> np.ndarray:
        x, out = self.saved
        axis = self.axis
        if not x.size:
            return np.zeros_like(x)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            parts = [
                np.exp(x + _reverse_logcumsumexp(np.log(part) - out, axis))
                for part in (np.maximum(grad, 0), np.maximum(-grad, 0))
            ]
        return (parts[0] - parts[1]).astype(x.dtype, copy=False)


def _reverse_logcumsumexp(x: np.ndarray, axis: int) -> np.ndarray:
    return np.flip(accumulate(np.logaddexp, np.flip(x, axis), axis), axis)
