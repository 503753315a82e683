"""`torch.nn.modules.distance`: the same classes as `retrograd.nn`, at PyTorch's path."""

from retrograd.nn.distance import *  # noqa: F403
from retrograd.nn.distance import __all__ as __all__
