"""Matrix primitives for `retrograd.linalg`: the inverse, the determinant, the solution of a
linear system and the decompositions (SVD, symmetric eigendecomposition, QR, Cholesky), the
pseudo-inverse, log |det| and least squares, over the last two dims (batches in front), each
backward beside its forward. A decomposition with several factors returns them packed into one
array (`pack`); `retrograd.linalg` slices them out, so one node takes all their gradients.

d(A^-1) = -A^-1 dA A^-1, so grad_A = -A^-T g A^-T; d det(A) = det(A) tr(A^-1 dA), so
grad_A = g det(A) A^-T; X = A^-1 B gives grad_B = A^-T g and grad_A = -grad_B X^T.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

from retrograd.autograd.node import Node
from retrograd.backend.arrays import as_array
from retrograd.errors import InvalidArgumentError, UnsupportedError


def _t(a: np.ndarray) -> np.ndarray:
    return np.swapaxes(a, -1, -2)


class Inverse(Node):
    saves_inputs = False
    saves_output = True

    def forward(self, a: np.ndarray) -> np.ndarray:
        with lapack_errors(f"linalg.inv: a matrix of shape {a.shape} is singular"):
            out = np.linalg.inv(a)
        self.saved = (out,)
        return out

    def backward(self, grad: np.ndarray) -> np.ndarray:
        (inverse,) = self.saved
        return -(_t(inverse) @ grad @ _t(inverse))


class Det(Node):
    def forward(self, a: np.ndarray) -> np.ndarray:
        out = as_array(np.linalg.det(a))
        self.saved = (a, out)
        return out

    def backward(self, grad: np.ndarray) -> np.ndarray:
        a, det = self.saved
        # A^-T det(A) is the cofactor matrix; a singular A has no inverse, so use the adjugate
        # through the pseudo-inverse of A scaled by det (0 there, as the gradient's limit)
        inverse_t = _t(np.linalg.pinv(a)) if np.any(det == 0) else _t(np.linalg.inv(a))
        return (grad * det)[..., None, None] * inverse_t


class Solve(Node):
    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        vector = b.ndim == a.ndim - 1
        rhs = b[..., None] if vector else b
        out = _solve(a, rhs, "linalg.solve")
        self.saved = (a, out, vector)
        return out[..., 0] if vector else out

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        a, x, vector = self.saved
        g = grad[..., None] if vector else grad
        grad_b = np.linalg.solve(_t(a), g)
        grad_a = -(grad_b @ _t(x))
        return grad_a, (grad_b[..., 0] if vector else grad_b)


# ---------------------------------------------------------------------- helpers
def _diag_embed(d: np.ndarray) -> np.ndarray:
    """A batch of diagonal matrices with `d` (..., k) on the diagonal."""
    k = d.shape[-1]
    out = np.zeros_like(d, shape=d.shape + (k,))
    idx = np.arange(k)
    out[..., idx, idx] = d
    return out


def _spectral_gaps(values: np.ndarray) -> np.ndarray:
    """`E[i, j] = values[j] - values[i]`, with ones on the diagonal (it is never divided by)."""
    gaps = values[..., None, :] - values[..., :, None]
    idx = np.arange(values.shape[-1])
    gaps[..., idx, idx] = 1
    return gaps


def _flat(a: np.ndarray, batch: tuple[int, ...]) -> np.ndarray:
    return a.reshape(batch + (-1,))


def pack(*arrays: np.ndarray) -> np.ndarray:
    """The arrays' trailing dims flattened and laid side by side on the last axis (one output
    array for a decomposition; `retrograd.linalg` slices the factors back out)."""
    batch = arrays[0].shape[:-2] if arrays[0].ndim >= 2 else arrays[0].shape[:-1]
    return np.concatenate([_flat(a, batch) for a in arrays], axis=-1)


def _unpack(grad: np.ndarray, shapes: list[tuple[int, ...]]) -> list[np.ndarray]:
    batch = grad.shape[:-1]
    out, start = [], 0
    for shape in shapes:
        size = int(np.prod(shape, dtype=np.int64))
        out.append(grad[..., start : start + size].reshape(batch + shape))
        start += size
    return out


@contextmanager
def lapack_errors(message: str) -> Iterator[None]:
    """Turn NumPy's LinAlgError (a singular or not positive-definite matrix) into a retrograd
    error with `message`."""
    try:
        yield
    except np.linalg.LinAlgError as error:
        raise InvalidArgumentError(f"{message} (LAPACK: {error})") from None


def _solve(a: np.ndarray, b: np.ndarray, who: str) -> np.ndarray:
    with lapack_errors(f"{who}: a matrix of shape {a.shape} is singular"):
        return np.linalg.solve(a, b)


def pinv_array(
    a: np.ndarray, atol: float | None, rtol: float | None, hermitian: bool
) -> tuple[np.ndarray, np.ndarray]:
    """The pseudo-inverse of each matrix, and the singular values (absolute eigenvalues when
    `hermitian`); values at or below `max(atol, rtol * largest)` count as zero (PyTorch's rule:
    `rtol` defaults to `eps * max(m, n)` when neither is given, and to 0 when only `atol` is)."""
    m, n = a.shape[-2:]
    if rtol is None:
        rtol = 0.0 if (atol is not None and atol > 0) else float(np.finfo(a.dtype).eps) * max(m, n)
    atol = 0.0 if atol is None else atol
    if hermitian:
        w, v = np.linalg.eigh(a)
        s = np.abs(w)
    else:
        u, s, vh = np.linalg.svd(a, full_matrices=False)
    largest = (
        s.max(axis=-1, keepdims=True)
        if s.shape[-1]
        else np.zeros_like(s, shape=s.shape[:-1] + (1,), dtype=np.float64)
    )
    keep = s > np.maximum(atol, rtol * largest)
    if hermitian:
        inv_w = np.where(keep, 1 / np.where(keep, w, 1), 0).astype(a.dtype)
        out = (v * inv_w[..., None, :]) @ _t(v)
    else:
        inv_s = np.where(keep, 1 / np.where(keep, s, 1), 0).astype(a.dtype)
        out = (_t(vh) * inv_s[..., None, :]) @ _t(u)
    return out, s


def pinv_backward(grad: np.ndarray, p: np.ndarray, a: np.ndarray) -> np.ndarray:
    """The gradient through `p = pinv(a)` (constant rank): -p^T g p^T + (I - a p) g^T p p^T +
    p^T p g^T (I - p a)."""
    p_t, g_t = _t(p), _t(grad)
    out = -(p_t @ grad @ p_t)
    k = g_t @ p @ p_t  # (m, m) side: g^T p p^T
    out = out + k - a @ (p @ k)
    h = p_t @ p @ g_t  # p^T p g^T
    return out + h - (h @ p) @ a


# ---------------------------------------------------------------------- decompositions
def svd_backward(
    gu: np.ndarray | None,
    gs: np.ndarray,
    gvh: np.ndarray | None,
    u: np.ndarray,
    s: np.ndarray,
    vh: np.ndarray,
) -> np.ndarray:
    """PyTorch's `svd_backward` for real matrices, on the reduced factors (U (m, k), Vh (k, n)).

    A zero (or missing) gradient for U or Vh is left out, so a loss of the singular values alone
    stays finite at repeated singular values; otherwise those have no gradient (inf/NaN).
    """
    m, n, k = u.shape[-2], vh.shape[-1], s.shape[-1]
    use_u = gu is not None and bool(np.any(gu))
    use_v = gvh is not None and bool(np.any(gvh))
    if not use_u and not use_v:
        return (u * gs[..., None, :]) @ vh
    gaps = _spectral_gaps(s * s)  # s_j^2 - s_i^2
    with np.errstate(divide="ignore", invalid="ignore"):
        if use_u:
            assert gu is not None
            j = _t(u) @ gu
            j = j - _t(j)
        if use_v:
            assert gvh is not None
            kv = vh @ _t(gvh)  # V^T gV
            kv = kv - _t(kv)
        if use_u and use_v:
            inner = (j * s[..., None, :] + s[..., :, None] * kv) / gaps
        elif use_u:
            inner = (j / gaps) * s[..., None, :]
        else:
            inner = s[..., :, None] * (kv / gaps)
        inner = inner + _diag_embed(gs)
        if m > k and use_u:
            assert gu is not None
            gu_s = gu / s[..., None, :]
            return (u @ inner + gu_s - u @ (_t(u) @ gu_s)) @ vh
        if n > k and use_v:
            assert gvh is not None
            s_gvh = gvh / s[..., :, None]
            return u @ (inner @ vh + s_gvh - (s_gvh @ _t(vh)) @ vh)
        return u @ inner @ vh


class SVD(Node):
    """`U, S, Vh` of each matrix, packed into one array (see `pack`)."""

    saves_inputs = False

    def forward(self, a: np.ndarray, full_matrices: bool = False) -> np.ndarray:
        u, s, vh = np.linalg.svd(a, full_matrices=full_matrices)
        self.saved = (u, s, vh)
        return pack(u, s[..., None], vh)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        u, s, vh = self.saved
        gu, gs, gvh = _unpack(grad, [u.shape[-2:], s.shape[-1:], vh.shape[-2:]])
        k = s.shape[-1]
        # full_matrices: the columns beyond min(m, n) are arbitrary; their gradient is dropped
        return svd_backward(gu[..., :k], gs, gvh[..., :k, :], u[..., :k], s, vh[..., :k, :])


class SVDVals(Node):
    """The singular values of each matrix; d s = u^T dA v, so grad_A = U diag(g) Vh."""

    saves_inputs = False

    def forward(self, a: np.ndarray) -> np.ndarray:
        u, s, vh = np.linalg.svd(a, full_matrices=False)
        self.saved = (u, vh)
        return s

    def backward(self, grad: np.ndarray) -> np.ndarray:
        u, vh = self.saved
        return (u * grad[..., None, :]) @ vh


class Eigh(Node):
    """Eigenvalues (ascending) and eigenvectors of each symmetric matrix, packed (see `pack`);
    only the `uplo` triangle is read. The gradient is PyTorch's (symmetric):
    V (diag(gL) + skew(V^T gV) / 2 / E) V^T with E[i, j] = L[j] - L[i]."""

    saves_inputs = False

    def forward(self, a: np.ndarray, uplo: str = "L") -> np.ndarray:
        w, v = np.linalg.eigh(a, UPLO="U" if uplo == "U" else "L")
        self.saved = (w, v)
        return pack(w[..., None], v)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        w, v = self.saved
        gw, gv = _unpack(grad, [w.shape[-1:], v.shape[-2:]])
        if not np.any(gv):
            return (v * gw[..., None, :]) @ _t(v)
        vhgv = _t(v) @ gv
        with np.errstate(divide="ignore", invalid="ignore"):
            inner = 0.5 * (vhgv - _t(vhgv)) / _spectral_gaps(w)
        idx = np.arange(w.shape[-1])
        inner[..., idx, idx] = gw
        return v @ inner @ _t(v)


class EigvalsH(Node):
    """The eigenvalues of each symmetric matrix; grad_A = V diag(g) V^T."""

    saves_inputs = False

    def forward(self, a: np.ndarray, uplo: str = "L") -> np.ndarray:
        w, v = np.linalg.eigh(a, UPLO="U" if uplo == "U" else "L")
        self.saved = (v,)
        return w

    def backward(self, grad: np.ndarray) -> np.ndarray:
        (v,) = self.saved
        return (v * grad[..., None, :]) @ _t(v)


def _qr_backward_tall(q: np.ndarray, r: np.ndarray, gq: np.ndarray, gr: np.ndarray) -> np.ndarray:
    """A = QR with m >= n (R square): grad_A = (gQ + Q copyltu(M)) R^-T, M = R gR^T - gQ^T Q,
    copyltu(M) the symmetric matrix with M's lower triangle."""
    mm = r @ _t(gr) - _t(gq) @ q
    b = gq + q @ (np.tril(mm) + _t(np.tril(mm, -1)))
    with lapack_errors(
        f"linalg.qr backward: R of shape {r.shape} is singular (the input does not have full "
        "rank), so the QR decomposition has no gradient there"
    ):
        return _t(np.linalg.solve(r, _t(b)))


class QR(Node):
    """`Q, R` of each matrix packed (see `pack`), or `R` alone for mode 'r' (Q is still
    computed, so R keeps its gradient)."""

    saves_inputs = False

    def forward(self, a: np.ndarray, mode: str = "reduced") -> np.ndarray:
        q, r = np.linalg.qr(a, mode="complete" if mode == "complete" else "reduced")
        self.saved = (q, r, mode)
        return r if mode == "r" else pack(q, r)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        q, r, mode = self.saved
        if mode == "r":
            gq, gr = np.zeros_like(q), grad
        else:
            gq, gr = _unpack(grad, [q.shape[-2:], r.shape[-2:]])
        m, n = q.shape[-2], r.shape[-1]
        if mode == "complete" and m > n:
            raise UnsupportedError(
                "linalg.qr: the QR decomposition is not differentiable when mode='complete' and "
                f"the matrices have more rows than columns ({m} > {n}); use mode='reduced'"
            )
        if m >= n:
            return _qr_backward_tall(q, r, gq, gr)
        # wide: A = Q [R1 R2] with A1 = Q R1 square and A2 = Q R2
        r2, gr2 = r[..., :, m:], gr[..., :, m:]
        gq = gq + (q @ r2) @ _t(gr2)
        grad_a1 = _qr_backward_tall(q, r[..., :, :m], gq, gr[..., :, :m])
        return np.concatenate([grad_a1, q @ gr2], axis=-1)


class Cholesky(Node):
    """The lower (or, `upper`, the upper) Cholesky factor of each positive-definite matrix; only
    the lower triangle is read. The gradient is PyTorch's (symmetric, Murray 2016):
    L^-T Phi(L^T gL) L^-1 with Phi(X) = (tril(X) + tril(X, -1)^T) / 2."""

    saves_inputs = False

    def forward(self, a: np.ndarray, upper: bool = False) -> np.ndarray:
        with lapack_errors(
            f"linalg.cholesky: the input of shape {a.shape} is not positive-definite"
        ):
            lower = np.linalg.cholesky(a)
        self.saved = (lower, upper)
        return _t(lower).copy() if upper else lower

    def backward(self, grad: np.ndarray) -> np.ndarray:
        lower, upper = self.saved
        g = _t(grad) if upper else grad
        phi = np.tril(_t(lower) @ g)
        phi = 0.5 * (phi + _t(np.tril(phi, -1)))
        left = np.linalg.solve(_t(lower), phi)  # L^-T Phi
        return _t(np.linalg.solve(_t(lower), _t(left)))  # (L^-T Phi) L^-1


class Pinv(Node):
    """The pseudo-inverse (`pinv_array`); the gradient is `pinv_backward` (PyTorch's)."""

    def forward(
        self,
        a: np.ndarray,
        atol: float | None = None,
        rtol: float | None = None,
        hermitian: bool = False,
    ) -> np.ndarray:
        out, _ = pinv_array(a, atol, rtol, hermitian)
        self.saved = (a, out)
        return out

    def backward(self, grad: np.ndarray) -> np.ndarray:
        a, p = self.saved
        return pinv_backward(grad, p, a)


class LogAbsDet(Node):
    """log |det A|; grad_A = g A^-T (the sign has no gradient)."""

    def forward(self, a: np.ndarray) -> np.ndarray:
        _, out = np.linalg.slogdet(a)
        self.saved = (a,)
        return as_array(out)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        (a,) = self.saved
        try:
            inverse_t = _t(np.linalg.inv(a))
        except np.linalg.LinAlgError:
            inverse_t = _t(np.linalg.pinv(a))
        return grad[..., None, None] * inverse_t


class Lstsq(Node):
    """The least-squares solution `pinv(A) @ B` (batch dims already equal); PyTorch's gradient:
    grad_A through the pseudo-inverse with g_pinv = gX B^T, grad_B = pinv(A)^T gX."""

    def forward(self, a: np.ndarray, b: np.ndarray, rcond: float | None = None) -> np.ndarray:
        p, _ = pinv_array(a, None, rcond, False)
        self.saved = (a, b, p)
        return p @ b

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        a, b, p = self.saved
        return pinv_backward(grad @ _t(b), p, a), _t(p) @ grad
