"""`scaled_dot_product_attention`: softmax(q k^T * scale + mask) v, composed from Tensor ops.

Masks follow PyTorch: a boolean mask marks the positions that take part (True = attend), a float
mask is added to the scores, `is_causal` keeps the lower triangle (top-left aligned). A row with
nothing to attend to gives zeros (PyTorch's "safe softmax") rather than NaN.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from retrograd.errors import DTypeError, InvalidArgumentError, ShapeError
from retrograd.nn.functional._utils import require_tensor
from retrograd.nn.functional.dropout import dropout
from retrograd.ops.attention import CausalMask, SafeSoftmax
from retrograd.tensor import Tensor, apply


def _check_inputs(name: str, query: Any, key: Any, value: Any) -> None:
    for label, t in (("query", query), ("key", key), ("value", value)):
        require_tensor(t, name, label)
        if t.ndim < 2:
            raise ShapeError(
                f"{name}: query, key and value need at least 2 dimensions (*, seq, features), "
                f"got {label} of shape {t.shape}"
            )
    if query.shape[-1] != key.shape[-1]:
        raise ShapeError(
            f"{name}: query and key must have the same last dimension, "
            f"got query {query.shape} and key {key.shape}"
        )
    if key.shape[-2] != value.shape[-2]:
        raise ShapeError(
            f"{name}: key and value must have the same sequence length (dim -2), "
            f"got key {key.shape} and value {value.shape}"
        )
    try:
        np.broadcast_shapes(query.shape[:-2], key.shape[:-2], value.shape[:-2])
    except ValueError:
        raise ShapeError(
            f"{name}: the batch dimensions of query {query.shape}, key {key.shape} and "
            f"value {value.shape} do not broadcast"
        ) from None


def _scores_shape(query: Tensor, key: Tensor) -> tuple[int, ...]:
    batch = np.broadcast_shapes(query.shape[:-2], key.shape[:-2])
    return (*batch, query.shape[-2], key.shape[-2])


def _mask_tensor(name: str, attn_mask: Any, scores_shape: tuple[int, ...]) -> Tensor:
    mask = attn_mask if isinstance(attn_mask, Tensor) else Tensor(np.asarray(attn_mask))
    if mask.dtype != np.bool_ and mask.dtype.kind != "f":
        raise DTypeError(f"{name}: attn_mask must be bool or floating point, got {mask.dtype}")
    try:
        fits = np.broadcast_shapes(mask.shape, scores_shape) == scores_shape
    except ValueError:
        fits = False
    if not fits:
        raise ShapeError(
            f"{name}: attn_mask of shape {mask.shape} does not broadcast to the attention "
            f"scores' shape {scores_shape} (*batch, target length, source length)"
        )
    return mask


def attention_with_weights(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    attn_mask: Tensor | None = None,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    scale: float | None = None,
    safe_softmax: bool = True,
    generator: Any = None,
    name: str = "scaled_dot_product_attention",
) -> tuple[Tensor, Tensor]:
    """Attention output `(*, L, Ev)` and the weights `(*, L, S)` after dropout.

    `safe_softmax=False` lets a row whose scores are all -inf give NaN, as PyTorch's
    MultiheadAttention does when it returns the weights; True gives zeros there.
    """
    _check_inputs(name, query, key, value)
    if not 0.0 <= dropout_p <= 1.0:
        raise InvalidArgumentError(f"{name}: dropout_p must be in [0, 1], got {dropout_p}")
    if is_causal and attn_mask is not None:
        raise InvalidArgumentError(f"{name}: give either attn_mask or is_causal=True, not both")
    scores_shape = _scores_shape(query, key)
    factor = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    scores = (query @ key.transpose(-2, -1)) * factor
    if is_causal:
        scores = apply(CausalMask, scores)
    elif attn_mask is not None:
        mask = _mask_tensor(name, attn_mask, scores_shape)
        if mask.dtype == np.bool_:
            scores = scores.masked_fill(mask.logical_not(), -math.inf)
        else:
            scores = scores + mask
    if safe_softmax:
        weights = apply(SafeSoftmax, scores)
    else:
        with np.errstate(invalid="ignore"):  # a row with nothing to attend to gives NaN
            weights = scores.softmax(-1)
    weights = dropout(weights, dropout_p, generator=generator)
    return weights @ value, weights


def scaled_dot_product_attention(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    attn_mask: Tensor | None = None,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    scale: float | None = None,
    enable_gqa: bool = False,
    *,
    generator: Any = None,
) -> Tensor:
    """softmax(query @ key^T * scale + mask) @ value, with dropout `dropout_p` on the weights.

    Batch dims broadcast. A row with no position to attend to gives zeros.

    Args:
        query: `(*, L, E)`.
        key: `(*, S, E)`.
        value: `(*, S, Ev)`.
        attn_mask: broadcastable to `(*, L, S)`: bool (True = take part) or float (added to the
            scores).
        dropout_p: dropout probability on the attention weights, in [0, 1]. Default: 0.0.
        is_causal: mask out j > i (no attn_mask then). Default: False.
        scale: the factor of the scores. Default: 1 / sqrt(E).
        enable_gqa: let `query` have more heads (dim -3) than `key` and `value`, a multiple of
            theirs, each key/value head then serving that many query heads (grouped-query
            attention). Default: False.
        generator: a NumPy Generator for the dropout draws.

    Returns:
        `(*, L, Ev)`.
    """
    if enable_gqa and query.ndim >= 3 and key.ndim >= 3:
        q_heads, kv_heads = query.shape[-3], key.shape[-3]
        if q_heads != kv_heads:
            if kv_heads == 0 or q_heads % kv_heads or value.shape[-3] != kv_heads:
                raise ShapeError(
                    f"scaled_dot_product_attention: with enable_gqa the query's heads ({q_heads}) "
                    f"must be a multiple of the key's ({kv_heads}) and value's "
                    f"({value.shape[-3]}), which must agree"
                )
            key = key.repeat_interleave(q_heads // kv_heads, dim=-3)
            value = value.repeat_interleave(q_heads // kv_heads, dim=-3)
    output, _ = attention_with_weights(
        query, key, value, attn_mask, dropout_p, is_causal, scale, generator=generator
    )
    return output
