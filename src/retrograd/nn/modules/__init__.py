"""`torch.nn.modules`: PyTorch's module paths (`retrograd.nn.modules.linear.Linear`), each
re-exporting the classes of `retrograd.nn` (one implementation, two paths)."""

import retrograd.nn as _nn
from retrograd.nn.modules import (
    activation,
    batchnorm,
    container,
    conv,
    distance,
    dropout,
    flatten,
    fold,
    instancenorm,
    linear,
    loss,
    module,
    normalization,
    padding,
    pixelshuffle,
    pooling,
    rnn,
    sparse,
    transformer,
    upsampling,
)

# every layer class of retrograd.nn (not its submodules nor Parameter, which PyTorch keeps at
# torch.nn.parameter)
_CLASSES = [
    name
    for name in _nn.__all__
    if name not in ("Parameter", "functional", "init", "modules", "utils")
]
globals().update({name: getattr(_nn, name) for name in _CLASSES})

__all__ = [
    *_CLASSES,
    "activation",
    "batchnorm",
    "container",
    "conv",
    "distance",
    "dropout",
    "flatten",
    "fold",
    "instancenorm",
    "linear",
    "loss",
    "module",
    "normalization",
    "padding",
    "pixelshuffle",
    "pooling",
    "rnn",
    "sparse",
    "transformer",
    "upsampling",
]
