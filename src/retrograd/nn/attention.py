"""`MultiheadAttention`: PyTorch's layer (parameters, masks, shapes and outputs), built on
`scaled_dot_product_attention`."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from retrograd.backend.device import check_device
from retrograd.backend.dtypes import default_float_dtype, to_numpy_dtype
from retrograd.creation import empty
from retrograd.errors import (
    DTypeError,
    InvalidArgumentError,
    ShapeError,
    UnsupportedError,
)
from retrograd.nn import init
from retrograd.nn.functional._utils import check_size, require_tensor
from retrograd.nn.functional.attention import attention_with_weights
from retrograd.nn.functional.linear import linear
from retrograd.nn.linear import Linear
from retrograd.nn.module import Module
from retrograd.nn.parameter import Parameter
from retrograd.tensor import Tensor, _wrap

__all__ = [
    "MultiheadAttention",
]


NAME = "MultiheadAttention"


class NonDynamicallyQuantizableLinear(Linear):
    """A `Linear` under the class name PyTorch gives MultiheadAttention's output projection."""


def _canonical_mask(mask: Any, mask_name: str, dtype: np.dtype) -> Tensor | None:
    """A float mask to add to the scores: bool True (= masked out) becomes -inf, False 0."""
    if mask is None:
        return None
    tensor = mask if isinstance(mask, Tensor) else Tensor(np.asarray(mask))
    if tensor.dtype == np.bool_:
        return _wrap(np.where(tensor.array, -math.inf, 0.0).astype(dtype))
    if tensor.dtype.kind != "f":
        raise DTypeError(f"{NAME}: {mask_name} must be bool or floating point, got {tensor.dtype}")
    return tensor


class MultiheadAttention(Module):
    """Attention over `num_heads` heads of size embed_dim / num_heads, then a Linear projection.

    Args:
        embed_dim: features of the query and the output (E).
        num_heads: number of heads; must divide `embed_dim`.
        dropout: dropout on the attention weights, in training. Default: 0.0.
        bias: add biases to the input and output projections. Default: True.
        add_bias_kv: not supported (must be False).
        add_zero_attn: not supported (must be False).
        kdim: features of key. Default: embed_dim.
        vdim: features of value. Default: embed_dim.
        batch_first: inputs and outputs are `(N, L, E)` instead of `(L, N, E)`. Default: False.
        device: where the parameters go ("cpu", or "cuda" with a GPU). Default: None, the
            default device.
        dtype: the parameters' dtype. Default: the default float dtype.
        generator: a NumPy Generator for the initial values.

    **Shapes:** `query: (L, N, E)` (`(N, L, E)` with batch_first, `(L, E)` unbatched),
    `key: (S, N, kdim)`, `value: (S, N, vdim)` -> output `(L, N, E)` and weights `(N, L, S)`
    (`(N, num_heads, L, S)` when not averaged).
    **Parameters:** `in_proj_weight: (3E, E)` (or `q/k/v_proj_weight` when kdim/vdim differ),
    `in_proj_bias: (3E,)`, `out_proj.weight: (E, E)`, `out_proj.bias: (E,)`.
    """

    embed_dim: int
    kdim: int
    vdim: int
    num_heads: int
    head_dim: int
    dropout: float
    batch_first: bool
    in_proj_weight: Parameter | None
    q_proj_weight: Parameter | None
    k_proj_weight: Parameter | None
    v_proj_weight: Parameter | None
    in_proj_bias: Parameter | None
    out_proj: NonDynamicallyQuantizableLinear

    def __init__(
        self,
        embed_dim: int,
        num_heads: int,
        dropout: float = 0.0,
        bias: bool = True,
        add_bias_kv: bool = False,
        add_zero_attn: bool = False,
        kdim: int | None = None,
        vdim: int | None = None,
        batch_first: bool = False,
        device: Any = None,
        dtype: Any = None,
        generator: Any = None,
    ) -> None:
        check_device(device, "MultiheadAttention")
        super().__init__()
        embed_dim = check_size(embed_dim, "embed_dim", NAME)
        num_heads = check_size(num_heads, "num_heads", NAME)
        if embed_dim <= 0 or num_heads <= 0:
            raise InvalidArgumentError(
                f"{NAME}: embed_dim and num_heads must be positive, got embed_dim={embed_dim}, "
                f"num_heads={num_heads}"
            )
        if embed_dim % num_heads:
            raise InvalidArgumentError(
                f"{NAME}: embed_dim must be divisible by num_heads, got embed_dim={embed_dim} "
                f"and num_heads={num_heads}"
            )
        if not 0.0 <= dropout <= 1.0:
            raise InvalidArgumentError(f"{NAME}: dropout must be in [0, 1], got {dropout}")
        if add_bias_kv or add_zero_attn:
            raise UnsupportedError(f"{NAME}: add_bias_kv and add_zero_attn are not supported")
        self.embed_dim = embed_dim
        self.kdim = embed_dim if kdim is None else kdim
        self.vdim = embed_dim if vdim is None else vdim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads = num_heads
        self.head_dim = embed_dim // num_heads
        self.dropout = dropout
        self.batch_first = batch_first
        dtype = default_float_dtype() if dtype is None else to_numpy_dtype(dtype)
        if self._qkv_same_embed_dim:
            self.in_proj_weight = Parameter(empty(3 * embed_dim, embed_dim, dtype=dtype))
            self.register_parameter("q_proj_weight", None)
            self.register_parameter("k_proj_weight", None)
            self.register_parameter("v_proj_weight", None)
        else:
            self.q_proj_weight = Parameter(empty(embed_dim, embed_dim, dtype=dtype))
            self.k_proj_weight = Parameter(empty(embed_dim, self.kdim, dtype=dtype))
            self.v_proj_weight = Parameter(empty(embed_dim, self.vdim, dtype=dtype))
            self.register_parameter("in_proj_weight", None)
        if bias:
            self.in_proj_bias = Parameter(empty(3 * embed_dim, dtype=dtype))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = NonDynamicallyQuantizableLinear(
            embed_dim, embed_dim, bias=bias, dtype=dtype, generator=generator
        )
        self._reset_parameters(generator)
        if device is not None:
            self.to(device)

    def _reset_parameters(self, generator: Any = None) -> None:
        """PyTorch's init: xavier_uniform_ projection weights, zero biases (out_proj's weight
        keeps Linear's default)."""
        if self.in_proj_weight is not None:
            init.xavier_uniform_(self.in_proj_weight, generator=generator)
        else:
            for weight in (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight):
                init.xavier_uniform_(weight, generator=generator)  # type: ignore[arg-type]
        if self.in_proj_bias is not None:
            init.zeros_(self.in_proj_bias)
            init.zeros_(self.out_proj.bias)  # type: ignore[arg-type]

    # ------------------------------------------------------------------ checks
    def _check_ranks(
        self,
        query: Tensor,
        key: Tensor,
        value: Tensor,
        key_padding_mask: Any,
        attn_mask: Any,
    ) -> bool:
        """True when the inputs are batched; ShapeError naming the tensor at fault otherwise."""
        for label, t in (("query", query), ("key", key), ("value", value)):
            require_tensor(t, NAME, label)
        if query.ndim not in (2, 3):
            raise ShapeError(
                f"{NAME}: expected query to be unbatched 2-D (L, E) or batched 3-D, "
                f"got a {query.ndim}-D query of shape {query.shape}"
            )
        batched = query.ndim == 3
        kind = "batched (3-D)" if batched else "unbatched (2-D)"
        if key.ndim != query.ndim or value.ndim != query.ndim:
            raise ShapeError(
                f"{NAME}: for {kind} query, expected key and value to be {query.ndim}-D, "
                f"got key {key.shape} and value {value.shape}"
            )
        kpm_ndim = _ndim(key_padding_mask)
        if kpm_ndim is not None and kpm_ndim != query.ndim - 1:
            raise ShapeError(
                f"{NAME}: for {kind} query, expected key_padding_mask to be None or "
                f"{query.ndim - 1}-D, got a {kpm_ndim}-D mask"
            )
        mask_ndim = _ndim(attn_mask)
        if mask_ndim is not None and mask_ndim not in (2, 3):
            raise ShapeError(
                f"{NAME}: expected attn_mask to be None, 2-D or 3-D, got a {mask_ndim}-D mask"
            )
        return batched

    def _check_sizes(self, query: Tensor, key: Tensor, value: Tensor) -> None:
        """Feature and length checks on (N, L, E)-shaped inputs."""
        for label, t, features in (
            ("query", query, self.embed_dim),
            ("key", key, self.kdim),
            ("value", value, self.vdim),
        ):
            if t.shape[-1] != features:
                raise ShapeError(
                    f"{NAME}: expected {label} with {features} features (last dimension), "
                    f"got shape {t.shape}"
                )
        if key.shape[:2] != value.shape[:2]:
            raise ShapeError(
                f"{NAME}: key and value must have the same batch size and sequence length, "
                f"got key {key.shape} and value {value.shape}"
            )
        if key.shape[0] != query.shape[0]:
            raise ShapeError(
                f"{NAME}: query and key must have the same batch size, "
                f"got query {query.shape} and key {key.shape}"
            )

    # ------------------------------------------------------------------ forward
    def _project(
        self, query: Tensor, key: Tensor, value: Tensor, packed: bool = False
    ) -> list[Tensor]:
        """q, k, v projected and split into heads: each `(N, num_heads, len, head_dim)`.

        `packed` (self-attention: one input for all three) makes one product with the whole
        in_proj_weight instead of three with its thirds, as PyTorch does."""
        e = self.embed_dim
        if packed and self.in_proj_weight is not None:
            if query.dtype != self.in_proj_weight.dtype:
                raise DTypeError(
                    f"{NAME} has {self.in_proj_weight.dtype} weights but got a {query.dtype} "
                    "input; convert one side"
                )
            projected = linear(query, self.in_proj_weight, self.in_proj_bias)
            n, length = projected.shape[:2]
            packed_heads = projected.reshape(n, length, 3, self.num_heads, self.head_dim)
            packed_heads = packed_heads.permute(2, 0, 3, 1, 4)  # (3, N, num_heads, len, head_dim)
            return [packed_heads[0], packed_heads[1], packed_heads[2]]
        if self.in_proj_weight is not None:
            weights = [self.in_proj_weight[i * e : (i + 1) * e] for i in range(3)]
        else:
            weights = [self.q_proj_weight, self.k_proj_weight, self.v_proj_weight]  # type: ignore[list-item]
        bias = self.in_proj_bias
        biases = [None if bias is None else bias[i * e : (i + 1) * e] for i in range(3)]
        heads = []
        for x, w, b in zip((query, key, value), weights, biases):
            if x.dtype != w.dtype:
                raise DTypeError(
                    f"{NAME} has {w.dtype} weights but got a {x.dtype} input; convert one side"
                )
            projected = linear(x, w, b)
            n, length = projected.shape[:2]
            heads.append(
                projected.reshape(n, length, self.num_heads, self.head_dim).transpose(1, 2)
            )
        return heads

    def _merged_mask(
        self,
        attn_mask: Any,
        key_padding_mask: Any,
        batch: int,
        target: int,
        source: int,
        dtype: np.dtype,
    ) -> Tensor | None:
        """attn_mask and key_padding_mask as one float mask of shape (N or 1, H or 1, L, S)."""
        mask = _canonical_mask(attn_mask, "attn_mask", dtype)
        if mask is not None:
            if mask.ndim == 2:
                if mask.shape != (target, source):
                    raise ShapeError(
                        f"{NAME}: the 2-D attn_mask should have shape (L, S) = "
                        f"{(target, source)}, got {mask.shape}"
                    )
                mask = mask.reshape(1, 1, target, source)
            else:
                expected = (batch * self.num_heads, target, source)
                if mask.shape != expected:
                    raise ShapeError(
                        f"{NAME}: the 3-D attn_mask should have shape "
                        f"(N * num_heads, L, S) = {expected}, got {mask.shape}"
                    )
                mask = mask.reshape(batch, self.num_heads, target, source)
        padding = _canonical_mask(key_padding_mask, "key_padding_mask", dtype)
        if padding is not None:
            if padding.shape != (batch, source):
                raise ShapeError(
                    f"{NAME}: key_padding_mask should have shape (N, S) = {(batch, source)}, "
                    f"got {padding.shape}"
                )
            padding = padding.reshape(batch, 1, 1, source)
            mask = padding if mask is None else mask + padding
        return mask

    def forward(
        self,
        query: Tensor,
        key: Tensor,
        value: Tensor,
        key_padding_mask: Tensor | None = None,
        need_weights: bool = True,
        attn_mask: Tensor | None = None,
        average_attn_weights: bool = True,
        is_causal: bool = False,
    ) -> tuple[Tensor, Tensor | None]:
        """Attend from `query` to `key`/`value`; returns (output, weights or None).

        Masks: bool True marks a position NOT allowed to attend (PyTorch's convention here),
        float masks are added. `key_padding_mask: (N, S)`; `attn_mask: (L, S)` or
        `(N * num_heads, L, S)`. `is_causal` is a hint that attn_mask is the causal mask and
        needs it.

        Returns:
            The output `(L, N, E)` (batch_first: `(N, L, E)`; unbatched: `(L, E)`) and, with
                `need_weights`, weights `(N, L, S)` averaged over heads or `(N, num_heads, L, S)`
                (else None).
        """
        batched = self._check_ranks(query, key, value, key_padding_mask, attn_mask)
        packed = query is key and key is value
        if is_causal and attn_mask is None:
            raise InvalidArgumentError(
                f"{NAME}: is_causal=True is a hint that attn_mask is the causal mask; "
                "pass that mask as attn_mask too"
            )
        if not batched:  # one sequence: a batch of one
            query, key, value = query.unsqueeze(0), key.unsqueeze(0), value.unsqueeze(0)
            if key_padding_mask is not None:
                key_padding_mask = _as_tensor(key_padding_mask).unsqueeze(0)
        elif not self.batch_first:
            query, key, value = query.transpose(0, 1), key.transpose(0, 1), value.transpose(0, 1)
        self._check_sizes(query, key, value)
        batch, target, source = query.shape[0], query.shape[1], key.shape[1]

        q, k, v = self._project(query, key, value, packed)
        causal_hint = is_causal and key_padding_mask is None and not need_weights
        mask = None
        if not causal_hint:
            mask = self._merged_mask(
                attn_mask, key_padding_mask, batch, target, source, query.dtype
            )
        output, weights = attention_with_weights(
            q,
            k,
            v,
            mask,
            dropout_p=self.dropout if self.training else 0.0,
            is_causal=causal_hint,
            safe_softmax=not need_weights,  # PyTorch's weights path gives NaN for a dead row
            name=NAME,
        )
        output = self.out_proj(output.transpose(1, 2).reshape(batch, target, self.embed_dim))
        if not batched:
            output = output.squeeze(0)
        elif not self.batch_first:
            output = output.transpose(0, 1)
        if not need_weights:
            return output, None
        if average_attn_weights:
            weights = weights.mean(1)
        return output, (weights if batched else weights.squeeze(0))


def _ndim(mask: Any) -> int | None:
    return None if mask is None else int(np.ndim(mask.array if isinstance(mask, Tensor) else mask))


def _as_tensor(value: Any) -> Tensor:
    return value if isinstance(value, Tensor) else Tensor(np.asarray(value))
