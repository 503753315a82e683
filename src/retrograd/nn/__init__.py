"""Layers with PyTorch's names and semantics: `Module`, `Parameter`, `Linear`, activations,
losses, containers; `nn.init` for initialisers and `nn.functional` for the stateless forms.

Each layer's module loads on first use (PEP 562), so `from retrograd import nn` does not
compile recurrent, attention or convolution code a model never uses. `from retrograd.nn import
X`, `nn.X`, `dir(nn)` and type checkers see every name as usual.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from retrograd.backend.lazy import Lazy
from retrograd.nn import activation as _activation
from retrograd.nn import loss as _loss
from retrograd.nn.activation import *  # noqa: F403 - the activation layers load with nn
from retrograd.nn.loss import *  # noqa: F403 - and so do the losses
from retrograd.nn.module import Module
from retrograd.nn.parameter import Parameter

if TYPE_CHECKING:  # the same names, for type checkers and editors (each module's __all__)
    from retrograd.nn import functional, init, modules, utils
    from retrograd.nn.attention import *  # noqa: F403
    from retrograd.nn.containers import *  # noqa: F403
    from retrograd.nn.conv import *  # noqa: F403
    from retrograd.nn.distance import *  # noqa: F403
    from retrograd.nn.dropout import *  # noqa: F403
    from retrograd.nn.fold import *  # noqa: F403
    from retrograd.nn.linear import *  # noqa: F403
    from retrograd.nn.normalization import *  # noqa: F403
    from retrograd.nn.padding import *  # noqa: F403
    from retrograd.nn.parallel import DataParallel  # (its module is also torch.nn.parallel)
    from retrograd.nn.pooling import *  # noqa: F403
    from retrograd.nn.rnn import *  # noqa: F403
    from retrograd.nn.rnn_cells import *  # noqa: F403
    from retrograd.nn.sparse import *  # noqa: F403
    from retrograd.nn.transformer import *  # noqa: F403
    from retrograd.nn.upsampling import *  # noqa: F403

#: submodule of `retrograd.nn` -> the names it exports here: its `__all__` (a test holds them equal)
_LAZY_EXPORTS: dict[str, tuple[str, ...]] = {
    "attention": ("MultiheadAttention",),
    "containers": ("ModuleDict", "ModuleList", "ParameterDict", "ParameterList", "Sequential"),
    "conv": (
        "Conv1d",
        "Conv2d",
        "Conv3d",
        "ConvTranspose1d",
        "ConvTranspose2d",
        "ConvTranspose3d",
    ),
    "distance": ("CosineSimilarity", "PairwiseDistance"),
    "dropout": ("Dropout", "Dropout1d", "Dropout2d"),
    "fold": ("Fold", "PixelShuffle", "PixelUnshuffle", "Unfold"),
    "linear": ("Flatten", "Identity", "Linear", "Unflatten"),
    "normalization": (
        "BatchNorm1d",
        "BatchNorm2d",
        "BatchNorm3d",
        "GroupNorm",
        "InstanceNorm1d",
        "InstanceNorm2d",
        "InstanceNorm3d",
        "LayerNorm",
        "RMSNorm",
    ),
    "padding": (
        "CircularPad1d",
        "CircularPad2d",
        "CircularPad3d",
        "ConstantPad1d",
        "ConstantPad2d",
        "ConstantPad3d",
        "ReflectionPad1d",
        "ReflectionPad2d",
        "ReflectionPad3d",
        "ReplicationPad1d",
        "ReplicationPad2d",
        "ReplicationPad3d",
        "ZeroPad1d",
        "ZeroPad2d",
        "ZeroPad3d",
    ),
    "pooling": (
        "AdaptiveAvgPool1d",
        "AdaptiveAvgPool2d",
        "AdaptiveAvgPool3d",
        "AdaptiveMaxPool1d",
        "AdaptiveMaxPool2d",
        "AdaptiveMaxPool3d",
        "AvgPool1d",
        "AvgPool2d",
        "AvgPool3d",
        "LPPool1d",
        "LPPool2d",
        "LPPool3d",
        "MaxPool1d",
        "MaxPool2d",
        "MaxPool3d",
        "MaxUnpool1d",
        "MaxUnpool2d",
        "MaxUnpool3d",
    ),
    "rnn": ("GRU", "LSTM", "RNN", "RNNBase"),
    "rnn_cells": ("GRUCell", "LSTMCell", "RNNCell", "RNNCellBase"),
    "sparse": ("Embedding",),
    "transformer": (
        "Transformer",
        "TransformerDecoder",
        "TransformerDecoderLayer",
        "TransformerEncoder",
        "TransformerEncoderLayer",
    ),
    "upsampling": ("Upsample", "UpsamplingBilinear2d", "UpsamplingNearest2d"),
    "parallel": ("DataParallel",),
}
_LAZY_SUBMODULES = ("functional", "init", "modules", "utils")  # modules: PyTorch's paths
_lazy = Lazy.by_module(__name__, _LAZY_EXPORTS, _LAZY_SUBMODULES)
_LAZY_NAMES = _lazy.names


def __getattr__(name: str) -> object:
    return _lazy.load(name)  # `nn.Conv2d`, `nn.functional`, `nn.rnn`...


def __dir__() -> list[str]:
    return _lazy.dir(globals())


__all__ = [
    "AdaptiveAvgPool1d",
    "AdaptiveAvgPool2d",
    "AdaptiveAvgPool3d",
    "AdaptiveMaxPool1d",
    "AdaptiveMaxPool2d",
    "AdaptiveMaxPool3d",
    "AvgPool1d",
    "AvgPool2d",
    "AvgPool3d",
    "BatchNorm3d",
    "BatchNorm1d",
    "BatchNorm2d",
    "CircularPad1d",
    "CircularPad2d",
    "CircularPad3d",
    "ConstantPad1d",
    "ConstantPad2d",
    "ConstantPad3d",
    "Conv1d",
    "Conv2d",
    "Conv3d",
    "ConvTranspose1d",
    "ConvTranspose2d",
    "ConvTranspose3d",
    "CosineSimilarity",
    "DataParallel",
    "Dropout",
    "Dropout1d",
    "Dropout2d",
    "Embedding",
    "Flatten",
    "Fold",
    "GRU",
    "GRUCell",
    "GroupNorm",
    "Identity",
    "InstanceNorm1d",
    "InstanceNorm2d",
    "InstanceNorm3d",
    "LPPool1d",
    "LPPool2d",
    "LPPool3d",
    "LSTM",
    "LSTMCell",
    "LayerNorm",
    "Linear",
    "MaxPool3d",
    "MaxUnpool1d",
    "MaxUnpool2d",
    "MaxUnpool3d",
    "MaxPool1d",
    "MaxPool2d",
    "Module",
    "ModuleDict",
    "ModuleList",
    "MultiheadAttention",
    "ParameterDict",
    "ParameterList",
    "PixelShuffle",
    "PixelUnshuffle",
    "PairwiseDistance",
    "Parameter",
    "RMSNorm",
    "RNN",
    "RNNBase",
    "RNNCell",
    "RNNCellBase",
    "ReflectionPad1d",
    "ReflectionPad2d",
    "ReflectionPad3d",
    "ReplicationPad1d",
    "ReplicationPad2d",
    "ReplicationPad3d",
    "Sequential",
    "Transformer",
    "TransformerDecoder",
    "TransformerDecoderLayer",
    "TransformerEncoder",
    "TransformerEncoderLayer",
    "Unflatten",
    "Unfold",
    "Upsample",
    "UpsamplingBilinear2d",
    "UpsamplingNearest2d",
    "ZeroPad1d",
    "ZeroPad2d",
    "ZeroPad3d",
    "functional",
    "init",
    "modules",
    "utils",
]
__all__ += _activation.__all__
__all__ += _loss.__all__
