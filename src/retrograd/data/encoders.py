"""`LabelEncoder`: labels of any type (strings or numbers) <-> class indices 0..n_classes-1."""

from __future__ import annotations

from numbers import Number
from typing import Any

import numpy as np

from retrograd.data._state import check_state, not_fitted
from retrograd.errors import DTypeError, InvalidArgumentError, ShapeError, StateDictError
from retrograd.tensor import Tensor


def _kind(value: Any) -> str:
    if isinstance(value, (str, np.str_, bytes)):
        return "string"
    if isinstance(value, (Number, np.number, np.bool_)):
        return "number"
    return type(value).__name__


def _labels(y: Any, who: str) -> np.ndarray:
    """`y` as a 1-d label array; a column `(N, 1)` is flattened; strings and numbers don't mix."""
    array = y.array if isinstance(y, Tensor) else np.asarray(y)
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim != 1:
        raise ShapeError(f"{who}: labels must be 1-d (n_samples,), got shape {array.shape}")
    if isinstance(y, (list, tuple)) or array.dtype == object:
        # np.asarray turns ["a", 1] into strings silently; look at the Python objects instead
        kinds = sorted({_kind(v) for v in np.asarray(y, dtype=object).ravel()})
        if len(kinds) > 1 or (kinds and kinds[0] not in ("string", "number")):
            raise DTypeError(f"{who}: labels must be all strings or all numbers, got {kinds}")
    return array


def _is_string(array: np.ndarray) -> bool:
    return array.dtype.kind in "USO" and (array.size == 0 or _kind(array.flat[0]) == "string")


class LabelEncoder:
    """Encode labels as `0..n_classes-1` (like `sklearn.preprocessing.LabelEncoder`).

    `classes_` holds the distinct labels sorted (numbers numerically, strings lexically);
    `transform(y)` gives each label's position there (int64), `inverse_transform` the reverse.
    """

    classes_: np.ndarray | None

    def __init__(self) -> None:
        self.classes_ = None

    def __repr__(self) -> str:
        return "LabelEncoder()"

    def fit(self, y: Any) -> LabelEncoder:
        """Learn `classes_`, the distinct labels of `y` `(N,)` sorted; returns the encoder."""
        self.classes_ = np.unique(_labels(y, "LabelEncoder.fit"))
        return self

    def _fitted(self, method: str) -> np.ndarray:
        if self.classes_ is None:
            raise not_fitted("LabelEncoder", method)
        return self.classes_

    def transform(self, y: Any) -> np.ndarray:
        """Labels `(N,)` -> class indices `(N,)` int64; a label not seen in `fit` is an error."""
        classes = self._fitted("transform")
        array = _labels(y, "LabelEncoder.transform")
        if array.size and _is_string(array) != _is_string(classes):
            known = np.zeros(array.shape, dtype=bool)
        else:
            known = np.isin(array, classes)
        if not known.all():
            unseen = np.unique(array[~known]).tolist()
            raise InvalidArgumentError(
                f"LabelEncoder.transform: y contains labels not seen in fit: {unseen[:10]}"
                f"{' ...' if len(unseen) > 10 else ''}; known classes: {classes.tolist()}"
            )
        return np.searchsorted(classes, array).astype(np.int64)

    def fit_transform(self, y: Any) -> np.ndarray:
        """`fit(y)`, then `transform(y)`: the class indices `(N,)` int64 of `y`'s labels."""
        return self.fit(y).transform(y)

    def inverse_transform(self, y: Any) -> np.ndarray:
        """Class indices `(N,)` -> the labels they stand for `(N,)`."""
        classes = self._fitted("inverse_transform")
        array = _labels(y, "LabelEncoder.inverse_transform")
        if array.size == 0:
            return classes[:0]
        if array.dtype.kind not in "iuf" or not np.all(np.mod(array, 1) == 0):
            raise InvalidArgumentError(
                f"LabelEncoder.inverse_transform: expected integer class indices, got {array.dtype}"
            )
        index = array.astype(np.int64)
        bad = (index < 0) | (index >= len(classes))
        if bad.any():
            raise InvalidArgumentError(
                f"LabelEncoder.inverse_transform: indices {np.unique(index[bad]).tolist()} are "
                f"out of range for {len(classes)} classes"
            )
        return classes[index]

    def state_dict(self) -> dict[str, Any]:
        """`classes_` as a JSON-friendly list plus its NumPy dtype string (None if not fitted)."""
        if self.classes_ is None:
            return {"type": "LabelEncoder", "classes_": None, "dtype": None}
        return {
            "type": "LabelEncoder",
            "classes_": self.classes_.tolist(),
            "dtype": self.classes_.dtype.str,
        }

    @classmethod
    def from_state_dict(cls, state: dict[str, Any]) -> LabelEncoder:
        """Rebuild an encoder saved by `state_dict()`."""
        check_state("LabelEncoder", state, {"classes_", "dtype"})
        encoder = cls()
        if state["classes_"] is not None:
            encoder.classes_ = _classes_from_state(state["classes_"], state["dtype"])
        return encoder


#: the dtype kinds a saved `classes_` may have: bool, integers, floats, strings
_CLASS_KINDS = "biufU"


def _classes_from_state(classes: Any, dtype_text: Any) -> np.ndarray:
    """`classes_` rebuilt from a saved list and dtype string, which may come from a file: the
    dtype must be a plain one of an allowed kind, and a string dtype's width is that of the
    longest stored label (never the width the state declares: a fixed-width string array costs
    count x width, so a declared width would let a file claim any amount of memory)."""
    who = "LabelEncoder.from_state_dict"
    if not isinstance(classes, list):
        raise StateDictError(f"{who}: classes_ must be a list, got {type(classes).__name__}")
    if not isinstance(dtype_text, str) or len(dtype_text) > 16:
        raise StateDictError(f"{who}: dtype must be a short dtype string such as '<U5' or '<i8'")
    try:
        dtype = np.dtype(dtype_text)
    except (TypeError, ValueError):
        raise StateDictError(f"{who}: dtype {dtype_text!r} is not a NumPy dtype") from None
    if dtype.kind not in _CLASS_KINDS or dtype.shape != () or dtype.names is not None:
        raise StateDictError(
            f"{who}: dtype {dtype_text!r} is not a plain bool, integer, float or string dtype"
        )
    if dtype.kind == "U":
        if not all(isinstance(label, str) for label in classes):
            raise StateDictError(f"{who}: dtype {dtype_text!r} needs string classes")
        width = max((len(label) for label in classes), default=1)
        return np.array(classes, dtype=f"<U{max(width, 1)}")
    if not all(isinstance(label, (bool, int, float)) for label in classes):
        raise StateDictError(f"{who}: dtype {dtype_text!r} needs numeric classes")
    try:
        return np.array(classes, dtype=dtype)
    except (OverflowError, ValueError) as error:
        raise StateDictError(f"{who}: classes_ do not fit dtype {dtype_text!r}: {error}") from None
