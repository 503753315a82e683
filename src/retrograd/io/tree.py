"""Nested state (optimizer and scheduler state dicts, scaler state, RNG state, user metadata)
as JSON, with a tag for each value plain JSON would lose.

Tags (each a one-key object): `{"__tuple__": [...]}`, `{"__dict__": [[key, value], ...]}` for a
dict with non-string keys, `{"__scalar__": {"dtype", "value"}}` for a NumPy scalar, and for an
array either `{"__ndarray__": {"dtype", "shape", "data"}}` (inline) or `{"__tensor__": name}`,
a reference to a tensor stored beside the JSON in the same safetensors file.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from retrograd.backend.arrays import is_device_array, to_host
from retrograd.errors import ArgumentTypeError, InvalidArgumentError
from retrograd.io.errors import ModelFileError
from retrograd.io.header import DTYPES
from retrograd.tensor import Tensor

_TAGS = ("__tuple__", "__dict__", "__scalar__", "__ndarray__", "__tensor__")
_TENSOR_DTYPES = set(DTYPES.values())
_INLINE_KINDS = "biufU"  # bool, ints, floats, unicode strings: what JSON holds exactly
_MAX_STRING_CHARS = 1 << 26  # count x width of one inline string array


def encode(value: Any, path: str, tensors: dict[str, np.ndarray] | None) -> Any:
    """`value` as JSON-ready data. Arrays go into `tensors` under their dotted `path` (e.g.
    "optimizer.state.0.exp_avg") when it is given, else inline.

    Raises:
        ModelFileError: naming the path of a value that cannot be stored (a function...).
    """
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, Tensor):
        value = value.array
    if is_device_array(value):  # GPU state (an optimizer's moments) is saved from the host
        value = to_host(value)
    if isinstance(value, np.ndarray):
        return _encode_array(value, path, tensors)
    if isinstance(value, np.generic):
        if value.dtype.kind not in _INLINE_KINDS:
            raise ModelFileError(f"cannot store {path}: NumPy scalar of dtype {value.dtype}")
        return {"__scalar__": {"dtype": value.dtype.str, "value": value.item()}}
    if isinstance(value, tuple):
        return {"__tuple__": [encode(v, f"{path}.{i}", tensors) for i, v in enumerate(value)]}
    if isinstance(value, list):
        return [encode(v, f"{path}.{i}", tensors) for i, v in enumerate(value)]
    if isinstance(value, dict):
        plain = all(isinstance(key, str) for key in value) and not (
            len(value) == 1 and next(iter(value)) in _TAGS
        )
        if plain:
            return {key: encode(v, f"{path}.{key}", tensors) for key, v in value.items()}
        return {
            "__dict__": [
                [encode(key, f"{path}.<key>", None), encode(v, f"{path}.{key}", tensors)]
                for key, v in value.items()
            ]
        }
    raise ModelFileError(
        f"cannot store {path}: a {type(value).__name__} (only numbers, strings, booleans, None, "
        "lists, tuples, dicts and arrays can be written to a file)"
    )


def _encode_array(array: np.ndarray, path: str, tensors: dict[str, np.ndarray] | None) -> Any:
    if tensors is not None and array.dtype in _TENSOR_DTYPES:
        if path in tensors:
            raise ModelFileError(f"cannot store {path}: two values would share that tensor name")
        tensors[path] = array
        return {"__tensor__": path}
    if array.dtype.kind not in _INLINE_KINDS:
        raise ModelFileError(f"cannot store {path}: an array of dtype {array.dtype}")
    return {
        "__ndarray__": {
            "dtype": array.dtype.str,
            "shape": list(array.shape),
            "data": array.ravel().tolist(),
        }
    }


def decode(value: Any, tensors: dict[str, np.ndarray], source: str) -> Any:
    """Undo `encode`; `tensors` holds the arrays that `{"__tensor__": name}` refers to.

    Raises:
        ModelFileError: (naming `source`) for a malformed tag or a missing tensor.
    """
    try:
        return _decode(value, tensors, source)
    except RecursionError:
        raise ModelFileError(f"{source}: metadata nested too deeply") from None


def _decode(value: Any, tensors: dict[str, np.ndarray], source: str) -> Any:
    if isinstance(value, list):
        return [_decode(v, tensors, source) for v in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        tag, body = next(iter(value.items()))
        if tag in _TAGS:
            try:
                return _decode_tag(tag, body, tensors, source)
            except (TypeError, ValueError, KeyError, OverflowError) as error:
                if isinstance(error, ModelFileError):
                    raise
                raise ModelFileError(f"{source}: malformed {tag} entry: {error}") from None
    return {key: _decode(v, tensors, source) for key, v in value.items()}


def _decode_tag(tag: str, body: Any, tensors: dict[str, np.ndarray], source: str) -> Any:
    if tag == "__tuple__":
        return tuple(_decode(v, tensors, source) for v in _list(body))
    if tag == "__dict__":
        pairs = [_list(pair) for pair in _list(body)]
        if any(len(pair) != 2 for pair in pairs):
            raise InvalidArgumentError("each item must be a [key, value] pair")
        return {_decode(k, tensors, source): _decode(v, tensors, source) for k, v in pairs}
    if tag == "__tensor__":
        if not isinstance(body, str) or body not in tensors:
            raise ModelFileError(f"{source}: metadata refers to a tensor {body!r:.80} it lacks")
        return tensors[body]
    dtype = np.dtype(body["dtype"])
    if dtype.kind not in _INLINE_KINDS:
        raise InvalidArgumentError(f"dtype {dtype} is not allowed")
    if tag == "__scalar__":
        return dtype.type(body["value"])
    shape = tuple(_list(body["shape"]))
    data = _list(body["data"])
    if len(data) != math.prod(shape):
        raise InvalidArgumentError(f"shape {shape} does not fit {len(data)} values")
    if dtype.kind == "U":
        dtype = _string_dtype(data)
    return np.array(data, dtype=dtype).reshape(shape)


def _string_dtype(data: list[Any]) -> np.dtype:
    """The width the strings need (never the file's word for it: a fixed-width string array
    costs count x width, so a huge declared width could exhaust memory)."""
    if not all(isinstance(item, str) for item in data):
        raise ArgumentTypeError("a string array holds a non-string")
    width = max((len(item) for item in data), default=1)
    if len(data) * width > _MAX_STRING_CHARS:
        raise InvalidArgumentError(f"{len(data)} strings of up to {width} characters is too large")
    return np.dtype(f"<U{max(width, 1)}")


def _list(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise ArgumentTypeError(f"expected a list, got {type(value).__name__}")
    return value
