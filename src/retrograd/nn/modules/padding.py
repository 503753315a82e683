"""`torch.nn.modules.padding`: the same classes as `retrograd.nn`, at PyTorch's path."""

from retrograd.nn.padding import *  # noqa: F403
from retrograd.nn.padding import __all__ as __all__
