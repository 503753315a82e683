"""Exceptions raised by retrograd; each also subclasses the matching built-in."""

from __future__ import annotations


class RetrogradError(Exception):
    """Base class of every error retrograd raises on purpose."""


class ShapeError(RetrogradError, ValueError):
    """Shapes that do not fit an operation (the message names both)."""


class DTypeError(RetrogradError, TypeError):
    """A dtype an operation cannot take (e.g. float labels for class indices)."""


class GraphError(RetrogradError, RuntimeError):
    """Misuse of the autograd graph: backward twice, non-scalar backward, in-place change."""


class StateDictError(RetrogradError, KeyError):
    """A state dict with missing, unexpected or mis-shaped entries."""

    def __str__(self) -> str:  # KeyError quotes its message; keep it readable
        return str(self.args[0]) if self.args else ""


class GradcheckError(RetrogradError, RuntimeError):
    """Analytic and numeric gradients disagree (the message is the full report)."""
