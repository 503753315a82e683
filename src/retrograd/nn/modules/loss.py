"""`torch.nn.modules.loss`: the same classes as `retrograd.nn`, at PyTorch's path."""

from retrograd.nn.loss import *  # noqa: F403
from retrograd.nn.loss import __all__ as __all__
