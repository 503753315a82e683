"""Fused loss primitives. Each replaces a chain of composites on the hot path of training
(one node instead of four per step); the composite form stays the reference in tests."""

from __future__ import annotations

from typing import Any

import numpy as np

from retrograd.autograd.node import Node
from retrograd.backend.arrays import as_array, namespace
from retrograd.errors import IndexRangeError


class MeanSquaredError(Node):
    """mean or sum of (pred - target)^2 over all elements (pred and target: same shape)."""

    __slots__ = ("scale",)
    saves_inputs = False  # keeps its own difference, not the inputs

    def forward(self, pred: np.ndarray, target: np.ndarray, *, mean: bool = True) -> np.ndarray:
        diff = pred - target
        self.saved = (diff,)
        size = diff.size
        if size and diff.dtype.kind == "f":  # the usual case: vdot's scalar keeps the dtype
            total = np.vdot(diff, diff)
            if mean:
                self.scale = 2.0 / size
                return as_array(total / size)
            self.scale = 2.0
            return as_array(total)
        self.scale = 2.0 / diff.size if mean and diff.size else 2.0
        total = np.vdot(diff, diff) if diff.dtype.kind == "f" else (diff * diff).sum()
        if mean and not diff.size and diff.dtype.kind == "f":
            total = np.nan  # the mean of nothing, as torch
        elif mean:
            total = total / diff.size
        result: np.ndarray = namespace(diff).asarray(total, dtype=diff.dtype)  # on diff's device
        return result

    def backward(self, grad: np.ndarray) -> tuple[Any, Any]:
        (diff,) = self.saved
        grad_pred = np.multiply(diff, float(grad) * self.scale)  # a Python float keeps the dtype
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
        n, n_classes = logits.shape
        counted = None  # None: every target counts
        if not _all_classes(target, n_classes) or 0 <= ignore_index < n_classes:
            counted = target != ignore_index
            target = np.where(counted, target, 0)
            if not _all_classes(target, n_classes):
                bad = target[(target < 0) | (target >= n_classes)][0]
                raise IndexRangeError(
                    f"cross_entropy: target class index {bad} is out of range for {n_classes} "
                    f"classes (valid: 0 to {n_classes - 1}, or ignore_index={ignore_index})"
                )
        host = type(logits) is np.ndarray
        if host:
            probs = np.subtract(logits, np.maximum.reduce(logits, axis=1, keepdims=True))
            rows = np.arange(n)
        else:  # CuPy reduces and indexes with its own: no `maximum.reduce`, no host rows
            probs = np.subtract(logits, logits.max(axis=1, keepdims=True))
            rows = namespace(logits).arange(n)
        shifted_at_target = probs[rows, target]
        np.exp(probs, probs)
        total = np.add.reduce(probs, 1, keepdims=True)
        # -log softmax at the targets: log(total) - shifted, which is -(shifted - log(total))
        losses = np.subtract(np.log(total[:, 0]), shifted_at_target, shifted_at_target)
        np.divide(probs, total, probs)
        self.saved = (probs, rows, target, counted)
        if counted is None:
            self.count = n if mean else 1
            loss = np.add.reduce(losses)
        else:
            self.count = int(np.count_nonzero(counted)) if mean else 1
            loss = np.add.reduce(np.multiply(losses, counted, losses))
        if mean:
            loss = loss / self.count if self.count else np.float64("nan")
        if host:
            return np.asarray(loss, dtype=logits.dtype)
        result: np.ndarray = namespace(logits).asarray(loss, dtype=logits.dtype)
        return result

    def backward(self, grad: np.ndarray) -> tuple[Any, None]:
        # softmax * scale - scale at the targets: PyTorch's order for the log-softmax backward
        probs, rows, target, counted = self.saved
        scale = float(grad) / self.count if self.count else 0.0 * float(grad)
        grad_logits = np.multiply(probs, scale)
        grad_logits[rows, target] -= scale
        if counted is not None:
            np.multiply(grad_logits, counted[:, None], grad_logits)
        return grad_logits, None


def _all_classes(target: np.ndarray, n_classes: int) -> bool:
    """Whether every entry of the integer array `target` is in [0, n_classes): one pass, as
    negative entries read as unsigned are huge."""
    if target.size == 0:
        return True
    if target.dtype.kind == "i":
        target = target.view(np.dtype(f"u{target.dtype.itemsize}"))
    return bool(target.max() < n_classes)
