"""`torch.nn.modules.sparse`: the same classes as `retrograd.nn`, at PyTorch's path."""

from retrograd.nn import (
    Embedding,
)

__all__ = [
    "Embedding",
]
