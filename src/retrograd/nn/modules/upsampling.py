"""`torch.nn.modules.upsampling`: the same classes as `retrograd.nn`, at PyTorch's path."""

from retrograd.nn.upsampling import *  # noqa: F403
from retrograd.nn.upsampling import __all__ as __all__
