"""Which array library runs the numbers, and the dtype policy."""

from retrograd.backend.dtypes import (
    DEFAULT_FLOAT,
    default_float_dtype,
    is_floating,
    result_dtype,
    set_default_dtype,
    to_numpy_dtype,
)

__all__ = [
    "DEFAULT_FLOAT",
    "default_float_dtype",
    "is_floating",
    "result_dtype",
    "set_default_dtype",
    "to_numpy_dtype",
]
