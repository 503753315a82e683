"""The seed data set and the two-input logic gates, as small float32 NumPy arrays."""

from __future__ import annotations

import operator
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from retrograd.errors import InvalidArgumentError

__all__ = ["GATES", "logic_gate", "seed"]

# Each gate maps two bits to one bit; the tables below are built from these rules.
_GATE_RULES: dict[str, Callable[[int, int], int]] = {
    "and": operator.and_,
    "or": operator.or_,
    "nand": lambda a, b: 1 - (a & b),
    "nor": lambda a, b: 1 - (a | b),
    "xor": operator.xor,
    "xnor": lambda a, b: 1 - (a ^ b),
}

GATES: tuple[str, ...] = tuple(_GATE_RULES)
"""Names accepted by :func:`logic_gate`."""


def seed() -> tuple[NDArray[np.float32], NDArray[np.float32]]:
    """Return the seed data set: six 3-bit inputs whose target is the middle bit.

    The first and last columns are uncorrelated with the target, so a network has to learn that
    only the middle column matters.

    Returns:
        X: `(6, 3)` float32 inputs.
        y: `(6, 1)` float32 targets, equal to `X[:, 1:2]`.
    """
    X = np.array(
        [
            [0, 0, 1],
            [0, 1, 1],
            [1, 0, 1],
            [1, 1, 1],
            [1, 0, 0],
            [1, 1, 0],
        ],
        dtype=np.float32,
    )
    y = np.array([[0], [1], [0], [1], [0], [1]], dtype=np.float32)
    return X, y


def logic_gate(name: str) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
    """Return the truth table of a two-input logic gate.

    Args:
        name: one of `and`, `or`, `nand`, `nor`, `xor`, `xnor` (case-insensitive).

    Returns:
        X: `(4, 2)` float32 inputs, rows `00`, `01`, `10`, `11`.
        y: `(4, 1)` float32 outputs of the gate for each row.

    Raises:
        InvalidArgumentError: (a ValueError) when `name` is not a known gate; the message
            lists the valid names.
    """
    key = name.lower() if isinstance(name, str) else name
    rule = _GATE_RULES.get(key)
    if rule is None:
        raise InvalidArgumentError(
            f"unknown logic gate {name!r}; expected one of: {', '.join(GATES)}"
        )
    rows = [(0, 0), (0, 1), (1, 0), (1, 1)]
    X = np.array(rows, dtype=np.float32)
    y = np.array([[rule(a, b)] for a, b in rows], dtype=np.float32)
    return X, y
