"""`torch.nn.modules.module`: the same classes as `retrograd.nn`, at PyTorch's path."""

from retrograd.nn import (
    Module,
)

__all__ = [
    "Module",
]
