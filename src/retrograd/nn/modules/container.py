"""`torch.nn.modules.container`: the same classes as `retrograd.nn`, at PyTorch's path."""

from retrograd.nn import (
    ModuleDict,
    ModuleList,
    ParameterDict,
    ParameterList,
    Sequential,
)

__all__ = [
    "ModuleDict",
    "ModuleList",
    "ParameterDict",
    "ParameterList",
    "Sequential",
]
