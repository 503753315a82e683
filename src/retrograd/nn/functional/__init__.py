"""Stateless functions behind the layers, under PyTorch's names (`import ... functional as F`).

The activation, linear, loss and dropout functions load with the package (`dropout` and
`linear` share their names with their submodules, so they must be bound at import); the others
load on first use (PEP 562), like the layers of `retrograd.nn`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from retrograd.backend.lazy import Lazy
from retrograd.nn.functional import activation as _activation
from retrograd.nn.functional import loss as _loss
from retrograd.nn.functional.activation import *  # noqa: F403 - its __all__, extended below
from retrograd.nn.functional.dropout import dropout, dropout1d, dropout2d
from retrograd.nn.functional.linear import linear
from retrograd.nn.functional.loss import *  # noqa: F403 - its __all__, extended below
from retrograd.tensor import pad

if TYPE_CHECKING:  # the names loaded on first use, for type checkers and editors
    from retrograd.nn.functional.attention import scaled_dot_product_attention
    from retrograd.nn.functional.conv import (
        conv1d,
        conv2d,
        conv3d,
        conv_transpose1d,
        conv_transpose2d,
        conv_transpose3d,
    )
    from retrograd.nn.functional.distance import cosine_similarity, pairwise_distance
    from retrograd.nn.functional.folding import fold, pixel_shuffle, pixel_unshuffle, unfold
    from retrograd.nn.functional.normalization import (
        batch_norm,
        group_norm,
        instance_norm,
        layer_norm,
        rms_norm,
    )
    from retrograd.nn.functional.pooling import (
        adaptive_avg_pool1d,
        adaptive_avg_pool2d,
        adaptive_avg_pool3d,
        adaptive_max_pool1d,
        adaptive_max_pool2d,
        adaptive_max_pool3d,
        avg_pool1d,
        avg_pool2d,
        avg_pool3d,
        lp_pool1d,
        lp_pool2d,
        lp_pool3d,
        max_pool1d,
        max_pool2d,
        max_pool3d,
        max_unpool1d,
        max_unpool2d,
        max_unpool3d,
    )
    from retrograd.nn.functional.sparse import embedding
    from retrograd.nn.functional.upsampling import interpolate

#: submodule -> the names it exports here, loaded on first use (keep in step with the above)
_LAZY_EXPORTS: dict[str, tuple[str, ...]] = {
    "attention": ("scaled_dot_product_attention",),
    "conv": (
        "conv1d",
        "conv2d",
        "conv3d",
        "conv_transpose1d",
        "conv_transpose2d",
        "conv_transpose3d",
    ),
    "distance": ("cosine_similarity", "pairwise_distance"),
    "folding": ("fold", "pixel_shuffle", "pixel_unshuffle", "unfold"),
    "normalization": ("batch_norm", "group_norm", "instance_norm", "layer_norm", "rms_norm"),
    "pooling": (
        "adaptive_avg_pool1d",
        "adaptive_avg_pool2d",
        "adaptive_avg_pool3d",
        "adaptive_max_pool1d",
        "adaptive_max_pool2d",
        "adaptive_max_pool3d",
        "avg_pool1d",
        "avg_pool2d",
        "avg_pool3d",
        "lp_pool1d",
        "lp_pool2d",
        "lp_pool3d",
        "max_pool1d",
        "max_pool2d",
        "max_pool3d",
        "max_unpool1d",
        "max_unpool2d",
        "max_unpool3d",
    ),
    "sparse": ("embedding",),
    "upsampling": ("interpolate",),
}
_lazy = Lazy.by_module(__name__, _LAZY_EXPORTS)
_LAZY_NAMES = _lazy.names


def __getattr__(name: str) -> object:
    return _lazy.load(name)  # `F.conv2d`, or the submodule itself (`F.conv`)


def __dir__() -> list[str]:
    return _lazy.dir(globals())


__all__ = [
    "adaptive_avg_pool1d",
    "adaptive_avg_pool2d",
    "adaptive_avg_pool3d",
    "adaptive_max_pool1d",
    "adaptive_max_pool2d",
    "adaptive_max_pool3d",
    "avg_pool1d",
    "avg_pool2d",
    "avg_pool3d",
    "batch_norm",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "cosine_similarity",
    "dropout",
    "dropout1d",
    "dropout2d",
    "embedding",
    "fold",
    "group_norm",
    "instance_norm",
    "interpolate",
    "layer_norm",
    "linear",
    "lp_pool1d",
    "lp_pool2d",
    "lp_pool3d",
    "max_pool1d",
    "max_pool2d",
    "max_pool3d",
    "max_unpool1d",
    "max_unpool2d",
    "max_unpool3d",
    "pad",
    "pairwise_distance",
    "pixel_shuffle",
    "pixel_unshuffle",
    "rms_norm",
    "scaled_dot_product_attention",
    "unfold",
]
__all__ += _activation.__all__
__all__ += _loss.__all__
