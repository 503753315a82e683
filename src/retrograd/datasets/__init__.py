"""Built-in data sets as NumPy arrays: the seed data and the two-input logic gates.

>>> from retrograd import datasets
>>> X, y = datasets.load("xor")
>>> X.shape, y.shape
((4, 2), (4, 1))
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from retrograd.errors import InvalidArgumentError

from .logic import GATES, logic_gate, seed

__all__ = ["DATASETS", "GATES", "load", "logic_gate", "seed"]

DATASETS: tuple[str, ...] = ("seed", *GATES)
"""Names accepted by :func:`load`."""


def load(name: str) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
    """Return the built-in data set called `name` as `(X, y)` float32 arrays.

    Args:
        name: `"seed"` or a logic gate name (see :data:`GATES`); case-insensitive.

    Returns:
        `X: (n_samples, n_features)` and `y: (n_samples, 1)`; see :func:`seed` and
            :func:`logic_gate` for the exact shapes.

    Raises:
        InvalidArgumentError: (a ValueError) when `name` is not in :data:`DATASETS`; the
            message lists the valid names.
    """
    key = name.lower() if isinstance(name, str) else name
    if key == "seed":
        return seed()
    if key in GATES:
        return logic_gate(key)
    raise InvalidArgumentError(f"unknown data set {name!r}; expected one of: {', '.join(DATASETS)}")
