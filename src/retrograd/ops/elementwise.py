"""Elementwise primitives with broadcasting; each forward sits beside its backward."""

from __future__ import annotations

from typing import Any

import numpy as np

from retrograd.autograd.node import Node
from retrograd.autograd.unbroadcast import unbroadcast
from retrograd.backend.arrays import is_host, namespace
from retrograd.errors import InvalidArgumentError


class Add(Node):
    saves_inputs = False

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        self.saved = (a.shape, b.shape)
        return a + b

    def backward(self, grad: np.ndarray) -> tuple[Any, Any]:
        a_shape, b_shape = self.saved
        return unbroadcast(grad, a_shape), unbroadcast(grad, b_shape)


class Sub(Node):
    saves_inputs = False

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        self.saved = (a.shape, b.shape)
        return a - b

    def backward(self, grad: np.ndarray) -> tuple[Any, Any]:
        a_shape, b_shape = self.saved
        grad_b = unbroadcast(-grad, b_shape) if self.needs_input_grad[1] else None
        return unbroadcast(grad, a_shape), grad_b


class Mul(Node):
    value_needed_by = ((1,), (0,))

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        self.saved = (a, b)
        return a * b

    def backward(self, grad: np.ndarray) -> tuple[Any, Any]:
        a, b = self.saved
        need_a, need_b = self.needs_input_grad
        return (
            unbroadcast(grad * b, a.shape) if need_a else None,
            unbroadcast(grad * a, b.shape) if need_b else None,
        )


class Div(Node):
    value_needed_by = ((1,), (0, 1))

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        self.saved = (a, b)
        return a / b

    def backward(self, grad: np.ndarray) -> tuple[Any, Any]:
        a, b = self.saved
        need_a, need_b = self.needs_input_grad
        grad_over_b = grad / b
        return (
            unbroadcast(grad_over_b, a.shape) if need_a else None,
            unbroadcast(-grad_over_b * a / b, b.shape) if need_b else None,
        )


class PowScalar(Node):
    """x ** c for a constant exponent (the common case; no log of the base needed)."""

    __slots__ = ("exponent",)

    def forward(self, x: np.ndarray, *, exponent: float) -> np.ndarray:
        self.saved = (x,)
        self.exponent = exponent
        if exponent == 2:
            return x * x
        if x.dtype.kind in "iu" and isinstance(exponent, (int, np.integer)) and exponent < 0:
            raise InvalidArgumentError("Integers to negative integer powers are not allowed.")
        return x**exponent

    def backward(self, grad: np.ndarray) -> np.ndarray:
        (x,) = self.saved
        c = self.exponent
        if c == 2:
            return grad * (2.0 * x)
        if c == 0:
            return np.zeros_like(grad)
        with np.errstate(divide="ignore", invalid="ignore"):  # inf at 0 for c < 1, as PyTorch
            return grad * (c * x ** (c - 1))


class Pow(Node):
    """a ** b with both sides tensors, with PyTorch's conventions at a == 0: d/da is 0 where
    b == 0 (not 0 * inf), and d/db, out * log(a), is 0 where a == 0 and b >= 0 (-inf where
    b < 0: out is inf and log(0) is -inf)."""

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        if a.dtype.kind in "iu" and b.dtype.kind in "iu" and np.any(b < 0):
            raise InvalidArgumentError("Integers to negative integer powers are not allowed.")
        with np.errstate(divide="ignore", invalid="ignore"):
            out = a**b
        self.saved = (a, b, out)
        return out

    def backward(self, grad: np.ndarray) -> tuple[Any, Any]:
        a, b, out = self.saved
        need_a, need_b = self.needs_input_grad
        grad_a = grad_b = None
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            if need_a:
                grad_a = np.where(b == 0, 0.0, grad * b * a ** (b - 1)).astype(out.dtype)
                grad_a = unbroadcast(grad_a, a.shape)
            if need_b:
                grad_b = np.where((a == 0) & (b >= 0), 0.0, grad * out * np.log(a))
                grad_b = unbroadcast(grad_b.astype(out.dtype), b.shape)
        return grad_a, grad_b


class Cast(Node):
    """astype (also a copy for `clone`); the gradient is cast back to the input dtype."""

    saves_inputs = False

    def forward(self, x: np.ndarray, *, dtype: np.dtype) -> np.ndarray:
        self.saved = (x.dtype,)
        return x.astype(dtype, copy=True)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return grad.astype(self.saved[0], copy=False)


class Neg(Node):
    saves_inputs = False

    def forward(self, x: np.ndarray) -> np.ndarray:
        return -x

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return -grad


class Exp(Node):
    saves_inputs = False
    saves_output = True

    def forward(self, x: np.ndarray) -> np.ndarray:
        out = np.exp(x)
        self.saved = (out,)
        return out

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return grad * self.saved[0]


class Expm1(Node):
    """exp(x) - 1; a primitive because exp(x) - 1 loses every digit of a small x."""

    saves_inputs = False
    saves_output = True

    def forward(self, x: np.ndarray) -> np.ndarray:
        out = np.expm1(x)
        self.saved = (out,)
        return out

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return grad * (self.saved[0] + 1)


class Log(Node):
    def forward(self, x: np.ndarray) -> np.ndarray:
        self.saved = (x,)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(x)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore"):
            return grad / self.saved[0]


class Log1p(Node):
    def forward(self, x: np.ndarray) -> np.ndarray:
        self.saved = (x,)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log1p(x)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore"):
            return grad / (1 + self.saved[0])


class Sqrt(Node):
    saves_inputs = False
    saves_output = True

    def forward(self, x: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore"):
            out = np.sqrt(x)
        self.saved = (out,)
        return out

    def backward(self, grad: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore"):
            return grad / (2 * self.saved[0])


class Abs(Node):
    def forward(self, x: np.ndarray) -> np.ndarray:
        self.saved = (x,)
        return np.abs(x)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return grad * np.sign(self.saved[0])


class Sign(Node):
    """sign(x); its gradient is zero everywhere (as in PyTorch)."""

    saves_inputs = False

    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.sign(x)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return np.zeros_like(grad)


class Sin(Node):
    def forward(self, x: np.ndarray) -> np.ndarray:
        self.saved = (x,)
        return np.sin(x)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return grad * np.cos(self.saved[0])


class Cos(Node):
    def forward(self, x: np.ndarray) -> np.ndarray:
        self.saved = (x,)
        return np.cos(x)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return -grad * np.sin(self.saved[0])


class Maximum(Node):
    """Elementwise max; where a == b the gradient is split in half (PyTorch's rule)."""

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        self.saved = (a, b)
        return np.maximum(a, b)

    def backward(self, grad: np.ndarray) -> tuple[Any, Any]:
        a, b = self.saved
        share_a = (a > b) + (a == b) * grad.dtype.type(0.5)
        return (
            unbroadcast(grad * share_a, a.shape),
            unbroadcast(grad * (1.0 - share_a), b.shape),
        )


class Minimum(Node):
    """Elementwise min; ties split the gradient in half."""

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        self.saved = (a, b)
        return np.minimum(a, b)

    def backward(self, grad: np.ndarray) -> tuple[Any, Any]:
        a, b = self.saved
        share_a = (a < b) + (a == b) * grad.dtype.type(0.5)
        return (
            unbroadcast(grad * share_a, a.shape),
            unbroadcast(grad * (1.0 - share_a), b.shape),
        )


class Clamp(Node):
    """clamp(x, low, high); the gradient passes where low <= x <= high (PyTorch's rule)."""

    def forward(self, x: np.ndarray, *, low: Any = None, high: Any = None) -> np.ndarray:
        self.saved = (x, low, high)
        return np.clip(x, low, high)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        x, low, high = self.saved
        if low is None:
            mask = np.ones_like(x, dtype=bool) if high is None else x <= high
        else:
            mask = x >= low if high is None else (x >= low) & (x <= high)
        return grad * mask


class Where(Node):
    """where(condition, a, b); the condition is a constant boolean array."""

    saves_inputs = False

    def forward(self, a: np.ndarray, b: np.ndarray, *, condition: np.ndarray) -> np.ndarray:
        if type(a) is not np.ndarray and is_host(condition):  # a host mask for device values
            condition = namespace(a).asarray(condition)
        self.saved = (condition, a.shape, b.shape)
        return np.where(condition, a, b)

    def backward(self, grad: np.ndarray) -> tuple[Any, Any]:
        condition, a_shape, b_shape = self.saved
        zero = grad.dtype.type(0)  # a NumPy scalar: a host 0-d array would not mix with a device
        return (
            unbroadcast(np.where(condition, grad, zero), a_shape),
            unbroadcast(np.where(condition, zero, grad), b_shape),
        )
