"""Exchanging arrays with other libraries without copying.

`from_dlpack(obj)` views any object that speaks DLPack (a NumPy array, a PyTorch CPU tensor,
a JAX array...) as a retrograd Tensor sharing its memory, like `torch.from_dlpack`. The other
way, `Tensor.__dlpack__` lets `np.from_dlpack(t)` and `torch.from_dlpack(t)` view a tensor, and
`Tensor.__array__` hands it to NumPy functions (`np.asarray(t)`, `np.mean(t)`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from retrograd.tensor import Tensor

__all__ = ["from_dlpack"]

_CPU = 1  # DLPack's device type kDLCPU


def from_dlpack(obj: Any) -> Tensor:
    """A Tensor sharing memory with `obj` (anything with `__dlpack__`): writes to one show in
    the other. The dtype is kept; the tensor does not require grad.

    Raises:
        TypeError: for an object without DLPack support.
        BufferError: for memory that is not on the CPU (retrograd computes with NumPy) or a dtype
            NumPy does not have.
    """
    if isinstance(obj, Tensor):
        return Tensor(obj.array)
    if not hasattr(obj, "__dlpack__"):
        raise TypeError(
            f"from_dlpack expects an object with __dlpack__ (a NumPy array, a torch tensor...), "
            f"got {type(obj).__name__}"
        )
    device = getattr(obj, "__dlpack_device__", None)
    if device is not None and int(device()[0]) != _CPU:
        raise BufferError(
            f"from_dlpack: the {type(obj).__name__} lives on device {tuple(device())} (DLPack "
            "device type, id); retrograd tensors live in CPU memory, so move it there first "
            "(for torch: .cpu())"
        )
    return Tensor(np.from_dlpack(obj))
