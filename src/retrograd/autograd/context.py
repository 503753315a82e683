"""`Context`: what a user-written `Function` gets as `ctx`."""

from __future__ import annotations

from typing import Any


class Context:
    """Holds tensors saved in forward for backward, and which inputs need a gradient."""

    def __init__(self, needs_input_grad: tuple[bool, ...]) -> None:
        self.needs_input_grad = needs_input_grad
        self._saved: tuple[Any, ...] = ()

    def save_for_backward(self, *tensors: Any) -> None:
        """Keep `tensors` for backward (read them back as `ctx.saved_tensors`)."""
        self._saved = tensors

    @property
    def saved_tensors(self) -> tuple[Any, ...]:
        """What `save_for_backward` kept, as a tuple in the order given (empty if nothing)."""
        return self._saved

    def mark_non_differentiable(self, *tensors: Any) -> None:  # PyTorch compatibility
        """Accepted for compatibility; outputs without a gradient simply receive none."""
