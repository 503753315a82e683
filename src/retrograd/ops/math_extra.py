"""More elementwise primitives: trigonometric and hyperbolic functions, exp2/log2/log10,
copysign, fmod/remainder and a zero-gradient wrapper for rounded results.

Gradients at the edges of a domain follow PyTorch: asin'(1) is inf, atanh'(1) is inf, and
NumPy's divide warnings are silenced there.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from retrograd.autograd.node import Node
from retrograd.autograd.unbroadcast import unbroadcast
from retrograd.backend.arrays import as_array

_LN2 = float(np.log(2.0))
_LN10 = float(np.log(10.0))


class Tan(Node):
    saves_inputs = False
    saves_output = True

    def forward(self, x: np.ndarray) -> np.ndarray:
        out = np.tan(x)
        self.saved = (out,)
        return out

    def backward(self, grad: np.ndarray) -> np.ndarray:
        out = self.saved[0]
        return grad * (1 + out * out)


class Asin(Node):
    def forward(self, x: np.ndarray) -> np.ndarray:
        self.saved = (x,)
        with np.errstate(invalid="ignore"):
            return np.arcsin(x)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        x = self.saved[0]
        with np.errstate(divide="ignore", invalid="ignore"):
            return grad / np.sqrt(1 - x * x)


class Acos(Node):
    def forward(self, x: np.ndarray) -> np.ndarray:
        self.saved = (x,)
        with np.errstate(invalid="ignore"):
            return np.arccos(x)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        x = self.saved[0]
        with np.errstate(divide="ignore", invalid="ignore"):
            return -grad / np.sqrt(1 - x * x)


class Atan(Node):
    def forward(self, x: np.ndarray) -> np.ndarray:
        self.saved = (x,)
        return np.arctan(x)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        x = self.saved[0]
        return grad / (1 + x * x)


class Sinh(Node):
    def forward(self, x: np.ndarray) -> np.ndarray:
        self.saved = (x,)
        with np.errstate(over="ignore"):
            return np.sinh(x)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore"):
            return grad * np.cosh(self.saved[0])


class Cosh(Node):
    def forward(self, x: np.ndarray) -> np.ndarray:
        self.saved = (x,)
        with np.errstate(over="ignore"):
            return np.cosh(x)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore"):
            return grad * np.sinh(self.saved[0])


class Asinh(Node):
    def forward(self, x: np.ndarray) -> np.ndarray:
        self.saved = (x,)
        return np.arcsinh(x)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        x = self.saved[0]
        return grad / np.sqrt(x * x + 1)


class Acosh(Node):
    def forward(self, x: np.ndarray) -> np.ndarray:
        self.saved = (x,)
        with np.errstate(invalid="ignore"):
            return np.arccosh(x)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        x = self.saved[0]
        with np.errstate(divide="ignore", invalid="ignore"):
            return grad / np.sqrt((x - 1) * (x + 1))


class Atanh(Node):
    def forward(self, x: np.ndarray) -> np.ndarray:
        self.saved = (x,)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.arctanh(x)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        x = self.saved[0]
        with np.errstate(divide="ignore"):
            return grad / (1 - x * x)


class Exp2(Node):
    """2 ** x; a primitive so that integral x gives exact powers of two."""

    saves_inputs = False
    saves_output = True

    def forward(self, x: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore"):
            out = np.exp2(x)
        self.saved = (out,)
        return out

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return grad * self.saved[0] * _LN2


class LogBase(Node):
    """log2(x) or log10(x); a primitive so that exact powers give exact results."""

    __slots__ = ("base",)

    def forward(self, x: np.ndarray, *, base: int) -> np.ndarray:
        self.saved = (x,)
        self.base = base
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log2(x) if base == 2 else np.log10(x)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        x = self.saved[0]
        with np.errstate(divide="ignore"):
            return grad / (x * (_LN2 if self.base == 2 else _LN10))


class Copysign(Node):
    """|a| with the sign of b. PyTorch's gradient: d/da = sign(a) * sign(out), and 0 where
    a == 0; nothing flows to b."""

    value_needed_by = ((0,), ())

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        out = np.copysign(a, b)
        self.saved = (a, b.shape, out)
        return out

    def backward(self, grad: np.ndarray) -> tuple[Any, Any]:
        a, b_shape, out = self.saved
        ratio = np.where(a == 0, 0.0, np.sign(a) * np.sign(out)).astype(grad.dtype)
        grad_b = np.zeros_like(grad, shape=b_shape) if self.needs_input_grad[1] else None
        return unbroadcast(grad * ratio, a.shape), grad_b


class Remainder(Node):
    """a - b * round(a / b) on floats, rounded down (`remainder`, Python's %) or toward zero
    (`fmod`); d/da = 1 and d/db = -round(a / b), as in PyTorch."""

    __slots__ = ("floor",)

    def forward(self, a: np.ndarray, b: np.ndarray, *, floor: bool) -> np.ndarray:
        self.saved = (a, b)
        self.floor = floor
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.remainder(a, b) if floor else np.fmod(a, b)

    def backward(self, grad: np.ndarray) -> tuple[Any, Any]:
        a, b = self.saved
        grad_b = None
        if self.needs_input_grad[1]:
            with np.errstate(divide="ignore", invalid="ignore"):
                quotient = np.floor_divide(a, b) if self.floor else np.trunc(a / b)
            grad_b = unbroadcast(-grad * quotient, b.shape)
        return unbroadcast(grad, a.shape), grad_b


class ZeroGrad(Node):
    """A piecewise-constant float function (rounded division): `fn(*arrays)`, gradient zero
    everywhere, as in PyTorch, where the result still requires grad."""

    saves_inputs = False

    def forward(self, *arrays: np.ndarray, fn: Callable[..., Any]) -> np.ndarray:
        self.saved = tuple(a.shape for a in arrays)
        with np.errstate(divide="ignore", invalid="ignore"):
            return as_array(fn(*arrays))

    def backward(self, grad: np.ndarray) -> Any:
        zeros = tuple(np.zeros_like(grad, shape=shape) for shape in self.saved)
        return zeros[0] if len(zeros) == 1 else zeros
