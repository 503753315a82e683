"""`torch.nn.modules.conv`: the same classes as `retrograd.nn`, at PyTorch's path."""

from retrograd.nn import (
    Conv1d,
    Conv2d,
    ConvTranspose2d,
)

__all__ = [
    "Conv1d",
    "Conv2d",
    "ConvTranspose2d",
]
