"""`Node`: one recorded primitive op. The op object is its own context.

A primitive subclasses `Node` and writes `forward(self, *arrays)` and `backward(self, grad)`
side by side. `forward` stores what backward needs in `self.saved` (that is what
`save_for_backward` means here) and `backward` returns one gradient per input (or None).
Ops see only NumPy arrays; `Tensor` wraps them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

FREED: Any = object()  # marks `saved` after backward without retain_graph


class Node:
    """Base class of primitive ops."""

    __slots__ = ("inputs", "needs_input_grad", "saved", "versions", "call_site")

    #: backward reads input values from `saved`, so an in-place change to an input is an error
    saves_inputs: bool = True

    # Slots are filled by the dispatcher (`retrograd.tensor.apply`) only when the graph is
    # recorded: `inputs` (the input Tensors), `needs_input_grad`, `versions` (their version
    # counters at forward time), `saved` (None until forward stores something).
    saved: Any
    inputs: tuple[Any, ...]
    needs_input_grad: tuple[bool, ...]
    versions: tuple[int, ...]
    call_site: Any

    def forward(self, *arrays: Any, **kwargs: Any) -> np.ndarray:
        raise NotImplementedError

    def backward(self, grad: np.ndarray) -> Any:
        """Gradients for each input (a tuple; a single array for one-input ops)."""
        raise NotImplementedError

    def save_for_backward(self, *arrays: Any) -> None:
        self.saved = arrays

    @property
    def name(self) -> str:
        return type(self).__name__

    def __repr__(self) -> str:
        return f"<{self.name}Backward>"
