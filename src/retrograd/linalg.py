"""`torch.linalg`: norms, the inverse, the determinant and linear solves, with gradients.

Matrix functions act on the last two dims and batch over the others. `inv`, `det` and
`solve` are primitives (`ops/linalg.py`); the norms are composed from Tensor ops.
"""

from __future__ import annotations

from typing import Any

from retrograd.errors import InvalidArgumentError, ShapeError
from retrograd.ops.linalg import Det, Inverse, Solve
from retrograd.tensor import Tensor, apply
from retrograd.tensor.dispatch import to_tensor


def _square(a: Tensor, who: str) -> Tensor:
    a = to_tensor(a)
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise ShapeError(f"linalg.{who}: expected square matrices (..., n, n), got shape {a.shape}")
    if a.dtype.kind != "f":
        a = a.float()
    return a


def inv(A: Tensor) -> Tensor:  # noqa: N803 - PyTorch's name
    """The inverse of each square matrix in `A` (`(..., n, n)`)."""
    return apply(Inverse, _square(A, "inv"))


def det(A: Tensor) -> Tensor:  # noqa: N803
    """The determinant of each square matrix in `A`."""
    return apply(Det, _square(A, "det"))


def solve(A: Tensor, B: Tensor, *, left: bool = True) -> Tensor:  # noqa: N803
    """`X` with `A @ X = B` (`B` a batch of matrices, or of vectors `(..., n)`)."""
    if not left:
        raise InvalidArgumentError("linalg.solve(left=False) is not supported; transpose instead")
    a = _square(A, "solve")
    b = to_tensor(B).type(a.dtype)
    rows = b.shape[-2] if b.ndim == a.ndim else b.shape[-1]
    if b.ndim not in (a.ndim, a.ndim - 1) or rows != a.shape[-1]:
        raise ShapeError(f"linalg.solve: A of shape {a.shape} does not fit B of shape {b.shape}")
    return apply(Solve, a, b)


def vector_norm(
    x: Tensor,
    ord: Any = 2,  # noqa: A002
    dim: Any = None,
    keepdim: bool = False,
) -> Tensor:
    """The vector `ord`-norm over `dim` (all values by default)."""
    return to_tensor(x).norm(ord, dim=dim, keepdim=keepdim)


def matrix_norm(
    A: Tensor,  # noqa: N803
    ord: Any = "fro",  # noqa: A002
    dim: Any = (-2, -1),
    keepdim: bool = False,
) -> Tensor:
    """The Frobenius norm of each matrix (`ord="fro"`, the only one supported)."""
    if ord != "fro":
        raise InvalidArgumentError(f"linalg.matrix_norm: ord={ord!r} is not supported; use 'fro'")
    return to_tensor(A).norm(2, dim=tuple(dim), keepdim=keepdim)


def norm(
    A: Tensor,  # noqa: N803
    ord: Any = None,  # noqa: A002
    dim: Any = None,
    keepdim: bool = False,
) -> Tensor:
    """`vector_norm` (a vector, or `dim` an int) or the Frobenius `matrix_norm` (a matrix)."""
    a = to_tensor(A)
    if ord is None:
        return a.norm(2, dim=dim, keepdim=keepdim)
    if ord == "fro" or (isinstance(dim, (tuple, list)) and len(dim) == 2):
        return matrix_norm(a, ord if ord is not None else "fro", dim or (-2, -1), keepdim)
    return vector_norm(a, ord, dim, keepdim)


__all__ = ["det", "inv", "matrix_norm", "norm", "solve", "vector_norm"]
