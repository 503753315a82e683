"""Dropout layers: `Dropout` (elements), `Dropout1d` and `Dropout2d` (whole channels). Active in
training mode only; the masks come from the seeded generator (or the layer's own)."""

from __future__ import annotations

from typing import Any

from retrograd.nn.functional.dropout import check_probability, dropout, dropout1d, dropout2d
from retrograd.nn.module import Module
from retrograd.tensor import Tensor

__all__ = [
    "Dropout",
    "Dropout1d",
    "Dropout2d",
]


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

    Args:
        p: the probability of zeroing an element, in [0, 1]. Default: 0.5.
        inplace: whether to zero the input's own values instead of returning a new tensor.
            Default: False.
        generator: the NumPy Generator that draws the masks. Default: None, the seeded global
            one.

    Shape:
        - Input: `(*)`, any number of dimensions.
        - Output: `(*)`, the same shape as the input.

    Example:
        >>> import numpy as np
        >>> m = nn.Dropout(p=0.5, generator=np.random.default_rng(0))
        >>> m(retrograd.ones(2, 4))
        tensor([[2., 0., 0., 0.],
                [2., 2., 2., 2.]])
        >>> m.eval()(retrograd.ones(2, 4))
        tensor([[1., 1., 1., 1.],
                [1., 1., 1., 1.]])
    """

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """In training, `input` with each element zeroed with probability `p` and the rest
        scaled by 1 / (1 - p); in eval mode (or with `p=0`), `input` itself. Any shape."""
        return dropout(input, self.p, self.training, self.inplace, generator=self.generator)


class Dropout1d(_DropoutNd):
    """In training, zero whole channels with probability `p` and scale the rest by 1 / (1 - p).

    In eval mode, the identity. A channel is one `(L,)` row of a `(N, C, L)` input.

    Args:
        p: the probability of zeroing a channel, in [0, 1]. Default: 0.5.
        inplace: whether to zero the input's own values instead of returning a new tensor.
            Default: False.
        generator: the NumPy Generator that draws the masks. Default: None, the seeded global
            one.

    Shape:
        - Input: `(N, C, L)` or `(C, L)`.
        - Output: the same shape as the input.

    Example:
        >>> m = nn.Dropout1d(p=0.2)
        >>> m(retrograd.ones(4, 3, 5)).shape
        (4, 3, 5)
    """

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """In training, `input` `(N, C, L)` or `(C, L)` with whole channels zeroed with
        probability `p` and the rest scaled by 1 / (1 - p); in eval mode (or with `p=0`),
        `input` itself."""
        return dropout1d(input, self.p, self.training, self.inplace, generator=self.generator)


class Dropout2d(_DropoutNd):
    """In training, zero whole channels with probability `p` and scale the rest by 1 / (1 - p).

    In eval mode, the identity. A channel is one `(H, W)` plane of a `(N, C, H, W)` input.

    Args:
        p: the probability of zeroing a channel, in [0, 1]. Default: 0.5.
        inplace: whether to zero the input's own values instead of returning a new tensor.
            Default: False.
        generator: the NumPy Generator that draws the masks. Default: None, the seeded global
            one.

    Shape:
        - Input: `(N, C, H, W)`; a 3-d input is taken as `(N, C, L)`, with a warning, as in
          PyTorch (use `Dropout1d` for that).
        - Output: the same shape as the input.

    Example:
        >>> m = nn.Dropout2d(p=0.2)
        >>> m(retrograd.ones(4, 3, 8, 8)).shape
        (4, 3, 8, 8)
    """

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """In training, `input` `(N, C, H, W)` (or `(N, C, L)`, with a warning) with whole
        channels zeroed with probability `p` and the rest scaled by 1 / (1 - p); in eval mode
        (or with `p=0`), `input` itself."""
        return dropout2d(input, self.p, self.training, self.inplace, generator=self.generator)
