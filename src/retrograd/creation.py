"""Factories: `tensor`, `zeros`, `ones`, `arange`, `rand`, ... (PyTorch's signatures)."""

from __future__ import annotations

import functools
import inspect
import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import numpy as np

from retrograd.autograd.tracing import trace_state
from retrograd.backend.arrays import is_device_array, is_host, to_device
from retrograd.backend.device import check_device, default_target
from retrograd.backend.dtypes import default_float_dtype, to_numpy_dtype
from retrograd.errors import (
    ArgumentTypeError,
    InvalidArgumentError,
    RetrogradError,
    UnsupportedError,
)
from retrograd.random import resolve_generator
from retrograd.tensor import Tensor, _shape_arg

# the values the factories may still create in this context (None: no limit)
_allowance: ContextVar[list[int] | None] = ContextVar("retrograd_allowance", default=None)


class AllocationLimitError(RetrogradError, MemoryError):
    """A factory was asked for more values than the enclosing `allocation_limit` allows."""


@contextmanager
def allocation_limit(values: int) -> Iterator[None]:
    """Within the block, the factories (`empty`, `zeros`, `ones`, `full`, `eye`, `rand`,
    `randn`, `linspace` and the `_like` ones) raise AllocationLimitError, before allocating,
    once they would create more than `values` values in all (a value wider than 8 bytes counts
    as several). `retrograd.io` builds a model file's architecture inside one, so a file cannot
    make a loader allocate more than the tensors it stores."""
    token = _allowance.set([int(values)])
    try:
        yield
    finally:
        _allowance.reset(token)


def _reserve(shape: tuple[int, ...], dtype: np.dtype) -> tuple[int, ...]:
    """`shape`, after taking its values from the enclosing `allocation_limit` (if any)."""
    allowance = _allowance.get()
    if allowance is not None:
        cost = math.prod(shape) * max(1, -(-dtype.itemsize // 8))
        if cost > allowance[0]:
            raise AllocationLimitError(
                f"a tensor of shape {tuple(shape)} and dtype {dtype} ({cost:,} values) is over "
                f"the allocation limit ({allowance[0]:,} values left)"
            )
        allowance[0] -= cost
    return shape


def _dtype(dtype: Any, fallback: Any = None) -> np.dtype:
    if dtype is None:
        return default_float_dtype() if fallback is None else np.dtype(fallback)
    return to_numpy_dtype(dtype)


def _make(array: np.ndarray, requires_grad: bool) -> Tensor:
    made = Tensor(array, requires_grad=requires_grad)
    if trace_state.tracer is not None:  # fixed by shape and arguments, not by any data
        trace_state.tracer.record_pure(made)
    return made


def placed(factory: Callable[..., Tensor]) -> Callable[..., Tensor]:
    """Check `factory`'s `device=` and put its new tensor there (a `*_like` factory: by default
    on the device of the tensor it copies), as PyTorch's factories do."""
    name = factory.__name__
    parameters = list(inspect.signature(factory).parameters.values())
    device_parameter = next(p for p in parameters if p.name == "device")
    # where a positional `device` would sit (None: keyword-only, after `*sizes` or `*`)
    position = (
        parameters.index(device_parameter)
        if device_parameter.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
        else None
    )

    @functools.wraps(factory)
    def make(*args: Any, **kwargs: Any) -> Tensor:
        if position is not None and len(args) > position:
            target = args[position]
        else:
            target = kwargs.get("device")
        check_device(target, name)
        out = factory(*args, **kwargs)
        if target is None and name.endswith("_like") and args and isinstance(args[0], Tensor):
            target = None if is_host(args[0].array) else args[0].device
        elif target is None:
            target = default_target()  # `set_default_device` / `with device(...)`
        if target is not None and out.device != target:
            out.array = to_device(out.array, target)
        return out

    return make


@placed
def tensor(
    data: Any,
    dtype: Any = None,
    requires_grad: bool = False,
    *,
    device: Any = None,
    pin_memory: bool = False,
) -> Tensor:
    """A new tensor holding a copy of `data` (lists of floats -> float32; arrays keep dtype)."""
    source = data.array if isinstance(data, Tensor) else data
    if is_device_array(source):  # a GPU array: copied on its device
        copied = source.copy() if dtype is None else source.astype(to_numpy_dtype(dtype))
        return Tensor(copied, requires_grad=requires_grad)
    return Tensor._of(
        np.array(source, copy=True) if isinstance(source, np.ndarray) else source,
        dtype=dtype,
        requires_grad=requires_grad,
    )


@placed
def as_tensor(data: Any, dtype: Any = None, *, device: Any = None) -> Tensor:
    """`data` as a tensor, sharing memory with a NumPy array when the dtype allows."""
    if isinstance(data, Tensor) and (dtype is None or to_numpy_dtype(dtype) == data.dtype):
        return data
    return Tensor._of(data, dtype=dtype)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with `array` (dtype kept)."""
    if not isinstance(array, np.ndarray):
        raise ArgumentTypeError(f"from_numpy expects a NumPy array, got {type(array).__name__}")
    return Tensor(array)


def _sizes(sizes: tuple[Any, ...], size: Any, name: str) -> tuple[int, ...]:
    """The shape given as `f(2, 3)`, `f((2, 3))` or `f(size=(2, 3))`, as PyTorch takes it."""
    if size is None:
        return _shape_arg(sizes)
    if sizes:
        raise ArgumentTypeError(f"{name}() got the size both positionally and as size=")
    return _shape_arg((size,) if isinstance(size, (tuple, list)) else (size,))


@placed
def zeros(
    *sizes: Any,
    size: Any = None,
    dtype: Any = None,
    requires_grad: bool = False,
    device: Any = None,
    pin_memory: bool = False,
) -> Tensor:
    """A tensor of zeros of `size`."""
    dtype_ = _dtype(dtype)
    return _make(
        np.zeros(_reserve(_sizes(sizes, size, "zeros"), dtype_), dtype=dtype_), requires_grad
    )


@placed
def ones(
    *sizes: Any,
    size: Any = None,
    dtype: Any = None,
    requires_grad: bool = False,
    device: Any = None,
    pin_memory: bool = False,
) -> Tensor:
    """A tensor of ones of `size`."""
    dtype_ = _dtype(dtype)
    return _make(
        np.ones(_reserve(_sizes(sizes, size, "ones"), dtype_), dtype=dtype_), requires_grad
    )


@placed
def empty(
    *sizes: Any,
    size: Any = None,
    dtype: Any = None,
    requires_grad: bool = False,
    device: Any = None,
    pin_memory: bool = False,
) -> Tensor:
    """A tensor of `size` (uninitialised values, as `torch.empty`)."""
    dtype_ = _dtype(dtype)
    return _make(
        np.empty(_reserve(_sizes(sizes, size, "empty"), dtype_), dtype=dtype_), requires_grad
    )


@placed
def full(
    size: Any,
    fill_value: Any,
    dtype: Any = None,
    requires_grad: bool = False,
    *,
    device: Any = None,
    pin_memory: bool = False,
) -> Tensor:
    """A tensor of `size` filled with `fill_value`."""
    shape = (int(size),) if isinstance(size, (int, np.integer)) else tuple(size)
    if dtype is None:
        kind = np.asarray(fill_value).dtype.kind
        fallback = {"b": np.bool_, "i": np.int64, "u": np.int64}.get(kind)
        dtype_ = _dtype(None, fallback)
    else:
        dtype_ = _dtype(dtype)
    return _make(np.full(_reserve(shape, dtype_), fill_value, dtype=dtype_), requires_grad)


@placed
def zeros_like(
    t: Tensor,
    dtype: Any = None,
    requires_grad: bool = False,
    *,
    device: Any = None,
    pin_memory: bool = False,
) -> Tensor:
    """Zeros with `t`'s shape."""
    dtype_ = _dtype(dtype, t.dtype)
    return _make(np.zeros(_reserve(t.shape, dtype_), dtype=dtype_), requires_grad)


@placed
def ones_like(
    t: Tensor,
    dtype: Any = None,
    requires_grad: bool = False,
    *,
    device: Any = None,
    pin_memory: bool = False,
) -> Tensor:
    """Ones with `t`'s shape."""
    dtype_ = _dtype(dtype, t.dtype)
    return _make(np.ones(_reserve(t.shape, dtype_), dtype=dtype_), requires_grad)


@placed
def full_like(
    t: Tensor,
    fill_value: Any,
    dtype: Any = None,
    requires_grad: bool = False,
    *,
    device: Any = None,
    pin_memory: bool = False,
) -> Tensor:
    """`full` with `t`'s shape (and dtype unless given)."""
    dtype_ = _dtype(dtype, t.dtype)
    return _make(np.full(_reserve(t.shape, dtype_), fill_value, dtype=dtype_), requires_grad)


@placed
def arange(
    start: float,
    end: float | None = None,
    step: float = 1,
    dtype: Any = None,
    requires_grad: bool = False,
    device: Any = None,
    pin_memory: bool = False,
) -> Tensor:
    """[start, end) in steps; integers give int64, any float gives float32 (PyTorch's rule)."""
    if end is None:
        start, end = 0, start
    if step == 0:
        raise InvalidArgumentError("arange: step must be non-zero")
    all_ints = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
    fallback = np.int64 if all_ints else None
    return _make(np.arange(start, end, step).astype(_dtype(dtype, fallback)), requires_grad)


@placed
def linspace(
    start: float,
    end: float,
    steps: int,
    dtype: Any = None,
    requires_grad: bool = False,
    device: Any = None,
    pin_memory: bool = False,
) -> Tensor:
    """`steps` evenly spaced values from `start` to `end`."""
    dtype_ = _dtype(dtype)
    if dtype_ == np.bool_:
        raise UnsupportedError("linspace is not implemented for bool (as in PyTorch)")
    if int(steps) < 0:
        raise InvalidArgumentError(f"linspace: number of steps must be non-negative, got {steps}")
    _reserve((int(steps),), np.dtype(np.float64))
    return _make(np.linspace(start, end, int(steps)).astype(dtype_), requires_grad)


@placed
def eye(
    n: int,
    m: int | None = None,
    dtype: Any = None,
    requires_grad: bool = False,
    *,
    device: Any = None,
    pin_memory: bool = False,
) -> Tensor:
    """The identity matrix (n x m)."""
    dtype_ = _dtype(dtype)
    _reserve((int(n), int(n if m is None else m)), dtype_)
    return _make(np.eye(n, m, dtype=dtype_), requires_grad)


@placed
def rand(
    *sizes: Any,
    size: Any = None,
    generator: np.random.Generator | None = None,
    dtype: Any = None,
    requires_grad: bool = False,
    device: Any = None,
    pin_memory: bool = False,
) -> Tensor:
    """Uniform on [0, 1), drawn from the seeded generator."""
    rng = resolve_generator(generator)
    shape = _reserve(_sizes(sizes, size, "rand"), np.dtype(np.float64))
    return _make(rng.random(shape).astype(_dtype(dtype)), requires_grad)


@placed
def randn(
    *sizes: Any,
    size: Any = None,
    generator: np.random.Generator | None = None,
    dtype: Any = None,
    requires_grad: bool = False,
    device: Any = None,
    pin_memory: bool = False,
) -> Tensor:
    """Standard normal, drawn from the seeded generator."""
    rng = resolve_generator(generator)
    shape = _reserve(_sizes(sizes, size, "randn"), np.dtype(np.float64))
    return _make(rng.standard_normal(shape).astype(_dtype(dtype)), requires_grad)


@placed
def randint(
    low: int,
    high: int | None = None,
    size: Any = (),
    generator: np.random.Generator | None = None,
    dtype: Any = None,
    device: Any = None,
    pin_memory: bool = False,
) -> Tensor:
    """Integers in [low, high) (int64): `randint(low, high, size)` or `randint(high, size)`."""
    if isinstance(high, (tuple, list)):  # randint(high, size)
        low, high, size = 0, low, high
    elif high is None:
        low, high = 0, low
    shape = (int(size),) if isinstance(size, (int, np.integer)) else tuple(size)
    rng = resolve_generator(generator)
    return Tensor(rng.integers(low, high, shape).astype(_dtype(dtype, np.int64)))


@placed
def rand_like(
    t: Tensor,
    generator: np.random.Generator | None = None,
    *,
    device: Any = None,
    pin_memory: bool = False,
) -> Tensor:
    """Uniform draws in [0, 1) with `t`'s shape."""
    return rand(t.shape, generator=generator, dtype=t.dtype)


@placed
def randn_like(
    t: Tensor,
    generator: np.random.Generator | None = None,
    *,
    device: Any = None,
    pin_memory: bool = False,
) -> Tensor:
    """Normal draws with `t`'s shape."""
    return randn(t.shape, generator=generator, dtype=t.dtype)


@placed
def randperm(
    n: int,
    generator: np.random.Generator | None = None,
    *,
    device: Any = None,
    pin_memory: bool = False,
) -> Tensor:
    """A random permutation of 0..n-1 (int64)."""
    return Tensor(resolve_generator(generator).permutation(int(n)).astype(np.int64))
