"""`torch.nn.modules.rnn`: the same classes as `retrograd.nn`, at PyTorch's path."""

from retrograd.nn import rnn_cells as _cells
from retrograd.nn.rnn import *  # noqa: F403
from retrograd.nn.rnn import __all__ as _layers
from retrograd.nn.rnn_cells import *  # noqa: F403

__all__ = [*_layers, *_cells.__all__]
