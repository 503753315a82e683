"""`torch.nn.modules.activation`: the same classes as `retrograd.nn`, at PyTorch's path."""

from retrograd.nn import activation as _activation
from retrograd.nn.activation import *  # noqa: F403 - its __all__, extended below
from retrograd.nn.attention import MultiheadAttention

__all__ = ["MultiheadAttention"]
__all__ += _activation.__all__
