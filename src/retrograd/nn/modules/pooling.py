"""`torch.nn.modules.pooling`: the same classes as `retrograd.nn`, at PyTorch's path."""

from retrograd.nn.pooling import *  # noqa: F403
from retrograd.nn.pooling import __all__ as __all__
