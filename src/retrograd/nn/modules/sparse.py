"""`torch.nn.modules.sparse`: the same classes as `retrograd.nn`, at PyTorch's path."""

from retrograd.nn.sparse import *  # noqa: F403
from retrograd.nn.sparse import __all__ as __all__
