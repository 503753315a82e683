"""`CosineSimilarity` and `PairwiseDistance`: layers around the functions of the same names."""

from __future__ import annotations

from retrograd.nn.functional.distance import cosine_similarity, pairwise_distance
from retrograd.nn.module import Module
from retrograd.tensor import Tensor

__all__ = [
    "CosineSimilarity",
    "PairwiseDistance",
]


class CosineSimilarity(Module):
    """Cosine similarity of `x1` and `x2` along `dim` (see `F.cosine_similarity`).
    **Shapes:** `(*, D, *)` twice (broadcast) -> the shape without `dim`."""

    dim: int
    eps: float

    def __init__(self, dim: int = 1, eps: float = 1e-8) -> None:
        super().__init__()
        self.dim = dim
        self.eps = eps

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        """The cosine similarity of `x1` and `x2` along `dim`."""
        return cosine_similarity(x1, x2, self.dim, self.eps)


class PairwiseDistance(Module):
    """The p-norm of `x1 - x2 + eps` over the last axis (see `F.pairwise_distance`).
    **Shapes:** `(N, D)` twice -> `(N,)`."""

    norm: float
    eps: float
    keepdim: bool

    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> None:
        super().__init__()
        self.norm = p
        self.eps = eps
        self.keepdim = keepdim

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        """The p-norm distance of each row of `x1` to the matching row of `x2`."""
        return pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)
