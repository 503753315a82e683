"""dtype policy: float32 by default, PyTorch's promotion rules, names users may pass."""

from __future__ import annotations

from typing import Any

import numpy as np

from retrograd.errors import DTypeError

DEFAULT_FLOAT = np.dtype(np.float32)
_default_float = [DEFAULT_FLOAT]

_NAMES = {
    "float32": np.float32,
    "float": np.float32,
    "float64": np.float64,
    "double": np.float64,
    "float16": np.float16,
    "half": np.float16,
    "int64": np.int64,
    "long": np.int64,
    "int32": np.int32,
    "int": np.int32,
    "int16": np.int16,
    "int8": np.int8,
    "uint8": np.uint8,
    "uint16": np.uint16,
    "uint32": np.uint32,
    "uint64": np.uint64,
    "bool": np.bool_,
}


#: PyTorch's typed tensor names, as `Tensor.type` takes them
_TENSOR_TYPES = {
    "FloatTensor": "float32",
    "DoubleTensor": "float64",
    "HalfTensor": "float16",
    "LongTensor": "int64",
    "IntTensor": "int32",
    "ShortTensor": "int16",
    "CharTensor": "int8",
    "ByteTensor": "uint8",
    "BoolTensor": "bool",
}


def default_float_dtype() -> np.dtype:
    """The dtype Python floats become (float32 unless changed)."""
    return _default_float[0]


def set_default_dtype(dtype: Any) -> None:
    """Make `dtype` (float32 or float64) the dtype Python floats become."""
    resolved = to_numpy_dtype(dtype)
    if resolved not in (np.float32, np.float64):
        raise DTypeError(f"default dtype must be float32 or float64, got {resolved}")
    _default_float[0] = resolved


def to_numpy_dtype(dtype: Any) -> np.dtype:
    """A NumPy dtype, a Python type or a name ('float64', 'double') as an np.dtype."""
    if isinstance(dtype, str):
        name = dtype.removeprefix("retrograd.").removeprefix("torch.")
        name = _TENSOR_TYPES.get(name, name)  # `x.type("torch.FloatTensor")`
        try:
            return np.dtype(_NAMES[name])
        except KeyError:
            raise DTypeError(f"unknown dtype name {dtype!r}; use one of {sorted(_NAMES)}") from None
    typed = getattr(dtype, "tensor_dtype", None)  # `x.type(torch.FloatTensor)`
    if typed is not None:
        return np.dtype(typed)
    if dtype is float:
        return default_float_dtype()
    if dtype is int:
        return np.dtype(np.int64)
    if dtype is bool:
        return np.dtype(np.bool_)
    return np.dtype(dtype)


def is_floating(dtype: np.dtype) -> bool:
    """True for floating dtypes, the only ones that can require a gradient."""
    return dtype.kind == "f"


def result_dtype(a: np.dtype, b: np.dtype) -> np.dtype:
    """Promotion of two tensor dtypes (both tensors, so NumPy's rule equals PyTorch's here)."""
    return np.promote_types(a, b)
