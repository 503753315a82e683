"""The user-facing `Tensor` and the functions that build or join tensors."""

from retrograd.tensor.core import RemovableHandle, Tensor, where
from retrograd.tensor.dispatch import _shape_arg, _wrap, apply, as_tensor_like, constant
from retrograd.tensor.index_methods import meshgrid
from retrograd.tensor.math_methods import einsum
from retrograd.tensor.reductions import MaxMin
from retrograd.tensor.shape import cat, chunk, concatenate, pad, split, stack

__all__ = [
    "MaxMin",
    "RemovableHandle",
    "Tensor",
    "_shape_arg",
    "_wrap",
    "apply",
    "as_tensor_like",
    "cat",
    "chunk",
    "concatenate",
    "constant",
    "einsum",
    "meshgrid",
    "pad",
    "split",
    "stack",
    "where",
]
