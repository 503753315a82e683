"""`torch.nn.modules.flatten`: the same classes as `retrograd.nn`, at PyTorch's path."""

from retrograd.nn import (
    Flatten,
    Unflatten,
)

__all__ = [
    "Flatten",
    "Unflatten",
]
