"""Helpers shared by the preprocessing objects: input checks and JSON-friendly state."""

from __future__ import annotations

from typing import Any

import numpy as np

from retrograd.errors import (
    ArgumentTypeError,
    DTypeError,
    InvalidArgumentError,
    NotFittedError,
    ShapeError,
    StateDictError,
)
from retrograd.tensor import Tensor


def as_2d(X: Any, who: str) -> tuple[np.ndarray, bool]:
    """`X` as a 2-d ndarray of numbers `(n_samples, n_features)`, and whether it was a Tensor."""
    is_tensor = isinstance(X, Tensor)
    array = X.array if is_tensor else np.asarray(X)
    if array.ndim != 2:
        raise ShapeError(
            f"{who}: X must be 2-d (n_samples, n_features), got shape {array.shape}; "
            "reshape a single feature with X.reshape(-1, 1)"
        )
    if array.dtype.kind not in "fiub":
        raise DTypeError(f"{who}: X must hold numbers, got dtype {array.dtype}")
    bad = ~np.isfinite(array).all(axis=0)
    if bad.any():
        raise InvalidArgumentError(
            f"{who}: X contains NaN or infinity in column(s) {np.flatnonzero(bad).tolist()}"
        )
    return array, is_tensor


def check_features(array: np.ndarray, n_features: int, who: str) -> None:
    if array.shape[1] != n_features:
        raise ShapeError(
            f"{who}: X has {array.shape[1]} features, but the scaler was fitted with "
            f"{n_features} features"
        )


def output(result: np.ndarray, like: np.ndarray, is_tensor: bool) -> Any:
    """`result` in the float dtype of the input (ints -> float64), as a Tensor if it was one."""
    dtype = like.dtype if like.dtype.kind == "f" else np.dtype(np.float64)
    result = result.astype(dtype, copy=False)
    return Tensor(result) if is_tensor else result


def not_fitted(cls_name: str, method: str) -> NotFittedError:
    return NotFittedError(f"{cls_name} is not fitted yet; call fit(...) before {method}(...)")


def to_list(array: np.ndarray | None) -> list[Any] | None:
    return None if array is None else array.tolist()


def to_array(values: list[Any] | None) -> np.ndarray | None:
    return None if values is None else np.asarray(values, dtype=np.float64)


def check_state(cls_name: str, state: dict[str, Any], keys: set[str]) -> None:
    """Raise `StateDictError` naming missing or unexpected keys, or another object's `type`."""
    if not isinstance(state, dict):
        raise ArgumentTypeError(
            f"{cls_name}.from_state_dict: expected a dict, got {type(state).__name__}"
        )
    if state.get("type", cls_name) != cls_name:
        raise StateDictError(
            f"{cls_name}.from_state_dict: the state is of a {state['type']!r}, not {cls_name!r}"
        )
    missing = sorted(keys - set(state))
    unexpected = sorted(set(state) - keys - {"type"})
    if missing or unexpected:
        raise StateDictError(
            f"{cls_name}.from_state_dict: missing keys {missing}, unexpected keys {unexpected}"
        )
