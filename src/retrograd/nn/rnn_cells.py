"""One time step of the recurrent layers: the gate equations (`rnn_step`, `lstm_step`,
`gru_step`, shared with `nn.rnn`) and the single-step layers `RNNCell`, `LSTMCell`, `GRUCell`.

Every step takes `gi`, the input projection x @ W_ih.T + b_ih already computed, and makes ONE
matrix product h @ W_hh.T + b_hh for all gates, which are then cut apart by slicing.
Gate order is PyTorch's: LSTM (i, f, g, o), GRU (r, z, n).
"""

from __future__ import annotations

import math
from typing import Any

from retrograd import ops
from retrograd.backend.device import check_device
from retrograd.backend.dtypes import default_float_dtype, to_numpy_dtype
from retrograd.creation import empty, zeros
from retrograd.errors import ArgumentTypeError, DTypeError, InvalidArgumentError, ShapeError
from retrograd.nn import init
from retrograd.nn.functional._utils import check_size as check_layer_size
from retrograd.nn.functional._utils import match_weight_dtype, require_tensor
from retrograd.nn.module import Module
from retrograd.nn.parameter import Parameter
from retrograd.tensor import Tensor, apply

__all__ = [
    "GRUCell",
    "LSTMCell",
    "RNNCell",
    "RNNCellBase",
]


NONLINEARITIES = ("tanh", "relu")


def affine(x: Tensor, weight: Tensor, bias: Tensor | None) -> Tensor:
    """x @ weight.T + bias in one fused node. `x: (*, in)`, `weight: (out, in)` -> `(*, out)`."""
    if bias is None:
        return apply(ops.Linear, x, weight)
    return apply(ops.Linear, x, weight, bias)


def rnn_step(
    gi: Tensor, h: Tensor, w_hh: Tensor, b_hh: Tensor | None, nonlinearity: str = "tanh"
) -> Tensor:
    """h' = act(gi + h @ W_hh.T + b_hh). `gi, h: (B, H)`, `w_hh: (H, H)` -> `(B, H)`."""
    pre = gi + affine(h, w_hh, b_hh)
    return pre.tanh() if nonlinearity == "tanh" else pre.relu()


def lstm_step(
    gi: Tensor, h: Tensor, c: Tensor, w_hh: Tensor, b_hh: Tensor | None
) -> tuple[Tensor, Tensor]:
    """(h', c') of one LSTM step. `gi: (B, 4H)`, `h, c: (B, H)`, `w_hh: (4H, H)`.

    c' = f * c + i * g and h' = o * tanh(c'), with i, f, o sigmoid gates and g a tanh gate.
    """
    i, f, g, o = (gi + affine(h, w_hh, b_hh)).chunk(4, 1)
    c_next = f.sigmoid() * c + i.sigmoid() * g.tanh()
    return o.sigmoid() * c_next.tanh(), c_next


def gru_step(gi: Tensor, h: Tensor, w_hh: Tensor, b_hh: Tensor | None) -> Tensor:
    """h' of one GRU step. `gi: (B, 3H)`, `h: (B, H)`, `w_hh: (3H, H)` -> `(B, H)`.

    n = tanh(gi_n + r * (W_hn h + b_hn)) and h' = (1 - z) * n + z * h.
    """
    gh = affine(h, w_hh, b_hh)
    size = h.shape[-1]
    rz = (gi[:, : 2 * size] + gh[:, : 2 * size]).sigmoid()
    r, z = rz[:, :size], rz[:, size:]
    n = (gi[:, 2 * size :] + r * gh[:, 2 * size :]).tanh()
    return n + z * (h - n)


def check_size(size: Any, what: str, who: str) -> int:
    """`size` as a positive int, or a clear TypeError / ValueError naming `who`."""
    return check_layer_size(size, what, who, minimum=1)


def reset_uniform(module: Module, generator: Any = None) -> None:
    """PyTorch's default: every weight and bias ~ U(-1/sqrt(hidden), 1/sqrt(hidden))."""
    bound = 1.0 / math.sqrt(module.hidden_size)
    for weight in module.parameters():
        init.uniform_(weight, -bound, bound, generator=generator)


def check_input(
    module: Module,
    input: Any,  # noqa: A002
    ranks: tuple[int, ...],
    layouts: str,
    weight: Tensor,
) -> Tensor:
    """`input` checked to be a tensor of one of `ranks` dims (`layouts` names them) with
    `module.input_size` features, in the dtype of `weight`."""
    require_tensor(input, module)
    if input.ndim not in ranks:
        raise ShapeError(f"{module}: expected input to be {layouts}, got shape {input.shape}")
    if input.shape[-1] != module.input_size:
        raise ShapeError(
            f"{module}: expected input with input_size={module.input_size} features "
            f"(last dimension), got shape {input.shape}"
        )
    return match_weight_dtype(input, weight, module)


def check_state(
    module: Module,
    hx: Any,
    x: Tensor,
    what: str,
    shape: tuple[int, ...],
    batch_dim: int,
    batched: bool,
    layout: str = "",
) -> Tensor:
    """The state `hx` of batched `shape` (batch in `batch_dim`) for the input `x`: zeros when
    None; unbatched it lacks `batch_dim`, which is put back. `layout` ends the shape error."""
    if hx is None:
        return zeros(*shape, dtype=x.dtype, device=x.device)
    expected = shape if batched else shape[:batch_dim] + shape[batch_dim + 1 :]
    if not isinstance(hx, Tensor) or hx.shape != expected:
        got = hx.shape if isinstance(hx, Tensor) else type(hx).__name__
        raise ShapeError(f"{module}: expected {what} of shape {expected}{layout}, got {got}")
    if hx.dtype != x.dtype:
        raise DTypeError(f"{module}: {what} has dtype {hx.dtype}, the input {x.dtype}")
    return hx if batched else hx.unsqueeze(batch_dim)


def state_pair(hx: Any, module: Module) -> tuple[Any, Any]:
    """An LSTM's `hx`: `(h_0, c_0)`, or `(None, None)` for None."""
    if hx is None:
        return None, None
    if not isinstance(hx, (tuple, list)) or len(hx) != 2:
        raise ArgumentTypeError(f"{module}: expected hx to be a tuple (h_0, c_0) or None")
    return hx[0], hx[1]


class RNNCellBase(Module):
    """Parameters and checks shared by the cells: `weight_ih: (G, input_size)`,
    `weight_hh: (G, hidden_size)`, `bias_ih, bias_hh: (G,)`, with G = gates * hidden_size."""

    input_size: int
    hidden_size: int
    bias: bool
    weight_ih: Parameter
    weight_hh: Parameter
    bias_ih: Parameter | None
    bias_hh: Parameter | None

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool,
        num_chunks: int,
        dtype: Any = None,
        generator: Any = None,
    ) -> None:
        super().__init__()
        name = type(self).__name__
        self.input_size = check_size(input_size, "input_size", name)
        self.hidden_size = check_size(hidden_size, "hidden_size", name)
        self.bias = bool(bias)
        dtype = default_float_dtype() if dtype is None else to_numpy_dtype(dtype)
        gates = num_chunks * hidden_size
        self.weight_ih = Parameter(empty(gates, input_size, dtype=dtype))
        self.weight_hh = Parameter(empty(gates, hidden_size, dtype=dtype))
        if bias:
            self.bias_ih = Parameter(empty(gates, dtype=dtype))
            self.bias_hh = Parameter(empty(gates, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters(generator)

    def reset_parameters(self, generator: Any = None) -> None:
        """PyTorch's default: every weight and bias ~ U(-1/sqrt(hidden), 1/sqrt(hidden))."""
        reset_uniform(self, generator)

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        if not self.bias:
            text += ", bias=False"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            text += f", nonlinearity={self.nonlinearity}"
        return text

    def _step(self, gi: Tensor, *states: Tensor) -> tuple[Tensor, ...]:
        """The next states from the input projection `gi: (B, G)` and the states, each (B, H)."""
        raise NotImplementedError

    def _forward(self, input: Any, hx: Any, names: tuple[str, ...]) -> Any:  # noqa: A002
        """The next states from `input` and the state `hx` (the pair `(h, c)` when there are
        two `names`; None for zeros), unbatched as the input is."""
        x = check_input(
            self, input, (1, 2), "1-d (input_size,) or 2-d (batch, input_size)", self.weight_ih
        )
        batched = x.ndim == 2
        if not batched:
            x = x.unsqueeze(0)
        hx = (hx,) if len(names) == 1 else state_pair(hx, self)
        shape = (x.shape[0], self.hidden_size)
        states = [check_state(self, h, x, n, shape, 0, batched) for h, n in zip(hx, names)]
        out = self._step(affine(x, self.weight_ih, self.bias_ih), *states)
        return out if batched else tuple(s.squeeze(0) for s in out)


class RNNCell(RNNCellBase):
    """Elman cell: h' = act(x @ W_ih.T + b_ih + h @ W_hh.T + b_hh), act tanh or relu.

    Args:
        input_size: the number of features of the input.
        hidden_size: the number of features of the hidden state.
        bias: whether the cell has the biases `bias_ih` and `bias_hh`. Default: True.
        nonlinearity: the activation act, `"tanh"` or `"relu"`. Default: `"tanh"`.
        device: where the parameters go ("cpu", or "cuda" with a GPU). Default: None, the
            default device.
        dtype: the dtype of the parameters. Default: None, the default float dtype.
        generator: the NumPy Generator that draws the initial values, U(-1/sqrt(hidden_size),
            1/sqrt(hidden_size)). Default: None, the seeded global one.

    Shape:
        - Input: `(B, H_in)` or `(H_in,)` unbatched, with `H_in = input_size`.
        - hx: `(B, H_out)` or `(H_out,)` unbatched, with `H_out = hidden_size`; zeros when None.
        - Output: `(B, H_out)` or `(H_out,)`, the next hidden state, shaped like hx.

    Attributes:
        weight_ih: the input-hidden weights, `(hidden_size, input_size)`.
        weight_hh: the hidden-hidden weights, `(hidden_size, hidden_size)`.
        bias_ih: the input-hidden bias, `(hidden_size,)`; None when `bias=False`.
        bias_hh: the hidden-hidden bias, `(hidden_size,)`; None when `bias=False`.

    Example:
        >>> cell = nn.RNNCell(4, 8)
        >>> h = cell(retrograd.zeros(3, 4))
        >>> cell(retrograd.zeros(3, 4), h).shape
        (3, 8)
    """

    nonlinearity: str

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        nonlinearity: str = "tanh",
        device: Any = None,
        dtype: Any = None,
        generator: Any = None,
    ) -> None:
        check_device(device, "RNNCell")
        if nonlinearity not in NONLINEARITIES:
            raise InvalidArgumentError(
                f"Unknown nonlinearity: {nonlinearity!r}; select 'tanh' or 'relu'"
            )
        self.nonlinearity = nonlinearity
        super().__init__(input_size, hidden_size, bias, 1, dtype, generator)
        if device is not None:
            self.to(device)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:  # noqa: A002
        """The next hidden state of the Elman cell from the input `input` and the hidden state
        `hx` (None for zeros): `(B, hidden_size)`, or `(hidden_size,)` for an unbatched input,
        as in the class's `Shape:` section."""
        return self._forward(input, hx, ("hx",))[0]

    def _step(self, gi: Tensor, *states: Tensor) -> tuple[Tensor, ...]:
        return (rnn_step(gi, states[0], self.weight_hh, self.bias_hh, self.nonlinearity),)


class LSTMCell(RNNCellBase):
    """LSTM cell (gates i, f, g, o).

    c' = sigmoid(f) * c + sigmoid(i) * tanh(g) and h' = sigmoid(o) * tanh(c'), with the gates
    split from x @ W_ih.T + b_ih + h @ W_hh.T + b_hh.

    Args:
        input_size: the number of features of the input.
        hidden_size: the number of features of the hidden state.
        bias: whether the cell has the biases `bias_ih` and `bias_hh`. Default: True.
        device: where the parameters go ("cpu", or "cuda" with a GPU). Default: None, the
            default device.
        dtype: the dtype of the parameters. Default: None, the default float dtype.
        generator: the NumPy Generator that draws the initial values, U(-1/sqrt(hidden_size),
            1/sqrt(hidden_size)). Default: None, the seeded global one.

    Shape:
        - Input: `(B, H_in)` or `(H_in,)` unbatched, with `H_in = input_size`.
        - hx: a tuple `(h, c)`, each `(B, H_out)` or `(H_out,)` unbatched, with
          `H_out = hidden_size`; zeros when None.
        - Output: `(h', c')`, each shaped like h: the next hidden and cell states.

    Attributes:
        weight_ih: the input-hidden weights, gates (i, f, g, o) stacked:
            `(4 * hidden_size, input_size)`.
        weight_hh: the hidden-hidden weights, `(4 * hidden_size, hidden_size)`.
        bias_ih: the input-hidden bias, `(4 * hidden_size,)`; None when `bias=False`.
        bias_hh: the hidden-hidden bias, `(4 * hidden_size,)`; None when `bias=False`.

    Example:
        >>> cell = nn.LSTMCell(4, 8)
        >>> h, c = cell(retrograd.zeros(3, 4))
        >>> h.shape, c.shape
        ((3, 8), (3, 8))
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
        generator: Any = None,
    ) -> None:
        check_device(device, "LSTMCell")
        super().__init__(input_size, hidden_size, bias, 4, dtype, generator)
        if device is not None:
            self.to(device)

    def forward(
        self,
        input: Tensor,  # noqa: A002
        hx: tuple[Tensor, Tensor] | None = None,
    ) -> tuple[Tensor, Tensor]:
        """The next `(h', c')` from the input `input` and the states `hx = (h, c)` (None for
        zeros): each `(B, hidden_size)`, or `(hidden_size,)` for an unbatched input, as in the
        class's `Shape:` section."""
        h, c = self._forward(input, hx, ("h_0", "c_0"))
        return h, c

    def _step(self, gi: Tensor, *states: Tensor) -> tuple[Tensor, ...]:
        return lstm_step(gi, states[0], states[1], self.weight_hh, self.bias_hh)


class GRUCell(RNNCellBase):
    """GRU cell (gates r, z, n).

    n = tanh(x @ W_in.T + b_in + r * (h @ W_hn.T + b_hn)) and h' = (1 - z) * n + z * h, with
    r and z sigmoid gates.

    Args:
        input_size: the number of features of the input.
        hidden_size: the number of features of the hidden state.
        bias: whether the cell has the biases `bias_ih` and `bias_hh`. Default: True.
        device: where the parameters go ("cpu", or "cuda" with a GPU). Default: None, the
            default device.
        dtype: the dtype of the parameters. Default: None, the default float dtype.
        generator: the NumPy Generator that draws the initial values, U(-1/sqrt(hidden_size),
            1/sqrt(hidden_size)). Default: None, the seeded global one.

    Shape:
        - Input: `(B, H_in)` or `(H_in,)` unbatched, with `H_in = input_size`.
        - hx: `(B, H_out)` or `(H_out,)` unbatched, with `H_out = hidden_size`; zeros when None.
        - Output: `(B, H_out)` or `(H_out,)`, the next hidden state, shaped like hx.

    Attributes:
        weight_ih: the input-hidden weights, gates (r, z, n) stacked:
            `(3 * hidden_size, input_size)`.
        weight_hh: the hidden-hidden weights, `(3 * hidden_size, hidden_size)`.
        bias_ih: the input-hidden bias, `(3 * hidden_size,)`; None when `bias=False`.
        bias_hh: the hidden-hidden bias, `(3 * hidden_size,)`; None when `bias=False`.

    Example:
        >>> cell = nn.GRUCell(4, 8)
        >>> cell(retrograd.zeros(3, 4)).shape
        (3, 8)
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
        generator: Any = None,
    ) -> None:
        check_device(device, "GRUCell")
        super().__init__(input_size, hidden_size, bias, 3, dtype, generator)
        if device is not None:
            self.to(device)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:  # noqa: A002
        """The next hidden state of the GRU cell from the input `input` and the hidden state
        `hx` (None for zeros): `(B, hidden_size)`, or `(hidden_size,)` for an unbatched input,
        as in the class's `Shape:` section."""
        return self._forward(input, hx, ("hx",))[0]

    def _step(self, gi: Tensor, *states: Tensor) -> tuple[Tensor, ...]:
        return (gru_step(gi, states[0], self.weight_hh, self.bias_hh),)
