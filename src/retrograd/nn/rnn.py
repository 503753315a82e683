"""Multi-layer recurrent layers `RNN`, `LSTM`, `GRU` over whole sequences, with PyTorch's
arguments, parameter names (`weight_ih_l0`, `bias_hh_l1_reverse`, ...) and shapes.

Each layer and direction first projects the input of ALL time steps with one matrix product
(x @ W_ih.T + b_ih), then loops over time making one product h @ W_hh.T + b_hh per step for all
gates (the gate equations live in `rnn_cells`). RNN and GRU are composed from Tensor ops, so the
gradients come from the primitives; an LSTM layer (float32 / float64) runs its recurrence as one
op, `ops.recurrent.LSTMSequence`, whose forward equals the composed `lstm_step` loop.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from retrograd.backend.device import check_device
from retrograd.backend.dtypes import default_float_dtype, to_numpy_dtype
from retrograd.creation import empty
from retrograd.errors import InvalidArgumentError, ShapeError, UnsupportedError
from retrograd.nn.functional.dropout import dropout as functional_dropout
from retrograd.nn.module import Module
from retrograd.nn.parameter import Parameter
from retrograd.nn.rnn_cells import (
    NONLINEARITIES,
    affine,
    check_input,
    check_size,
    check_state,
    gru_step,
    lstm_step,
    reset_uniform,
    rnn_step,
    state_pair,
)
from retrograd.nn.utils.rnn import (
    PackedSequence,
    pack_sequence,
    pad_packed_sequence,
)
from retrograd.ops.recurrent import LSTMSequence
from retrograd.tensor import Tensor, apply, cat, stack

__all__ = [
    "GRU",
    "LSTM",
    "RNN",
    "RNNBase",
]


State = tuple[Tensor, ...]  # (h,) or, for LSTM, (h, c)

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}
_FUSED_DTYPES = frozenset([np.dtype(np.float32), np.dtype(np.float64)])


class RNNBase(Module):
    """Parameters, checks and the layer / direction / time loops shared by RNN, LSTM and GRU.

    Per layer `k` and direction (suffix `""` or `"_reverse"`): `weight_ih_l{k}: (G, in_k)`,
    `weight_hh_l{k}: (G, hidden_size)`, `bias_ih_l{k}, bias_hh_l{k}: (G,)`, where G is
    gates * hidden_size and in_k is input_size for k = 0, else num_directions * hidden_size.
    """

    mode: str
    input_size: int
    hidden_size: int
    num_layers: int
    bias: bool
    batch_first: bool
    dropout: float
    bidirectional: bool
    proj_size: int

    def flatten_parameters(self) -> None:
        """Nothing to do: PyTorch compacts cuDNN weights here; retrograd's are plain arrays."""

    def __init__(
        self,
        mode: str,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        dtype: Any = None,
        generator: Any = None,
    ) -> None:
        super().__init__()
        name = "RNN" if mode.startswith("RNN") else mode
        if mode not in _GATES:
            raise InvalidArgumentError(f"Unrecognized RNN mode: {mode!r}")
        self.mode = mode
        self.input_size = check_size(input_size, "input_size", name)
        self.hidden_size = check_size(hidden_size, "hidden_size", name)
        self.num_layers = check_size(num_layers, "num_layers", name)
        if isinstance(dropout, bool) or not isinstance(dropout, (int, float)):
            raise InvalidArgumentError(
                f"{name}: dropout should be a number in [0, 1], got {dropout!r}"
            )
        if not 0 <= dropout <= 1:
            raise InvalidArgumentError(
                f"{name}: dropout should be a number in [0, 1] (the probability of an element "
                f"being zeroed), got {dropout}"
            )
        if dropout > 0 and num_layers == 1:
            warnings.warn(
                "dropout option adds dropout after all but last recurrent layer, so non-zero "
                f"dropout expects num_layers greater than 1, but got dropout={dropout} and "
                f"num_layers={num_layers}",
                stacklevel=3,
            )
        if proj_size != 0:
            raise UnsupportedError(
                f"{name}: proj_size={proj_size} is not supported; only proj_size=0 (no projection)"
            )
        self.bias = bool(bias)
        self.batch_first = bool(batch_first)
        self.dropout = float(dropout)
        self.bidirectional = bool(bidirectional)
        self.proj_size = 0
        self._flat_weights_names: list[str] = []
        dtype = default_float_dtype() if dtype is None else to_numpy_dtype(dtype)
        gates = _GATES[mode] * hidden_size
        for layer in range(num_layers):
            layer_input = input_size if layer == 0 else hidden_size * self.num_directions
            for suffix in self._suffixes():
                shapes: dict[str, tuple[int, ...]] = {
                    f"weight_ih_l{layer}{suffix}": (gates, layer_input),
                    f"weight_hh_l{layer}{suffix}": (gates, hidden_size),
                }
                if bias:
                    shapes[f"bias_ih_l{layer}{suffix}"] = (gates,)
                    shapes[f"bias_hh_l{layer}{suffix}"] = (gates,)
                for key, shape in shapes.items():
                    setattr(self, key, Parameter(empty(*shape, dtype=dtype)))
                    self._flat_weights_names.append(key)
        self.reset_parameters(generator)

    def _init_layers(self, device: Any, mode: str, *args: Any, **kwargs: Any) -> None:
        """`RNNBase.__init__(mode, *args, **kwargs)` for a layer on `device` (checked first)."""
        check_device(device, "RNN" if mode.startswith("RNN") else mode)
        RNNBase.__init__(self, mode, *args, **kwargs)
        if device is not None:
            self.to(device)

    @property
    def num_directions(self) -> int:
        """2 for a bidirectional layer, else 1."""
        return 2 if self.bidirectional else 1

    def _suffixes(self) -> tuple[str, ...]:
        return ("", "_reverse") if self.bidirectional else ("",)

    @property
    def all_weights(self) -> list[list[Parameter]]:
        """The parameters of each layer and direction: [[w_ih, w_hh, b_ih, b_hh], ...]."""
        per_group = 4 if self.bias else 2
        names = self._flat_weights_names
        return [
            [getattr(self, n) for n in names[i : i + per_group]]
            for i in range(0, len(names), per_group)
        ]

    def reset_parameters(self, generator: Any = None) -> None:
        """PyTorch's default: every weight and bias ~ U(-1/sqrt(hidden), 1/sqrt(hidden))."""
        reset_uniform(self, generator)

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            text += f", num_layers={self.num_layers}"
        if not self.bias:
            text += ", bias=False"
        if self.batch_first:
            text += ", batch_first=True"
        if self.dropout != 0:
            text += f", dropout={self.dropout}"
        if self.bidirectional:
            text += ", bidirectional=True"
        return text

    # ------------------------------------------------------------------ checks
    def _check_input(self, input: Any) -> tuple[Tensor, bool]:  # noqa: A002
        """`input` as a time-major `(L, B, input_size)` tensor; also whether it came batched."""
        layout = "(batch, seq, input_size)" if self.batch_first else "(seq, batch, input_size)"
        layouts = f"2-d (seq, input_size) or 3-d {layout}"
        input = check_input(self, input, (2, 3), layouts, self.weight_ih_l0)
        batched = input.ndim == 3
        if not batched:
            input = input.unsqueeze(1)
        elif self.batch_first:
            input = input.transpose(0, 1)
        if input.shape[0] == 0:
            raise ShapeError(f"{self}: expected a sequence of length >= 1, got shape {input.shape}")
        return input, batched

    def _check_state(self, hx: Any, x: Tensor, batched: bool, what: str) -> Tensor:
        """An initial state `(num_layers * num_directions, B, hidden_size)`, zeros when None."""
        shape = (self.num_layers * self.num_directions, x.shape[1], self.hidden_size)
        layout = f" (num_layers * num_directions, {'batch, ' if batched else ''}hidden_size)"
        return check_state(self, hx, x, what, shape, 1, batched, layout)

    # ------------------------------------------------------------------ the loops
    def _step(self, gi: Tensor, state: State, w_hh: Tensor, b_hh: Tensor | None) -> State:
        """One time step: `gi: (B, G)` the input projection, `state` each `(B, H)`."""
        if self.mode == "LSTM":
            return lstm_step(gi, state[0], state[1], w_hh, b_hh)
        if self.mode == "GRU":
            return (gru_step(gi, state[0], w_hh, b_hh),)
        return (rnn_step(gi, state[0], w_hh, b_hh, self.mode[4:].lower()),)

    def _run_direction(
        self, x: Tensor, state: State, layer: int, suffix: str
    ) -> tuple[Tensor, State]:
        """One layer in one direction over `x: (L, B, in)` -> outputs `(L, B, H)`, final state."""
        params = [f"{kind}_l{layer}{suffix}" for kind in ("weight_ih", "weight_hh")]
        w_ih, w_hh = (getattr(self, name) for name in params)
        b_ih = getattr(self, f"bias_ih_l{layer}{suffix}") if self.bias else None
        b_hh = getattr(self, f"bias_hh_l{layer}{suffix}") if self.bias else None
        gi = affine(x, w_ih, b_ih)  # every time step at once: (L, B, G)
        length = x.shape[0]
        if self.mode == "LSTM" and x.dtype in _FUSED_DTYPES:
            # the whole recurrence as one op; the same arithmetic as the lstm_step loop below
            weights = (w_hh,) if b_hh is None else (w_hh, b_hh)
            sequence = apply(LSTMSequence, gi, *state, *weights, reverse=bool(suffix))
            last = sequence[0 if suffix else length - 1]
            return sequence[:length], (last, sequence[length])
        steps = range(length - 1, -1, -1) if suffix else range(length)
        outputs: list[Tensor] = [x] * length
        for t in steps:
            state = self._step(gi[t], state, w_hh, b_hh)
            outputs[t] = state[0]
        return stack(outputs), state

    def _run(self, input: Any, hx: tuple[Any, ...]) -> Any:  # noqa: A002
        """The whole stack: output `(L, B, D*H)` (in the caller's layout) and the final states,
        each `(num_layers * D, B, H)`; `hx` holds the initial states (or Nones). A
        `PackedSequence` input gives a `PackedSequence` output."""
        if isinstance(input, PackedSequence):
            return self._run_packed(input, hx)
        x, batched = self._check_input(input)
        names = ("h_0", "c_0")
        initial = [self._check_state(h, x, batched, name) for h, name in zip(hx, names)]
        x, states = self._stack(x, initial)
        if not batched:
            return x.squeeze(1), tuple(s.squeeze(1) for s in states)
        return (x.transpose(0, 1) if self.batch_first else x), states

    def _run_packed(self, packed: PackedSequence, hx: tuple[Any, ...]) -> Any:
        """Each sequence through the stack on its own length (PyTorch's packed semantics: the
        final states are those at each sequence's last step), the outputs packed again."""
        padded, lengths = pad_packed_sequence(packed)  # (T, B, in), the caller's order
        names = ("h_0", "c_0")
        initial = [self._check_state(h, padded, True, name) for h, name in zip(hx, names)]
        outputs, finals = [], []
        for b, length in enumerate(np.asarray(lengths.array).tolist()):
            x = padded[: int(length), b : b + 1]
            out, states = self._stack(x, [s[:, b : b + 1] for s in initial])
            outputs.append(out[:, 0])
            finals.append(states)
        output = pack_sequence(outputs, enforce_sorted=False)
        if packed.sorted_indices is None:  # keep the caller's (already sorted) layout
            output = output._replace(sorted_indices=None, unsorted_indices=None)
        states = tuple(cat([f[i] for f in finals], 1) for i in range(len(initial)))
        return output, states

    def _stack(self, x: Tensor, initial: list[Tensor]) -> tuple[Tensor, State]:
        """Every layer and direction over time-major `x: (L, B, in)` from the `initial` states;
        the top layer's outputs `(L, B, D*H)` and the final states."""
        finals: list[list[Tensor]] = [[] for _ in initial]
        for layer in range(self.num_layers):
            if layer > 0:
                x = functional_dropout(x, self.dropout, self.training)
            outputs = []
            for direction, suffix in enumerate(self._suffixes()):
                k = layer * self.num_directions + direction
                state = tuple(s[k] for s in initial)
                out, state = self._run_direction(x, state, layer, suffix)
                outputs.append(out)
                for kept, s in zip(finals, state):
                    kept.append(s)
            x = outputs[0] if len(outputs) == 1 else cat(outputs, 2)
        return x, tuple(stack(kept) for kept in finals)


class RNN(RNNBase):
    """Elman RNN: h_t = act(x_t @ W_ih.T + b_ih + h_{t-1} @ W_hh.T + b_hh), act tanh or relu.

    Args:
        input_size: the number of features of each input step.
        hidden_size: the number of features of the hidden state.
        num_layers: how many recurrent layers are stacked, each reading the outputs of the one
            below. Default: 1.
        nonlinearity: the activation act, `"tanh"` or `"relu"`. Default: `"tanh"`.
        bias: whether the layers have the biases `b_ih` and `b_hh`. Default: True.
        batch_first: whether the input and output are `(B, L, *)` instead of `(L, B, *)` (the
            states are not affected). Default: False.
        dropout: the probability of zeroing each output of every layer but the last, in training.
            Default: 0.0.
        bidirectional: whether each layer also runs over the sequence backwards, its outputs
            joined to the forward ones. Default: False.
        device: where the parameters go ("cpu", or "cuda" with a GPU). Default: None, the
            default device.
        dtype: the dtype of the parameters. Default: None, the default float dtype.
        generator: the NumPy Generator that draws the initial values, U(-1/sqrt(hidden_size),
            1/sqrt(hidden_size)). Default: None, the seeded global one.

    Shape:
        - Input: `(L, B, H_in)`, `(B, L, H_in)` with `batch_first=True`, or `(L, H_in)`
          unbatched, with L the sequence length, B the batch size and `H_in = input_size`;
          or a `PackedSequence`.
        - hx: `(D * num_layers, B, H_out)` or `(D * num_layers, H_out)` unbatched, the initial
          hidden state (zeros when None), with D = 2 if bidirectional else 1 and
          `H_out = hidden_size`.
        - Output: `(L, B, D * H_out)` (`(B, L, D * H_out)` with `batch_first=True`, `(L, D * H_out)`
          unbatched), the top layer's hidden state at every step; a `PackedSequence` for a packed
          input.
        - h_n: shaped like hx, the final hidden state of each layer and direction.

    Attributes:
        weight_ih_l{k}: the input-hidden weights of layer k, `(hidden_size, input_size)` for
            k = 0, else `(hidden_size, D * hidden_size)`.
        weight_hh_l{k}: the hidden-hidden weights of layer k, `(hidden_size, hidden_size)`.
        bias_ih_l{k}: the input-hidden bias of layer k, `(hidden_size,)`.
        bias_hh_l{k}: the hidden-hidden bias of layer k, `(hidden_size,)`.

    Example:
        >>> rnn = nn.RNN(4, 8, num_layers=2)
        >>> output, h_n = rnn(retrograd.zeros(5, 3, 4))
        >>> output.shape, h_n.shape
        ((5, 3, 8), (2, 3, 8))
    """

    nonlinearity: str

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        nonlinearity: str = "tanh",
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        device: Any = None,
        dtype: Any = None,
        generator: Any = None,
    ) -> None:
        check_device(device, "RNN")
        if nonlinearity not in NONLINEARITIES:
            raise InvalidArgumentError(
                f"Unknown nonlinearity {nonlinearity!r}. Select from 'tanh' or 'relu'."
            )
        self.nonlinearity = nonlinearity
        self._init_layers(
            device,
            "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU",
            input_size,
            hidden_size,
            num_layers,
            bias,
            batch_first,
            dropout,
            bidirectional,
            dtype=dtype,
            generator=generator,
        )

    def forward(self, input: Tensor, hx: Tensor | None = None) -> tuple[Tensor, Tensor]:  # noqa: A002
        """Run the Elman layers over the sequence `input` (or a `PackedSequence`) from the
        state `hx` (None for zeros); returns `(output, h_n)`, shaped as in the class's `Shape:`
        section: `output` batch first or unbatched as the input is, `h_n` like hx."""
        output, (h_n,) = self._run(input, (hx,))
        return output, h_n


class LSTM(RNNBase):
    """Long short-term memory: gates i, f, g, o = split(x_t @ W_ih.T + b_ih + h @ W_hh.T + b_hh),
    c_t = sigmoid(f) * c + sigmoid(i) * tanh(g), h_t = sigmoid(o) * tanh(c_t).

    Args:
        input_size: the number of features of each input step.
        hidden_size: the number of features of the hidden state.
        num_layers: how many recurrent layers are stacked, each reading the outputs of the one
            below. Default: 1.
        bias: whether the layers have the biases `b_ih` and `b_hh`. Default: True.
        batch_first: whether the input and output are `(B, L, *)` instead of `(L, B, *)` (the
            states are not affected). Default: False.
        dropout: the probability of zeroing each output of every layer but the last, in training.
            Default: 0.0.
        bidirectional: whether each layer also runs over the sequence backwards, its outputs
            joined to the forward ones. Default: False.
        proj_size: only 0 (projections are not supported). Default: 0.
        device: where the parameters go ("cpu", or "cuda" with a GPU). Default: None, the
            default device.
        dtype: the dtype of the parameters. Default: None, the default float dtype.
        generator: the NumPy Generator that draws the initial values, U(-1/sqrt(hidden_size),
            1/sqrt(hidden_size)). Default: None, the seeded global one.

    Shape:
        - Input: `(L, B, H_in)`, `(B, L, H_in)` with `batch_first=True`, or `(L, H_in)`
          unbatched, with L the sequence length, B the batch size and `H_in = input_size`;
          or a `PackedSequence`.
        - hx: a tuple `(h_0, c_0)`, each `(D * num_layers, B, H_out)` (unbatched:
          `(D * num_layers, H_out)`), the initial hidden and cell states, or None for zeros;
          D = 2 if bidirectional else 1 and `H_out = hidden_size`.
        - Output: `(output, (h_n, c_n))`: `output` `(L, B, D * H_out)` (batch first or unbatched
          as the input is; a `PackedSequence` for a packed input), the top layer's hidden state
          at every step; `h_n` and `c_n` shaped like `h_0`, the final states.

    Attributes:
        weight_ih_l{k}: the input-hidden weights of layer k, gates (i, f, g, o) stacked:
            `(4 * hidden_size, input_size)` for k = 0, else `(4 * hidden_size, D * hidden_size)`.
        weight_hh_l{k}: the hidden-hidden weights of layer k, `(4 * hidden_size, hidden_size)`.
        bias_ih_l{k}: the input-hidden bias of layer k, `(4 * hidden_size,)`.
        bias_hh_l{k}: the hidden-hidden bias of layer k, `(4 * hidden_size,)`.

    Example:
        >>> lstm = nn.LSTM(4, 8, batch_first=True, bidirectional=True)
        >>> output, (h_n, c_n) = lstm(retrograd.zeros(3, 5, 4))
        >>> output.shape, h_n.shape, c_n.shape
        ((3, 5, 16), (2, 3, 8), (2, 3, 8))
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        device: Any = None,
        dtype: Any = None,
        generator: Any = None,
    ) -> None:
        self._init_layers(
            device,
            "LSTM",
            input_size,
            hidden_size,
            num_layers,
            bias,
            batch_first,
            dropout,
            bidirectional,
            proj_size,
            dtype,
            generator,
        )

    def forward(
        self,
        input: Tensor,  # noqa: A002
        hx: tuple[Tensor, Tensor] | None = None,
    ) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        """Run the layers over the sequence `input` (or a `PackedSequence`) from the states
        `hx = (h_0, c_0)` (None for zeros); returns `(output, (h_n, c_n))`, shaped as in the
        class's `Shape:` section: `output` batch first or unbatched as the input is, `h_n` and
        `c_n` like h_0."""
        output, (h_n, c_n) = self._run(input, state_pair(hx, self))
        return output, (h_n, c_n)


class GRU(RNNBase):
    """Gated recurrent unit: r, z = sigmoid(...), n = tanh(W_in x + b_in + r * (W_hn h + b_hn)),
    h_t = (1 - z) * n + z * h_{t-1}.

    Args:
        input_size: the number of features of each input step.
        hidden_size: the number of features of the hidden state.
        num_layers: how many recurrent layers are stacked, each reading the outputs of the one
            below. Default: 1.
        bias: whether the layers have the biases `b_ih` and `b_hh`. Default: True.
        batch_first: whether the input and output are `(B, L, *)` instead of `(L, B, *)` (the
            states are not affected). Default: False.
        dropout: the probability of zeroing each output of every layer but the last, in training.
            Default: 0.0.
        bidirectional: whether each layer also runs over the sequence backwards, its outputs
            joined to the forward ones. Default: False.
        device: where the parameters go ("cpu", or "cuda" with a GPU). Default: None, the
            default device.
        dtype: the dtype of the parameters. Default: None, the default float dtype.
        generator: the NumPy Generator that draws the initial values, U(-1/sqrt(hidden_size),
            1/sqrt(hidden_size)). Default: None, the seeded global one.

    Shape:
        - Input: `(L, B, H_in)`, `(B, L, H_in)` with `batch_first=True`, or `(L, H_in)`
          unbatched, with L the sequence length, B the batch size and `H_in = input_size`;
          or a `PackedSequence`.
        - hx: `(D * num_layers, B, H_out)` or `(D * num_layers, H_out)` unbatched, the initial
          hidden state (zeros when None), with D = 2 if bidirectional else 1 and
          `H_out = hidden_size`.
        - Output: `(L, B, D * H_out)` (`(B, L, D * H_out)` with `batch_first=True`, `(L, D * H_out)`
          unbatched), the top layer's hidden state at every step; a `PackedSequence` for a packed
          input.
        - h_n: shaped like hx, the final hidden state of each layer and direction.

    Attributes:
        weight_ih_l{k}: the input-hidden weights of layer k, gates (r, z, n) stacked:
            `(3 * hidden_size, input_size)` for k = 0, else `(3 * hidden_size, D * hidden_size)`.
        weight_hh_l{k}: the hidden-hidden weights of layer k, `(3 * hidden_size, hidden_size)`.
        bias_ih_l{k}: the input-hidden bias of layer k, `(3 * hidden_size,)`.
        bias_hh_l{k}: the hidden-hidden bias of layer k, `(3 * hidden_size,)`.

    Example:
        >>> gru = nn.GRU(4, 8)
        >>> output, h_n = gru(retrograd.zeros(5, 4))
        >>> output.shape, h_n.shape
        ((5, 8), (1, 8))
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        device: Any = None,
        dtype: Any = None,
        generator: Any = None,
    ) -> None:
        self._init_layers(
            device,
            "GRU",
            input_size,
            hidden_size,
            num_layers,
            bias,
            batch_first,
            dropout,
            bidirectional,
            dtype=dtype,
            generator=generator,
        )

    def forward(self, input: Tensor, hx: Tensor | None = None) -> tuple[Tensor, Tensor]:  # noqa: A002
        """Run the GRU layers over the sequence `input` (or a `PackedSequence`) from the state
        `hx` (None for zeros); returns `(output, h_n)`, shaped as in the class's `Shape:`
        section: `output` batch first or unbatched as the input is, `h_n` like hx."""
        output, (h_n,) = self._run(input, (hx,))
        return output, h_n
