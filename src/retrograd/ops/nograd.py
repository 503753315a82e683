"""`NoGrad`: a NumPy function without a gradient (comparisons, rounding, integer casts, argmax).

It is an op rather than a direct computation so that everything computed from tensor data goes
through `apply` — which is what lets `retrograd.compile` capture and recompute it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from retrograd.autograd.node import Node
from retrograd.backend.arrays import as_array


class NoGrad(Node):
    differentiable = False
    saves_inputs = False

    def forward(
        self, *arrays: np.ndarray, fn: Callable[..., Any], args: tuple[Any, ...] = (), **kwargs: Any
    ) -> np.ndarray:
        """`fn(*arrays, *args, **kwargs)`; `args` holds constants such as a compared scalar."""
        return as_array(fn(*arrays, *args, **kwargs))

    def backward(self, grad: np.ndarray) -> Any:  # never recorded: `differentiable` is False
        raise NotImplementedError
