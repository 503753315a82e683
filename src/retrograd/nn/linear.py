"""Affine and shape layers: `Linear`, `Identity`, `Flatten`, `Unflatten`."""

from __future__ import annotations

import math
from typing import Any

from retrograd import ops
from retrograd.backend.device import check_device
from retrograd.backend.dtypes import default_float_dtype, to_numpy_dtype
from retrograd.creation import empty
from retrograd.nn import init
from retrograd.nn.functional._utils import check_size
from retrograd.nn.functional.linear import check_linear_input
from retrograd.nn.module import Module
from retrograd.nn.parameter import Parameter
from retrograd.tensor import Tensor, apply

__all__ = [
    "Flatten",
    "Identity",
    "Linear",
    "Unflatten",
]


class Linear(Module):
    """y = x @ weight.T + bias.

    Args:
        in_features: the size of each input's last dimension.
        out_features: the size of each output's last dimension.
        bias: whether to learn an additive bias. Default: True.
        device: where the parameters go ("cpu", or "cuda" with a GPU). Default: None, the
            default device.
        dtype: the dtype of the parameters. Default: None, the default float dtype (float32
            unless `set_default_dtype` changed it).
        generator: the NumPy Generator that draws the initial values. Default: None, the seeded
            global one.

    Shape:
        - Input: `(*, H_in)`, any number of leading dimensions, with `H_in = in_features`.
        - Output: `(*, H_out)`, with `H_out = out_features`.

    Attributes:
        weight: the learnable weights, shape `(out_features, in_features)`, drawn from
            U(-1/sqrt(in_features), 1/sqrt(in_features)).
        bias: the learnable bias, shape `(out_features,)`, drawn from the same range; None
            when `bias=False`.

    Example:
        >>> m = nn.Linear(4, 2)
        >>> m(retrograd.zeros(3, 4)).shape
        (3, 2)
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
        device: Any = None,
        dtype: Any = None,
        generator: Any = None,
    ) -> None:
        check_device(device, "Linear")
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
        if device is not None:
            self.to(device)

    def reset_parameters(self, generator: Any = None) -> None:
        """PyTorch's default: weight ~ kaiming_uniform_(a=sqrt(5)), i.e. U(-1/sqrt(in), 1/sqrt(in)),
        and bias ~ U(-1/sqrt(in), 1/sqrt(in))."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5), generator=generator)
        if self.bias is not None:
            fan_in = self.in_features
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0.0
            init.uniform_(self.bias, -bound, bound, generator=generator)

    def forward(self, x: Tensor) -> Tensor:
        """`x @ weight.T + bias` (without the bias when there is none).

        Shape:
            - Input: `(*, in_features)`.
            - Output: `(*, out_features)`.
        """
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
    """Returns its input unchanged (a placeholder layer); any arguments are ignored.

    Args:
        *args: ignored.
        **kwargs: ignored.

    Shape:
        - Input: `(*)`, anything.
        - Output: `(*)`, the input itself.

    Example:
        >>> m = nn.Identity(54, unused="argument")
        >>> m(retrograd.tensor([1.0, 2.0]))
        tensor([1., 2.])
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Any) -> Any:  # noqa: A002
        """`input` itself, the same object."""
        return input


class Flatten(Module):
    """Merge dims `start_dim..end_dim` into one: `(N, C, H, W)` -> `(N, C*H*W)` by default.

    Args:
        start_dim: the first dimension merged. Default: 1 (the batch dimension is kept).
        end_dim: the last dimension merged. Default: -1.

    Shape:
        - Input: `(*, S_start, ..., S_end, *)`.
        - Output: `(*, S_start * ... * S_end, *)`.

    Example:
        >>> m = nn.Flatten()
        >>> m(retrograd.zeros(2, 3, 4, 5)).shape
        (2, 60)
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """`input` with dimensions `start_dim..end_dim` merged into one (a reshape).

        Shape:
            - Input: `(*, S_start, ..., S_end, *)`.
            - Output: `(*, S_start * ... * S_end, *)`.
        """
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Split dim `dim` into `unflattened_size`: `Unflatten(1, (3, 4))`: `(N, 12)` -> `(N, 3, 4)`.

    Args:
        dim: the dimension to split.
        unflattened_size: the sizes it is split into (a tuple or list); their product must equal
            the size of dimension `dim`.

    Shape:
        - Input: `(*, S_dim, *)`.
        - Output: `(*, U_1, ..., U_n, *)`, with `unflattened_size = (U_1, ..., U_n)`.

    Example:
        >>> m = nn.Unflatten(1, (3, 4))
        >>> m(retrograd.zeros(2, 12)).shape
        (2, 3, 4)
    """

    def __init__(self, dim: int, unflattened_size: tuple[int, ...] | list[int]) -> None:
        super().__init__()
        self.dim = dim
        self.unflattened_size = tuple(unflattened_size)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """`input` with dimension `dim` split into `unflattened_size` (a reshape).

        Shape:
            - Input: `(*, S_dim, *)`.
            - Output: `(*, U_1, ..., U_n, *)`.
        """
        return input.unflatten(self.dim, self.unflattened_size)

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
