"""`split_arrays`: hold out a validation fraction of `(X, y)`, the way Keras's fit does."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from retrograd.errors import InvalidArgumentError, ShapeError
from retrograd.random import resolve_generator
from retrograd.tensor import Tensor


def _length(a: Any, name: str) -> int:
    shape = a.shape if isinstance(a, (Tensor, np.ndarray)) else np.shape(a)
    if len(shape) == 0:
        raise ShapeError(f"split_arrays: {name} is 0-d; it needs a first (samples) dimension")
    return int(shape[0])


def _take(a: Any, index: Any) -> Any:
    """Rows `index` of `a`, as the same kind of object (Tensor -> Tensor, else ndarray)."""
    if isinstance(a, Tensor):
        return Tensor(a.array[index])
    return np.asarray(a)[index]


def split_arrays(
    X: Any,
    y: Any = None,
    validation_split: float = 0.2,
    shuffle: bool = False,
    generator: np.random.Generator | None = None,
) -> tuple[Any, Any, Any, Any]:
    """Split `X` (and `y`) into a training part and a validation part.

    Like Keras's `fit(validation_split=...)`: the LAST `ceil(N * validation_split)` samples
    (`N - floor(N * (1 - validation_split))`) are the validation set, taken before any shuffling,
    so the split is the same on every call. `shuffle=True` first permutes the samples with
    `generator` (default retrograd's global one), like scikit-learn's `train_test_split`.

    Args:
        X: the samples, `(N, ...)`; Tensors stay Tensors, anything else becomes an ndarray.
        y: the targets, `(N, ...)`, or None.
        validation_split: the validation fraction, in (0, 1). Default: 0.2.
        shuffle: permute the samples first. Default: False.
        generator: a NumPy `Generator` for `shuffle`. Default: retrograd's global one.

    Returns:
        `(X_train, X_val, y_train, y_val)` (the order of `train_test_split`); the `y` parts are
            None when `y` is.
    """
    if not 0.0 < validation_split < 1.0:
        raise InvalidArgumentError(
            f"split_arrays: validation_split must be in (0, 1), got {validation_split}"
        )
    n = _length(X, "X")
    if y is not None and _length(y, "y") != n:
        raise ShapeError(
            f"split_arrays: X has {n} samples but y has {_length(y, 'y')}; they must match"
        )
    split_at = int(math.floor(n * (1.0 - validation_split)))
    if split_at == 0 or split_at == n:
        raise InvalidArgumentError(
            f"split_arrays: {n} samples are too few to split with "
            f"validation_split={validation_split} (training part {split_at}, "
            f"validation part {n - split_at}); give more data or another fraction"
        )
    order = resolve_generator(generator).permutation(n) if shuffle else np.arange(n)
    train, val = order[:split_at], order[split_at:]
    if y is None:
        return _take(X, train), _take(X, val), None, None
    return _take(X, train), _take(X, val), _take(y, train), _take(y, val)
