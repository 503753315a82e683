"""Layers with PyTorch's names and semantics: `Module`, `Parameter`, `Linear`, activations,
losses, containers; `nn.init` for initialisers and `nn.functional` for the stateless forms.

Each layer's module loads on first use (PEP 562), so `from retrograd import nn` does not
compile recurrent, attention or convolution code a model never uses. `from retrograd.nn import
X`, `nn.X`, `dir(nn)` and type checkers see every name as usual.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from retrograd.nn.module import Module
from retrograd.nn.parameter import Parameter

if TYPE_CHECKING:  # the same names, for type checkers and editors
    from retrograd.nn import functional, init, modules, utils
    from retrograd.nn.activation import (
        CELU,
        ELU,
        GELU,
        GLU,
        SELU,
        Hardshrink,
        Hardsigmoid,
        Hardswish,
        Hardtanh,
        LeakyReLU,
        LogSigmoid,
        LogSoftmax,
        Mish,
        PReLU,
        ReLU,
        ReLU6,
        Sigmoid,
        SiLU,
        Softmax,
        Softmin,
        Softplus,
        Softshrink,
        Softsign,
        Tanh,
        Tanhshrink,
        Threshold,
    )
    from retrograd.nn.attention import MultiheadAttention
    from retrograd.nn.containers import (
        ModuleDict,
        ModuleList,
        ParameterDict,
        ParameterList,
        Sequential,
    )
    from retrograd.nn.conv import Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d
    from retrograd.nn.distance import CosineSimilarity, PairwiseDistance
    from retrograd.nn.dropout import Dropout, Dropout1d, Dropout2d
    from retrograd.nn.linear import Flatten, Identity, Linear, Unflatten
    from retrograd.nn.loss import (
        BCELoss,
        BCEWithLogitsLoss,
        CrossEntropyLoss,
        HuberLoss,
        KLDivLoss,
        L1Loss,
        MSELoss,
        NLLLoss,
        SmoothL1Loss,
    )
    from retrograd.nn.normalization import (
        BatchNorm1d,
        BatchNorm2d,
        GroupNorm,
        InstanceNorm1d,
        InstanceNorm2d,
        LayerNorm,
        RMSNorm,
    )
    from retrograd.nn.padding import (
        CircularPad1d,
        CircularPad2d,
        CircularPad3d,
        ConstantPad1d,
        ConstantPad2d,
        ConstantPad3d,
        ReflectionPad1d,
        ReflectionPad2d,
        ReflectionPad3d,
        ReplicationPad1d,
        ReplicationPad2d,
        ReplicationPad3d,
        ZeroPad1d,
        ZeroPad2d,
        ZeroPad3d,
    )
    from retrograd.nn.pooling import (
        AdaptiveAvgPool1d,
        AdaptiveAvgPool2d,
        AdaptiveMaxPool1d,
        AdaptiveMaxPool2d,
        AvgPool1d,
        AvgPool2d,
        MaxPool1d,
        MaxPool2d,
    )
    from retrograd.nn.rnn import GRU, LSTM, RNN, RNNBase
    from retrograd.nn.rnn_cells import GRUCell, LSTMCell, RNNCell, RNNCellBase
    from retrograd.nn.sparse import Embedding
    from retrograd.nn.transformer import (
        Transformer,
        TransformerDecoder,
        TransformerDecoderLayer,
        TransformerEncoder,
        TransformerEncoderLayer,
    )
    from retrograd.nn.upsampling import Upsample, UpsamplingBilinear2d, UpsamplingNearest2d

#: submodule of `retrograd.nn` -> the names it exports here (keep in step with the imports above)
_LAZY_EXPORTS: dict[str, tuple[str, ...]] = {
    "activation": (
        "CELU",
        "ELU",
        "GELU",
        "GLU",
        "Hardshrink",
        "Hardsigmoid",
        "Hardswish",
        "Hardtanh",
        "LeakyReLU",
        "LogSigmoid",
        "LogSoftmax",
        "Mish",
        "PReLU",
        "ReLU",
        "ReLU6",
        "SELU",
        "SiLU",
        "Sigmoid",
        "Softmax",
        "Softmin",
        "Softplus",
        "Softshrink",
        "Softsign",
        "Tanh",
        "Tanhshrink",
        "Threshold",
    ),
    "attention": ("MultiheadAttention",),
    "containers": ("ModuleDict", "ModuleList", "ParameterDict", "ParameterList", "Sequential"),
    "conv": ("Conv1d", "Conv2d", "ConvTranspose1d", "ConvTranspose2d"),
    "distance": ("CosineSimilarity", "PairwiseDistance"),
    "dropout": ("Dropout", "Dropout1d", "Dropout2d"),
    "linear": ("Flatten", "Identity", "Linear", "Unflatten"),
    "loss": (
        "BCELoss",
        "BCEWithLogitsLoss",
        "CrossEntropyLoss",
        "HuberLoss",
        "KLDivLoss",
        "L1Loss",
        "MSELoss",
        "NLLLoss",
        "SmoothL1Loss",
    ),
    "normalization": (
        "BatchNorm1d",
        "BatchNorm2d",
        "GroupNorm",
        "InstanceNorm1d",
        "InstanceNorm2d",
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
        "AdaptiveMaxPool1d",
        "AdaptiveMaxPool2d",
        "AvgPool1d",
        "AvgPool2d",
        "MaxPool1d",
        "MaxPool2d",
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
}
_LAZY_SUBMODULES = ("functional", "init", "modules", "utils")  # modules: PyTorch's paths
_LAZY_NAMES = {name: module for module, names in _LAZY_EXPORTS.items() for name in names}


def __getattr__(name: str) -> object:
    if name in _LAZY_SUBMODULES or name in _LAZY_EXPORTS:  # `nn.functional`, `nn.rnn`...
        value: object = importlib.import_module(f"{__name__}.{name}")
    elif name in _LAZY_NAMES:
        value = getattr(importlib.import_module(f"{__name__}.{_LAZY_NAMES[name]}"), name)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY_NAMES) | set(_LAZY_SUBMODULES) | set(_LAZY_EXPORTS))


__all__ = [
    "AdaptiveAvgPool1d",
    "AdaptiveAvgPool2d",
    "AdaptiveMaxPool1d",
    "AdaptiveMaxPool2d",
    "AvgPool1d",
    "AvgPool2d",
    "BCELoss",
    "BCEWithLogitsLoss",
    "BatchNorm1d",
    "BatchNorm2d",
    "CELU",
    "CircularPad1d",
    "CircularPad2d",
    "CircularPad3d",
    "ConstantPad1d",
    "ConstantPad2d",
    "ConstantPad3d",
    "Conv1d",
    "Conv2d",
    "ConvTranspose1d",
    "ConvTranspose2d",
    "CosineSimilarity",
    "CrossEntropyLoss",
    "Dropout",
    "Dropout1d",
    "Dropout2d",
    "ELU",
    "Embedding",
    "Flatten",
    "GELU",
    "GLU",
    "GRU",
    "GRUCell",
    "GroupNorm",
    "Hardshrink",
    "Hardsigmoid",
    "Hardswish",
    "Hardtanh",
    "HuberLoss",
    "Identity",
    "InstanceNorm1d",
    "InstanceNorm2d",
    "KLDivLoss",
    "L1Loss",
    "LSTM",
    "LSTMCell",
    "LayerNorm",
    "LeakyReLU",
    "Linear",
    "LogSigmoid",
    "LogSoftmax",
    "MSELoss",
    "MaxPool1d",
    "MaxPool2d",
    "Mish",
    "Module",
    "ModuleDict",
    "ModuleList",
    "MultiheadAttention",
    "NLLLoss",
    "ParameterDict",
    "ParameterList",
    "PReLU",
    "PairwiseDistance",
    "Parameter",
    "RMSNorm",
    "RNN",
    "RNNBase",
    "RNNCell",
    "RNNCellBase",
    "ReLU",
    "ReLU6",
    "ReflectionPad1d",
    "ReflectionPad2d",
    "ReflectionPad3d",
    "ReplicationPad1d",
    "ReplicationPad2d",
    "ReplicationPad3d",
    "SELU",
    "Sequential",
    "SiLU",
    "Sigmoid",
    "SmoothL1Loss",
    "Softmax",
    "Softmin",
    "Softplus",
    "Softshrink",
    "Softsign",
    "Tanh",
    "Tanhshrink",
    "Threshold",
    "Transformer",
    "TransformerDecoder",
    "TransformerDecoderLayer",
    "TransformerEncoder",
    "TransformerEncoderLayer",
    "Unflatten",
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
