"""`torch.nn.modules.dropout`: the same classes as `retrograd.nn`, at PyTorch's path."""

from retrograd.nn import (
    Dropout,
    Dropout1d,
    Dropout2d,
)

__all__ = [
    "Dropout",
    "Dropout1d",
    "Dropout2d",
]
