"""`torch.nn.modules.upsampling`: the same classes as `retrograd.nn`, at PyTorch's path."""

from retrograd.nn import (
    Upsample,
    UpsamplingNearest2d,
)

__all__ = [
    "Upsample",
    "UpsamplingNearest2d",
]
