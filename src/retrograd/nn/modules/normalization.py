"""`torch.nn.modules.normalization`: the same classes as `retrograd.nn`, at PyTorch's path."""

from retrograd.nn import (
    GroupNorm,
    LayerNorm,
    RMSNorm,
)

__all__ = [
    "GroupNorm",
    "LayerNorm",
    "RMSNorm",
]
