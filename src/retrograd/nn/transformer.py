"""`TransformerEncoderLayer` (self-attention + feed-forward, each with a residual and LayerNorm)
and `TransformerEncoder` (a stack of copies), with PyTorch's parameters and state-dict keys."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import numpy as np

from retrograd.backend.dtypes import default_float_dtype, to_numpy_dtype
from retrograd.errors import InvalidArgumentError
from retrograd.nn.attention import MultiheadAttention
from retrograd.nn.containers import ModuleList
from retrograd.nn.dropout import Dropout
from retrograd.nn.functional._utils import check_size
from retrograd.nn.functional.activation import gelu, relu
from retrograd.nn.linear import Linear
from retrograd.nn.module import Module
from retrograd.nn.normalization import LayerNorm
from retrograd.tensor import Tensor

Activation = Callable[[Tensor], Tensor]


def generate_square_subsequent_mask(sz: int, dtype: Any = None) -> Tensor:
    """The causal float mask `(sz, sz)`: 0 on and below the diagonal, -inf above it."""
    dtype = default_float_dtype() if dtype is None else to_numpy_dtype(dtype)
    return Tensor(np.triu(np.full((sz, sz), -np.inf), k=1).astype(dtype))


def _activation(activation: str | Activation) -> Activation:
    if activation == "relu":
        return relu
    if activation == "gelu":
        return gelu
    if isinstance(activation, str) or not callable(activation):
        raise InvalidArgumentError(
            f"TransformerEncoderLayer: activation should be 'relu', 'gelu' or a callable, "
            f"got {activation!r}"
        )
    return activation


class TransformerEncoderLayer(Module):
    """Self-attention then a feed-forward block (linear1 -> activation -> linear2), each added
    back to its input and normalised (after, or before with `norm_first`).

    **Arguments:** `d_model`, `nhead`, `dim_feedforward` (2048), `dropout` (0.1), `activation`
    ("relu", "gelu" or a callable), `layer_norm_eps` (1e-5), `batch_first`, `norm_first`, `bias`,
    `dtype`, `generator` (for the initial values).
    **Shapes:** `src: (S, N, d_model)` (`(N, S, d_model)` with batch_first, `(S, d_model)`
    unbatched) -> the same shape.
    """

    self_attn: MultiheadAttention
    linear1: Linear
    dropout: Dropout
    linear2: Linear
    norm_first: bool
    norm1: LayerNorm
    norm2: LayerNorm
    dropout1: Dropout
    dropout2: Dropout
    activation: Activation

    def __init__(
        self,
        d_model: int,
        nhead: int,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: str | Activation = "relu",
        layer_norm_eps: float = 1e-5,
        batch_first: bool = False,
        norm_first: bool = False,
        bias: bool = True,
        dtype: Any = None,
        generator: Any = None,
    ) -> None:
        super().__init__()
        name = type(self).__name__
        check_size(d_model, "d_model", name, minimum=1)
        check_size(nhead, "nhead", name, minimum=1)
        check_size(dim_feedforward, "dim_feedforward", name)
        self.self_attn = MultiheadAttention(
            d_model,
            nhead,
            dropout=dropout,
            bias=bias,
            batch_first=batch_first,
            dtype=dtype,
            generator=generator,
        )
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, dtype=dtype, generator=generator)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, dtype=dtype, generator=generator)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.activation = _activation(activation)

    def forward(
        self,
        src: Tensor,
        src_mask: Tensor | None = None,
        src_key_padding_mask: Tensor | None = None,
        is_causal: bool = False,
    ) -> Tensor:
        """Encode `src`; masks as in `MultiheadAttention` (bool True = not allowed).

        `src_mask: (S, S)` or `(N * nhead, S, S)`, `src_key_padding_mask: (N, S)`; `is_causal`
        is a hint that src_mask is the causal mask.
        """
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            x = x + self._ff_block(self.norm2(x))
        else:
            x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
            x = self.norm2(x + self._ff_block(x))
        return x

    def _sa_block(
        self, x: Tensor, attn_mask: Tensor | None, key_padding_mask: Tensor | None, is_causal: bool
    ) -> Tensor:
        out, _ = self.self_attn(
            x,
            x,
            x,
            attn_mask=attn_mask,
            key_padding_mask=key_padding_mask,
            need_weights=False,
            is_causal=is_causal,
        )
        return self.dropout1(out)

    def _ff_block(self, x: Tensor) -> Tensor:
        x = self.linear2(self.dropout(self.activation(self.linear1(x))))
        return self.dropout2(x)


class TransformerEncoder(Module):
    """`num_layers` copies of `encoder_layer` applied in turn, then `norm` (if given).

    **Arguments:** `encoder_layer` (copied; the copies start with its weights), `num_layers`,
    `norm` (e.g. a LayerNorm, or None). **Shapes:** as the layer's `src`.
    """

    layers: ModuleList
    num_layers: int
    norm: Module | None

    def __init__(
        self, encoder_layer: TransformerEncoderLayer, num_layers: int, norm: Module | None = None
    ) -> None:
        super().__init__()
        num_layers = check_size(num_layers, "num_layers", type(self).__name__)
        if num_layers < 1:
            raise InvalidArgumentError(
                f"TransformerEncoder: num_layers must be >= 1, got {num_layers}"
            )
        self.layers = ModuleList([copy.deepcopy(encoder_layer) for _ in range(num_layers)])
        self.num_layers = num_layers
        self.norm = norm

    def forward(
        self,
        src: Tensor,
        mask: Tensor | None = None,
        src_key_padding_mask: Tensor | None = None,
        is_causal: bool | None = None,
    ) -> Tensor:
        """Run every layer on `src` with the same masks; `is_causal=None` detects whether `mask`
        is the causal mask."""
        if is_causal is None:
            is_causal = _is_causal_mask(mask)
        output = src
        for layer in self.layers:
            output = layer(
                output,
                src_mask=mask,
                src_key_padding_mask=src_key_padding_mask,
                is_causal=is_causal,
            )
        if self.norm is not None:
            output = self.norm(output)
        return output


def _is_causal_mask(mask: Any) -> bool:
    """True for the square causal mask: -inf above the diagonal (float) or True there (bool)."""
    if mask is None:
        return False
    data = np.asarray(mask.data if isinstance(mask, Tensor) else mask)
    if data.ndim != 2 or data.shape[0] != data.shape[1]:
        return False
    above = np.triu(np.ones(data.shape, dtype=bool), k=1)
    if data.dtype == np.bool_:
        return bool(np.array_equal(data, above))
    return bool(np.array_equal(data, np.where(above, -np.inf, 0.0)))
