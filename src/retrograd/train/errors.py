"""Exceptions of the training helpers (fit, evaluate, predict, callbacks)."""

from __future__ import annotations

from retrograd.errors import RetrogradError


class TrainingError(RetrogradError, ValueError):
    """Invalid arguments to fit/evaluate/predict or a callback (the message names which)."""


class TrainingTypeError(RetrogradError, TypeError):
    """Data, a model output or a loss of a type the training loop cannot use."""
