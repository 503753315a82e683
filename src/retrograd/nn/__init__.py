"""Layers with PyTorch's names and semantics: `Module`, `Parameter`, `Linear`, activations,
losses, containers; `nn.init` for initialisers and `nn.functional` for the stateless forms."""

from retrograd.nn import functional, init, utils
from retrograd.nn.activation import (
    ELU,
    GELU,
    LeakyReLU,
    LogSoftmax,
    ReLU,
    Sigmoid,
    SiLU,
    Softmax,
    Softplus,
    Tanh,
)
from retrograd.nn.attention import MultiheadAttention
from retrograd.nn.containers import ModuleDict, ModuleList, Sequential
from retrograd.nn.conv import Conv1d, Conv2d, ConvTranspose2d
from retrograd.nn.dropout import Dropout, Dropout1d, Dropout2d
from retrograd.nn.linear import Flatten, Identity, Linear, Unflatten
from retrograd.nn.loss import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    HuberLoss,
    L1Loss,
    MSELoss,
    NLLLoss,
    SmoothL1Loss,
)
from retrograd.nn.module import Module
from retrograd.nn.normalization import BatchNorm1d, BatchNorm2d, GroupNorm, LayerNorm, RMSNorm
from retrograd.nn.parameter import Parameter
from retrograd.nn.pooling import (
    AdaptiveAvgPool1d,
    AdaptiveAvgPool2d,
    AvgPool1d,
    AvgPool2d,
    MaxPool1d,
    MaxPool2d,
)
from retrograd.nn.rnn import GRU, LSTM, RNN, RNNBase
from retrograd.nn.rnn_cells import GRUCell, LSTMCell, RNNCell, RNNCellBase
from retrograd.nn.sparse import Embedding
from retrograd.nn.transformer import TransformerEncoder, TransformerEncoderLayer
from retrograd.nn.upsampling import Upsample, UpsamplingNearest2d

__all__ = [
    "AdaptiveAvgPool1d",
    "AdaptiveAvgPool2d",
    "AvgPool1d",
    "AvgPool2d",
    "BCELoss",
    "BCEWithLogitsLoss",
    "BatchNorm1d",
    "BatchNorm2d",
    "Conv1d",
    "Conv2d",
    "ConvTranspose2d",
    "CrossEntropyLoss",
    "Dropout",
    "Dropout1d",
    "Dropout2d",
    "ELU",
    "Embedding",
    "Flatten",
    "GELU",
    "GRU",
    "GRUCell",
    "GroupNorm",
    "HuberLoss",
    "Identity",
    "L1Loss",
    "LSTM",
    "LSTMCell",
    "LayerNorm",
    "LeakyReLU",
    "Linear",
    "LogSoftmax",
    "MSELoss",
    "MaxPool1d",
    "MaxPool2d",
    "Module",
    "ModuleDict",
    "ModuleList",
    "MultiheadAttention",
    "NLLLoss",
    "Parameter",
    "RMSNorm",
    "RNN",
    "RNNBase",
    "RNNCell",
    "RNNCellBase",
    "ReLU",
    "Sequential",
    "SiLU",
    "Sigmoid",
    "SmoothL1Loss",
    "Softmax",
    "Softplus",
    "Tanh",
    "TransformerEncoder",
    "TransformerEncoderLayer",
    "Unflatten",
    "Upsample",
    "UpsamplingNearest2d",
    "functional",
    "init",
    "utils",
]
