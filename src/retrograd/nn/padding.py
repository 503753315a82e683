"""Padding layers: `ConstantPadNd`, `ZeroPadNd`, `ReflectionPadNd`, `ReplicationPadNd` and
`CircularPadNd` (N = 1, 2, 3), each `F.pad` with a fixed padding and mode."""

from __future__ import annotations

from collections.abc import Sequence

from retrograd.errors import InvalidArgumentError
from retrograd.nn.module import Module
from retrograd.tensor import Tensor, pad

__all__ = [
    "CircularPad1d",
    "CircularPad2d",
    "CircularPad3d",
    "ConstantPad1d",
    "ConstantPad2d",
    "ConstantPad3d",
    "ReflectionPad1d",
    "ReflectionPad2d",
    "ReflectionPad3d",
    "ReplicationPad1d",
    "ReplicationPad2d",
    "ReplicationPad3d",
    "ZeroPad1d",
    "ZeroPad2d",
    "ZeroPad3d",
]


def _widths(padding: int | Sequence[int], axes: int, who: str) -> tuple[int, ...]:
    if isinstance(padding, int):
        return (padding,) * (2 * axes)
    widths = tuple(int(p) for p in padding)
    if len(widths) != 2 * axes:
        raise InvalidArgumentError(
            f"{who}: padding must be an int or a tuple of {2 * axes} ints, got {tuple(padding)}"
        )
    return widths


class _PadNd(Module):
    """F.pad(input, padding, mode) with the padding fixed at construction."""

    padding: tuple[int, ...]
    mode: str = "constant"
    axes: int = 1

    def __init__(self, padding: int | Sequence[int]) -> None:
        super().__init__()
        self.padding = _widths(padding, self.axes, type(self).__name__)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """`input` padded by `padding` in this layer's mode."""
        return pad(input, self.padding, mode=self.mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    value: float

    def __init__(self, padding: int | Sequence[int], value: float) -> None:
        super().__init__(padding)
        self.value = value

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """`input` padded by `padding` with `value`."""
        return pad(input, self.padding, mode="constant", value=self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pad the last axis with `value`.

    Args:
        padding: int or (left, right).
        value: the fill value.
    """

    axes = 1


class ConstantPad2d(_ConstantPadNd):
    """Pad the last two axes with `value`.

    Args:
        padding: int or (left, right, top, bottom).
        value: the fill value.
    """

    axes = 2


class ConstantPad3d(_ConstantPadNd):
    """Pad the last three axes with `value`.

    Args:
        padding: int or 6 ints (left, right, top, bottom, front, back).
        value: the fill value.
    """

    axes = 3


class _ZeroPadNd(_ConstantPadNd):
    """A constant padding of zeros, shown as the plain padding."""

    def __init__(self, padding: int | Sequence[int]) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return _PadNd.extra_repr(self)


class ZeroPad1d(_ZeroPadNd, ConstantPad1d):
    """Pad the last axis with zeros.

    Args:
        padding: int or (left, right).
    """


class ZeroPad2d(_ZeroPadNd, ConstantPad2d):
    """Pad the last two axes with zeros.

    Args:
        padding: int or (left, right, top, bottom).
    """


class ZeroPad3d(_ZeroPadNd, ConstantPad3d):
    """Pad the last three axes with zeros.

    Args:
        padding: int or 6 ints (left, right, top, bottom, front, back).
    """


class ReflectionPad1d(_PadNd):
    """Pad the last axis with its reflection about the edge element. **Shapes:** `(C, W)` or
    `(N, C, W)`; each width must be smaller than W."""

    mode, axes = "reflect", 1


class ReflectionPad2d(_PadNd):
    """Pad the last two axes with their reflection. **Shapes:** `(C, H, W)` or `(N, C, H, W)`."""

    mode, axes = "reflect", 2


class ReflectionPad3d(_PadNd):
    """Pad the last three axes with their reflection. **Shapes:** `(C, D, H, W)` or
    `(N, C, D, H, W)`."""

    mode, axes = "reflect", 3


class ReplicationPad1d(_PadNd):
    """Pad the last axis by repeating its edge elements. **Shapes:** `(C, W)` or `(N, C, W)`."""

    mode, axes = "replicate", 1


class ReplicationPad2d(_PadNd):
    """Pad the last two axes by repeating their edge elements. **Shapes:** `(C, H, W)` or
    `(N, C, H, W)`."""

    mode, axes = "replicate", 2


class ReplicationPad3d(_PadNd):
    """Pad the last three axes by repeating their edge elements. **Shapes:** `(C, D, H, W)` or
    `(N, C, D, H, W)`."""

    mode, axes = "replicate", 3


class CircularPad1d(_PadNd):
    """Pad the last axis by wrapping around. **Shapes:** `(C, W)` or `(N, C, W)`."""

    mode, axes = "circular", 1


class CircularPad2d(_PadNd):
    """Pad the last two axes by wrapping around. **Shapes:** `(C, H, W)` or `(N, C, H, W)`."""

    mode, axes = "circular", 2


class CircularPad3d(_PadNd):
    """Pad the last three axes by wrapping around. **Shapes:** `(C, D, H, W)` or
    `(N, C, D, H, W)`."""

    mode, axes = "circular", 3
