"""Input handling shared by the metric functions: arrays out of Tensors, labels out of scores."""

from __future__ import annotations

from typing import Any

import numpy as np

from retrograd.errors import DTypeError, InvalidArgumentError, ShapeError
from retrograd.tensor import Tensor


def to_numpy(x: Any) -> np.ndarray:
    """A Tensor's array, or `np.asarray(x)`."""
    return x.array if isinstance(x, Tensor) else np.asarray(x)


def check_lengths(who: str, y_true: np.ndarray, y_pred: np.ndarray) -> int:
    """The common number of samples; a `ShapeError` naming both lengths if they differ."""
    n_true = y_true.shape[0] if y_true.ndim else 1
    n_pred = y_pred.shape[0] if y_pred.ndim else 1
    if n_true != n_pred:
        raise ShapeError(
            f"{who}: y_true has {n_true} samples (shape {y_true.shape}) but y_pred has "
            f"{n_pred} (shape {y_pred.shape})"
        )
    if n_true == 0:
        raise InvalidArgumentError(f"{who}: y_true and y_pred are empty")
    return n_true


def true_labels(y_true: Any) -> np.ndarray:
    """Targets as labels `(N,)`: a one-hot `(N, C)` -> argmax, a column `(N, 1)` -> flattened."""
    array = to_numpy(y_true)
    if array.ndim == 2:
        return array.argmax(axis=1) if array.shape[1] > 1 else array[:, 0]
    return array


def predicted_labels(y_pred: Any, threshold: float = 0.5) -> np.ndarray:
    """Predictions as labels `(N,)`.

    Scores `(N, C)` with C > 1 -> argmax; floats `(N,)` or `(N, 1)` (probabilities; logits with
    `threshold=0`) -> `1` where `y_pred > threshold` else `0`, like Keras; anything else (integer,
    bool or string labels) is returned as it is.
    """
    array = to_numpy(y_pred)
    if array.ndim == 2:
        if array.shape[1] > 1:
            return array.argmax(axis=1)
        array = array[:, 0]
    if array.dtype.kind == "f":
        return (array > threshold).astype(np.int64)
    return array


def _is_string(array: np.ndarray) -> bool:
    return array.dtype.kind in "USO" and array.size > 0 and isinstance(array.flat[0], (str, bytes))


def class_labels(who: str, y_true: Any, y_pred: Any) -> tuple[np.ndarray, np.ndarray]:
    """Both label arrays as 1-d, equally long, of one kind (numbers or strings), not continuous."""
    arrays = []
    for name, y in (("y_true", y_true), ("y_pred", y_pred)):
        array = to_numpy(y)
        if array.ndim == 2 and array.shape[1] == 1:
            array = array[:, 0]
        if array.ndim != 1:
            raise ShapeError(
                f"{who}: {name} must hold class labels of shape (N,), got shape {array.shape}; "
                "take scores to labels with argmax first (or use retrograd.metrics.get_metric)"
            )
        if array.dtype.kind == "f" and not np.all(np.mod(array, 1) == 0):
            example = array[np.mod(array, 1) != 0][0]
            raise InvalidArgumentError(
                f"{who}: {name} has continuous values (e.g. {example}), not class labels; "
                "threshold probabilities first (or use retrograd.metrics.get_metric)"
            )
        arrays.append(array)
    t, p = arrays
    check_lengths(who, t, p)
    if _is_string(t) != _is_string(p):
        raise DTypeError(
            f"{who}: y_true and y_pred mix label types (dtypes {t.dtype} and {p.dtype}); "
            "both must be strings or both numbers"
        )
    return t, p
