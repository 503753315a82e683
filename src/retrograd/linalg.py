"""`torch.linalg`: norms, the inverse, the determinant, linear solves and least squares, the
decompositions (SVD, symmetric eigendecomposition, QR, Cholesky) and the functions built on
them, with gradients.

Matrix functions act on the last two dims and batch over the others. `inv`, `det`, `solve`,
the decompositions, `pinv`, `slogdet` and `lstsq` are primitives (`ops/linalg.py`); a
decomposition's factors come out of one packed array, so one node takes all their gradients.
The norms, `matrix_power`, `cross`, `vecdot`, `multi_dot` and `cond` are composed from Tensor
ops. Gradients of `svd` and `eigh` follow PyTorch's and, as there, are undefined (inf/NaN) at
repeated singular values or eigenvalues unless only the values are used. `eig` and `eigvals`
need complex dtypes, which retrograd does not have: use `eigh` for symmetric matrices.
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any, NoReturn

import numpy as np

from retrograd.backend.arrays import as_array, namespace
from retrograd.errors import InvalidArgumentError, ShapeError, UnsupportedError
from retrograd.ops.linalg import (
    QR,
    SVD,
    Cholesky,
    Det,
    Eigh,
    EigvalsH,
    Inverse,
    LogAbsDet,
    Lstsq,
    Pinv,
    Solve,
    SVDVals,
    pinv_array,
)
from retrograd.tensor import Tensor, apply, cat, where
from retrograd.tensor.dispatch import _normalize_dim, _wrap, to_tensor

#: what the decompositions return, as `torch.return_types.linalg_svd` and the others
linalg_svd = namedtuple("linalg_svd", ["U", "S", "Vh"])
linalg_qr = namedtuple("linalg_qr", ["Q", "R"])
linalg_eigh = namedtuple("linalg_eigh", ["eigenvalues", "eigenvectors"])
linalg_slogdet = namedtuple("linalg_slogdet", ["sign", "logabsdet"])
linalg_lstsq = namedtuple("linalg_lstsq", ["solution", "residuals", "rank", "singular_values"])
#: the results of PyTorch's older top-level forms (`torch.svd`, `torch.qr`, `torch.slogdet`)
svd_result = namedtuple("svd", ["U", "S", "V"])  # type: ignore[name-match]
qr_result = namedtuple("qr", ["Q", "R"])  # type: ignore[name-match]
slogdet_result = namedtuple("slogdet", ["sign", "logabsdet"])  # type: ignore[name-match]

_LSTSQ_DRIVERS = ("gels", "gelsy", "gelsd", "gelss")


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


# ---------------------------------------------------------------------- helpers
def _matrix(a: Any, who: str) -> Tensor:
    a = to_tensor(a)
    if a.ndim < 2:
        raise ShapeError(f"linalg.{who}: expected matrices (..., m, n), got shape {a.shape}")
    if a.dtype.kind != "f":
        a = a.float()
    return a


def _split(packed: Tensor, shapes: list[tuple[int, ...]]) -> list[Tensor]:
    """The factors a decomposition node packed side by side on the last axis."""
    batch = packed.shape[:-1]
    out, start = [], 0
    for shape in shapes:
        size = int(np.prod(shape, dtype=np.int64))
        out.append(packed[..., start : start + size].reshape(*batch, *shape))
        start += size
    return out


def _tolerance(value: Any) -> float | None:
    if value is None:
        return None
    return float(value.item() if isinstance(value, Tensor) else value)


def _no_driver(driver: Any, who: str) -> None:
    if driver is not None:
        raise InvalidArgumentError(
            f"linalg.{who}: driver={driver!r} is only supported on CUDA in PyTorch; leave it None"
        )


# ---------------------------------------------------------------------- decompositions
def svd(A: Tensor, full_matrices: bool = True, *, driver: Any = None) -> Any:  # noqa: N803
    """The singular value decomposition `A = U diag(S) Vh` of each matrix.

    Args:
        A: matrices of shape `(..., m, n)`.
        full_matrices: True gives `U` of shape `(..., m, m)` and `Vh` of `(..., n, n)`;
            False the reduced factors `(..., m, k)` and `(..., k, n)`, `k = min(m, n)`.
        driver: CUDA only in PyTorch; must be None.

    Returns:
        A named tuple `(U, S, Vh)`, `S` descending. The signs of singular vectors are
        LAPACK's (arbitrary, as in PyTorch); the gradient ignores the columns beyond `k` of
        full factors and is undefined at repeated singular values unless only `S` is used.

    Raises:
        ShapeError: `A` has fewer than 2 dims.
    """
    _no_driver(driver, "svd")
    a = _matrix(A, "svd")
    m, n = a.shape[-2:]
    k = min(m, n)
    rows, cols = (m, n) if full_matrices else (k, k)
    packed = apply(SVD, a, full_matrices=full_matrices)
    u, s, vh = _split(packed, [(m, rows), (k,), (cols, n)])
    return linalg_svd(u, s, vh)


def svdvals(A: Tensor, *, driver: Any = None) -> Tensor:  # noqa: N803
    """The singular values of each matrix in `A` (`(..., m, n)`), descending.

    Args:
        A: matrices of shape `(..., m, n)`.
        driver: CUDA only in PyTorch; must be None.

    Returns:
        A tensor of shape `(..., min(m, n))`; its gradient is `U diag(g) Vh`.

    Raises:
        ShapeError: `A` has fewer than 2 dims.
    """
    _no_driver(driver, "svdvals")
    return apply(SVDVals, _matrix(A, "svdvals"))


def qr(A: Tensor, mode: str = "reduced") -> Any:  # noqa: N803
    """The QR decomposition `A = Q R` of each matrix (Householder, LAPACK's signs).

    Args:
        A: matrices of shape `(..., m, n)`.
        mode: 'reduced' (`Q` `(..., m, k)`, `R` `(..., k, n)`, `k = min(m, n)`), 'complete'
            (`Q` `(..., m, m)`, `R` `(..., m, n)`) or 'r' (`R` only; `Q` is an empty tensor).

    Returns:
        A named tuple `(Q, R)`. Differentiable except for mode 'complete' with `m > n`
        (backward raises UnsupportedError, as PyTorch's does); unlike PyTorch, `R` of mode
        'r' has a gradient too.

    Raises:
        ShapeError: `A` has fewer than 2 dims.
        InvalidArgumentError: an unknown `mode`.
    """
    if mode not in ("reduced", "complete", "r"):
        raise InvalidArgumentError(
            f"linalg.qr: mode={mode!r} is not one of 'reduced', 'complete' or 'r'"
        )
    a = _matrix(A, "qr")
    m, n = a.shape[-2:]
    k = m if mode == "complete" else min(m, n)
    if mode == "r":
        return linalg_qr(_wrap(np.zeros_like(a.array, shape=(0,))), apply(QR, a, mode=mode))
    q, r = _split(apply(QR, a, mode=mode), [(m, k), (k, n)])
    return linalg_qr(q, r)


def _uplo(uplo: str, who: str) -> str:
    if not isinstance(uplo, str) or uplo.upper() not in ("L", "U"):
        raise InvalidArgumentError(f"linalg.{who}: UPLO must be 'L' or 'U', got {uplo!r}")
    return uplo.upper()


def eigh(A: Tensor, UPLO: str = "L") -> Any:  # noqa: N803
    """The eigenvalues (ascending) and orthonormal eigenvectors of each symmetric matrix.

    Args:
        A: symmetric matrices of shape `(..., n, n)`; only the `UPLO` triangle is read.
        UPLO: 'L' (the lower triangle) or 'U'.

    Returns:
        A named tuple `(eigenvalues, eigenvectors)` with `A = V diag(L) V^T`. Eigenvector signs
        are LAPACK's (arbitrary, as in PyTorch). The gradient is PyTorch's (a symmetric
        matrix), undefined at repeated eigenvalues unless only the eigenvalues are used.

    Raises:
        ShapeError: `A` is not a batch of square matrices.
        InvalidArgumentError: `UPLO` is not 'L' or 'U'.
    """
    a = _square(A, "eigh")
    n = a.shape[-1]
    w, v = _split(apply(Eigh, a, uplo=_uplo(UPLO, "eigh")), [(n,), (n, n)])
    return linalg_eigh(w, v)


def eigvalsh(A: Tensor, UPLO: str = "L") -> Tensor:  # noqa: N803
    """The eigenvalues (ascending) of each symmetric matrix.

    Args:
        A: symmetric matrices of shape `(..., n, n)`; only the `UPLO` triangle is read.
        UPLO: 'L' (the lower triangle) or 'U'.

    Returns:
        A tensor of shape `(..., n)`; its gradient is `V diag(g) V^T`.

    Raises:
        ShapeError: `A` is not a batch of square matrices.
        InvalidArgumentError: `UPLO` is not 'L' or 'U'.
    """
    return apply(EigvalsH, _square(A, "eigvalsh"), uplo=_uplo(UPLO, "eigvalsh"))


def cholesky(A: Tensor, *, upper: bool = False) -> Tensor:  # noqa: N803
    """The Cholesky factor of each symmetric positive-definite matrix.

    Args:
        A: matrices of shape `(..., n, n)`; only the lower triangle is read.
        upper: return the upper factor `U` (`A = U^T U`) instead of the lower `L` (`A = L L^T`).

    Returns:
        The triangular factors, shape `(..., n, n)`, with PyTorch's (symmetric) gradient.

    Raises:
        ShapeError: `A` is not a batch of square matrices.
        InvalidArgumentError: a matrix is not positive-definite.
    """
    return apply(Cholesky, _square(A, "cholesky"), upper=bool(upper))


# ---------------------------------------------------------------------- built on them
def pinv(
    A: Tensor,  # noqa: N803
    *,
    atol: Any = None,
    rtol: Any = None,
    hermitian: bool = False,
) -> Tensor:
    """The Moore-Penrose pseudo-inverse of each matrix.

    Args:
        A: matrices of shape `(..., m, n)`.
        atol: singular values at or below `max(atol, rtol * largest)` count as zero.
        rtol: relative tolerance; `eps * max(m, n)` when neither tolerance is given, 0 when
            only `atol` is (PyTorch's defaults).
        hermitian: `A` is symmetric (square); an eigendecomposition of its lower triangle is
            used.

    Returns:
        Matrices of shape `(..., n, m)`, with PyTorch's gradient (exact where the rank is
        constant).

    Raises:
        ShapeError: `A` has fewer than 2 dims, or is not square with `hermitian`.
    """
    a = _square(A, "pinv") if hermitian else _matrix(A, "pinv")
    return apply(Pinv, a, atol=_tolerance(atol), rtol=_tolerance(rtol), hermitian=bool(hermitian))


def slogdet(A: Tensor) -> Any:  # noqa: N803
    """The sign and the log of the absolute value of each matrix's determinant.

    Args:
        A: square matrices of shape `(..., n, n)`.

    Returns:
        A named tuple `(sign, logabsdet)`: `sign` is -1, 0 or 1 (no gradient), `logabsdet`
        has the gradient `A^-T` (`-inf` for a singular matrix).

    Raises:
        ShapeError: `A` is not a batch of square matrices.
    """
    a = _square(A, "slogdet")
    sign = as_array(np.linalg.slogdet(a.array)[0]).astype(a.dtype, copy=False)
    return linalg_slogdet(_wrap(sign), apply(LogAbsDet, a))


def matrix_power(A: Tensor, n: int) -> Tensor:  # noqa: N803
    """The `n`-th power of each square matrix (by repeated squaring).

    Args:
        A: square matrices of shape `(..., k, k)`.
        n: an integer; 0 gives the identity, a negative power is of the inverse.

    Returns:
        Matrices of shape `(..., k, k)`.

    Raises:
        ShapeError: `A` is not a batch of square matrices.
        ArgumentTypeError: `n` is not an integer.
        InvalidArgumentError: `n < 0` and a matrix is singular.
    """
    from retrograd.errors import ArgumentTypeError

    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise ArgumentTypeError(
            f"linalg.matrix_power: n must be an integer, got {type(n).__name__}"
        )
    a = _square(A, "matrix_power")
    n = int(n)
    if n == 0:
        eye = np.broadcast_to(namespace(a.array).eye(a.shape[-1], dtype=a.dtype), a.shape)
        return a.clone().copy_(_wrap(eye.copy()))
    if n < 0:
        a, n = inv(a), -n
    result: Tensor | None = None
    base = a
    while True:
        if n & 1:
            result = base if result is None else result @ base
        n >>= 1
        if not n:
            break
        base = base @ base
    assert result is not None
    return result


def matrix_rank(
    A: Tensor,  # noqa: N803
    *,
    atol: Any = None,
    rtol: Any = None,
    hermitian: bool = False,
) -> Tensor:
    """The numerical rank of each matrix: how many singular values exceed the tolerance.

    Args:
        A: matrices of shape `(..., m, n)`.
        atol: singular values at or below `max(atol, rtol * largest)` count as zero.
        rtol: relative tolerance; `eps * max(m, n)` when neither tolerance is given, 0 when
            only `atol` is (PyTorch's defaults).
        hermitian: `A` is symmetric; its eigenvalues' absolute values are used.

    Returns:
        An int64 tensor of shape `(...)` (no gradient).

    Raises:
        ShapeError: `A` has fewer than 2 dims, or is not square with `hermitian`.
    """
    a = _square(A, "matrix_rank") if hermitian else _matrix(A, "matrix_rank")
    m, n = a.shape[-2:]
    atol_, rtol_ = _tolerance(atol), _tolerance(rtol)
    if rtol_ is None:
        rtol_ = (
            0.0 if (atol_ is not None and atol_ > 0) else float(np.finfo(a.dtype).eps) * max(m, n)
        )
    s = (
        np.abs(np.linalg.eigvalsh(a.array))
        if hermitian
        else np.linalg.svd(a.array, compute_uv=False)
    )
    largest = (
        s.max(axis=-1, keepdims=True)
        if s.shape[-1]
        else np.zeros_like(s, shape=s.shape[:-1] + (1,), dtype=np.float64)
    )
    tol = np.maximum(atol_ or 0.0, rtol_ * largest)
    return _wrap(as_array(np.sum(s > tol, axis=-1)).astype(np.int64, copy=False))


def cross(input: Tensor, other: Tensor, *, dim: int = -1) -> Tensor:  # noqa: A002
    """The cross product of 3-vectors along `dim` (the inputs broadcast).

    Args:
        input: a tensor with size 3 at `dim`.
        other: a tensor with size 3 at `dim`, broadcastable with `input`.
        dim: the dim holding the vectors.

    Returns:
        The cross products, of the broadcast shape.

    Raises:
        ShapeError: the shapes do not broadcast, or a size at `dim` is not 3.
    """
    a, b = to_tensor(input), to_tensor(other)
    try:
        shape = tuple(np.broadcast_shapes(a.shape, b.shape))
    except ValueError:
        raise ShapeError(f"linalg.cross: shapes {a.shape} and {b.shape} do not broadcast") from None
    d = _normalize_dim(dim, len(shape), "linalg.cross: dim")
    for x in (a, b):
        size = (len(shape) - x.ndim) * (1,) + tuple(x.shape)
        if size[d] != 3:
            raise ShapeError(
                f"linalg.cross: the inputs need size 3 at dim {dim}, got shapes {a.shape} and "
                f"{b.shape}"
            )
    a, b = a.broadcast_to(shape), b.broadcast_to(shape)
    a0, a1, a2 = (a.narrow(d, i, 1) for i in range(3))
    b0, b1, b2 = (b.narrow(d, i, 1) for i in range(3))
    return cat([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], dim=d)


def vecdot(x: Tensor, y: Tensor, *, dim: int = -1) -> Tensor:
    """The dot product of vectors along `dim` (the inputs broadcast).

    Args:
        x: a tensor.
        y: a tensor broadcastable with `x`.
        dim: the dim holding the vectors.

    Returns:
        `(x * y).sum(dim)`.

    Raises:
        ShapeError: the shapes do not broadcast or disagree at `dim`.
    """
    a, b = to_tensor(x), to_tensor(y)
    try:
        np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise ShapeError(
            f"linalg.vecdot: shapes {a.shape} and {b.shape} do not broadcast"
        ) from None
    return (a * b).sum(dim)


def multi_dot(tensors: Any) -> Tensor:
    """The product of a chain of matrices, in the cheapest order (as PyTorch).

    Args:
        tensors: two or more 2-d tensors; the first may be 1-d (a row vector) and the last
            1-d (a column vector); their dims are squeezed from the result.

    Returns:
        The product.

    Raises:
        ShapeError: fewer than 2 tensors, a tensor of the wrong rank, or sizes that do not
            chain.
    """
    mats = [to_tensor(t) for t in tensors]
    if len(mats) < 2:
        raise ShapeError(f"linalg.multi_dot: expected at least 2 tensors, got {len(mats)}")
    first_vector, last_vector = mats[0].ndim == 1, mats[-1].ndim == 1
    if first_vector:
        mats[0] = mats[0].reshape(1, -1)
    if last_vector:
        mats[-1] = mats[-1].reshape(-1, 1)
    for i, t in enumerate(mats):
        if t.ndim != 2:
            raise ShapeError(
                f"linalg.multi_dot: tensor {i} must be 2-d (the first and last may be 1-d), "
                f"got shape {t.shape}"
            )
    for i in range(len(mats) - 1):
        if mats[i].shape[1] != mats[i + 1].shape[0]:
            raise ShapeError(
                f"linalg.multi_dot: tensors {i} and {i + 1} do not chain: shapes "
                f"{mats[i].shape} and {mats[i + 1].shape}"
            )
    dims = [mats[0].shape[0]] + [t.shape[1] for t in mats]
    count = len(mats)
    cost = [[0] * count for _ in range(count)]
    split = [[0] * count for _ in range(count)]
    for length in range(1, count):
        for i in range(count - length):
            j = i + length
            cost[i][j] = -1
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
                if cost[i][j] < 0 or c < cost[i][j]:
                    cost[i][j], split[i][j] = c, k

    def product(i: int, j: int) -> Tensor:
        if i == j:
            return mats[i]
        k = split[i][j]
        return product(i, k) @ product(k + 1, j)

    out = product(0, count - 1)
    if first_vector:
        out = out.squeeze(0)
    if last_vector:
        out = out.squeeze(-1)
    return out


def lstsq(A: Tensor, B: Tensor, rcond: Any = None, *, driver: str | None = None) -> Any:  # noqa: N803
    """The least-squares solution of `A X = B` for each matrix (minimum norm when rank
    deficient).

    Args:
        A: matrices of shape `(..., m, n)`.
        B: right-hand sides `(..., m, k)` (batch dims broadcast with `A`'s) or vectors
            `(..., m)`.
        rcond: singular values below `rcond * largest` count as zero (default
            `eps * max(m, n)`).
        driver: PyTorch's CPU drivers 'gelsy' (the default), 'gels', 'gelsd' or 'gelss'; the
            solution is computed the same way, the driver decides which extra results are
            filled, as in PyTorch.

    Returns:
        A named tuple `(solution, residuals, rank, singular_values)`: `residuals` (squared
        residual norms) only when `m > n`, every matrix has full rank and the driver is not
        'gelsy'; `rank` except for 'gels'; `singular_values` for 'gelsd' and 'gelss'; each is
        an empty tensor otherwise. `solution` (and `residuals`) are differentiable.

    Raises:
        ShapeError: the shapes do not fit.
        InvalidArgumentError: an unknown driver.
    """
    driver = "gelsy" if driver is None else driver
    if driver not in _LSTSQ_DRIVERS:
        raise InvalidArgumentError(
            f"linalg.lstsq: driver={driver!r} is not one of {', '.join(_LSTSQ_DRIVERS)}"
        )
    a = _matrix(A, "lstsq")
    b = to_tensor(B).type(a.dtype)
    vector = b.ndim == a.ndim - 1
    if vector:
        b = b.unsqueeze(-1)
    if b.ndim < 2 or b.shape[-2] != a.shape[-2] or b.ndim > a.ndim:
        raise ShapeError(f"linalg.lstsq: A of shape {a.shape} does not fit B of shape {B.shape}")
    try:
        batch = tuple(np.broadcast_shapes(a.shape[:-2], b.shape[:-2]))
    except ValueError:
        raise ShapeError(
            f"linalg.lstsq: the batch dims of A {a.shape} and B {b.shape} do not broadcast"
        ) from None
    a = a.broadcast_to(batch + tuple(a.shape[-2:]))
    b = b.broadcast_to(batch + tuple(b.shape[-2:]))
    rtol = _tolerance(rcond)
    x = apply(Lstsq, a, b, rcond=rtol)
    m, n = a.shape[-2:]
    _, s = pinv_array(a.array, None, rtol, False)
    limit = (rtol if rtol is not None else float(np.finfo(a.dtype).eps) * max(m, n)) * (
        s.max(axis=-1, keepdims=True) if s.shape[-1] else 0
    )
    rank = np.sum(s > limit, axis=-1).astype(np.int64)
    empty = _wrap(np.zeros_like(a.array, shape=(0,)))
    residuals = empty
    if m > n and driver != "gelsy" and bool(np.all(rank == n)):
        residuals = ((a @ x - b) ** 2).sum(-2)
        if vector:
            residuals = residuals.squeeze(-1)
    return linalg_lstsq(
        x.squeeze(-1) if vector else x,
        residuals,
        _wrap(as_array(rank))
        if driver != "gels"
        else _wrap(np.zeros_like(rank, shape=(0,), dtype=np.int64)),
        _wrap(s.astype(a.dtype)) if driver in ("gelsd", "gelss") else empty,
    )


def cond(A: Tensor, p: Any = None) -> Tensor:  # noqa: N803
    """The condition number of each matrix in the `p` norm.

    Args:
        A: matrices `(..., m, n)`; square unless `p` is None, 2 or -2.
        p: None or 2 (largest over smallest singular value), -2 (the reverse), 'fro', 'nuc',
            `inf`, `-inf`, 1 or -1 (`norm(A) * norm(inv(A))` in that matrix norm).

    Returns:
        A tensor of shape `(...)`, differentiable.

    Raises:
        ShapeError: `A` has fewer than 2 dims, or is not square for a `p` that needs it.
        InvalidArgumentError: an unknown `p`.
    """
    if p is None or p in (2, -2):
        s = svdvals(A)
        ratio = s[..., 0] / s[..., -1]
        return 1 / ratio if p == -2 else ratio
    a = _square(A, "cond")
    return _matrix_norm_any(a, p) * _matrix_norm_any(inv(a), p)


def _matrix_norm_any(a: Tensor, p: Any) -> Tensor:
    if p == "fro":
        return a.norm(2, dim=(-2, -1))
    if p == "nuc":
        return svdvals(a).sum(-1)
    if p in (1, -1):
        sums = a.abs().sum(-2)
        return sums.amax(-1) if p == 1 else sums.amin(-1)
    if p in (float("inf"), float("-inf")):
        sums = a.abs().sum(-1)
        return sums.amax(-1) if p > 0 else sums.amin(-1)
    raise InvalidArgumentError(
        f"linalg.cond: p={p!r} is not one of None, 2, -2, 'fro', 'nuc', inf, -inf, 1, -1"
    )


# ---------------------------------------------------------------------- not available
_COMPLEX_ONLY = ("eig", "eigvals")


class _ComplexOnlyError(UnsupportedError, AttributeError):
    """`linalg.eig` / `eigvals`: an AttributeError as well, so `hasattr` answers False."""


def __getattr__(name: str) -> NoReturn:
    if name in _COMPLEX_ONLY:
        raise _ComplexOnlyError(
            f"retrograd.linalg.{name} is not available: the eigenvalues of a general matrix "
            "are complex and retrograd has no complex dtypes; for symmetric matrices use "
            f"retrograd.linalg.{'eigh' if name == 'eig' else 'eigvalsh'}"
        )
    raise AttributeError(f"module 'retrograd.linalg' has no attribute {name!r}")


# ---------------------------------------------------------------------- torch's top-level forms
# `Tensor.svd`, `.qr`, `.pinverse`, `.logdet`, `.cross` (and `retrograd.svd` ...) call these.
def svd_old(a: Tensor, some: bool = True, compute_uv: bool = True) -> Any:
    """`torch.svd`: `(U, S, V)` with `V` (not `Vh`); see `Tensor.svd`."""
    if not compute_uv:
        m, n = _matrix(a, "svd").shape[-2:]
        s = svdvals(a)
        batch = tuple(s.shape[:-1])
        return svd_result(
            _wrap(np.zeros_like(s.array, shape=batch + (m, m))),
            s,
            _wrap(np.zeros_like(s.array, shape=batch + (n, n))),
        )
    u, s, vh = svd(a, full_matrices=not some)
    return svd_result(u, s, vh.mT)


def qr_old(a: Tensor, some: bool = True) -> Any:
    """`torch.qr`: `(Q, R)`, reduced when `some`, else complete."""
    q, r = qr(a, "reduced" if some else "complete")
    return qr_result(q, r)


def slogdet_old(a: Tensor) -> Any:
    """`torch.slogdet`: `(sign, logabsdet)` as `torch.return_types.slogdet`."""
    sign, logabsdet = slogdet(a)
    return slogdet_result(sign, logabsdet)


def logdet(a: Tensor) -> Tensor:
    """`torch.logdet`: log det, NaN where the determinant is negative."""
    sign, logabsdet = slogdet(a)
    return where(_wrap(sign.array < 0), float("nan"), logabsdet)


def cross_old(a: Tensor, other: Tensor, dim: int | None = None) -> Tensor:
    """`torch.cross`: `dim=None` takes the first dim of size 3 (PyTorch's deprecated default)."""
    if dim is None:
        x, y = to_tensor(a), to_tensor(other)
        try:
            shape = tuple(np.broadcast_shapes(x.shape, y.shape))
        except ValueError:
            raise ShapeError(f"cross: shapes {x.shape} and {y.shape} do not broadcast") from None
        sizes = [i for i, size in enumerate(shape) if size == 3]
        if not sizes:
            raise ShapeError(f"cross: no dim of size 3 in shapes {x.shape} and {y.shape}")
        dim = sizes[0]
    return cross(a, other, dim=dim)


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


__all__ = [
    "cholesky",
    "cond",
    "cross",
    "det",
    "eigh",
    "eigvalsh",
    "inv",
    "lstsq",
    "matrix_norm",
    "matrix_power",
    "matrix_rank",
    "multi_dot",
    "norm",
    "pinv",
    "qr",
    "slogdet",
    "solve",
    "svd",
    "svdvals",
    "vecdot",
    "vector_norm",
]
