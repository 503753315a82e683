"""`torch.distributions.constraints`, light: each constraint checks values (`check` gives a
boolean NumPy array) and names itself in error messages."""

from __future__ import annotations

from typing import Any

import numpy as np

from retrograd.backend.arrays import as_array


def _array(value: Any) -> np.ndarray:
    return as_array(getattr(value, "array", value))  # a device array stays on its device


def _bound(value: Any) -> Any:
    """A bound's array, or the plain number itself (a host 0-d array would not mix with a
    device value)."""
    return getattr(value, "array", value)


class Constraint:
    """A region of values; `check(value)` says, per element (or per event), who is inside."""

    is_discrete = False
    event_dim = 0
    #: what a value must be, for error messages
    description = "valid"

    def check(self, value: Any) -> np.ndarray:
        """A boolean array: whether each value (each event) satisfies the constraint."""
        return np.ones_like(_array(value), dtype=bool)

    def __repr__(self) -> str:
        return type(self).__name__.lstrip("_") + "()"


class _Dependent(Constraint):
    """A placeholder whose check depends on other parameters (always passes here)."""


class _Real(Constraint):
    description = "a real number (not nan)"

    def check(self, value: Any) -> np.ndarray:
        v = _array(value)
        return v == v  # not nan


class _Boolean(Constraint):
    is_discrete = True
    description = "0 or 1"

    def check(self, value: Any) -> np.ndarray:
        v = _array(value)
        return (v == 0) | (v == 1)


class _GreaterThan(Constraint):
    def __init__(self, lower_bound: Any, strict: bool = True) -> None:
        self.lower_bound, self.strict = lower_bound, strict
        if np.ndim(getattr(lower_bound, "array", lower_bound)) == 0 and float(lower_bound) == 0:
            self.description = "positive" if strict else "non-negative"
        else:
            self.description = f"{'>' if strict else '>='} {lower_bound}"

    def check(self, value: Any) -> np.ndarray:
        v, low = _array(value), _bound(self.lower_bound)
        return v > low if self.strict else v >= low

    def __repr__(self) -> str:
        name = "GreaterThan" if self.strict else "GreaterThanEq"
        return f"{name}(lower_bound={self.lower_bound})"


class _Interval(Constraint):
    def __init__(self, lower_bound: Any, upper_bound: Any, half_open: bool = False) -> None:
        self.lower_bound, self.upper_bound, self.half_open = lower_bound, upper_bound, half_open
        self.description = f"in [{lower_bound}, {upper_bound}{')' if half_open else ']'}"

    def check(self, value: Any) -> np.ndarray:
        v = _array(value)
        low, high = _bound(self.lower_bound), _bound(self.upper_bound)
        return (low <= v) & ((v < high) if self.half_open else (v <= high))

    def __repr__(self) -> str:
        name = "HalfOpenInterval" if self.half_open else "Interval"
        return f"{name}(lower_bound={self.lower_bound}, upper_bound={self.upper_bound})"


class _IntegerInterval(_Interval):
    is_discrete = True

    def check(self, value: Any) -> np.ndarray:
        v = _array(value)
        return super().check(v) & (v % 1 == 0)

    def __repr__(self) -> str:
        return f"IntegerInterval(lower_bound={self.lower_bound}, upper_bound={self.upper_bound})"


class _IntegerGreaterThan(_GreaterThan):
    is_discrete = True

    def check(self, value: Any) -> np.ndarray:
        v = _array(value)
        return super().check(v) & (v % 1 == 0)

    def __repr__(self) -> str:
        return f"IntegerGreaterThan(lower_bound={self.lower_bound})"


class _Simplex(Constraint):
    event_dim = 1
    description = "non-negative and sum to 1 over the last dim"

    def check(self, value: Any) -> np.ndarray:
        v = _array(value)
        return np.all(v >= 0, axis=-1) & (np.abs(v.sum(-1) - 1) < 1e-6)


class _RealVector(Constraint):
    event_dim = 1
    description = "real vectors"

    def check(self, value: Any) -> np.ndarray:
        v = _array(value)
        return np.all(v == v, axis=-1)


class _LowerCholesky(Constraint):
    event_dim = 2
    description = "lower triangular with a positive diagonal"

    def check(self, value: Any) -> np.ndarray:
        v = _array(value)
        lower = np.all(np.triu(v, 1) == 0, axis=(-2, -1))
        diagonal = np.all(np.diagonal(v, axis1=-2, axis2=-1) > 0, axis=-1)
        return lower & diagonal


class _PositiveDefinite(Constraint):
    event_dim = 2
    description = "symmetric positive-definite"

    def check(self, value: Any) -> np.ndarray:
        v = _array(value)
        symmetric = np.all(np.abs(v - np.swapaxes(v, -1, -2)) < 1e-6, axis=(-2, -1))
        return as_array(symmetric & np.all(np.linalg.eigvalsh(v) > 0, axis=-1))


class _Independent(Constraint):
    def __init__(self, base: Constraint, reinterpreted_batch_ndims: int) -> None:
        self.base, self.reinterpreted_batch_ndims = base, reinterpreted_batch_ndims
        self.is_discrete = base.is_discrete
        self.event_dim = base.event_dim + reinterpreted_batch_ndims
        self.description = base.description

    def check(self, value: Any) -> np.ndarray:
        result = self.base.check(value)
        n = self.reinterpreted_batch_ndims
        if not n:
            return result
        return as_array(result.reshape(result.shape[: result.ndim - n] + (-1,)).all(-1))

    def __repr__(self) -> str:
        return f"IndependentConstraint({self.base}, {self.reinterpreted_batch_ndims})"


dependent = _Dependent()
real = _Real()
boolean = _Boolean()
positive = _GreaterThan(0.0)
nonnegative = _GreaterThan(0.0, strict=False)
unit_interval = _Interval(0.0, 1.0)
simplex = _Simplex()
real_vector = _RealVector()
lower_cholesky = _LowerCholesky()
positive_definite = _PositiveDefinite()
nonnegative_integer = _IntegerGreaterThan(0, strict=False)
positive_integer = _IntegerGreaterThan(1, strict=False)


def greater_than(lower_bound: Any) -> Constraint:
    """Values above `lower_bound`."""
    return _GreaterThan(lower_bound)


def greater_than_eq(lower_bound: Any) -> Constraint:
    """Values at or above `lower_bound`."""
    return _GreaterThan(lower_bound, strict=False)


def interval(lower_bound: Any, upper_bound: Any) -> Constraint:
    """Values in `[lower_bound, upper_bound]`."""
    return _Interval(lower_bound, upper_bound)


def half_open_interval(lower_bound: Any, upper_bound: Any) -> Constraint:
    """Values in `[lower_bound, upper_bound)`."""
    return _Interval(lower_bound, upper_bound, half_open=True)


def integer_interval(lower_bound: Any, upper_bound: Any) -> Constraint:
    """Integers in `[lower_bound, upper_bound]`."""
    return _IntegerInterval(lower_bound, upper_bound)


def independent(base: Constraint, reinterpreted_batch_ndims: int) -> Constraint:
    """`base` checked over whole events of `reinterpreted_batch_ndims` more dims."""
    return _Independent(base, reinterpreted_batch_ndims)


__all__ = [
    "Constraint",
    "boolean",
    "dependent",
    "greater_than",
    "greater_than_eq",
    "half_open_interval",
    "independent",
    "integer_interval",
    "interval",
    "lower_cholesky",
    "nonnegative",
    "nonnegative_integer",
    "positive",
    "positive_definite",
    "positive_integer",
    "real",
    "real_vector",
    "simplex",
    "unit_interval",
]
