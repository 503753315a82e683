"""`torch.sparse` and sparse COO tensors, stored dense.

retrograd has one layout, dense. PyTorch code that builds sparse COO tensors
(`sparse_coo_tensor`, `x.to_sparse()`) and multiplies them (`torch.sparse.mm`, `torch.spmm`,
`@`) runs unchanged and computes the same values and gradients; the tensors simply take the
memory of dense ones (`is_sparse` stays False). `indices()` and `values()` list the nonzero
entries, as a coalesced tensor's would.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from retrograd.backend.arrays import to_device, to_host
from retrograd.backend.device import check_device, default_target
from retrograd.backend.dtypes import to_numpy_dtype
from retrograd.errors import InvalidArgumentError, ShapeError
from retrograd.tensor import Tensor

__all__ = ["mm", "spmm", "sparse_coo_tensor", "sum"]


def sparse_coo_tensor(
    indices: Any,
    values: Any,
    size: Any = None,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    check_invariants: bool | None = None,
    is_coalesced: bool | None = None,
) -> Tensor:
    """The tensor with `values` at `indices` (duplicates summed, as `coalesce` does), stored
    dense (see the module docstring).

    Args:
        indices: `(ndim, nnz)` integers: one column of coordinates per value.
        values: `(nnz,)` values (or `(nnz, *dense_dims)`).
        size: the shape; default: the smallest that holds every index.
        dtype: the dtype; default: the values'.
        device: where the tensor goes. Default: the values' device (a tensor's), else the
            default device.
        requires_grad: make the result a leaf that requires grad.
        check_invariants: accepted for PyTorch's signature.
        is_coalesced: accepted for PyTorch's signature.

    Returns:
        The dense tensor.

    Raises:
        ShapeError: for indices that are not `(ndim, nnz)` or do not fit `size`.
    """
    check_device(device, "sparse_coo_tensor")
    if device is None:
        on_device = isinstance(values, Tensor) and not values.is_cpu
        device = values.device if on_device else default_target()
    index = to_host(indices.array) if isinstance(indices, Tensor) else np.asarray(indices)
    value = to_host(values.array) if isinstance(values, Tensor) else np.asarray(values)
    if index.ndim != 2 or index.shape[1] != value.shape[0] or index.dtype.kind not in "iu":
        raise ShapeError(
            f"sparse_coo_tensor: indices must be integers of shape (ndim, nnz) with nnz = "
            f"{value.shape[0] if value.ndim else 1} values, got {index.dtype} {index.shape}"
        )
    if size is None:
        size = tuple(int(i) + 1 for i in index.max(axis=1)) + value.shape[1:]
    shape = tuple(int(s) for s in size)
    if len(shape) != index.shape[0] + value.ndim - 1 or (
        index.size and ((index < 0).any() or (index.max(axis=1) >= shape[: index.shape[0]]).any())
    ):
        raise ShapeError(f"sparse_coo_tensor: indices do not fit the size {shape}")
    dense = np.zeros(shape, dtype=value.dtype if dtype is None else to_numpy_dtype(dtype))
    np.add.at(dense, tuple(index), value)  # built on the host, then moved once
    placed = dense if device is None else to_device(dense, device)
    return Tensor(placed, requires_grad=requires_grad)


def mm(mat1: Tensor, mat2: Tensor) -> Tensor:
    """`torch.sparse.mm`: the matrix product (either side may be "sparse")."""
    return mat1.mm(mat2)


def spmm(mat1: Tensor, mat2: Tensor) -> Tensor:
    """`torch.spmm`: the matrix product of a sparse and a dense matrix."""
    return mat1.mm(mat2)


def sum(input: Tensor, dim: Any = None, dtype: Any = None) -> Tensor:  # noqa: A001, A002
    """`torch.sparse.sum`: the sum over `dim` (all dims by default)."""
    if dim is None:
        return input.sum(dtype=dtype)
    return input.sum(dim, dtype=dtype)


def indices_and_values(tensor: Tensor) -> tuple[Tensor, Tensor]:
    """The coordinates `(ndim, nnz)` and the values `(nnz,)` of the nonzero entries."""
    if tensor.ndim == 0:
        raise InvalidArgumentError("a 0-d tensor has no sparse indices")
    found = np.nonzero(tensor.array)
    return Tensor(np.stack(found).astype(np.int64)), tensor[tuple(Tensor(i) for i in found)]
