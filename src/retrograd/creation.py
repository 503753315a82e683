"""Factories: `tensor`, `zeros`, `ones`, `arange`, `rand`, ... (PyTorch's signatures)."""

from __future__ import annotations

from typing import Any

import numpy as np

from retrograd.autograd.tracing import trace_state
from retrograd.backend.dtypes import default_float_dtype, to_numpy_dtype
from retrograd.errors import ArgumentTypeError, InvalidArgumentError
from retrograd.random import resolve_generator
from retrograd.tensor import Tensor, _shape_arg


def _dtype(dtype: Any, fallback: Any = None) -> np.dtype:
    if dtype is None:
        return default_float_dtype() if fallback is None else np.dtype(fallback)
    return to_numpy_dtype(dtype)


def _make(array: np.ndarray, requires_grad: bool) -> Tensor:
    made = Tensor(array, requires_grad=requires_grad)
    if trace_state.tracer is not None:  # fixed by shape and arguments, not by any data
        trace_state.tracer.record_pure(made)
    return made


def tensor(data: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A new tensor holding a copy of `data` (lists of floats -> float32; arrays keep dtype)."""
    source = data.data if isinstance(data, Tensor) else data
    return Tensor(
        np.array(source, copy=True) if isinstance(source, np.ndarray) else source,
        dtype=dtype,
        requires_grad=requires_grad,
    )


def as_tensor(data: Any, dtype: Any = None) -> Tensor:
    """`data` as a tensor, sharing memory with a NumPy array when the dtype allows."""
    if isinstance(data, Tensor) and (dtype is None or to_numpy_dtype(dtype) == data.dtype):
        return data
    return Tensor(data, dtype=dtype)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with `array` (dtype kept)."""
    if not isinstance(array, np.ndarray):
        raise ArgumentTypeError(f"from_numpy expects a NumPy array, got {type(array).__name__}")
    return Tensor(array)


def zeros(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _make(np.zeros(_shape_arg(size), dtype=_dtype(dtype)), requires_grad)


def ones(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _make(np.ones(_shape_arg(size), dtype=_dtype(dtype)), requires_grad)


def empty(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _make(np.empty(_shape_arg(size), dtype=_dtype(dtype)), requires_grad)


def full(size: Any, fill_value: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    shape = (int(size),) if isinstance(size, (int, np.integer)) else tuple(size)
    if dtype is None:
        kind = np.asarray(fill_value).dtype.kind
        fallback = {"b": np.bool_, "i": np.int64, "u": np.int64}.get(kind)
        dtype_ = _dtype(None, fallback)
    else:
        dtype_ = _dtype(dtype)
    return _make(np.full(shape, fill_value, dtype=dtype_), requires_grad)


def zeros_like(t: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _make(np.zeros(t.shape, dtype=_dtype(dtype, t.dtype)), requires_grad)


def ones_like(t: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _make(np.ones(t.shape, dtype=_dtype(dtype, t.dtype)), requires_grad)


def full_like(t: Tensor, fill_value: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _make(np.full(t.shape, fill_value, dtype=_dtype(dtype, t.dtype)), requires_grad)


def arange(
    start: float,
    end: float | None = None,
    step: float = 1,
    dtype: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """[start, end) in steps; integers give int64, any float gives float32 (PyTorch's rule)."""
    if end is None:
        start, end = 0, start
    if step == 0:
        raise InvalidArgumentError("arange: step must be non-zero")
    all_ints = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
    fallback = np.int64 if all_ints else None
    return _make(np.arange(start, end, step).astype(_dtype(dtype, fallback)), requires_grad)


def linspace(
    start: float, end: float, steps: int, dtype: Any = None, requires_grad: bool = False
) -> Tensor:
    return _make(np.linspace(start, end, int(steps)).astype(_dtype(dtype)), requires_grad)


def eye(n: int, m: int | None = None, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _make(np.eye(n, m, dtype=_dtype(dtype)), requires_grad)


def rand(
    *size: Any,
    generator: np.random.Generator | None = None,
    dtype: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Uniform on [0, 1), drawn from the seeded generator."""
    rng = resolve_generator(generator)
    return _make(rng.random(_shape_arg(size)).astype(_dtype(dtype)), requires_grad)


def randn(
    *size: Any,
    generator: np.random.Generator | None = None,
    dtype: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Standard normal, drawn from the seeded generator."""
    rng = resolve_generator(generator)
    return _make(rng.standard_normal(_shape_arg(size)).astype(_dtype(dtype)), requires_grad)


def randint(
    low: int,
    high: int | None = None,
    size: Any = (),
    generator: np.random.Generator | None = None,
    dtype: Any = None,
) -> Tensor:
    """Integers in [low, high) (int64): `randint(low, high, size)` or `randint(high, size)`."""
    if isinstance(high, (tuple, list)):  # randint(high, size)
        low, high, size = 0, low, high
    elif high is None:
        low, high = 0, low
    shape = (int(size),) if isinstance(size, (int, np.integer)) else tuple(size)
    rng = resolve_generator(generator)
    return Tensor(rng.integers(low, high, shape).astype(_dtype(dtype, np.int64)))


def rand_like(t: Tensor, generator: np.random.Generator | None = None) -> Tensor:
    return rand(t.shape, generator=generator, dtype=t.dtype)


def randn_like(t: Tensor, generator: np.random.Generator | None = None) -> Tensor:
    return randn(t.shape, generator=generator, dtype=t.dtype)


def randperm(n: int, generator: np.random.Generator | None = None) -> Tensor:
    return Tensor(resolve_generator(generator).permutation(int(n)).astype(np.int64))
