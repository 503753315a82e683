"""Matrix products: `MatMul` (NumPy/PyTorch semantics incl. 1-d and batched broadcasting) and
`Linear`, fused x @ W.T + b because it is the hot path of every MLP (one node instead of three)."""

from __future__ import annotations

from typing import Any

import numpy as np

# The hot paths call these ufuncs by name: numpy's module `__getattr__` keeps CPython 3.11
# from caching `np.<name>` lookups, which cost a tenth of a small ufunc call each.
from numpy import add, dot

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


#: dtypes whose 2-D products go to BLAS in both np.dot and np.matmul
_BLAS_FLOATS = frozenset([np.dtype(np.float32), np.dtype(np.float64)])


class Linear(Node):
    """y = x @ weight.T + bias with x: (..., in), weight: (out, in), bias: (out,) or absent.

    Products of 2-D float32/float64 operands that are each C- or F-contiguous (a transpose
    view is) use `np.dot`: it makes the same BLAS call as `np.matmul`, so the results are
    equal bit for bit, at two thirds of matmul's call overhead, which is most of the cost on
    tiny arrays. Other operands take `np.matmul` (where it would not call BLAS, dot's copy
    and BLAS call could round differently).

    Inputs of more dimensions `(..., in)` are flattened to `(batch, in)` (a copy when their
    layout needs one) and take the same 2-D product: `np.matmul` would instead loop over the
    leading dimensions, one small product each, at two to three times the cost."""

    value_needed_by = ((1,), (0,), ())

    def forward(
        self, x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None = None
    ) -> np.ndarray:
        dtype = x.dtype
        lead = None
        if x.ndim > 2 and dtype in _BLAS_FLOATS and dtype == weight.dtype and x.size:
            lead = x.shape[:-1]
            x = (np.ascontiguousarray(x) if type(x) is np.ndarray else x).reshape(-1, x.shape[-1])
        blas = (  # np.dot on NumPy arrays only: a GPU array takes np.matmul
            type(x) is np.ndarray
            and x.ndim == 2
            and dtype in _BLAS_FLOATS
            and dtype == weight.dtype
            and x.flags.forc
            and type(weight) is np.ndarray
            and weight.flags.forc
        )
        # (whether x and weight suit np.dot is kept for backward: in-place changes to them
        # cannot change their layout or dtype)
        self.saved = (x, weight, blas, lead)
        if blas:
            out = dot(x, weight.T)
        else:
            out = np.matmul(x, weight.T)  # BLAS reads the transpose in place: no copy
        if bias is not None:
            add(out, bias, out)
        return out if lead is None else out.reshape(*lead, out.shape[-1])

    def backward(self, grad: np.ndarray) -> tuple[Any, ...]:
        x, weight, blas, lead = self.saved
        needs = self.needs_input_grad
        grad_x = grad_w = grad_b = None
        if lead is not None:
            grad = (np.ascontiguousarray(grad) if type(grad) is np.ndarray else grad).reshape(
                -1, grad.shape[-1]
            )
        if blas and grad.ndim == 2 and grad.dtype == x.dtype and grad.flags.forc:
            if needs[0]:
                grad_x = dot(grad, weight)
            if needs[1]:
                grad_w = dot(grad.T, x)  # fresh (out, in) array: it becomes weight.grad
        else:
            if needs[0]:
                grad_x = np.matmul(grad, weight)
            if grad.ndim != 2:  # (..., out) -> (batch, out): a view for the usual contiguous grad
                grad = grad.reshape(-1, grad.shape[-1])
                x = x.reshape(-1, x.shape[-1])
            if needs[1]:
                grad_w = np.matmul(grad.T, x)
        if len(needs) > 2 and needs[2]:
            grad_b = add.reduce(grad, 0)
        if lead is not None and grad_x is not None:
            grad_x = grad_x.reshape(*lead, grad_x.shape[-1])
        return grad_x, grad_w, grad_b
