"""Reductions. `axis` is None (all), an int or a tuple of ints, already normalised."""

from __future__ import annotations

from typing import Any

import numpy as np

from retrograd.autograd.node import Node

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
        return np.asarray(x.sum(axis=axis, keepdims=keepdims))

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
        return np.asarray(out.reshape(()) if axis is None else np.squeeze(out, axis=axis))

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
        return np.asarray(x.prod(axis=axis, keepdims=keepdims))

    def backward(self, grad: np.ndarray) -> np.ndarray:
        (x,) = self.saved
        axis = self.axis
        flat = x.reshape(-1) if axis is None else x
        along = 0 if axis is None else axis
        ones = np.ones_like(np.take(flat, [0], axis=along))
        before = np.cumprod(
            np.concatenate([ones, np.delete(flat, -1, axis=along)], axis=along), axis=along
        )
        reversed_flat = np.flip(flat, axis=along)
        after = np.flip(
            np.cumprod(
                np.concatenate([ones, np.delete(reversed_flat, -1, axis=along)], axis=along),
                axis=along,
            ),
            axis=along,
        )
        others = (before * after).reshape(x.shape)
        return _expand_back(grad, x.shape, axis, self.keepdims) * others
