"""`torch.nn.modules.container`: the same classes as `retrograd.nn`, at PyTorch's path."""

from retrograd.nn.containers import *  # noqa: F403
from retrograd.nn.containers import __all__ as __all__
