"""`torch.nn.modules.instancenorm`: the same classes as `retrograd.nn`, at PyTorch's path."""

from retrograd.nn import (
    InstanceNorm1d,
    InstanceNorm2d,
    InstanceNorm3d,
)

__all__ = [
    "InstanceNorm1d",
    "InstanceNorm2d",
    "InstanceNorm3d",
]
