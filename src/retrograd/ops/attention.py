"""The two attention steps that would otherwise need NumPy masks built beside the ops: the
causal mask and PyTorch's "safe" softmax. As ops they keep attention inside the graph that
`retrograd.compile` records (no array made outside the ops, no branch on the scores' values)."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from retrograd.autograd.node import Node
from retrograd.backend.arrays import namespace


@lru_cache(maxsize=32)
def _lower_triangle(target: int, source: int) -> np.ndarray:
    keep = np.tril(np.ones((target, source), dtype=bool))
    keep.flags.writeable = False
    return keep


class CausalMask(Node):
    """Scores `(*, L, S)` with every entry above the diagonal (key j > query i) set to -inf:
    PyTorch's `is_causal`, the mask `tril(ones(L, S))` aligned top-left."""

    saves_inputs = False

    def forward(self, scores: np.ndarray) -> np.ndarray:
        keep = _lower_triangle(*scores.shape[-2:])
        if type(scores) is not np.ndarray:  # a device array: the mask goes to its device
            keep = namespace(scores).asarray(keep)
        self.saved = keep
        # NumPy scalars, not 0-d arrays: a host array does not mix with a device one
        return np.where(keep, scores, scores.dtype.type(-np.inf))

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return np.where(self.saved, grad, grad.dtype.type(0))


class SafeSoftmax(Node):
    """Softmax over the last axis in which a row whose scores are all -inf (nothing to attend
    to) gives zeros instead of NaN, as PyTorch's attention does; other rows equal `Softmax`."""

    saves_inputs = False
    saves_output = True

    def forward(self, x: np.ndarray) -> np.ndarray:
        if x.size == 0:
            self.saved = x
            return x.copy()
        top = x.max(axis=-1, keepdims=True)
        zero, one = x.dtype.type(0), x.dtype.type(1)  # scalars: they mix with device arrays
        top = np.where(np.isneginf(top), zero, top)  # dead rows: exp -> 0
        e = np.exp(x - top)
        total = e.sum(axis=-1, keepdims=True)
        out = e / np.where(total == 0, one, total)
        self.saved = out
        return out

    def backward(self, grad: np.ndarray) -> np.ndarray:
        out = self.saved
        weighted = grad * out
        return weighted - out * weighted.sum(axis=-1, keepdims=True)
