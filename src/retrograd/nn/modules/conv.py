"""`torch.nn.modules.conv`: the same classes as `retrograd.nn`, at PyTorch's path."""

from retrograd.nn.conv import *  # noqa: F403
from retrograd.nn.conv import __all__ as __all__
