"""`torch.nn.modules.transformer`: the same classes as `retrograd.nn`, at PyTorch's path."""

from retrograd.nn.transformer import *  # noqa: F403
from retrograd.nn.transformer import __all__ as __all__
