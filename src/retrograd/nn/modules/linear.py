"""`torch.nn.modules.linear`: the same classes as `retrograd.nn`, at PyTorch's path."""

from retrograd.nn import (
    Identity,
    Linear,
)

__all__ = [
    "Identity",
    "Linear",
]

# PyTorch's subclass of Linear for MultiheadAttention's output projection (named in scripts'
# `safe_globals` lists); retrograd's attention uses Linear itself
NonDynamicallyQuantizableLinear = Linear
