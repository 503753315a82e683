"""`accuracy`: the fraction of samples whose predicted label equals the true one."""

from __future__ import annotations

from typing import Any

import numpy as np

from retrograd.errors import ShapeError
from retrograd.metrics._inputs import check_lengths, predicted_labels, to_numpy, true_labels


def accuracy(y_true: Any, y_pred: Any, threshold: float = 0.5) -> float:
    """Fraction of correct predictions (`sklearn.metrics.accuracy_score` on labels).

    Args:
        y_true: labels `(N,)`/`(N, 1)` or one-hot `(N, C)`.
        y_pred: labels (integers, bools, strings) compared directly, float scores `(N,)`/`(N, 1)`
            counted as class 1 where `> threshold`, or scores `(N, C)` taken by argmax.
        threshold: the cut for float scores `(N,)`/`(N, 1)`: 0.5 for probabilities (the default);
            pass `threshold=0` for logits.

    Returns:
        A float in [0, 1].
    """
    t = true_labels(y_true)
    p = predicted_labels(y_pred, threshold)
    for name, array in (("y_true", t), ("y_pred", p)):
        if array.ndim != 1:
            raise ShapeError(
                f"accuracy: {name} must be labels (N,), scores (N, 1) or (N, C), "
                f"got shape {to_numpy(y_true if name == 'y_true' else y_pred).shape}"
            )
    check_lengths("accuracy", t, p)
    return float(np.mean(t == p))
