"""`torch.nn.modules.dropout`: the same classes as `retrograd.nn`, at PyTorch's path."""

from retrograd.nn.dropout import *  # noqa: F403
from retrograd.nn.dropout import __all__ as __all__
