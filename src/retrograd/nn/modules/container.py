"""`torch.nn.modules.container`: the same classes as `retrograd.nn`, at PyTorch's path."""

from retrograd.nn import (
    ModuleDict,
    ModuleList,
    Sequential,
)

__all__ = [
    "ModuleDict",
    "ModuleList",
    "Sequential",
]
