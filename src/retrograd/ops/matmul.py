"""Matrix products: `MatMul` (NumPy/PyTorch semantics incl. 1-d and batched broadcasting) and
`Linear`, fused x @ W.T + b because it is the hot path of every MLP (one node instead of three)."""

from __future__ import annotations

from typing import Any

import numpy as np

from retrograd.autograd.node import Node
from retrograd.autograd.unbroadcast import unbroadcast


class MatMul(Node):
    value_needed_by = ((1,), (0,))

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        self.saved = (a, b)
        return np.matmul(a, b)

    def backward(self, grad: np.ndarray) -> tuple[Any, Any]:
        a, b = self.saved
        need_a, need_b = self.needs_input_grad
        a2 = a[None, :] if a.ndim == 1 else a  # 1-d operands act as a row / a column
        b2 = b[:, None] if b.ndim == 1 else b
        g = grad
        if b.ndim == 1:
            g = np.expand_dims(g, -1)
        if a.ndim == 1:
            g = np.expand_dims(g, -2)
        grad_a = grad_b = None
        if need_a:
            grad_a = unbroadcast(np.matmul(g, np.swapaxes(b2, -1, -2)), a2.shape).reshape(a.shape)
        if need_b:
            grad_b = unbroadcast(np.matmul(np.swapaxes(a2, -1, -2), g), b2.shape).reshape(b.shape)
        return grad_a, grad_b


class Linear(Node):
    """y = x @ weight.T + bias with x: (..., in), weight: (out, in), bias: (out,) or absent."""

    value_needed_by = ((1,), (0,), ())

    def forward(
        self, x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None = None
    ) -> np.ndarray:
        self.saved = (x, weight)
        out = np.matmul(x, weight.T)  # BLAS reads the transpose in place: no copy
        if bias is not None:
            np.add(out, bias, out)
        return out

    def backward(self, grad: np.ndarray) -> tuple[Any, ...]:
        x, weight = self.saved
        needs = self.needs_input_grad
        grad_x = np.matmul(grad, weight) if needs[0] else None
        grad_w = grad_b = None
        if grad.ndim != 2:  # (..., out) -> (batch, out): a view for the usual contiguous grad
            grad = grad.reshape(-1, grad.shape[-1])
            x = x.reshape(-1, x.shape[-1])
        if needs[1]:
            grad_w = np.matmul(grad.T, x)  # fresh (out, in) array: it becomes weight.grad
        if len(needs) > 2 and needs[2]:
            grad_b = np.add.reduce(grad, 0)
        return grad_x, grad_w, grad_b
