"""`torch.nn.modules.batchnorm`: the same classes as `retrograd.nn`, at PyTorch's path."""

from retrograd.nn import (
    BatchNorm1d,
    BatchNorm2d,
    BatchNorm3d,
)

__all__ = [
    "BatchNorm1d",
    "BatchNorm2d",
    "BatchNorm3d",
]
