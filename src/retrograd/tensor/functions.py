"""Free-function forms of Tensor methods, as in `torch.exp(x)`, `torch.sum(x, dim=0)`."""

from __future__ import annotations

from typing import Any

from retrograd.tensor import Tensor

_METHODS = (
    "abs",
    "amax",
    "amin",
    "argmax",
    "argmin",
    "clamp",
    "clip",
    "cos",
    "exp",
    "flatten",
    "log",
    "log1p",
    "log_softmax",
    "logsumexp",
    "matmul",
    "max",
    "maximum",
    "mean",
    "min",
    "minimum",
    "neg",
    "permute",
    "pow",
    "prod",
    "relu",
    "reshape",
    "sigmoid",
    "sign",
    "sin",
    "softmax",
    "sqrt",
    "square",
    "squeeze",
    "std",
    "sum",
    "tanh",
    "transpose",
    "unsqueeze",
    "var",
    "erf",
    "gather",
    "isnan",
    "isinf",
    "isfinite",
    "flip",
    "cumsum",
    "norm",
    "allclose",
    "equal",
    "add",
    "sub",
    "mul",
    "div",
    "masked_fill",
    "rsqrt",
    "reciprocal",
    "broadcast_to",
    # math: trigonometric, hyperbolic, logs, division, bitwise, scans, statistics, products
    "tan",
    "asin",
    "acos",
    "atan",
    "sinh",
    "cosh",
    "asinh",
    "acosh",
    "atanh",
    "arcsin",
    "arccos",
    "arctan",
    "arcsinh",
    "arccosh",
    "arctanh",
    "exp2",
    "log2",
    "log10",
    "logaddexp",
    "lerp",
    "copysign",
    "divide",
    "floor_divide",
    "remainder",
    "fmod",
    "floor",
    "ceil",
    "round",
    "trunc",
    "bitwise_and",
    "bitwise_or",
    "bitwise_xor",
    "bitwise_not",
    "bitwise_left_shift",
    "bitwise_right_shift",
    "logical_and",
    "logical_or",
    "logical_xor",
    "logical_not",
    "isclose",
    "cumprod",
    "cummax",
    "cummin",
    "logcumsumexp",
    "var_mean",
    "std_mean",
    "mm",
    "bmm",
    "dot",
    "outer",
    "numel",
    # sorting, triangles, selection, scatter, sampling
    "sort",
    "argsort",
    "msort",
    "topk",
    "tril",
    "triu",
    "diagonal",
    "diag",
    "roll",
    "repeat_interleave",
    "narrow",
    "index_select",
    "masked_select",
    "nonzero",
    "argwhere",
    "scatter",
    "scatter_add",
    "scatter_reduce",
    "multinomial",
)


def _free_function(name: str) -> Any:
    method = getattr(Tensor, name)

    def function(input: Tensor, *args: Any, **kwargs: Any) -> Any:  # noqa: A002
        if not isinstance(input, Tensor):
            input = Tensor(input)
        return method(input, *args, **kwargs)

    function.__name__ = name
    function.__qualname__ = name
    function.__doc__ = f"`{name}(input, ...)`: the same as `input.{name}(...)`."
    return function


for _name in _METHODS:
    globals()[_name] = _free_function(_name)

__all__ = list(_METHODS)
