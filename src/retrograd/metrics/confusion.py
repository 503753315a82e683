"""`confusion_matrix` and the per-class counts (true positives, predicted, true) behind it."""

from __future__ import annotations

from typing import Any

import numpy as np

from retrograd.errors import InvalidArgumentError
from retrograd.metrics._inputs import class_labels


def _positions(values: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index of each value in `labels` (any order) and whether it is there at all."""
    order = np.argsort(labels, kind="stable")
    ordered = labels[order]
    pos = np.clip(np.searchsorted(ordered, values), 0, len(labels) - 1)
    return order[pos], ordered[pos] == values


def class_counts(
    y_true: np.ndarray, y_pred: np.ndarray, labels: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each of `labels`: true positives, times predicted, times true (int64 arrays)."""
    classes = np.union1d(y_true, y_pred)
    t = np.searchsorted(classes, y_true)
    p = np.searchsorted(classes, y_pred)
    k = len(classes)
    tp_all = np.bincount(t[t == p], minlength=k)
    pred_all = np.bincount(p, minlength=k)
    true_all = np.bincount(t, minlength=k)
    index, found = _positions(labels, classes)
    return (
        np.where(found, tp_all[index], 0),
        np.where(found, pred_all[index], 0),
        np.where(found, true_all[index], 0),
    )


def confusion_matrix(y_true: Any, y_pred: Any, labels: Any = None) -> np.ndarray:
    """Counts `C[i, j]` of samples with true label `labels[i]` predicted as `labels[j]`.

    Args:
        y_true: class labels `(N,)`.
        y_pred: class labels `(N,)`.
        labels: the rows/columns in order (default: every label present, sorted); samples with a
            label outside it are left out.

    Returns:
        int64 array `(n_labels, n_labels)` (`sklearn.metrics.confusion_matrix`).
    """
    t, p = class_labels("confusion_matrix", y_true, y_pred)
    if labels is None:
        chosen = np.union1d(t, p)
    else:
        chosen = np.asarray(labels)
        if chosen.ndim != 1 or chosen.size == 0:
            raise InvalidArgumentError(
                f"confusion_matrix: labels must be a non-empty list, got {labels!r}"
            )
        if not np.isin(t, chosen).any():
            raise InvalidArgumentError(
                f"confusion_matrix: none of labels {chosen.tolist()} occurs in y_true; "
                "at least one must"
            )
    n = len(chosen)
    ti, t_ok = _positions(t, chosen)
    pi, p_ok = _positions(p, chosen)
    keep = t_ok & p_ok
    counts = np.bincount(ti[keep] * n + pi[keep], minlength=n * n)
    return counts.reshape(n, n).astype(np.int64)
