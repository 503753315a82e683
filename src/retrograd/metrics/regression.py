"""Regression metrics: mean absolute / squared error, its root, and the R² score."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from retrograd.errors import DTypeError, InvalidArgumentError, ShapeError
from retrograd.metrics._inputs import check_lengths, to_numpy

MULTIOUTPUT = ("uniform_average", "raw_values")


def _targets(who: str, y_true: Any, y_pred: Any, multioutput: str) -> tuple[np.ndarray, np.ndarray]:
    """Both as float64 `(N, n_outputs)`; `(N,)` counts as `(N, 1)`, so `(N,)` fits `(N, 1)`."""
    if multioutput not in MULTIOUTPUT:
        raise InvalidArgumentError(
            f"{who}: multioutput must be one of {list(MULTIOUTPUT)}, got {multioutput!r}"
        )
    originals = [to_numpy(y_true), to_numpy(y_pred)]
    check_lengths(who, *originals)
    arrays = []
    for name, array in zip(("y_true", "y_pred"), originals):
        if array.dtype.kind not in "fiub":
            raise DTypeError(f"{who}: {name} must hold numbers, got dtype {array.dtype}")
        if array.ndim == 1:
            array = array[:, None]
        if array.ndim != 2:
            raise ShapeError(f"{who}: {name} must be (N,) or (N, n_outputs), got {array.shape}")
        arrays.append(array.astype(np.float64, copy=False))
    t, p = arrays
    if t.shape[1] != p.shape[1]:
        raise ShapeError(
            f"{who}: y_true has {t.shape[1]} outputs (shape {originals[0].shape}) but y_pred "
            f"has {p.shape[1]} (shape {originals[1].shape})"
        )
    return t, p


def _combine(per_output: np.ndarray, multioutput: str) -> Any:
    return per_output if multioutput == "raw_values" else float(np.average(per_output))


def mean_absolute_error(y_true: Any, y_pred: Any, multioutput: str = "uniform_average") -> Any:
    """Mean of `|y_true - y_pred|` (`sklearn.metrics.mean_absolute_error`).

    Args:
        y_true: `(N,)` or `(N, n_outputs)` (`(N,)` and `(N, 1)` mix).
        y_pred: `(N,)` or `(N, n_outputs)`, as `y_true`.
        multioutput: `'uniform_average'` (a float, the default) or `'raw_values'` (an array
            `(n_outputs,)`).
    """
    t, p = _targets("mean_absolute_error", y_true, y_pred, multioutput)
    return _combine(np.average(np.abs(p - t), axis=0), multioutput)


def mean_squared_error(y_true: Any, y_pred: Any, multioutput: str = "uniform_average") -> Any:
    """Mean of `(y_true - y_pred)²`; arguments as for `mean_absolute_error`."""
    t, p = _targets("mean_squared_error", y_true, y_pred, multioutput)
    return _combine(np.average((t - p) ** 2, axis=0), multioutput)


def root_mean_squared_error(y_true: Any, y_pred: Any, multioutput: str = "uniform_average") -> Any:
    """Square root of each output's mean squared error, then averaged over outputs."""
    t, p = _targets("root_mean_squared_error", y_true, y_pred, multioutput)
    return _combine(np.sqrt(np.average((t - p) ** 2, axis=0)), multioutput)


def r2_score(y_true: Any, y_pred: Any, multioutput: str = "uniform_average") -> Any:
    """Coefficient of determination `1 - SS_res / SS_tot` (`sklearn.metrics.r2_score`).

    For a constant `y_true` (SS_tot = 0) the score is 1.0 for a perfect prediction, else 0.0
    (scikit-learn's `force_finite=True`); with fewer than 2 samples it is NaN, with a warning.
    Arguments as for `mean_absolute_error`.
    """
    t, p = _targets("r2_score", y_true, y_pred, multioutput)
    if t.shape[0] < 2:
        warnings.warn(
            "r2_score is not well-defined with fewer than two samples", RuntimeWarning, stacklevel=2
        )
        return math.nan
    residual = np.sum((t - p) ** 2, axis=0)
    total = np.sum((t - np.average(t, axis=0)) ** 2, axis=0)
    scores = np.ones(t.shape[1])
    valid = (residual != 0) & (total != 0)
    scores[valid] = 1 - residual[valid] / total[valid]
    scores[(residual != 0) & (total == 0)] = 0.0
    return _combine(scores, multioutput)
