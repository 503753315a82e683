"""Dropout layers: `Dropout` (elements), `Dropout1d` and `Dropout2d` (whole channels). Active in
training mode only; the masks come from the seeded generator (or the layer's own)."""

from __future__ import annotations

from typing import Any

from retrograd.nn.functional.dropout import check_probability, dropout, dropout1d, dropout2d
from retrograd.nn.module import Module
from retrograd.tensor import Tensor


class _DropoutNd(Module):
    """Shared fields: `p` (probability of zeroing), `inplace`, `generator`."""

    p: float
    inplace: bool
    generator: Any

    def __init__(self, p: float = 0.5, inplace: bool = False, generator: Any = None) -> None:
        super().__init__()
        check_probability(p, type(self).__name__)
        self.p = p
        self.inplace = inplace
        self.generator = generator

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    """In training, zero each element with probability `p` and scale the rest by 1 / (1 - p);
    in eval mode, the identity.

    **Arguments:** `p` (0.5), `inplace` (False), `generator` (a NumPy Generator; default the
    seeded global one). **Shapes:** any -> the same shape.
    """

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return dropout(input, self.p, self.training, self.inplace, generator=self.generator)


class Dropout1d(_DropoutNd):
    """In training, zero whole channels with probability `p` and scale the rest by 1 / (1 - p).

    **Arguments:** as `Dropout`. **Shapes:** `(N, C, L)` or `(C, L)` -> the same shape.
    """

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return dropout1d(input, self.p, self.training, self.inplace, generator=self.generator)


class Dropout2d(_DropoutNd):
    """In training, zero whole channels with probability `p` and scale the rest by 1 / (1 - p).

    **Arguments:** as `Dropout`. **Shapes:** `(N, C, H, W)` -> the same shape (a 3-d input is
    taken as `(N, C, L)`, with a warning, as in PyTorch).
    """

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return dropout2d(input, self.p, self.training, self.inplace, generator=self.generator)
