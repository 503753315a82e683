"""`torch.nn.modules.fold`: the same classes as `retrograd.nn`, at PyTorch's path."""

from retrograd.nn import (
    Fold,
    Unfold,
)

__all__ = [
    "Fold",
    "Unfold",
]
