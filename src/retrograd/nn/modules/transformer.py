"""`torch.nn.modules.transformer`: the same classes as `retrograd.nn`, at PyTorch's path."""

from retrograd.nn import (
    TransformerEncoder,
    TransformerEncoderLayer,
)

__all__ = [
    "TransformerEncoder",
    "TransformerEncoderLayer",
]
