"""Stateless functions behind the layers, under PyTorch's names (`import ... functional as F`)."""

from retrograd.nn.functional.activation import (
    elu,
    gelu,
    leaky_relu,
    log_softmax,
    relu,
    sigmoid,
    silu,
    softmax,
    softplus,
    tanh,
)
from retrograd.nn.functional.attention import scaled_dot_product_attention
from retrograd.nn.functional.conv import conv1d, conv2d, conv_transpose2d
from retrograd.nn.functional.dropout import dropout, dropout1d, dropout2d
from retrograd.nn.functional.linear import linear
from retrograd.nn.functional.loss import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    huber_loss,
    l1_loss,
    mse_loss,
    nll_loss,
    smooth_l1_loss,
)
from retrograd.nn.functional.normalization import batch_norm, group_norm, layer_norm, rms_norm
from retrograd.nn.functional.pooling import (
    adaptive_avg_pool1d,
    adaptive_avg_pool2d,
    avg_pool1d,
    avg_pool2d,
    max_pool1d,
    max_pool2d,
)
from retrograd.nn.functional.sparse import embedding
from retrograd.nn.functional.upsampling import interpolate
from retrograd.tensor import pad

__all__ = [
    "adaptive_avg_pool1d",
    "adaptive_avg_pool2d",
    "avg_pool1d",
    "avg_pool2d",
    "batch_norm",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "conv1d",
    "conv2d",
    "conv_transpose2d",
    "cross_entropy",
    "dropout",
    "dropout1d",
    "dropout2d",
    "elu",
    "embedding",
    "gelu",
    "group_norm",
    "huber_loss",
    "interpolate",
    "l1_loss",
    "layer_norm",
    "leaky_relu",
    "linear",
    "log_softmax",
    "max_pool1d",
    "max_pool2d",
    "mse_loss",
    "nll_loss",
    "pad",
    "relu",
    "rms_norm",
    "scaled_dot_product_attention",
    "sigmoid",
    "silu",
    "smooth_l1_loss",
    "softmax",
    "softplus",
    "tanh",
]
