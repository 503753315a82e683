"""`torch.nn.modules.linear`: the same classes as `retrograd.nn`, at PyTorch's path."""

from retrograd.nn import (
    Identity,
    Linear,
)

__all__ = [
    "Identity",
    "Linear",
]
