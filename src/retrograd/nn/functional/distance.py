"""Distances between rows: `cosine_similarity` and `pairwise_distance`, composed from norms."""

from __future__ import annotations

from retrograd.nn.functional._utils import require_tensor
from retrograd.tensor import Tensor


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """sum(x1 * x2) / (max(|x1|, eps) * max(|x2|, eps)) along `dim` (inputs broadcast).

    As in PyTorch, each input is divided by its norm before the product (the result stays in
    [-1, 1]); the clamp at `eps` does not enter the gradient."""
    require_tensor(x1, "cosine_similarity")
    require_tensor(x2, "cosine_similarity")
    n1 = x1.norm(2, dim, keepdim=True)
    n2 = x2.norm(2, dim, keepdim=True)
    # PyTorch clamps the norms in place under no_grad: the gradient is that of the plain norm
    n1 = n1 + (n1.detach().clamp_min(eps) - n1.detach())
    n2 = n2 + (n2.detach().clamp_min(eps) - n2.detach())
    return ((x1 / n1) * (x2 / n2)).sum(dim)


def pairwise_distance(
    x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False
) -> Tensor:
    """The p-norm of x1 - x2 + eps over the last axis (inputs broadcast).
    **Shapes:** `(N, D)` and `(N, D)` or `(D,)` -> `(N,)`."""
    require_tensor(x1, "pairwise_distance")
    require_tensor(x2, "pairwise_distance")
    return (x1 - x2 + eps).norm(p, -1, keepdim=keepdim)
