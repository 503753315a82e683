"""Fused loss primitives. Each replaces a chain of composites on the hot path of training
(one node instead of four per step); the composite form stays the reference in tests."""

from __future__ import annotations

from typing import Any

import numpy as np

from retrograd.autograd.node import Node


class MeanSquaredError(Node):
    """mean or sum of (pred - target)^2 over all elements (pred and target: same shape)."""

    __slots__ = ("scale",)
    saves_inputs = False  # keeps its own difference, not the inputs

    def forward(self, pred: np.ndarray, target: np.ndarray, *, mean: bool = True) -> np.ndarray:
        diff = pred - target
        self.saved = (diff,)
        self.scale = 2.0 / diff.size if mean and diff.size else 2.0
        total = np.vdot(diff, diff) if diff.dtype.kind == "f" else (diff * diff).sum()
        return np.asarray(total / diff.size if mean else total, dtype=diff.dtype)

    def backward(self, grad: np.ndarray) -> tuple[Any, Any]:
        (diff,) = self.saved
        grad_pred = diff * (grad * self.scale)
        need_pred, need_target = self.needs_input_grad
        return (grad_pred if need_pred else None, -grad_pred if need_target else None)
