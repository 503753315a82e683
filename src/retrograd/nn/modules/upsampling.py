"""`torch.nn.modules.upsampling`: the same classes as `retrograd.nn`, at PyTorch's path."""

from retrograd.nn import (
    Upsample,
    UpsamplingBilinear2d,
    UpsamplingNearest2d,
)

__all__ = [
    "UpsamplingBilinear2d",
    "Upsample",
    "UpsamplingNearest2d",
]
