"""`parameters_to_vector` and `vector_to_parameters`: all parameters as one flat vector."""

from __future__ import annotations

from collections.abc import Iterable

from retrograd.errors import ArgumentTypeError, ShapeError
from retrograd.tensor import Tensor, cat


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """Flatten and concatenate `parameters` into one 1-D tensor (differentiable, a copy)."""
    return cat([param.reshape(-1) for param in parameters], dim=0)


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Copy consecutive slices of the 1-D tensor `vec` into `parameters`, in order (in place)."""
    if not isinstance(vec, Tensor):
        raise ArgumentTypeError(f"expected vec to be a Tensor, but got {type(vec).__name__}")
    params = list(parameters)
    total = sum(param.numel() for param in params)
    if vec.ndim != 1 or vec.shape[0] != total:
        raise ShapeError(
            f"vector_to_parameters: vec must be 1-D with {total} elements (the parameters' "
            f"total), got shape {tuple(vec.shape)}"
        )
    offset = 0
    for param in params:
        count = param.numel()
        param.array[...] = vec.array[offset : offset + count].reshape(param.shape)
        offset += count


__all__ = ["parameters_to_vector", "vector_to_parameters"]
