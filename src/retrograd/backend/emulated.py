"""An emulated accelerator for tests without a GPU: NumPy computes, CuPy's rules apply.

`EmulatedArray` wraps a NumPy array and behaves as a CuPy array does toward NumPy code:

- NumPy ufuncs (`np.exp(x)`, `x + y`, `np.add.at`) and the NumPy functions CuPy also has
  (`np.concatenate`, `np.zeros_like`, ...) run through NumPy's dispatch protocols (NEP 13 and
  NEP 18) and return emulated arrays, as they return CuPy arrays on a GPU;
- converting one to a NumPy array (`np.asarray(x)`), mixing one with a NumPy array in an op, or
  calling a NumPy function CuPy lacks is a `TypeError`, as it is with CuPy.

So a NumPy-only call in an op (an array made on the host with `np.zeros(shape)` and mixed into
device values, an implicit host copy) fails a CPU test instead of a GPU run. The values are
NumPy's own, so results equal the CPU path bit for bit. `namespace` is the emulator's `cupy`:
NumPy's functions, taking and returning emulated arrays.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from retrograd.errors import ArgumentTypeError

#: NumPy functions CuPy does not have (calling one on a device array is an error there)
NUMPY_ONLY = frozenset(
    {
        "apply_along_axis",
        "apply_over_axes",
        "frompyfunc",
        "nditer",
        "piecewise",
        "vectorize",
        "fromiter",
        "fromfunction",
        "genfromtxt",
        "loadtxt",
        "busday_count",
        "ndenumerate",
        "ndindex",
    }
)


#: the ufunc methods CuPy has, by method: which ufuncs have them
UFUNC_METHODS = {
    "reduce": ("add", "multiply"),
    "accumulate": ("add", "multiply"),
    "at": ("add", "subtract", "maximum", "minimum"),
    "outer": ("add", "subtract", "multiply", "divide", "true_divide", "maximum", "minimum"),
}


class _Device:
    """CuPy's `Device`: `.id` is the GPU number."""

    id = 0

    def __repr__(self) -> str:
        return "<CUDA Device 0 (emulated)>"


class _Flags:
    """CuPy's flags: contiguity only (a device array has no `writeable` flag)."""

    __slots__ = ("_flags",)

    def __init__(self, flags: Any) -> None:
        self._flags = flags

    @property
    def c_contiguous(self) -> bool:
        return bool(self._flags.c_contiguous)

    @property
    def f_contiguous(self) -> bool:
        return bool(self._flags.f_contiguous)

    @property
    def owndata(self) -> bool:
        return bool(self._flags.owndata)

    def __getitem__(self, name: str) -> bool:
        return bool(getattr(self, name.lower()))


def _refuse(what: str) -> ArgumentTypeError:
    return ArgumentTypeError(
        f"{what}: a NumPy array cannot be mixed with a device (cuda) array; move it with "
        "Tensor.to(device) or make it on the device (a NumPy-only call in device code)"
    )


def unwrap(value: Any, who: str) -> Any:
    """The NumPy value under `value` (emulated arrays unwrapped, in lists and tuples too); a
    raw NumPy array is refused, as CuPy refuses one."""
    kind = type(value)
    if kind is EmulatedArray:
        return value._a
    if kind is np.ndarray:
        raise _refuse(who)
    if kind is tuple or kind is list:
        return kind(unwrap(item, who) for item in value)
    return value


def wrap(value: Any) -> Any:
    """Emulated arrays for NumPy results (scalars become 0-d arrays, as CuPy returns them)."""
    kind = type(value)
    if kind is np.ndarray:
        return EmulatedArray(value)
    if isinstance(value, np.generic):
        return EmulatedArray(np.asarray(value))
    if isinstance(value, tuple) and hasattr(value, "_fields"):  # SVDResult, EighResult, ...
        return kind(*(wrap(item) for item in value))
    if kind is tuple or kind is list:
        return kind(wrap(item) for item in value)
    return value


def _binary(ufunc: np.ufunc, reflected: bool = False) -> Callable[[Any, Any], Any]:
    if reflected:
        return lambda self, other: ufunc(other, self)
    return lambda self, other: ufunc(self, other)


def _inplace(ufunc: np.ufunc) -> Callable[[Any, Any], Any]:
    def method(self: EmulatedArray, other: Any) -> EmulatedArray:
        ufunc(self, other, out=(self,))
        return self

    return method


class EmulatedArray:
    """A device array on the emulated accelerator (see the module docstring)."""

    __slots__ = ("_a",)
    __array_priority__ = 100

    def __init__(self, array: np.ndarray) -> None:
        self._a = array

    # NumPy's protocols: ufuncs and functions dispatch here, as they do to CuPy
    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        who = f"np.{ufunc.__name__}" + ("" if method == "__call__" else f".{method}")
        if method != "__call__" and ufunc.__name__ not in UFUNC_METHODS.get(method, ()):
            raise ArgumentTypeError(f"{who}: CuPy has no such ufunc method")
        args = unwrap(inputs, who)
        out = kwargs.get("out")
        if out is not None:
            kwargs["out"] = unwrap(out, who)
        result = getattr(ufunc, method)(*args, **kwargs)
        if out is not None:
            return out[0] if len(out) == 1 else out
        return wrap(result)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        name = func.__name__
        if name in NUMPY_ONLY:
            raise ArgumentTypeError(f"np.{name} has no CuPy counterpart: it cannot run on a device")
        who = f"np.{name}"
        result = func(*unwrap(args, who), **{k: unwrap(v, who) for k, v in kwargs.items()})
        if "out" in kwargs and kwargs["out"] is not None:
            return kwargs["out"]
        return wrap(result)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        raise ArgumentTypeError(
            "Implicit conversion to a NumPy array is not allowed (a device array); "
            "use .get() to copy it to the host"
        )

    # CuPy's array API
    def get(self) -> np.ndarray:
        """A host (NumPy) copy."""
        return self._a.copy()

    @property
    def device(self) -> _Device:
        return _DEVICE

    @property
    def shape(self) -> tuple[int, ...]:
        return self._a.shape

    @shape.setter
    def shape(self, value: tuple[int, ...]) -> None:
        self._a.shape = value

    @property
    def dtype(self) -> np.dtype:
        return self._a.dtype

    @property
    def ndim(self) -> int:
        return self._a.ndim

    @property
    def size(self) -> int:
        return self._a.size

    @property
    def itemsize(self) -> int:
        return self._a.itemsize

    @property
    def nbytes(self) -> int:
        return self._a.nbytes

    @property
    def strides(self) -> tuple[int, ...]:
        return self._a.strides

    @property
    def flags(self) -> _Flags:
        return _Flags(self._a.flags)

    @property
    def base(self) -> Any:
        base = self._a.base
        return None if base is None else EmulatedArray(base)

    @property
    def T(self) -> EmulatedArray:  # noqa: N802 - NumPy's name
        return EmulatedArray(self._a.T)

    @property
    def real(self) -> EmulatedArray:
        return EmulatedArray(self._a.real)

    @property
    def imag(self) -> EmulatedArray:
        return EmulatedArray(self._a.imag)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):  # no `__array_interface__` & co: those would hand NumPy the host
            raise AttributeError(name)
        method = getattr(self._a, name)  # reshape, sum, astype, ...: NumPy's method
        if not callable(method):
            return wrap(method)
        who = f"ndarray.{name}"

        def call(*args: Any, **kwargs: Any) -> Any:
            result = method(*unwrap(args, who), **{k: unwrap(v, who) for k, v in kwargs.items()})
            if name in ("item", "tolist"):
                return result
            return wrap(result)

        return call

    def __getitem__(self, key: Any) -> Any:
        return wrap(self._a[_index(key)])

    def __setitem__(self, key: Any, value: Any) -> None:
        self._a[_index(key)] = unwrap(value, "setitem")

    def __len__(self) -> int:
        return len(self._a)

    def __iter__(self) -> Any:
        return (wrap(row) for row in self._a)

    def __bool__(self) -> bool:
        return bool(self._a)

    def __float__(self) -> float:
        return float(self._a)

    def __int__(self) -> int:
        return int(self._a)

    def __index__(self) -> int:
        return self._a.__index__()

    def __complex__(self) -> complex:
        return complex(self._a)

    def __repr__(self) -> str:
        return f"emulated-device {self._a!r}"

    def __str__(self) -> str:
        return str(self._a)

    def __copy__(self) -> EmulatedArray:
        return EmulatedArray(self._a.copy())

    def __deepcopy__(self, memo: Any) -> EmulatedArray:
        return EmulatedArray(self._a.copy())

    def __dlpack__(self, **kwargs: Any) -> Any:
        raise ArgumentTypeError("an emulated device array has no DLPack capsule")

    __hash__ = None  # type: ignore[assignment]  # arrays are unhashable

    __add__ = _binary(np.add)
    __radd__ = _binary(np.add, True)
    __sub__ = _binary(np.subtract)
    __rsub__ = _binary(np.subtract, True)
    __mul__ = _binary(np.multiply)
    __rmul__ = _binary(np.multiply, True)
    __truediv__ = _binary(np.true_divide)
    __rtruediv__ = _binary(np.true_divide, True)
    __floordiv__ = _binary(np.floor_divide)
    __rfloordiv__ = _binary(np.floor_divide, True)
    __mod__ = _binary(np.remainder)
    __rmod__ = _binary(np.remainder, True)
    __pow__ = _binary(np.power)
    __rpow__ = _binary(np.power, True)
    __matmul__ = _binary(np.matmul)
    __rmatmul__ = _binary(np.matmul, True)
    __and__ = _binary(np.bitwise_and)
    __rand__ = _binary(np.bitwise_and, True)
    __or__ = _binary(np.bitwise_or)
    __ror__ = _binary(np.bitwise_or, True)
    __xor__ = _binary(np.bitwise_xor)
    __rxor__ = _binary(np.bitwise_xor, True)
    __lshift__ = _binary(np.left_shift)
    __rshift__ = _binary(np.right_shift)
    __lt__ = _binary(np.less)
    __le__ = _binary(np.less_equal)
    __gt__ = _binary(np.greater)
    __ge__ = _binary(np.greater_equal)
    __eq__ = _binary(np.equal)
    __ne__ = _binary(np.not_equal)
    __iadd__ = _inplace(np.add)
    __isub__ = _inplace(np.subtract)
    __imul__ = _inplace(np.multiply)
    __itruediv__ = _inplace(np.true_divide)
    __ifloordiv__ = _inplace(np.floor_divide)
    __ipow__ = _inplace(np.power)
    __iand__ = _inplace(np.bitwise_and)
    __ior__ = _inplace(np.bitwise_or)
    __ixor__ = _inplace(np.bitwise_xor)

    def __neg__(self) -> Any:
        return np.negative(self)

    def __pos__(self) -> Any:
        return np.positive(self)

    def __abs__(self) -> Any:
        return np.absolute(self)

    def __invert__(self) -> Any:
        return np.invert(self)


_DEVICE = _Device()


def _index(key: Any) -> Any:
    """An index for the wrapped array: emulated arrays unwrapped (NumPy integer and boolean
    index arrays are accepted, as CuPy copies them to the device)."""
    if type(key) is EmulatedArray:
        return key._a
    if type(key) is tuple:
        return tuple(_index(k) for k in key)
    return key


class _Namespace:
    """The emulator's `cupy`: NumPy's functions on emulated arrays (`namespace.zeros(shape)` makes
    a device array; arrays passed in must be device arrays)."""

    def __init__(self, module: Any, prefix: str) -> None:
        self._module = module
        self._prefix = prefix

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._module, name)
        if name in NUMPY_ONLY:
            raise AttributeError(f"{self._prefix}.{name}: CuPy has no such function")
        if isinstance(value, type) or not callable(value):
            if hasattr(value, "__name__") and type(value).__name__ == "module":
                return _Namespace(value, f"{self._prefix}.{name}")
            return value  # dtypes, constants
        if isinstance(value, np.ufunc):
            return value  # ufuncs dispatch through __array_ufunc__ already
        who = f"{self._prefix}.{name}"

        def call(*args: Any, **kwargs: Any) -> Any:
            return wrap(value(*unwrap(args, who), **{k: unwrap(v, who) for k, v in kwargs.items()}))

        return call

    def asarray(self, value: Any, dtype: Any = None) -> EmulatedArray:
        """A device copy of `value` (host arrays and Python values are copied over)."""
        if type(value) is EmulatedArray:
            return value if dtype is None else EmulatedArray(value._a.astype(dtype, copy=False))
        return EmulatedArray(np.array(value, dtype=dtype))

    array = asarray

    def asnumpy(self, value: Any) -> np.ndarray:
        """A host copy of a device array."""
        return value.get() if type(value) is EmulatedArray else np.asarray(value)

    def get_array_module(self, *arrays: Any) -> Any:
        return self if any(type(a) is EmulatedArray for a in arrays) else np


namespace = _Namespace(np, "cupy")
