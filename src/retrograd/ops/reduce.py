"""Reductions. `axis` is None (all), an int or a tuple of ints, already normalised."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy import asarray, generic

from retrograd.autograd.node import Node
from retrograd.backend.arrays import as_array

Axis = Any  # None | int | tuple[int, ...]


def _expand_back(
    grad: np.ndarray, shape: tuple[int, ...], axis: Axis, keepdims: bool
) -> np.ndarray:
    """Re-insert the reduced axes of `grad` (as size 1) so it broadcasts against `shape`."""
    if not keepdims and axis is not None:
        grad = np.expand_dims(grad, axis)
    elif not keepdims:
        grad = grad.reshape((1,) * len(shape))
    return grad


class Sum(Node):
    __slots__ = ("axis", "keepdims")
    saves_inputs = False

    def forward(self, x: np.ndarray, *, axis: Axis = None, keepdims: bool = False) -> np.ndarray:
        self.saved = (x.shape,)
        self.axis, self.keepdims = axis, keepdims
        out = x.sum(axis=axis, keepdims=keepdims)
        return asarray(out) if isinstance(out, generic) else out  # a scalar: a 0-d array

    def backward(self, grad: np.ndarray) -> np.ndarray:
        shape = self.saved[0]
        return np.broadcast_to(_expand_back(grad, shape, self.axis, self.keepdims), shape)


class Extremum(Node):
    """amax / amin: the gradient is shared evenly among tied extreme elements (PyTorch's rule)."""

    __slots__ = ("axis", "keepdims")

    def forward(
        self, x: np.ndarray, *, axis: Axis = None, keepdims: bool = False, largest: bool = True
    ) -> np.ndarray:
        out = x.max(axis=axis, keepdims=True) if largest else x.min(axis=axis, keepdims=True)
        self.saved = (x, out)
        self.axis, self.keepdims = axis, keepdims
        if keepdims:
            return out
        return as_array(out.reshape(()) if axis is None else np.squeeze(out, axis=axis))

    def backward(self, grad: np.ndarray) -> np.ndarray:
        x, out = self.saved
        hits = x == out
        count = hits.sum(axis=self.axis, keepdims=True)
        return _expand_back(grad, x.shape, self.axis, self.keepdims) * hits / count.astype(x.dtype)


class Prod(Node):
    """Product; the gradient is the product of the *other* elements (exact with zeros)."""

    __slots__ = ("axis", "keepdims")

    def forward(
        self, x: np.ndarray, *, axis: int | None = None, keepdims: bool = False
    ) -> np.ndarray:
        self.saved = (x,)
        self.axis, self.keepdims = axis, keepdims
        out = x.prod(axis=axis, keepdims=keepdims)
        return asarray(out) if isinstance(out, generic) else out

    def backward(self, grad: np.ndarray) -> np.ndarray:
        (x,) = self.saved
        axis = self.axis
        flat = x.reshape(-1) if axis is None else x
        along = 0 if axis is None else axis
        head = (slice(None),) * along
        ones = np.ones_like(flat[head + (slice(0, 1),)])
        before = np.cumprod(
            np.concatenate([ones, flat[head + (slice(0, -1),)]], axis=along), axis=along
        )
        reversed_flat = np.flip(flat, axis=along)
        after = np.flip(
            np.cumprod(
                np.concatenate([ones, reversed_flat[head + (slice(0, -1),)]], axis=along),
                axis=along,
            ),
            axis=along,
        )
        others = (before * after).reshape(x.shape)
        return _expand_back(grad, x.shape, axis, self.keepdims) * others


class Norm(Node):
    """Vector p-norm over `axis`. A primitive for stability: the composite (sum |x|^p)^(1/p) has
    0 * inf = NaN gradients at a zero vector, where PyTorch's masked rule gives 0."""

    __slots__ = ("axis", "keepdims", "p")

    def forward(
        self, x: np.ndarray, *, p: float, axis: Axis = None, keepdims: bool = False
    ) -> np.ndarray:
        size = np.abs(x)
        with np.errstate(divide="ignore", over="ignore"):
            if p == np.inf:
                out = size.max(axis=axis, keepdims=True)
            elif p == -np.inf:
                out = size.min(axis=axis, keepdims=True)
            elif p == 0:
                out = (size != 0).sum(axis=axis, keepdims=True).astype(x.dtype)
            elif p == 1:
                out = size.sum(axis=axis, keepdims=True)
            elif p == 2:
                out = np.sqrt((x * x).sum(axis=axis, keepdims=True))
            else:
                out = (size**p).sum(axis=axis, keepdims=True) ** (1.0 / p)
        self.saved = (x, out)
        self.axis, self.keepdims, self.p = axis, keepdims, p
        if keepdims:
            return out
        return as_array(out.reshape(()) if axis is None else np.squeeze(out, axis=axis))

    def backward(self, grad: np.ndarray) -> np.ndarray:
        x, out = self.saved
        p = self.p
        g = _expand_back(grad, x.shape, self.axis, self.keepdims)
        zero = out == 0
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            if p == 0:
                result = np.zeros_like(x) * g
            elif p == 1:
                result = np.sign(x) * g
            elif p == 2:
                result = x * np.where(zero, 0.0, g / out)
            elif np.isinf(p):
                size = np.abs(x)
                hits = (size == out) | np.isnan(size)
                result = np.sign(x) * g * hits / hits.sum(axis=self.axis, keepdims=True)
            elif p < 1:
                scaled = np.sign(x) * np.where(x == 0, 0.0, np.abs(x) ** (p - 1))
                result = scaled * g * out ** (1 - p)
            elif p < 2:
                scaled = np.sign(x) * np.abs(x) ** (p - 1)
                result = scaled * np.where(zero, 0.0, g / out ** (p - 1))
            else:
                scaled = x * np.abs(x) ** (p - 2)
                result = scaled * np.where(zero, 0.0, g / out ** (p - 1))
        return as_array(result).astype(x.dtype, copy=False)
