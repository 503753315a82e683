"""Activation layers: thin modules around `retrograd.nn.functional`, with PyTorch's reprs."""

from __future__ import annotations

from typing import Any

from retrograd import ops
from retrograd.autograd.grad_mode import no_grad
from retrograd.creation import empty
from retrograd.errors import InvalidArgumentError
from retrograd.nn import functional as F
from retrograd.nn.module import Module
from retrograd.nn.parameter import Parameter
from retrograd.tensor import Tensor, apply

#: the activation layers (`retrograd.nn`, `nn.modules.activation` and the command line
#: take this list: a layer added here is exported and offered everywhere)
__all__ = [
    "ReLU",
    "LeakyReLU",
    "ELU",
    "GELU",
    "SiLU",
    "Sigmoid",
    "Tanh",
    "Softplus",
    "Softmax",
    "LogSoftmax",
    "Softmin",
    "Hardtanh",
    "ReLU6",
    "Hardsigmoid",
    "Hardswish",
    "Mish",
    "SELU",
    "CELU",
    "LogSigmoid",
    "Softsign",
    "Tanhshrink",
    "Softshrink",
    "Hardshrink",
    "Threshold",
    "GLU",
    "PReLU",
]


def _inplace_note(inplace: bool) -> str:
    return ", inplace=True" if inplace else ""


class ReLU(Module):
    """max(x, 0), elementwise; any shape.

    Args:
        inplace: accepted for PyTorch compatibility and ignored: the result is always a new
            tensor. Default: False.

    Shape:
        - Input: `(*)`, any number of dimensions.
        - Output: `(*)`, the same shape as the input.

    Example:
        >>> m = nn.ReLU()
        >>> m(retrograd.tensor([-2.0, 0.0, 3.0]))
        tensor([0., 0., 3.])
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """max(x, 0) of each element of `input`, a new tensor of the input's shape."""
        return input.relu()  # what F.relu does, one call shorter

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class LeakyReLU(Module):
    """x for x > 0, else negative_slope * x.

    Args:
        negative_slope: the slope for negative inputs. Default: 0.01.
        inplace: accepted for PyTorch compatibility and ignored: the result is always a new
            tensor. Default: False.

    Shape:
        - Input: `(*)`, any number of dimensions.
        - Output: `(*)`, the same shape as the input.

    Example:
        >>> m = nn.LeakyReLU(0.1)
        >>> m(retrograd.tensor([-2.0, 0.0, 3.0]))
        tensor([-0.2,  0. ,  3. ])
    """

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """LeakyReLU of each element of `input`, a new tensor of the input's shape."""
        return F.leaky_relu(input, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}{_inplace_note(self.inplace)}"


class ELU(Module):
    """x for x > 0, else alpha * (exp(x) - 1).

    Args:
        alpha: the scale of the negative part, which tends to -alpha. Default: 1.0.
        inplace: accepted for PyTorch compatibility and ignored: the result is always a new
            tensor. Default: False.

    Shape:
        - Input: `(*)`, any number of dimensions.
        - Output: `(*)`, the same shape as the input.

    Example:
        >>> m = nn.ELU()
        >>> m(retrograd.tensor([-2.0, 0.0, 3.0]))
        tensor([-0.8647,  0.    ,  3.    ])
    """

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """ELU of each element of `input`, a new tensor of the input's shape."""
        return F.elu(input, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}{_inplace_note(self.inplace)}"


class GELU(Module):
    """x * Phi(x); `approximate="tanh"` for the tanh formula.

    Phi is the standard normal cumulative distribution function.

    Args:
        approximate: `"none"` for the exact formula (with erf), `"tanh"` for the tanh
            approximation. Default: `"none"`.

    Shape:
        - Input: `(*)`, any number of dimensions.
        - Output: `(*)`, the same shape as the input.

    Example:
        >>> m = nn.GELU()
        >>> m(retrograd.tensor([-2.0, 0.0, 3.0]))
        tensor([-0.0455,  0.    ,  2.996 ])
    """

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise InvalidArgumentError(
                f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}"
            )
        self.approximate = approximate

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """GELU of each element of `input`, a new tensor of the input's shape."""
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class SiLU(Module):
    """x * sigmoid(x).

    Args:
        inplace: accepted for PyTorch compatibility and ignored: the result is always a new
            tensor. Default: False.

    Shape:
        - Input: `(*)`, any number of dimensions.
        - Output: `(*)`, the same shape as the input.

    Example:
        >>> m = nn.SiLU()
        >>> m(retrograd.tensor([-2.0, 0.0, 3.0]))
        tensor([-0.2384,  0.    ,  2.8577])
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """x * sigmoid(x) of each element of `input`, a new tensor of the input's shape."""
        return F.silu(input)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class Sigmoid(Module):
    """1 / (1 + exp(-x)).

    Shape:
        - Input: `(*)`, any number of dimensions.
        - Output: `(*)`, the same shape as the input.

    Example:
        >>> m = nn.Sigmoid()
        >>> m(retrograd.tensor([-2.0, 0.0, 3.0]))
        tensor([0.1192, 0.5   , 0.9526])
    """

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """The sigmoid of each element of `input`, a new tensor of the input's shape."""
        if type(input) is Tensor and input.array.dtype.kind == "f":
            return apply(ops.Sigmoid, input)  # what `input.sigmoid()` does, one call shorter
        return input.sigmoid()


class Tanh(Module):
    """The hyperbolic tangent.

    Shape:
        - Input: `(*)`, any number of dimensions.
        - Output: `(*)`, the same shape as the input.

    Example:
        >>> m = nn.Tanh()
        >>> m(retrograd.tensor([-2.0, 0.0, 3.0]))
        tensor([-0.964 ,  0.    ,  0.9951])
    """

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """tanh of each element of `input`, a new tensor of the input's shape."""
        return input.tanh()  # what F.tanh does, one call shorter


class Softplus(Module):
    """log(1 + exp(beta x)) / beta; linear where beta x > threshold.

    Args:
        beta: the sharpness of the bend at 0. Default: 1.0.
        threshold: above this value of `beta * x` the output is `x` itself. Default: 20.0.

    Shape:
        - Input: `(*)`, any number of dimensions.
        - Output: `(*)`, the same shape as the input.

    Example:
        >>> m = nn.Softplus()
        >>> m(retrograd.tensor([-2.0, 0.0, 3.0]))
        tensor([0.1269, 0.6931, 3.0486])
    """

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta = beta
        self.threshold = threshold

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """Softplus of each element of `input`, a new tensor of the input's shape."""
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class _AlongDim(Module):
    """A layer applying its `function` along `dim` (the softmax family)."""

    function: Any

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """`function` of `input` along `dim`, a tensor of the input's shape."""
        return self.function(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Softmax(_AlongDim):
    """exp(x) / sum(exp(x)) along `dim`.

    Args:
        dim: the dimension that sums to one. Default: None, PyTorch's deprecated implicit choice
            (dim 0 for a 0-d, 1-d or 3-d input, else dim 1) with a warning.

    Shape:
        - Input: `(*)`, any number of dimensions.
        - Output: `(*)`, the same shape as the input.

    Example:
        >>> m = nn.Softmax(dim=1)
        >>> m(retrograd.tensor([[1.0, 1.0], [0.0, 2.0]]))
        tensor([[0.5   , 0.5   ],
                [0.1192, 0.8808]])
    """

    function = staticmethod(F.softmax)


class LogSoftmax(_AlongDim):
    """log(softmax(x)) along `dim`, computed stably.

    Args:
        dim: the dimension the softmax runs along. Default: None, PyTorch's deprecated implicit
            choice (dim 0 for a 0-d, 1-d or 3-d input, else dim 1) with a warning.

    Shape:
        - Input: `(*)`, any number of dimensions.
        - Output: `(*)`, the same shape as the input.

    Example:
        >>> m = nn.LogSoftmax(dim=1)
        >>> m(retrograd.tensor([[1.0, 1.0], [0.0, 2.0]]))
        tensor([[-0.6931, -0.6931],
                [-2.1269, -0.1269]])
    """

    function = staticmethod(F.log_softmax)


class Softmin(_AlongDim):
    """softmax(-x) along `dim`.

    Args:
        dim: the dimension that sums to one. Default: None, PyTorch's deprecated implicit choice
            (dim 0 for a 0-d, 1-d or 3-d input, else dim 1) with a warning.

    Shape:
        - Input: `(*)`, any number of dimensions.
        - Output: `(*)`, the same shape as the input.

    Example:
        >>> m = nn.Softmin(dim=1)
        >>> m(retrograd.tensor([[1.0, 1.0], [0.0, 2.0]]))
        tensor([[0.5   , 0.5   ],
                [0.8808, 0.1192]])
    """

    function = staticmethod(F.softmin)


class Hardtanh(Module):
    """x clipped to [min_val, max_val].

    Args:
        min_val: the lower end of the linear range. Default: -1.0.
        max_val: the upper end of the linear range; must exceed `min_val`. Default: 1.0.
        inplace: accepted for PyTorch compatibility and ignored: the result is always a new
            tensor. Default: False.

    Shape:
        - Input: `(*)`, any number of dimensions.
        - Output: `(*)`, the same shape as the input.

    Example:
        >>> m = nn.Hardtanh(-1.0, 2.0)
        >>> m(retrograd.tensor([-2.0, 0.0, 3.0]))
        tensor([-1.,  0.,  2.])
    """

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        if max_val <= min_val:
            raise InvalidArgumentError(
                f"Hardtanh: max_val ({max_val}) must be greater than min_val ({min_val})"
            )
        self.min_val, self.max_val, self.inplace = min_val, max_val, inplace

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """Hardtanh of each element of `input`, a new tensor of the input's shape."""
        return F.hardtanh(input, self.min_val, self.max_val)

    def extra_repr(self) -> str:
        return f"min_val={self.min_val}, max_val={self.max_val}{_inplace_note(self.inplace)}"


class ReLU6(Hardtanh):
    """min(max(x, 0), 6).

    Args:
        inplace: accepted for PyTorch compatibility and ignored: the result is always a new
            tensor. Default: False.

    Shape:
        - Input: `(*)`, any number of dimensions.
        - Output: `(*)`, the same shape as the input.

    Example:
        >>> m = nn.ReLU6()
        >>> m(retrograd.tensor([-2.0, 0.0, 7.0]))
        tensor([0., 0., 6.])
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class _Elementwise(Module):
    """An activation with no settings but `inplace` (accepted and ignored)."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class Hardsigmoid(_Elementwise):
    """relu6(x + 3) / 6.

    Args:
        inplace: accepted for PyTorch compatibility and ignored: the result is always a new
            tensor. Default: False.

    Shape:
        - Input: `(*)`, any number of dimensions.
        - Output: `(*)`, the same shape as the input.

    Example:
        >>> m = nn.Hardsigmoid()
        >>> m(retrograd.tensor([-2.0, 0.0, 3.0]))
        tensor([0.1667, 0.5   , 1.    ])
    """

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """Hardsigmoid of each element of `input`, a new tensor of the input's shape."""
        return F.hardsigmoid(input)


class Hardswish(_Elementwise):
    """x * relu6(x + 3) / 6.

    Args:
        inplace: accepted for PyTorch compatibility and ignored: the result is always a new
            tensor. Default: False.

    Shape:
        - Input: `(*)`, any number of dimensions.
        - Output: `(*)`, the same shape as the input.

    Example:
        >>> m = nn.Hardswish()
        >>> m(retrograd.tensor([-2.0, 0.0, 3.0]))
        tensor([-0.3333,  0.    ,  3.    ])
    """

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """Hardswish of each element of `input`, a new tensor of the input's shape."""
        return F.hardswish(input)


class Mish(_Elementwise):
    """x * tanh(softplus(x)).

    Args:
        inplace: accepted for PyTorch compatibility and ignored: the result is always a new
            tensor. Default: False.

    Shape:
        - Input: `(*)`, any number of dimensions.
        - Output: `(*)`, the same shape as the input.

    Example:
        >>> m = nn.Mish()
        >>> m(retrograd.tensor([-2.0, 0.0, 3.0]))
        tensor([-0.2525,  0.    ,  2.9865])
    """

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """Mish of each element of `input`, a new tensor of the input's shape."""
        return F.mish(input)


class SELU(_Elementwise):
    """scale * elu(x, alpha) with the self-normalising constants.

    The constants are PyTorch's: alpha = 1.6732632423543772, scale = 1.0507009873554805.

    Args:
        inplace: accepted for PyTorch compatibility and ignored: the result is always a new
            tensor. Default: False.

    Shape:
        - Input: `(*)`, any number of dimensions.
        - Output: `(*)`, the same shape as the input.

    Example:
        >>> m = nn.SELU()
        >>> m(retrograd.tensor([-2.0, 0.0, 3.0]))
        tensor([-1.5202,  0.    ,  3.1521])
    """

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """SELU of each element of `input`, a new tensor of the input's shape."""
        return F.selu(input)


class CELU(Module):
    """x for x > 0, else alpha * (exp(x / alpha) - 1).

    Args:
        alpha: the scale of the negative part (its limit is -alpha). Default: 1.0.
        inplace: accepted for PyTorch compatibility and ignored: the result is always a new
            tensor. Default: False.

    Shape:
        - Input: `(*)`, any number of dimensions.
        - Output: `(*)`, the same shape as the input.

    Example:
        >>> m = nn.CELU(2.0)
        >>> m(retrograd.tensor([-2.0, 0.0, 3.0]))
        tensor([-1.2642,  0.    ,  3.    ])
    """

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha, self.inplace = alpha, inplace

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """CELU of each element of `input`, a new tensor of the input's shape."""
        return F.celu(input, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}{_inplace_note(self.inplace)}"


class LogSigmoid(Module):
    """log(sigmoid(x)), computed stably.

    Shape:
        - Input: `(*)`, any number of dimensions.
        - Output: `(*)`, the same shape as the input.

    Example:
        >>> m = nn.LogSigmoid()
        >>> m(retrograd.tensor([-2.0, 0.0, 3.0]))
        tensor([-2.1269, -0.6931, -0.0486])
    """

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """log(sigmoid(x)) of each element of `input`, a new tensor of the input's shape."""
        return F.logsigmoid(input)


class Softsign(Module):
    """x / (1 + |x|).

    Shape:
        - Input: `(*)`, any number of dimensions.
        - Output: `(*)`, the same shape as the input.

    Example:
        >>> m = nn.Softsign()
        >>> m(retrograd.tensor([-2.0, 0.0, 3.0]))
        tensor([-0.6667,  0.    ,  0.75  ])
    """

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """x / (1 + |x|) of each element of `input`, a new tensor of the input's shape."""
        return F.softsign(input)


class Tanhshrink(Module):
    """x - tanh(x).

    Shape:
        - Input: `(*)`, any number of dimensions.
        - Output: `(*)`, the same shape as the input.

    Example:
        >>> m = nn.Tanhshrink()
        >>> m(retrograd.tensor([-2.0, 0.0, 3.0]))
        tensor([-1.036 ,  0.    ,  2.0049])
    """

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """x - tanh(x) of each element of `input`, a new tensor of the input's shape."""
        return F.tanhshrink(input)


class Softshrink(Module):
    """x - lambd above lambd, x + lambd below -lambd, else 0.

    Args:
        lambd: the half-width of the band around 0 that becomes 0. Default: 0.5.

    Shape:
        - Input: `(*)`, any number of dimensions.
        - Output: `(*)`, the same shape as the input.

    Example:
        >>> m = nn.Softshrink(1.0)
        >>> m(retrograd.tensor([-2.0, 0.0, 3.0]))
        tensor([-1.,  0.,  2.])
    """

    def __init__(self, lambd: float = 0.5) -> None:
        super().__init__()
        self.lambd = lambd

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """Softshrink of each element of `input`, a new tensor of the input's shape."""
        return F.softshrink(input, self.lambd)

    def extra_repr(self) -> str:
        return str(self.lambd)


class Hardshrink(Softshrink):
    """x where |x| > lambd, else 0.

    Args:
        lambd: the half-width of the band around 0 that becomes 0. Default: 0.5.

    Shape:
        - Input: `(*)`, any number of dimensions.
        - Output: `(*)`, the same shape as the input.

    Example:
        >>> m = nn.Hardshrink(1.0)
        >>> m(retrograd.tensor([-2.0, 0.5, 3.0]))
        tensor([-2.,  0.,  3.])
    """

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """Hardshrink of each element of `input`, a new tensor of the input's shape."""
        return F.hardshrink(input, self.lambd)


class Threshold(Module):
    """x where x > threshold, else value.

    Args:
        threshold: the value an element must exceed to be kept.
        value: what replaces the elements at or below `threshold`.
        inplace: accepted for PyTorch compatibility and ignored: the result is always a new
            tensor. Default: False.

    Shape:
        - Input: `(*)`, any number of dimensions.
        - Output: `(*)`, the same shape as the input.

    Example:
        >>> m = nn.Threshold(0.5, -1.0)
        >>> m(retrograd.tensor([-2.0, 0.0, 3.0]))
        tensor([-1., -1.,  3.])
    """

    def __init__(self, threshold: float, value: float, inplace: bool = False) -> None:
        super().__init__()
        self.threshold, self.value, self.inplace = threshold, value, inplace

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """Threshold of each element of `input`, a new tensor of the input's shape."""
        return F.threshold(input, self.threshold, self.value)

    def extra_repr(self) -> str:
        return f"threshold={self.threshold}, value={self.value}{_inplace_note(self.inplace)}"


class GLU(Module):
    """a * sigmoid(b) with a, b the halves of the input along `dim`.

    Args:
        dim: the dimension split in two halves; its size must be even. Default: -1.

    Shape:
        - Input: `(*1, N, *2)`, with N even at dimension `dim`.
        - Output: `(*1, N / 2, *2)`.

    Example:
        >>> m = nn.GLU()
        >>> m(retrograd.tensor([[1.0, 2.0, 3.0, 4.0]]))
        tensor([[0.9526, 1.964 ]])
    """

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """The first half of `input` along `dim` times the sigmoid of the second half.

        Shape:
            - Input: `(*1, N, *2)`, with N even at dimension `dim`.
            - Output: `(*1, N / 2, *2)`.
        """
        return F.glu(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class PReLU(Module):
    """x for x > 0, else a * x with a learnt slope `weight`.

    Args:
        num_parameters: how many slopes to learn: 1 (one shared by every element) or C, the
            number of channels (axis 1 of the input), for one per channel. Default: 1.
        init: the initial value of every slope. Default: 0.25.
        device: accepted for PyTorch compatibility and ignored. Default: None.
        dtype: the dtype of `weight`. Default: None, the default float dtype.

    Shape:
        - Input: `(*)`, any number of dimensions; `(N, C, *)` with one slope per channel.
        - Output: `(*)`, the same shape as the input.

    Attributes:
        weight: the learnable slopes, shape `(num_parameters,)`.

    Example:
        >>> m = nn.PReLU()
        >>> m(retrograd.tensor([-2.0, 0.0, 3.0]))
        tensor([-0.5,  0. ,  3. ], grad_fn=<WhereBackward>)
    """

    num_parameters: int
    init: float
    weight: Parameter

    def __init__(
        self,
        num_parameters: int = 1,
        init: float = 0.25,
        device: object = None,
        dtype: object = None,
    ) -> None:
        super().__init__()
        self.num_parameters = num_parameters
        self.init = init
        self.weight = Parameter(empty(num_parameters, dtype=dtype))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Fill `weight` with `init`."""
        with no_grad():
            self.weight.fill_(self.init)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """`input` where positive, else `weight * input`.

        Shape:
            - Input: `(*)`; with `num_parameters=C > 1`, `(N, C, *)` (channels on axis 1).
            - Output: `(*)`, the same shape as the input.
        """
        return F.prelu(input, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"
