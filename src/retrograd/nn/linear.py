"""Affine and shape layers: `Linear`, `Identity`, `Flatten`, `Unflatten`."""

from __future__ import annotations

import math
from typing import Any

from retrograd import ops
from retrograd.backend.dtypes import default_float_dtype, to_numpy_dtype
from retrograd.creation import empty
from retrograd.nn import init
from retrograd.nn.functional._utils import check_size
from retrograd.nn.functional.linear import check_linear_input
from retrograd.nn.module import Module
from retrograd.nn.parameter import Parameter
from retrograd.tensor import Tensor, apply


class Linear(Module):
    """y = x @ weight.T + bias.

    **Arguments:** `in_features`, `out_features`, `bias` (default True), `dtype` (default float32),
    `generator` (for the initial values; default the seeded global one).
    **Shapes:** `x: (*, in_features)` -> `(*, out_features)`; `weight: (out_features, in_features)`,
    `bias: (out_features,)`.
    """

    in_features: int
    out_features: int
    weight: Parameter
    bias: Parameter | None

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        dtype: Any = None,
        generator: Any = None,
    ) -> None:
        super().__init__()
        self.in_features = check_size(in_features, "in_features", "Linear")
        self.out_features = check_size(out_features, "out_features", "Linear")
        in_features, out_features = self.in_features, self.out_features
        dtype = default_float_dtype() if dtype is None else to_numpy_dtype(dtype)
        self.weight = Parameter(empty(out_features, in_features, dtype=dtype))
        if bias:
            self.bias = Parameter(empty(out_features, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters(generator)

    def reset_parameters(self, generator: Any = None) -> None:
        """PyTorch's default: weight ~ kaiming_uniform_(a=sqrt(5)), i.e. U(-1/sqrt(in), 1/sqrt(in)),
        and bias ~ U(-1/sqrt(in), 1/sqrt(in))."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5), generator=generator)
        if self.bias is not None:
            fan_in = self.in_features
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0.0
            init.uniform_(self.bias, -bound, bound, generator=generator)

    def forward(self, x: Tensor) -> Tensor:
        weight, bias = self.weight, self.bias
        # One cheap test for the common case, a plain Tensor in the weight's dtype; the full
        # check takes the rest (subclasses, integer data). A wrong feature count makes the
        # product fail, and the check then says what is wrong.
        if type(x) is not Tensor or x.array.dtype != weight.array.dtype:
            x = check_linear_input(x, weight, self)
        try:
            if bias is None:
                return apply(ops.Linear, x, weight)
            return apply(ops.Linear, x, weight, bias)
        except ValueError as error:
            problem = error
        check_linear_input(x, weight, self)  # outside the handler: no chained traceback
        raise problem

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )


class Identity(Module):
    """Returns its input unchanged (a placeholder layer); any arguments are ignored."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Any) -> Any:  # noqa: A002
        return input


class Flatten(Module):
    """Merge dims `start_dim..end_dim` into one: `(N, C, H, W)` -> `(N, C*H*W)` by default."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Split dim `dim` into `unflattened_size`: `Unflatten(1, (3, 4))`: `(N, 12)` -> `(N, 3, 4)`."""

    def __init__(self, dim: int, unflattened_size: tuple[int, ...] | list[int]) -> None:
        super().__init__()
        self.dim = dim
        self.unflattened_size = tuple(unflattened_size)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return input.unflatten(self.dim, self.unflattened_size)

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
