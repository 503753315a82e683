"""`torch.nn.modules.pixelshuffle`: the same classes as `retrograd.nn`, at PyTorch's path."""

from retrograd.nn import (
    PixelShuffle,
    PixelUnshuffle,
)

__all__ = [
    "PixelShuffle",
    "PixelUnshuffle",
]
