"""`LSTMSequence`: one LSTM layer in one direction over a whole sequence, as one op.

Fused because the composed step (product, add, four gate activations, five products, slicing)
records a dozen nodes per time step; this op runs the same arithmetic in one loop over
preallocated buffers and backpropagates through time in one loop, with the recurrent weight's
gradient as a single product over every step. The forward equals the composed
`nn.rnn_cells.lstm_step` bit for bit; gradients agree to rounding (sums are taken in another order).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy import add, dot, exp, maximum, multiply, negative, reciprocal, subtract, tanh

from retrograd.autograd.node import Node
from retrograd.ops.activation import _SIGMOID_CONSTANTS, _SIGMOID_SCALARS

#: dtypes whose 2-D products go to BLAS (as in `ops.matmul.Linear`)
_BLAS_FLOATS = frozenset([np.dtype(np.float32), np.dtype(np.float64)])


def _uses_dot(h: np.ndarray, weight: np.ndarray) -> bool:
    """Whether `h @ weight.T` goes to np.dot, as `ops.Linear` decides (so the two paths round
    alike): NumPy float32 / float64 arrays of one dtype; a device array takes np.matmul."""
    return (
        type(h) is np.ndarray
        and type(weight) is np.ndarray
        and h.dtype in _BLAS_FLOATS
        and h.dtype == weight.dtype
        and weight.flags.forc
    )


def _sigmoid_(z: np.ndarray, low: Any, one: Any) -> None:
    """z = 1 / (1 + exp(-z)) (float32 / float64), with `ops.Sigmoid`'s calls and cap (`low`,
    `one`: its constants for z's dtype).

    The work happens in a fresh contiguous array, copied back: in place on a column view
    NumPy's float32 `negative` has been seen to give -0 for every row after the first."""
    out = maximum(z, low)
    negative(out, out)
    exp(out, out)
    add(out, one, out)
    reciprocal(out, out)
    z[...] = out


class LSTMSequence(Node):
    """LSTM over time: `gi: (L, B, 4H)` (x @ W_ih.T + b_ih for every step), `h0, c0: (B, H)`,
    `w_hh: (4H, H)`, `b_hh: (4H,)` or absent -> `(L + 1, B, H)`: rows 0..L-1 the hidden state
    after each time step (by time index), row L the final cell state.

    `reverse=True` runs from the last step to the first (the backward direction of a
    bidirectional layer); the final hidden state is then row 0. Gates in PyTorch's order
    (i, f, g, o); c' = f * c + i * g, h' = o * tanh(c'). float32 and float64 only.
    """

    __slots__ = ("reverse",)
    # backward reads its own buffers and w_hh, whose value every gradient goes through
    value_needed_by = ((), (), (), (0, 1, 2, 3), ())

    def forward(
        self,
        gi: np.ndarray,
        h0: np.ndarray,
        c0: np.ndarray,
        w_hh: np.ndarray,
        b_hh: np.ndarray | None = None,
        *,
        reverse: bool = False,
    ) -> np.ndarray:
        self.reverse = reverse
        length, batch, gates = gi.shape
        size = gates // 4
        dtype = gi.dtype
        i_f, g, o = slice(0, 2 * size), slice(2 * size, 3 * size), slice(3 * size, gates)
        # the buffers on gi's device (np.empty_like dispatches a device array to its library)
        acts = np.empty_like(gi, shape=(length, batch, gates), order="C")  # sigmoid(i, f), ...
        h_prev = np.empty_like(gi, shape=(length, batch, size), order="C")  # each step's start
        c_prev = np.empty_like(gi, shape=(length, batch, size), order="C")
        tanh_c = np.empty_like(gi, shape=(length, batch, size), order="C")
        out = np.empty_like(gi, shape=(length + 1, batch, size), order="C")
        host = type(gi) is np.ndarray
        # a device array mixes with NumPy scalars, not with the host 0-d constants
        low, one = (_SIGMOID_CONSTANTS if host else _SIGMOID_SCALARS)[dtype]
        w_hh_t = w_hh.T
        blas = _uses_dot(gi, w_hh)
        h, c = h0, c0
        for t in range(length - 1, -1, -1) if reverse else range(length):
            np.copyto(h_prev[t], h)
            np.copyto(c_prev[t], c)
            z = dot(h_prev[t], w_hh_t) if blas else np.matmul(h_prev[t], w_hh_t)
            if b_hh is not None:
                add(z, b_hh, z)
            a = acts[t]
            add(gi[t], z, a)
            _sigmoid_(a[:, i_f], low, one)
            tanh(a[:, g], a[:, g])
            _sigmoid_(a[:, o], low, one)
            c = multiply(a[:, size : i_f.stop], c_prev[t])  # f * c
            c += multiply(a[:, :size], a[:, g])  # + i * g
            tanh(c, tanh_c[t])
            h = out[t]
            multiply(a[:, o], tanh_c[t], h)
            if t == (0 if reverse else length - 1):
                out[length] = c
        self.saved = (acts, h_prev, c_prev, tanh_c, w_hh, b_hh is not None)
        return out

    def backward(self, grad: np.ndarray) -> tuple[Any, ...]:
        acts, h_prev, c_prev, tanh_c, w_hh, has_bias = self.saved
        needs = self.needs_input_grad
        length, batch, gates = acts.shape
        size = gates // 4
        dtype = acts.dtype
        one = dtype.type(1)
        i, f, g, o = (slice(k * size, (k + 1) * size) for k in range(4))
        i_f = slice(0, 2 * size)
        grad_gates = np.empty_like(acts)
        # on acts' device (the `_like` forms dispatch a device array to its library)
        dh = np.zeros_like(acts, shape=(batch, size))  # from the later step, through W_hh
        dc = grad[length].astype(dtype, copy=True)  # the final cell state's gradient
        tmp = np.empty_like(acts, shape=(batch, size))
        for t in range(length) if self.reverse else range(length - 1, -1, -1):
            a, dz = acts[t], grad_gates[t]
            dh += grad[t]
            multiply(dh, tanh_c[t], dz[:, o])  # d o
            # dc += dh * o * (1 - tanh(c)^2), in the composed graph's order
            multiply(dh, a[:, o], tmp)
            dtanh = multiply(tanh_c[t], tanh_c[t])
            subtract(one, dtanh, dtanh)
            multiply(tmp, dtanh, tmp)
            dc += tmp
            multiply(dc, a[:, g], dz[:, i])  # d i
            multiply(dc, c_prev[t], dz[:, f])  # d f
            multiply(dc, a[:, i], dz[:, g])  # d g
            multiply(dc, a[:, f], dc)  # carried to the step before
            # through the activations: grad * (1 - s) * s and grad * (1 - y * y)
            for gate in (i_f, o):
                dz[:, gate] *= subtract(one, a[:, gate])
                dz[:, gate] *= a[:, gate]
            square = multiply(a[:, g], a[:, g])
            subtract(one, square, square)
            dz[:, g] *= square
            dh = dot(dz, w_hh) if dz.dtype in _BLAS_FLOATS else np.matmul(dz, w_hh)
        flat = grad_gates.reshape(length * batch, gates)
        grad_w = grad_b = None
        if needs[3]:
            grad_w = np.matmul(flat.T, h_prev.reshape(length * batch, size))
        if has_bias and needs[4]:
            grad_b = add.reduce(flat, 0)
        result = (
            grad_gates if needs[0] else None,
            dh if needs[1] else None,
            dc if needs[2] else None,
            grad_w,
        )
        return (*result, grad_b) if has_bias else result
