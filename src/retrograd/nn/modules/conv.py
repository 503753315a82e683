"""`torch.nn.modules.conv`: the same classes as `retrograd.nn`, at PyTorch's path."""

from retrograd.nn import (
    Conv1d,
    Conv2d,
    ConvTranspose1d,
    ConvTranspose2d,
)

__all__ = [
    "ConvTranspose1d",
    "Conv1d",
    "Conv2d",
    "ConvTranspose2d",
]
