"""Which array library holds a tensor's values: NumPy on the CPU, CuPy on a CUDA GPU.

A tensor's array says where it lives, and ops run one code path for both: NumPy's ufuncs and
most of its functions dispatch a CuPy array to CuPy (NumPy's `__array_ufunc__` and
`__array_function__` protocols), so `np.exp(x)` runs on the GPU when `x` is there. Arrays made
from nothing (`zeros(shape)`) take the namespace of an array they go with: `namespace(x)`.
CPU code pays nothing for this: NumPy arrays take NumPy's own path.

The accelerator is CuPy (the `gpu` extra) when it is installed and sees a GPU. Tests without a
GPU run the same code on `retrograd.backend.emulated`, NumPy under CuPy's rules (`emulate()`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import numpy as np

from retrograd.backend.device import CPU, device
from retrograd.errors import InvalidArgumentError

_HOST = (np.ndarray, np.generic)
asarray = np.asarray

_state: dict[str, Any] = {"module": None, "checked": False, "emulated": 0}


def _cupy() -> Any:
    """The `cupy` module when it is installed and a GPU is visible, else None."""
    if not _state["checked"]:
        _state["checked"] = True
        try:
            import cupy

            if cupy.cuda.runtime.getDeviceCount() > 0:
                _state["module"] = cupy
        except Exception:  # noqa: BLE001 - no CuPy, no driver or no GPU: no accelerator
            _state["module"] = None
    return _state["module"]


def accelerator() -> Any:
    """The CUDA array namespace (CuPy, or the emulator inside `emulate()`), or None."""
    if _state["emulated"]:
        from retrograd.backend.emulated import namespace

        return namespace
    return _cupy()


def cuda_available() -> bool:
    """Whether a CUDA device can hold tensors."""
    return accelerator() is not None


@contextlib.contextmanager
def emulate() -> Iterator[None]:
    """Inside the block, "cuda" is the emulated accelerator: NumPy under CuPy's rules, for
    testing device code on a machine without a GPU."""
    _state["emulated"] += 1
    try:
        yield
    finally:
        _state["emulated"] -= 1


def namespace(array: Any) -> Any:
    """The array module of `array`: `numpy` for a NumPy array, `cupy` for a CuPy one, the
    emulator's for an emulated one."""
    if isinstance(array, _HOST):
        return np
    from retrograd.backend.emulated import EmulatedArray
    from retrograd.backend.emulated import namespace as emulated

    if isinstance(array, EmulatedArray):
        return emulated
    return _cupy() or np


def is_host(array: Any) -> bool:
    """Whether `array` lives in host memory (a NumPy array or scalar)."""
    return isinstance(array, _HOST)


def device_of(array: Any) -> device:
    """The device of `array`: the CPU for NumPy, `cuda:<n>` for a device array."""
    if type(array) is np.ndarray or is_host(array):
        return CPU
    return device("cuda", int(array.device.id))


def to_host(array: Any) -> np.ndarray:
    """A NumPy array of `array`'s values (itself when it is one already; Python values and
    lists are converted)."""
    if is_host(array) or not hasattr(array, "get"):
        return np.asarray(array)
    return array.get()


def to_device(array: Any, target: Any) -> Any:
    """`array` on `target` (a device or its string); itself when it is there already."""
    wanted = target if isinstance(target, device) else device(target)
    if wanted.type == "cpu":
        return to_host(array)
    if wanted.type != "cuda":
        raise InvalidArgumentError(
            f"device {str(wanted)!r} is not available: retrograd computes on the CPU and, "
            "with CuPy and a GPU, on 'cuda'"
        )
    xp = accelerator()
    if xp is None:
        raise InvalidArgumentError(
            f"device {str(wanted)!r} is not available: CUDA needs CuPy and a GPU "
            "(pip install 'retrograd[gpu]'); pick the device with "
            "`device('cuda' if cuda.is_available() else 'cpu')`"
        )
    if wanted.index not in (None, 0) and xp is not _cupy():
        raise InvalidArgumentError(f"device {str(wanted)!r}: the emulated accelerator has one")
    if not is_host(array) and (wanted.index is None or array.device.id == wanted.index):
        return array
    if wanted.index is not None and xp is _cupy():
        with xp.cuda.Device(wanted.index):
            return xp.asarray(array)
    return xp.asarray(array)


def as_array(value: Any) -> Any:
    """`np.asarray(value)` for host values (scalars become 0-d arrays); a device array as is.
    (On hot paths: a NumPy scalar, what a full reduction returns, takes one isinstance.)"""
    if type(value) is np.ndarray:
        return value
    if isinstance(value, _HOST) or not hasattr(value, "__array_function__"):
        return asarray(value)
    return value


def zeros(shape: Any, dtype: Any, like: Any) -> Any:
    """Zeros of `shape` and `dtype` on the device of the array `like`."""
    if type(like) is np.ndarray:
        return np.zeros(shape, dtype=dtype)
    return namespace(like).zeros(shape, dtype=dtype)


def is_device_array(value: Any) -> bool:
    """Whether `value` is an accelerator's array (a CuPy array, or an emulated one)."""
    return not is_host(value) and hasattr(value, "__array_ufunc__") and hasattr(value, "get")
