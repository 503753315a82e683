"""`Parameter`: a Tensor that a Module registers as learnable when assigned as an attribute."""

from __future__ import annotations

from typing import Any

import numpy as np

from retrograd.backend.arrays import to_device
from retrograd.backend.device import default_target
from retrograd.backend.dtypes import default_float_dtype
from retrograd.tensor import Tensor


class Parameter(Tensor):
    """A leaf Tensor that requires grad by default; `Module.__setattr__` registers it.

    Args:
        data: a Tensor, whose array is shared, an ndarray or nested lists; None gives an empty
            float tensor.
        requires_grad: whether the parameter requires grad. Default: True.
    """

    def __init__(self, data: Any = None, requires_grad: bool = True) -> None:
        if data is None:
            data = np.empty((0,), dtype=default_float_dtype())
        fresh = not isinstance(data, Tensor)
        super().__init__(data.array if isinstance(data, Tensor) else data)
        target = default_target()
        if fresh and target is not None:  # new values go to the default device (a tensor's stay)
            self.array = to_device(self.array, target)
        if requires_grad:
            self.requires_grad_(True)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def __reduce_ex__(self, protocol: Any) -> Any:
        # copy.deepcopy / pickle: rebuild a Parameter (with its gradient) rather than a slot dump
        return (_rebuild_parameter, (self.array, self.requires_grad, self.grad))


def _rebuild_parameter(data: np.ndarray, requires_grad: bool, grad: Tensor | None) -> Parameter:
    param = Parameter(Tensor(data), requires_grad=requires_grad)  # where `data` is
    param.grad = grad
    return param
