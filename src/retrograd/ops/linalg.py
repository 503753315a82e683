"""Matrix primitives for `retrograd.linalg`: the inverse, the determinant and the solution of a
linear system, over the last two dims (batches in front), each backward beside its forward.

d(A^-1) = -A^-1 dA A^-1, so grad_A = -A^-T g A^-T; d det(A) = det(A) tr(A^-1 dA), so
grad_A = g det(A) A^-T; X = A^-1 B gives grad_B = A^-T g and grad_A = -grad_B X^T.
"""

from __future__ import annotations

import numpy as np

from retrograd.autograd.node import Node


def _t(a: np.ndarray) -> np.ndarray:
    return np.swapaxes(a, -1, -2)


class Inverse(Node):
    saves_inputs = False
    saves_output = True

    def forward(self, a: np.ndarray) -> np.ndarray:
        out = np.linalg.inv(a)
        self.saved = (out,)
        return out

    def backward(self, grad: np.ndarray) -> np.ndarray:
        (inverse,) = self.saved
        return -(_t(inverse) @ grad @ _t(inverse))


class Det(Node):
    def forward(self, a: np.ndarray) -> np.ndarray:
        out = np.asarray(np.linalg.det(a))
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
        out = np.linalg.solve(a, rhs)
        self.saved = (a, out, vector)
        return out[..., 0] if vector else out

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        a, x, vector = self.saved
        g = grad[..., None] if vector else grad
        grad_b = np.linalg.solve(_t(a), g)
        grad_a = -(grad_b @ _t(x))
        return grad_a, (grad_b[..., 0] if vector else grad_b)
