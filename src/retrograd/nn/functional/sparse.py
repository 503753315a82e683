"""`embedding`: rows of a weight matrix picked by integer indices. It is indexing (the `GetItem`
primitive, whose backward adds up the gradients of repeated indices); `padding_idx` rows read
their values but pass no gradient back."""

from __future__ import annotations

from typing import Any

import numpy as np

from retrograd.backend.arrays import as_array
from retrograd.errors import (
    DTypeError,
    IndexRangeError,
    InvalidArgumentError,
    ShapeError,
    UnsupportedError,
)
from retrograd.tensor import Tensor, where


def check_padding_idx(padding_idx: int | None, num_embeddings: int, who: object) -> int | None:
    """`padding_idx` in [-num_embeddings, num_embeddings), made non-negative; None stays None."""
    if padding_idx is None:
        return None
    if not -num_embeddings <= padding_idx < num_embeddings:
        raise InvalidArgumentError(
            f"{who}: padding_idx must be within num_embeddings, "
            f"got padding_idx={padding_idx} for num_embeddings={num_embeddings}"
        )
    return int(padding_idx) % num_embeddings


def check_unsupported(max_norm: Any, scale_grad_by_freq: bool, sparse: bool, who: object) -> None:
    """Refuse PyTorch options retrograd does not implement, rather than ignore them."""
    if max_norm is not None:
        raise UnsupportedError(
            f"{who}: max_norm is not supported (it renormalises weight rows in place during "
            f"the forward pass); got max_norm={max_norm}, use max_norm=None"
        )
    if scale_grad_by_freq:
        raise UnsupportedError(f"{who}: scale_grad_by_freq=True is not supported")
    if sparse:
        raise UnsupportedError(f"{who}: sparse=True is not supported (gradients are dense)")


def embedding_indices(input: Any, num_embeddings: int, who: object) -> np.ndarray:  # noqa: A002
    """The integer index array of `input`; every index must lie in [0, num_embeddings)."""
    indices = as_array(input.array if isinstance(input, Tensor) else input)
    if indices.dtype.kind not in "iu":
        raise DTypeError(
            f"{who} expects integer indices (int64 or int32), got {indices.dtype}; "
            "call .long() on the input"
        )
    if indices.size:
        bad = (indices < 0) | (indices >= num_embeddings)
        if bad.any():
            position = tuple(int(i) for i in np.argwhere(bad)[0])
            raise IndexRangeError(
                f"{who}: index {int(indices[position])} at position {position} is out of range "
                f"for num_embeddings={num_embeddings} (valid indices are 0..{num_embeddings - 1})"
            )
    return indices.astype(np.intp, copy=False)


def embedding(
    input: Tensor,  # noqa: A002
    weight: Tensor,
    padding_idx: int | None = None,
    max_norm: float | None = None,
    norm_type: float = 2.0,
    scale_grad_by_freq: bool = False,
    sparse: bool = False,
) -> Tensor:
    """Look up rows of `weight`.

    Args:
        input: integer indices of any shape.
        weight: `(num_embeddings, embedding_dim)`.
        padding_idx: the row at that index gets no gradient (a negative value counts from the
            end).
        max_norm: not supported: only None (anything else is an error, not silently ignored).
        norm_type: the p of the norm for `max_norm`; kept for PyTorch compatibility.
        scale_grad_by_freq: not supported: only False (True is an error).
        sparse: not supported: only False (True is an error).

    Returns:
        `(*input.shape, embedding_dim)`.
    """
    if not isinstance(weight, Tensor) or weight.ndim != 2:
        shape = weight.shape if isinstance(weight, Tensor) else type(weight).__name__
        raise ShapeError(
            f"embedding expects a 2-d weight (num_embeddings, embedding_dim), got {shape}"
        )
    check_unsupported(max_norm, scale_grad_by_freq, sparse, "embedding")
    num_embeddings = weight.shape[0]
    padding_idx = check_padding_idx(padding_idx, num_embeddings, "embedding")
    indices = embedding_indices(input, num_embeddings, "embedding")
    return lookup(weight, indices, padding_idx)


def lookup(weight: Tensor, indices: np.ndarray, padding_idx: int | None) -> Tensor:
    """`weight[indices]` for checked indices; rows at `padding_idx` pass no gradient back."""
    rows = weight[indices]
    if padding_idx is None or not rows.requires_grad:
        return rows
    # the padding rows keep their values but take them from a detached copy: no gradient
    keep = np.expand_dims(indices != padding_idx, -1)
    return where(keep, rows, rows.detach())
