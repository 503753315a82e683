"""Primitive ops on raw arrays; each a `Node` with forward and backward side by side."""

from retrograd.ops.activation import Erf, LogSoftmax, Relu, Sigmoid, Softmax, Tanh
from retrograd.ops.elementwise import (
    Abs,
    Add,
    Cast,
    Clamp,
    Cos,
    Div,
    Exp,
    Log,
    Log1p,
    Maximum,
    Minimum,
    Mul,
    Neg,
    Pow,
    PowScalar,
    Sign,
    Sin,
    Sqrt,
    Sub,
    Where,
)
from retrograd.ops.matmul import Linear, MatMul
from retrograd.ops.movement import Concat, Expand, Flip, Gather, GetItem, IndexPut, Pad, Permute, Reshape
from retrograd.ops.reduce import Extremum, Prod, Sum

__all__ = [
    "Abs", "Add", "Cast", "Clamp", "Concat", "Cos", "Div", "Erf", "Exp", "Expand", "Extremum", "Flip",
    "Gather", "GetItem", "IndexPut", "Linear", "Log", "Log1p", "LogSoftmax", "MatMul", "Maximum", "Minimum",
    "Mul", "Neg", "Pad", "Permute", "Pow", "PowScalar", "Prod", "Relu", "Reshape", "Sigmoid",
    "Sign", "Sin", "Softmax", "Sqrt", "Sub", "Sum", "Tanh", "Where",
]  # fmt: skip
