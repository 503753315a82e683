"""`Fold`, `Unfold`, `PixelShuffle` and `PixelUnshuffle`: layers around the functions of
`retrograd.nn.functional.folding`."""

from __future__ import annotations

from typing import ClassVar

from retrograd.nn.functional._utils import check_size, settings_repr
from retrograd.nn.functional.folding import IntOrTuple, _fold, _settings, _shuffle, _unfold
from retrograd.nn.module import Module
from retrograd.tensor import Tensor

__all__ = [
    "Fold",
    "PixelShuffle",
    "PixelUnshuffle",
    "Unfold",
]


class _WindowLayer(Module):
    """What Fold and Unfold share: the window settings, checked when the layer is built."""

    kernel_size: IntOrTuple
    dilation: IntOrTuple
    padding: IntOrTuple
    stride: IntOrTuple

    def _set_windows(
        self,
        kernel_size: IntOrTuple,
        dilation: IntOrTuple,
        padding: IntOrTuple,
        stride: IntOrTuple,
    ) -> None:
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.padding = padding
        self.stride = stride
        _settings(self, kernel_size, dilation, padding, stride)


class Unfold(_WindowLayer):
    """Extract sliding windows of a batch of images as columns (im2col), as `F.unfold`.

    Args:
        kernel_size: the window (an int or a pair).
        dilation: the spacing of a window's elements (1).
        padding: zeros added on both sides of H and W (0).
        stride: the step between windows (1).

    Shape:
        - Input: `(N, C, H, W)` or `(C, H, W)`.
        - Output: `(N, C * kH * kW, L)` or `(C * kH * kW, L)`, L the number of windows.

    Example:
        >>> nn.Unfold(kernel_size=(2, 3))(retrograd.randn(2, 5, 3, 4)).shape
        (2, 30, 4)
    """

    def __init__(
        self,
        kernel_size: IntOrTuple,
        dilation: IntOrTuple = 1,
        padding: IntOrTuple = 0,
        stride: IntOrTuple = 1,
    ) -> None:
        super().__init__()
        self._set_windows(kernel_size, dilation, padding, stride)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """The windows of `input` as columns."""
        return _unfold(input, self, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return settings_repr(self, "kernel_size", "dilation", "padding", "stride")


class Fold(_WindowLayer):
    """Sum columns of sliding windows back into images (col2im), as `F.fold`.

    Args:
        output_size: the spatial size (H, W) of the images (an int or a pair).
        kernel_size: the window (an int or a pair).
        dilation: the spacing of a window's elements (1).
        padding: zeros on both sides of H and W that the windows covered (0).
        stride: the step between windows (1).

    Shape:
        - Input: `(N, C * kH * kW, L)` or `(C * kH * kW, L)`.
        - Output: `(N, C, H, W)` or `(C, H, W)`.

    Example:
        >>> fold = nn.Fold(output_size=(3, 4), kernel_size=(2, 3))
        >>> fold(retrograd.randn(2, 30, 4)).shape
        (2, 5, 3, 4)
    """

    output_size: IntOrTuple

    def __init__(
        self,
        output_size: IntOrTuple,
        kernel_size: IntOrTuple,
        dilation: IntOrTuple = 1,
        padding: IntOrTuple = 0,
        stride: IntOrTuple = 1,
    ) -> None:
        super().__init__()
        self.output_size = output_size
        self._set_windows(kernel_size, dilation, padding, stride)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """The columns of `input` summed back into images."""
        return _fold(
            input,
            self,
            self.output_size,
            self.kernel_size,
            self.dilation,
            self.padding,
            self.stride,
        )

    def extra_repr(self) -> str:
        return settings_repr(self, "output_size", "kernel_size", "dilation", "padding", "stride")


class _PixelShuffleNd(Module):
    """What PixelShuffle and PixelUnshuffle share: one factor, named `_factor_name`."""

    _factor_name: ClassVar[str]
    _up: ClassVar[bool]

    def _set_factor(self, factor: int) -> None:
        name = self._factor_name
        setattr(self, name, check_size(factor, name, type(self).__name__, 1))

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """`input` with its channels moved into space (PixelShuffle) or back (PixelUnshuffle)."""
        factor = getattr(self, self._factor_name)
        return _shuffle(input, factor, type(self).__name__, up=self._up)

    def extra_repr(self) -> str:
        return settings_repr(self, self._factor_name)


class PixelShuffle(_PixelShuffleNd):
    """Rearrange channels into space, as `F.pixel_shuffle`.

    Args:
        upscale_factor: r.

    Shape:
        - Input: `(*, C * r * r, H, W)`.
        - Output: `(*, C, H * r, W * r)`.

    Example:
        >>> nn.PixelShuffle(3)(retrograd.randn(1, 9, 4, 4)).shape
        (1, 1, 12, 12)
    """

    upscale_factor: int
    _factor_name, _up = "upscale_factor", True

    def __init__(self, upscale_factor: int) -> None:
        super().__init__()
        self._set_factor(upscale_factor)


class PixelUnshuffle(_PixelShuffleNd):
    """Rearrange space into channels, the inverse of PixelShuffle, as `F.pixel_unshuffle`.

    Args:
        downscale_factor: r.

    Shape:
        - Input: `(*, C, H * r, W * r)`.
        - Output: `(*, C * r * r, H, W)`.

    Example:
        >>> nn.PixelUnshuffle(3)(retrograd.randn(1, 1, 12, 12)).shape
        (1, 9, 4, 4)
    """

    downscale_factor: int
    _factor_name, _up = "downscale_factor", False

    def __init__(self, downscale_factor: int) -> None:
        super().__init__()
        self._set_factor(downscale_factor)
