"""PyTorch's transformer layers, with its arguments, parameters and state-dict keys:
`TransformerEncoderLayer` (self-attention + feed-forward, each with a residual and LayerNorm),
`TransformerDecoderLayer` (self-attention, attention over the encoder's memory, feed-forward),
the stacks `TransformerEncoder` / `TransformerDecoder`, and the whole `Transformer`."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import numpy as np

from retrograd.backend.device import check_device
from retrograd.backend.dtypes import default_float_dtype, to_numpy_dtype
from retrograd.errors import InvalidArgumentError, ShapeError
from retrograd.nn import init
from retrograd.nn.attention import MultiheadAttention
from retrograd.nn.containers import ModuleList
from retrograd.nn.dropout import Dropout
from retrograd.nn.functional._utils import check_size, require_tensor
from retrograd.nn.functional.activation import gelu, relu
from retrograd.nn.linear import Linear
from retrograd.nn.module import Module
from retrograd.nn.normalization import LayerNorm
from retrograd.tensor import Tensor

__all__ = [
    "Transformer",
    "TransformerDecoder",
    "TransformerDecoderLayer",
    "TransformerEncoder",
    "TransformerEncoderLayer",
]


Activation = Callable[[Tensor], Tensor]


def generate_square_subsequent_mask(sz: int, dtype: Any = None) -> Tensor:
    """The causal float mask `(sz, sz)`: 0 on and below the diagonal, -inf above it."""
    dtype = default_float_dtype() if dtype is None else to_numpy_dtype(dtype)
    return Tensor(np.triu(np.full((sz, sz), -np.inf), k=1).astype(dtype))


def _activation(activation: str | Activation, name: str) -> Activation:
    if activation == "relu":
        return relu
    if activation == "gelu":
        return gelu
    if isinstance(activation, str) or not callable(activation):
        raise InvalidArgumentError(
            f"{name}: activation should be 'relu', 'gelu' or a callable, got {activation!r}"
        )
    return activation


class _TransformerLayer(Module):
    """The parts shared by the encoder and decoder layers: the attention block(s), the
    feed-forward block, the LayerNorms and the Dropouts, built in PyTorch's order."""

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
    #: the names of the attention blocks, in PyTorch's order
    _attentions: tuple[str, ...] = ()
    #: the name the device check gives
    _layer_name: str = ""

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
        device: Any = None,
        dtype: Any = None,
        generator: Any = None,
    ) -> None:
        # PyTorch's order: the attentions `_attentions` names, linear1, dropout, linear2,
        # norm_first, then one LayerNorm and one Dropout per block (the attentions and the
        # feed-forward block), activation
        check_device(device, self._layer_name)
        super().__init__()
        name = type(self).__name__
        check_size(d_model, "d_model", name, minimum=1)
        check_size(nhead, "nhead", name, minimum=1)
        check_size(dim_feedforward, "dim_feedforward", name)
        attentions = self._attentions
        for attention in attentions:
            layer = MultiheadAttention(
                d_model,
                nhead,
                dropout=dropout,
                bias=bias,
                batch_first=batch_first,
                dtype=dtype,
                generator=generator,
            )
            setattr(self, attention, layer)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, dtype=dtype, generator=generator)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, dtype=dtype, generator=generator)
        self.norm_first = norm_first
        blocks = range(1, len(attentions) + 2)
        for k in blocks:
            norm = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
            setattr(self, f"norm{k}", norm)
        for k in blocks:
            setattr(self, f"dropout{k}", Dropout(dropout))
        self.activation = _activation(activation, name)
        if device is not None:
            self.to(device)

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

    def _ff_block(self, x: Tensor, dropout: Dropout) -> Tensor:
        """The feed-forward block, then `dropout` (the last of the layer's Dropouts)."""
        return dropout(self.linear2(self.dropout(self.activation(self.linear1(x)))))


class TransformerEncoderLayer(_TransformerLayer):
    """Self-attention then a feed-forward block (linear1 -> activation -> linear2), each added
    back to its input and normalised (after, or before with `norm_first`).

    Args:
        d_model: features of the input and the output.
        nhead: number of attention heads.
        dim_feedforward: width of the feed-forward block. Default: 2048.
        dropout: dropout probability. Default: 0.1.
        activation: "relu", "gelu" or a callable. Default: "relu".
        layer_norm_eps: the LayerNorms' eps. Default: 1e-5.
        batch_first: inputs and outputs have the batch first. Default: False.
        norm_first: normalise before each block instead of after. Default: False.
        bias: give the attention, Linear and LayerNorm layers biases. Default: True.
        device: where the parameters go ("cpu", or "cuda" with a GPU). Default: None, the
            default device.
        dtype: the parameters' dtype. Default: the default float dtype.
        generator: a NumPy Generator for the initial values.

    **Shapes:** `src: (S, N, d_model)` (`(N, S, d_model)` with batch_first, `(S, d_model)`
    unbatched) -> the same shape.
    """

    _attentions = ("self_attn",)
    _layer_name = "TransformerEncoderLayer"

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
            x = x + self._ff_block(self.norm2(x), self.dropout2)
        else:
            x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
            x = self.norm2(x + self._ff_block(x, self.dropout2))
        return x


class TransformerEncoder(Module):
    """`num_layers` copies of `encoder_layer` applied in turn, then `norm` (if given).

    Args:
        encoder_layer: the layer to copy; the copies start with its weights.
        num_layers: number of copies.
        norm: e.g. a LayerNorm, or None.
        enable_nested_tensor: accepted for PyTorch's signature; changes nothing (there are no
            nested tensors here).
        mask_check: accepted for PyTorch's signature; changes nothing.

    **Shapes:** as the layer's `src`.
    """

    layers: ModuleList
    num_layers: int
    norm: Module | None

    def __init__(
        self,
        encoder_layer: TransformerEncoderLayer,
        num_layers: int,
        norm: Module | None = None,
        enable_nested_tensor: bool = True,
        mask_check: bool = True,
    ) -> None:
        super().__init__()
        self.layers = _clones(encoder_layer, num_layers, type(self).__name__)
        self.num_layers = len(self.layers)
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


def _clones(layer: Module, num_layers: int, name: str) -> ModuleList:
    """`num_layers` deep copies of `layer` (each starts with its weights)."""
    num_layers = check_size(num_layers, "num_layers", name)
    if num_layers < 1:
        raise InvalidArgumentError(f"{name}: num_layers must be >= 1, got {num_layers}")
    return ModuleList([copy.deepcopy(layer) for _ in range(num_layers)])


def _is_causal_mask(mask: Any, size: int | None = None) -> bool:
    """True for the square causal mask: -inf above the diagonal (float) or True there (bool);
    with `size`, only for the mask of that size."""
    if mask is None:
        return False
    data = np.asarray(mask.array if isinstance(mask, Tensor) else mask)
    if data.ndim != 2 or data.shape[0] != data.shape[1]:
        return False
    if size is not None and data.shape[0] != size:
        return False
    above = np.triu(np.ones(data.shape, dtype=bool), k=1)
    if data.dtype == np.bool_:
        return bool(np.array_equal(data, above))
    return bool(np.array_equal(data, np.where(above, -np.inf, 0.0)))


class TransformerDecoderLayer(_TransformerLayer):
    """Self-attention over `tgt`, attention from `tgt` to the encoder's `memory`, then a
    feed-forward block; each added back to its input and normalised (after, or before with
    `norm_first`).

    The arguments are those of `TransformerEncoderLayer`.

    Args:
        d_model: features of the input and the output.
        nhead: number of attention heads.
        dim_feedforward: width of the feed-forward block. Default: 2048.
        dropout: dropout probability. Default: 0.1.
        activation: "relu", "gelu" or a callable. Default: "relu".
        layer_norm_eps: the LayerNorms' eps. Default: 1e-5.
        batch_first: inputs and outputs have the batch first. Default: False.
        norm_first: normalise before each block instead of after. Default: False.
        bias: give the attention, Linear and LayerNorm layers biases. Default: True.
        device: where the parameters go ("cpu", or "cuda" with a GPU). Default: None, the
            default device.
        dtype: the parameters' dtype. Default: the default float dtype.
        generator: a NumPy Generator for the initial values.

    **Shapes:** `tgt: (T, N, d_model)`, `memory: (S, N, d_model)` (`(N, T, d_model)` and
    `(N, S, d_model)` with batch_first; `(T, d_model)`, `(S, d_model)` unbatched) -> as `tgt`.
    """

    multihead_attn: MultiheadAttention
    norm3: LayerNorm
    dropout3: Dropout
    _attentions = ("self_attn", "multihead_attn")
    _layer_name = "TransformerDecoderLayer"

    def forward(
        self,
        tgt: Tensor,
        memory: Tensor,
        tgt_mask: Tensor | None = None,
        memory_mask: Tensor | None = None,
        tgt_key_padding_mask: Tensor | None = None,
        memory_key_padding_mask: Tensor | None = None,
        tgt_is_causal: bool = False,
        memory_is_causal: bool = False,
    ) -> Tensor:
        """Decode `tgt` attending to `memory`; masks as in `MultiheadAttention` (bool True = not
        allowed, float added).

        `tgt_mask: (T, T)` or `(N * nhead, T, T)`, `memory_mask: (T, S)` or `(N * nhead, T, S)`,
        `tgt_key_padding_mask: (N, T)`, `memory_key_padding_mask: (N, S)`; the `*_is_causal`
        flags are hints that the matching mask is the causal mask.
        """
        x = tgt
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), tgt_mask, tgt_key_padding_mask, tgt_is_causal)
            x = x + self._mha_block(
                self.norm2(x), memory, memory_mask, memory_key_padding_mask, memory_is_causal
            )
            x = x + self._ff_block(self.norm3(x), self.dropout3)
        else:
            x = self.norm1(x + self._sa_block(x, tgt_mask, tgt_key_padding_mask, tgt_is_causal))
            x = self.norm2(
                x
                + self._mha_block(x, memory, memory_mask, memory_key_padding_mask, memory_is_causal)
            )
            x = self.norm3(x + self._ff_block(x, self.dropout3))
        return x

    def _mha_block(
        self,
        x: Tensor,
        memory: Tensor,
        attn_mask: Tensor | None,
        key_padding_mask: Tensor | None,
        is_causal: bool,
    ) -> Tensor:
        out, _ = self.multihead_attn(
            x,
            memory,
            memory,
            attn_mask=attn_mask,
            key_padding_mask=key_padding_mask,
            need_weights=False,
            is_causal=is_causal,
        )
        return self.dropout2(out)


class TransformerDecoder(Module):
    """`num_layers` copies of `decoder_layer` applied in turn, then `norm` (if given).

    Args:
        decoder_layer: the layer to copy; the copies start with its weights.
        num_layers: number of copies.
        norm: e.g. a LayerNorm, or None.

    **Shapes:** as the layer's `tgt` and `memory`.
    """

    layers: ModuleList
    num_layers: int
    norm: Module | None

    def __init__(
        self, decoder_layer: TransformerDecoderLayer, num_layers: int, norm: Module | None = None
    ) -> None:
        super().__init__()
        self.layers = _clones(decoder_layer, num_layers, type(self).__name__)
        self.num_layers = len(self.layers)
        self.norm = norm

    def forward(
        self,
        tgt: Tensor,
        memory: Tensor,
        tgt_mask: Tensor | None = None,
        memory_mask: Tensor | None = None,
        tgt_key_padding_mask: Tensor | None = None,
        memory_key_padding_mask: Tensor | None = None,
        tgt_is_causal: bool | None = None,
        memory_is_causal: bool = False,
    ) -> Tensor:
        """Run every layer on `tgt` with the same `memory` and masks; `tgt_is_causal=None`
        detects whether `tgt_mask` is the causal mask of tgt's length."""
        if tgt_is_causal is None:
            length = tgt.shape[1] if self._batch_first() and tgt.ndim == 3 else tgt.shape[0]
            tgt_is_causal = _is_causal_mask(tgt_mask, length)
        output = tgt
        for layer in self.layers:
            output = layer(
                output,
                memory,
                tgt_mask=tgt_mask,
                memory_mask=memory_mask,
                tgt_key_padding_mask=tgt_key_padding_mask,
                memory_key_padding_mask=memory_key_padding_mask,
                tgt_is_causal=tgt_is_causal,
                memory_is_causal=memory_is_causal,
            )
        if self.norm is not None:
            output = self.norm(output)
        return output

    def _batch_first(self) -> bool:
        first = self.layers[0]
        attention = getattr(first, "self_attn", None)
        return bool(getattr(attention, "batch_first", False))


class Transformer(Module):
    """An encoder stack over `src` and a decoder stack over `tgt` attending to its output.

    Every parameter of two or more dimensions starts xavier-uniform, as in PyTorch.

    Args:
        d_model: features of the inputs and the output. Default: 512.
        nhead: number of attention heads. Default: 8.
        num_encoder_layers: layers of the encoder stack. Default: 6.
        num_decoder_layers: layers of the decoder stack. Default: 6.
        dim_feedforward: width of the feed-forward blocks. Default: 2048.
        dropout: dropout probability. Default: 0.1.
        activation: "relu", "gelu" or a callable. Default: "relu".
        custom_encoder: a module used instead of the built encoder stack.
        custom_decoder: a module used instead of the built decoder stack.
        layer_norm_eps: the LayerNorms' eps. Default: 1e-5.
        batch_first: inputs and outputs have the batch first. Default: False.
        norm_first: normalise before each block instead of after. Default: False.
        bias: give the attention, Linear and LayerNorm layers biases. Default: True.
        device: where the parameters go ("cpu", or "cuda" with a GPU). Default: None, the
            default device.
        dtype: the parameters' dtype. Default: the default float dtype.
        generator: a NumPy Generator for the initial values.

    **Shapes:** `src: (S, N, d_model)`, `tgt: (T, N, d_model)` (`(N, S, d_model)`,
    `(N, T, d_model)` with batch_first; unbatched without N) -> `(T, N, d_model)`, as `tgt`.
    """

    encoder: Module
    decoder: Module
    d_model: int
    nhead: int
    batch_first: bool

    def __init__(
        self,
        d_model: int = 512,
        nhead: int = 8,
        num_encoder_layers: int = 6,
        num_decoder_layers: int = 6,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: str | Activation = "relu",
        custom_encoder: Module | None = None,
        custom_decoder: Module | None = None,
        layer_norm_eps: float = 1e-5,
        batch_first: bool = False,
        norm_first: bool = False,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
        generator: Any = None,
    ) -> None:
        check_device(device, "Transformer")
        super().__init__()
        shared = {
            "dim_feedforward": dim_feedforward,
            "dropout": dropout,
            "activation": activation,
            "layer_norm_eps": layer_norm_eps,
            "batch_first": batch_first,
            "norm_first": norm_first,
            "bias": bias,
            "dtype": dtype,
            "generator": generator,
        }
        if custom_encoder is not None:
            self.encoder = custom_encoder
        else:
            encoder_layer = TransformerEncoderLayer(d_model, nhead, **shared)
            encoder_norm = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
            self.encoder = TransformerEncoder(encoder_layer, num_encoder_layers, encoder_norm)
        if custom_decoder is not None:
            self.decoder = custom_decoder
        else:
            decoder_layer = TransformerDecoderLayer(d_model, nhead, **shared)
            decoder_norm = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
            self.decoder = TransformerDecoder(decoder_layer, num_decoder_layers, decoder_norm)
        self._reset_parameters(generator)
        self.d_model = d_model
        self.nhead = nhead
        self.batch_first = batch_first
        if device is not None:
            self.to(device)

    def _reset_parameters(self, generator: Any = None) -> None:
        for param in self.parameters():
            if param.ndim > 1:
                init.xavier_uniform_(param, generator=generator)

    def forward(
        self,
        src: Tensor,
        tgt: Tensor,
        src_mask: Tensor | None = None,
        tgt_mask: Tensor | None = None,
        memory_mask: Tensor | None = None,
        src_key_padding_mask: Tensor | None = None,
        tgt_key_padding_mask: Tensor | None = None,
        memory_key_padding_mask: Tensor | None = None,
        src_is_causal: bool | None = None,
        tgt_is_causal: bool | None = None,
        memory_is_causal: bool = False,
    ) -> Tensor:
        """Encode `src` into memory, then decode `tgt` against it.

        Masks: `src_mask: (S, S)`, `tgt_mask: (T, T)`, `memory_mask: (T, S)` (or with a leading
        N * nhead), key padding masks `(N, S)`, `(N, T)`, `(N, S)`; bool True = not allowed,
        float masks are added.

        Returns:
            The decoder's output, shaped like `tgt`.
        """
        require_tensor(src, self, "src")
        require_tensor(tgt, self, "tgt")
        batched = src.ndim == 3
        batch_dim = 0 if self.batch_first else 1
        if batched and tgt.ndim == 3 and src.shape[batch_dim] != tgt.shape[batch_dim]:
            raise ShapeError(
                f"Transformer: the batch number of src and tgt must be equal, got src {src.shape} "
                f"and tgt {tgt.shape} (batch_first={self.batch_first})"
            )
        if src.shape[-1] != self.d_model or tgt.shape[-1] != self.d_model:
            raise ShapeError(
                f"Transformer: the feature number of src and tgt must be equal to "
                f"d_model={self.d_model}, got src {src.shape} and tgt {tgt.shape}"
            )
        memory = self.encoder(
            src, mask=src_mask, src_key_padding_mask=src_key_padding_mask, is_causal=src_is_causal
        )
        return self.decoder(
            tgt,
            memory,
            tgt_mask=tgt_mask,
            memory_mask=memory_mask,
            tgt_key_padding_mask=tgt_key_padding_mask,
            memory_key_padding_mask=memory_key_padding_mask,
            tgt_is_causal=tgt_is_causal,
            memory_is_causal=memory_is_causal,
        )

    @staticmethod
    def generate_square_subsequent_mask(sz: int, device: Any = None, dtype: Any = None) -> Tensor:
        """The causal float mask `(sz, sz)`: 0 on and below the diagonal, -inf above it."""
        mask = generate_square_subsequent_mask(sz, dtype=dtype)
        if device is None:
            return mask
        check_device(device, "Transformer.generate_square_subsequent_mask")
        return mask.to(device)
