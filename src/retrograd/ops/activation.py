"""Activation primitives. Each is a primitive (not a composite) for stability or speed:
sigmoid/tanh take their gradient from the saved output, relu from a mask, and the softmax
family subtracts the row max so inputs like +-1000 never overflow."""

from __future__ import annotations

import numpy as np

# The hot paths call these ufuncs by name: numpy's module `__getattr__` keeps CPython 3.11
# from caching `np.<name>` lookups, which cost a tenth of a small ufunc call each.
from numpy import add, exp, maximum, multiply, negative, reciprocal, subtract

from retrograd.autograd.node import Node
from retrograd.backend.arrays import as_array


class Relu(Node):
    saves_inputs = False
    saves_output = True

    def forward(self, x: np.ndarray) -> np.ndarray:
        out = np.maximum(x, 0)
        self.saved = (out,)
        return out

    def backward(self, grad: np.ndarray) -> np.ndarray:
        out = self.saved[0]
        if grad.dtype != out.dtype:  # mixed precision: NumPy promotes
            return grad * (out > 0)
        # the mask is written as 0.0 / 1.0 straight into the result: no bool temporary
        result = np.greater(out, 0, np.empty_like(out))
        return np.multiply(result, grad, result)


_EXP_LIMITS: dict[np.dtype, np.floating] = {}


def _exp_limit(dtype: np.dtype) -> np.floating:
    """The largest argument whose exp is finite in `dtype` (88 for float32, 708 for float64)."""
    limit = _EXP_LIMITS.get(dtype)
    if limit is None:
        limit = _EXP_LIMITS[dtype] = dtype.type(np.floor(np.log(np.finfo(dtype).max)) - 1)
    return limit


def _constant(value: float, dtype: type) -> np.ndarray:
    array: np.ndarray = np.array(value, dtype=dtype)
    array.flags.writeable = False
    return array


# (-exp limit, 1) as read-only 0-d arrays of the dtype: a ufunc takes a 0-d array of its own
# dtype for less than half of what converting a Python number costs, with the same result
_SIGMOID_CONSTANTS: dict[np.dtype, tuple[np.ndarray, np.ndarray]] = {
    np.dtype(t): (_constant(-_exp_limit(np.dtype(t)), t), _constant(1, t))
    for t in (np.float32, np.float64)
}
# the same constants as NumPy scalars, for device arrays (a host 0-d array does not mix with one)
_SIGMOID_SCALARS: dict[np.dtype, tuple[np.floating, np.floating]] = {
    dtype: (dtype.type(low), dtype.type(one)) for dtype, (low, one) in _SIGMOID_CONSTANTS.items()
}


class Sigmoid(Node):
    """1 / (1 + exp(-x)) in place on one buffer; -x is capped where exp would overflow, which
    leaves the result for x below -88 (float32) at a value under 1e-38 instead of 0."""

    saves_inputs = False
    saves_output = True

    def forward(self, x: np.ndarray) -> np.ndarray:
        constants = _SIGMOID_CONSTANTS.get(x.dtype)
        if constants is not None and x.ndim:  # float32 / float64 arrays: five calls
            low, one = constants if type(x) is np.ndarray else _SIGMOID_SCALARS[x.dtype]
            # -max(x, -limit) is min(-x, limit) exactly, without min's slow `out=` keyword
            out = maximum(x, low)
            negative(out, out)
            exp(out, out)
            add(out, one, out)
            reciprocal(out, out)
            self.saved = (out,)
            return out
        # half precision is computed in float32: its exp limit (11) would cap results visibly
        work = np.float32 if x.dtype == np.float16 else x.dtype
        # outputs are passed positionally: on small arrays an `out=` keyword costs as much as
        # the arithmetic (np.minimum accepts only the keyword)
        out = np.negative(x, np.empty_like(x, dtype=work))  # an array even for 0-d input
        if out.dtype.kind == "f":
            np.minimum(out, _exp_limit(out.dtype), out=out)
        np.exp(out, out)
        np.add(out, 1, out)
        np.reciprocal(out, out)
        if out.dtype != x.dtype:
            out = out.astype(x.dtype)
        self.saved = (out,)
        return out

    def backward(self, grad: np.ndarray) -> np.ndarray:
        out = self.saved[0]
        if grad.dtype != out.dtype or out.ndim == 0:  # mixed precision, or NumPy scalars
            return grad * (1 - out) * out
        # grad * (1 - out) * out, PyTorch's order, in one new array
        constants = _SIGMOID_CONSTANTS.get(out.dtype)
        if constants is None or type(out) is not np.ndarray:  # a device array: a Python 1
            result = subtract(1, out)
        else:
            result = subtract(constants[1], out)
        multiply(grad, result, result)
        return multiply(result, out, result)


class Tanh(Node):
    saves_inputs = False
    saves_output = True

    def forward(self, x: np.ndarray) -> np.ndarray:
        out = np.tanh(x)
        self.saved = (out,)
        return out

    def backward(self, grad: np.ndarray) -> np.ndarray:
        out = self.saved[0]
        if grad.dtype != out.dtype or out.ndim == 0:  # mixed precision, or NumPy scalars
            return grad * (1 - out * out)
        # grad * (1 - out * out), PyTorch's order, in one new array
        result = np.multiply(out, out)
        np.subtract(1, result, result)
        return np.multiply(grad, result, result)


class LogSoftmax(Node):
    __slots__ = ("axis",)
    saves_inputs = False
    saves_output = True

    def forward(self, x: np.ndarray, *, axis: int) -> np.ndarray:
        self.axis = axis
        if x.size == 0:  # an empty dim (or batch): an empty result, as in PyTorch
            self.saved = (x,)
            return x.copy()
        shifted = x - x.max(axis=axis, keepdims=True)
        out = shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
        self.saved = (out,)
        return out

    def backward(self, grad: np.ndarray) -> np.ndarray:
        out = self.saved[0]
        return grad - np.exp(out) * grad.sum(axis=self.axis, keepdims=True)


class Softmax(Node):
    __slots__ = ("axis",)
    saves_inputs = False
    saves_output = True

    def forward(self, x: np.ndarray, *, axis: int) -> np.ndarray:
        self.axis = axis
        if x.size == 0:  # an empty dim (or batch): an empty result, as in PyTorch
            self.saved = (x,)
            return x.copy()
        e = np.exp(x - x.max(axis=axis, keepdims=True))
        out = e / e.sum(axis=axis, keepdims=True)
        self.saved = (out,)
        return out

    def backward(self, grad: np.ndarray) -> np.ndarray:
        out = self.saved[0]
        weighted = grad * out
        return weighted - out * weighted.sum(axis=self.axis, keepdims=True)


def _erf(x: np.ndarray) -> np.ndarray:
    try:
        from scipy.special import erf  # optional: vectorised and exact
    except ImportError:  # pragma: no cover - depends on the environment
        import math

        erf = np.vectorize(math.erf, otypes=[np.float64])
    return as_array(erf(x)).astype(x.dtype, copy=False)


class Erf(Node):
    """The error function (for exact GELU); NumPy has none, so SciPy or math.erf computes it."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.saved = (x,)
        return _erf(x)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        x = self.saved[0]
        return grad * ((2 / np.sqrt(np.pi)) * np.exp(-x * x)).astype(x.dtype)
