"""`precision`, `recall`, `f1_score` with scikit-learn's `average`, `pos_label`, `zero_division`."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from retrograd.errors import InvalidArgumentError
from retrograd.metrics._inputs import class_labels
from retrograd.metrics.confusion import class_counts

AVERAGES = ("binary", "micro", "macro", "weighted", None)


def _zero_division_value(zero_division: Any) -> float:
    if isinstance(zero_division, str) and zero_division == "warn":
        return 0.0
    is_number = isinstance(zero_division, (int, float)) and not isinstance(zero_division, bool)
    if is_number and (zero_division in (0, 1) or math.isnan(zero_division)):
        return float(zero_division)
    raise InvalidArgumentError(
        f"zero_division must be 'warn', 0.0, 1.0 or nan, got {zero_division!r}"
    )


def _divide(
    numerator: np.ndarray, denominator: np.ndarray, what: str, zero_division: Any
) -> np.ndarray:
    """`numerator / denominator`, with `zero_division` where the denominator is 0."""
    value = _zero_division_value(zero_division)
    empty = denominator == 0
    result = numerator / np.where(empty, 1, denominator).astype(np.float64)
    result[empty] = value
    if empty.any() and isinstance(zero_division, str):
        warnings.warn(
            f"{what} is ill-defined and set to 0.0 for {int(empty.sum())} label(s) with no "
            f"samples; pass zero_division to choose the value and silence this warning",
            RuntimeWarning,
            stacklevel=4,
        )
    return result


def _nanaverage(values: np.ndarray, weights: np.ndarray | None) -> float:
    """Mean of the non-NaN values (weighted if asked; all-zero weights count as equal)."""
    keep = ~np.isnan(values)
    if not keep.any():
        return math.nan
    if weights is None or weights[keep].sum() == 0:
        return float(np.mean(values[keep]))
    return float(np.average(values[keep], weights=weights[keep]))


def _labels_for(
    who: str, t: np.ndarray, p: np.ndarray, labels: Any, average: str | None, pos_label: Any
) -> np.ndarray:
    if average not in AVERAGES:
        raise InvalidArgumentError(
            f"{who}: average must be one of {list(AVERAGES)}, got {average!r}"
        )
    present = np.union1d(t, p)
    if average == "binary":
        if len(present) > 2:
            raise InvalidArgumentError(
                f"{who}: average='binary' needs at most 2 labels, but y_true and y_pred hold "
                f"{len(present)}: {present.tolist()[:10]}; use average='macro', 'micro' or "
                "'weighted'"
            )
        if pos_label not in present.tolist() and len(present) == 2:
            raise InvalidArgumentError(
                f"{who}: pos_label={pos_label!r} is not a label; it should be one of "
                f"{present.tolist()}"
            )
        return np.asarray([pos_label])
    return present if labels is None else np.asarray(labels)


def _score(
    metric: str,
    y_true: Any,
    y_pred: Any,
    labels: Any,
    pos_label: Any,
    average: str | None,
    zero_division: Any,
) -> Any:
    """One of precision, recall, f1_score: per label, then averaged as `average` says."""
    _zero_division_value(zero_division)  # a bad value is an error even when unused
    t, p = class_labels(metric, y_true, y_pred)
    chosen = _labels_for(metric, t, p, labels, average, pos_label)
    tp, predicted, true = class_counts(t, p, chosen)
    if average == "micro":
        tp, predicted, true = (np.array([c.sum()]) for c in (tp, predicted, true))
    if metric == "precision":
        values = _divide(tp, predicted, "Precision", zero_division)
    elif metric == "recall":
        values = _divide(tp, true, "Recall", zero_division)
    else:  # 2 tp / (2 tp + fp + fn), the harmonic mean of precision and recall
        values = _divide(2 * tp, true + predicted, "F-score", zero_division)
    if average is None:
        return values
    return _nanaverage(values, true if average == "weighted" else None)


def precision(
    y_true: Any,
    y_pred: Any,
    average: str | None = "binary",
    pos_label: Any = 1,
    labels: Any = None,
    zero_division: Any = "warn",
) -> Any:
    """Precision `tp / (tp + fp)`: of the samples predicted as a label, the fraction that are.

    Equals `sklearn.metrics.precision_score`.

    Args:
        y_true: class labels `(N,)` (ints, bools, integral floats or strings; take scores to
            labels first).
        y_pred: class labels `(N,)`, as `y_true`.
        average: `'binary'` (the score of `pos_label`), `'micro'` (from counts summed over
            labels), `'macro'` (mean over labels), `'weighted'` (mean weighted by each label's
            support) or None (one score per label, in `labels` order). Default: `'binary'`.
        pos_label: the label scored with `average='binary'`. Default: 1.
        labels: the labels to score (default all present, sorted; ignored for `'binary'`).
        zero_division: the value where the denominator is 0 (`'warn'`, the default: 0.0 and a
            warning).

    Returns:
        A float, or an array `(n_labels,)` for `average=None`.
    """
    return _score("precision", y_true, y_pred, labels, pos_label, average, zero_division)


def recall(
    y_true: Any,
    y_pred: Any,
    average: str | None = "binary",
    pos_label: Any = 1,
    labels: Any = None,
    zero_division: Any = "warn",
) -> Any:
    """Recall `tp / (tp + fn)`: of the samples of a label, the fraction predicted as it.

    Equals `sklearn.metrics.recall_score`; arguments and returns as for `precision`.
    """
    return _score("recall", y_true, y_pred, labels, pos_label, average, zero_division)


def f1_score(
    y_true: Any,
    y_pred: Any,
    average: str | None = "binary",
    pos_label: Any = 1,
    labels: Any = None,
    zero_division: Any = "warn",
) -> Any:
    """F1 `2 tp / (2 tp + fp + fn)`, the harmonic mean of precision and recall.

    Equals `sklearn.metrics.f1_score`; arguments and returns as for `precision`.
    """
    return _score("f1_score", y_true, y_pred, labels, pos_label, average, zero_division)
