"""Top-level names PyTorch scripts use that are small spellings of what retrograd has:
`is_tensor`, `Size`, the typed constructors (`LongTensor` ...), `bernoulli`, `normal`,
`empty_like`, the thread and determinism switches, `set_printoptions`."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from retrograd.backend.arrays import to_device, to_host
from retrograd.backend.device import check_device, default_target
from retrograd.errors import ArgumentTypeError, DTypeError, InvalidArgumentError
from retrograd.tensor.core import Tensor
from retrograd.tensor.dispatch import _wrap


def is_tensor(obj: Any) -> bool:
    """True for a retrograd Tensor."""
    return isinstance(obj, Tensor)


def is_floating_point(tensor: Tensor) -> bool:
    """Whether `tensor` has a floating-point dtype (float16, float32 or float64)."""
    return bool(tensor.array.dtype.kind == "f")


def finfo(type: Any = None) -> np.finfo:  # noqa: A002 - PyTorch's name
    """`torch.finfo`: the limits of a floating dtype (`eps`, `max`, `min`, `tiny`, `bits`,
    `resolution`, `smallest_normal`); the default float dtype when none is given."""
    from retrograd.backend.dtypes import default_float_dtype, to_numpy_dtype

    dtype = default_float_dtype() if type is None else to_numpy_dtype(type)
    if dtype.kind != "f":
        raise DTypeError(f"finfo takes a floating dtype, got {dtype} (use iinfo)")
    return np.finfo(dtype)


def iinfo(type: Any) -> np.iinfo:  # noqa: A002 - PyTorch's name
    """`torch.iinfo`: the limits of an integer dtype (`max`, `min`, `bits`)."""
    from retrograd.backend.dtypes import to_numpy_dtype

    dtype = to_numpy_dtype(type)
    if dtype.kind not in "iu":
        raise DTypeError(f"iinfo takes an integer dtype, got {dtype} (use finfo)")
    return np.iinfo(dtype)


class Size(tuple[int, ...]):
    """`torch.Size`: a tuple of dimensions (tensor shapes compare equal to it)."""

    def numel(self) -> int:
        """How many values: the product of the sizes."""
        return int(np.prod(self, dtype=np.int64))

    def __repr__(self) -> str:
        return f"Size({list(self)})"


def _placed(made: Tensor, device: Any, source: Any = None) -> Tensor:
    """`made` (a new tensor on the host) on `device`, else on the GPU tensor `source`'s device,
    else on the default device."""
    if device is None and isinstance(source, Tensor) and not source.is_cpu:
        device = source.device
    target = default_target() if device is None else device
    if target is not None:
        made.array = to_device(made.array, target)
    return made


def _typed(name: str, dtype: Any) -> Any:
    def make(*data: Any, device: Any = None) -> Tensor:
        check_device(device, name)
        if len(data) == 1 and not isinstance(data[0], (int, np.integer)):
            return _placed(Tensor(data[0], dtype=dtype), device)  # LongTensor([1, 2])
        if not all(isinstance(d, (int, np.integer)) for d in data):
            raise ArgumentTypeError(f"{name}: give data or sizes (ints), got {data!r}")
        zeros = np.zeros(tuple(int(d) for d in data), dtype=dtype)  # FloatTensor(2, 3)
        return _placed(_wrap(zeros), device)

    make.tensor_dtype = np.dtype(dtype)  # type: ignore[attr-defined]  # for `x.type(make)`
    make.__name__ = name
    make.__doc__ = f"`torch.{name}`: a {np.dtype(dtype)} tensor from data, or zeros of a size."
    return make


FloatTensor = _typed("FloatTensor", np.float32)
DoubleTensor = _typed("DoubleTensor", np.float64)
HalfTensor = _typed("HalfTensor", np.float16)
LongTensor = _typed("LongTensor", np.int64)
IntTensor = _typed("IntTensor", np.int32)
ShortTensor = _typed("ShortTensor", np.int16)
CharTensor = _typed("CharTensor", np.int8)
ByteTensor = _typed("ByteTensor", np.uint8)
BoolTensor = _typed("BoolTensor", np.bool_)


def empty_like(
    tensor: Tensor, *, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """A tensor of `tensor`'s shape (zero-filled: retrograd never hands out uninitialised
    memory)."""
    from retrograd.creation import zeros_like

    return zeros_like(tensor, dtype=dtype, requires_grad=requires_grad, device=device)


def bernoulli(input: Tensor, p: Any = None, *, generator: Any = None) -> Tensor:  # noqa: A002
    """0/1 draws with the probabilities in `input` (or `p`)."""
    if p is not None:
        return input.new_zeros(input.shape).bernoulli_(p, generator=generator)
    return input.bernoulli(generator=generator)


def normal(
    mean: Any = 0.0,
    std: Any = 1.0,
    size: Any = None,
    *,
    generator: Any = None,
    dtype: Any = None,
    device: Any = None,
) -> Tensor:
    """Normal draws: `normal(mean_tensor, std_tensor)`, `normal(mean, std, size)`."""
    from retrograd.backend.dtypes import default_float_dtype, to_numpy_dtype
    from retrograd.random import resolve_generator

    check_device(device, "normal")
    means = to_host(getattr(mean, "array", mean)).astype(np.float64)
    stds = to_host(getattr(std, "array", std)).astype(np.float64)
    if (stds < 0).any():
        raise InvalidArgumentError("normal: std must be non-negative")
    shape = np.broadcast_shapes(means.shape, stds.shape) if size is None else tuple(size)
    drawn = resolve_generator(generator).normal(means, stds, shape)
    source = mean if isinstance(mean, Tensor) else std if isinstance(std, Tensor) else None
    target = (
        to_numpy_dtype(dtype)
        if dtype is not None
        else source.dtype
        if source is not None
        else default_float_dtype()
    )
    return _placed(_wrap(np.asarray(drawn, dtype=target)), device, source)


def set_num_threads(count: int) -> None:
    """Threads for matrix products (NumPy's BLAS, through threadpoolctl when installed)."""
    if isinstance(count, bool) or not isinstance(count, (int, np.integer)) or count < 1:
        raise InvalidArgumentError(f"set_num_threads: expected a positive int, got {count!r}")
    _threads["count"] = int(count)
    try:
        from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]
    except ImportError:
        return
    threadpool_limits(int(count), user_api="blas")


def get_num_threads() -> int:
    """The thread count `set_num_threads` set, else the number of CPUs."""
    return _threads["count"] or (os.cpu_count() or 1)


_threads = {"count": 0}


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """Accepted: every retrograd op is deterministic already."""
    _deterministic["on"] = bool(mode)


def are_deterministic_algorithms_enabled() -> bool:
    """Whether `use_deterministic_algorithms(True)` was called last."""
    return _deterministic["on"]


_deterministic = {"on": False}


def set_printoptions(
    precision: int | None = None,
    threshold: int | None = None,
    edgeitems: int | None = None,
    linewidth: int | None = None,
    profile: str | None = None,
    sci_mode: bool | None = None,
) -> None:
    """How tensors print (NumPy's print options, which tensor printing uses)."""
    options: dict[str, Any] = {}
    if profile == "full":
        options["threshold"] = np.inf
    elif profile == "short":
        options.update(precision=2, threshold=1000, edgeitems=2)
    elif profile == "default":
        options.update(precision=4, threshold=1000, edgeitems=3, linewidth=80)
    for key, value in (
        ("precision", precision),
        ("threshold", threshold),
        ("edgeitems", edgeitems),
        ("linewidth", linewidth),
    ):
        if value is not None:
            options[key] = value
    if sci_mode is not None:
        options["suppress"] = not sci_mode
    np.set_printoptions(**options)
