"""NumPy versions of the PyTorch tensor ops the optimizer updates are written with.

Each keeps the operand order of PyTorch's CPU kernel (``self + value * t1 / t2`` for addcdiv),
so the update functions read line for line like PyTorch's and round the same way. Scalars must
be Python floats: NumPy 2 treats them as weak, so float32 arrays stay float32.
"""

from __future__ import annotations

import numpy as np


def add_scaled(array: np.ndarray, other: np.ndarray, alpha: float) -> np.ndarray:
    """``array + alpha * other`` as a new array (``torch.add(array, other, alpha=alpha)``)."""
    result = np.multiply(other, alpha)
    result += array
    return result


def add_scaled_(array: np.ndarray, other: np.ndarray, alpha: float) -> None:
    """``array += alpha * other`` in place (``array.add_(other, alpha=alpha)``)."""
    array += np.multiply(other, alpha)


def addcmul_(array: np.ndarray, t1: np.ndarray, t2: np.ndarray, value: float) -> None:
    """``array += value * t1 * t2`` in place (``array.addcmul_(t1, t2, value=value)``)."""
    product = np.multiply(t1, value)
    product *= t2
    array += product


def addcdiv_(array: np.ndarray, t1: np.ndarray, t2: np.ndarray, value: float) -> None:
    """``array += value * t1 / t2`` in place (``array.addcdiv_(t1, t2, value=value)``)."""
    quotient = np.multiply(t1, value)
    quotient /= t2
    array += quotient


def lerp_(start: np.ndarray, end: np.ndarray, weight: float) -> None:
    """``start += weight * (end - start)`` in place (``start.lerp_(end, weight)``).

    Like PyTorch, a weight of 0.5 or more is computed from the `end` side, which is exact at 1.
    """
    difference = np.subtract(end, start)
    if abs(weight) < 0.5:
        difference *= weight
        start += difference
    else:
        difference *= 1 - weight
        np.subtract(end, difference, out=start)
