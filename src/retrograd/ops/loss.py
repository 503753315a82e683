"""Fused loss primitives. Each replaces a chain of composites on the hot path of training
(one node instead of four per step); the composite form stays the reference in tests."""

from __future__ import annotations

from typing import Any

import numpy as np

from retrograd.autograd.node import Node
from retrograd.errors import IndexRangeError


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


class SoftmaxCrossEntropy(Node):
    """Cross entropy of logits (N, C) against class indices (N,): log-softmax, pick and mean in
    one node (stable: the row max is subtracted), the backward (softmax - one_hot) in one step.
    Targets equal to `ignore_index` count for nothing; `mean` divides by the counted targets."""

    __slots__ = ("count",)
    saves_inputs = False

    def forward(
        self, logits: np.ndarray, target: np.ndarray, *, ignore_index: int, mean: bool
    ) -> np.ndarray:
        n_classes = logits.shape[1]
        counted = target != ignore_index
        safe = np.where(counted, target, 0)
        if safe.size and (safe.min() < 0 or safe.max() >= n_classes):
            bad = target[counted & ((target < 0) | (target >= n_classes))][0]
            raise IndexRangeError(
                f"cross_entropy: target class index {bad} is out of range for {n_classes} "
                f"classes (valid: 0 to {n_classes - 1}, or ignore_index={ignore_index})"
            )
        shifted = logits - logits.max(axis=1, keepdims=True)
        exp = np.exp(shifted)
        total = exp.sum(axis=1, keepdims=True)
        rows = np.arange(logits.shape[0])
        picked = shifted[rows, safe] - np.log(total[:, 0])
        self.count = int(counted.sum()) if mean else 1
        self.saved = (exp / total, rows, safe, counted)
        loss = -(picked * counted).sum()
        if mean:
            loss = loss / self.count if self.count else np.float64("nan")
        return np.asarray(loss, dtype=logits.dtype)

    def backward(self, grad: np.ndarray) -> tuple[Any, None]:
        probs, rows, safe, counted = self.saved
        grad_logits = probs.copy()
        grad_logits[rows, safe] -= 1
        scale = grad / self.count if self.count else grad * 0
        grad_logits *= (counted[:, None] * scale).astype(probs.dtype)
        return grad_logits, None
