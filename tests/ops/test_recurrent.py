"""The fused ops of the sequence models against their composed versions: `LSTMSequence` against
the `lstm_step` loop (forward bit for bit, gradients to float64 rounding), the flattened product
of `ops.Linear` on inputs of more than two dimensions against the 2-D product, and the packed
self-attention projection against three separate ones."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import retrograd as rg
from helpers import assert_close
from retrograd.nn.attention import MultiheadAttention
from retrograd.nn.functional import linear
from retrograd.nn.rnn_cells import lstm_step
from retrograd.ops.recurrent import LSTMSequence
from retrograd.tensor import apply, stack


def _fused(gi: Any, h0: Any, c0: Any, w_hh: Any, b_hh: Any, reverse: bool) -> Any:
    weights = (w_hh,) if b_hh is None else (w_hh, b_hh)
    return apply(LSTMSequence, gi, h0, c0, *weights, reverse=reverse)


def _composed(gi: Any, h0: Any, c0: Any, w_hh: Any, b_hh: Any, reverse: bool) -> Any:
    """The same `(L + 1, B, H)` result from the step-by-step graph."""
    length = gi.shape[0]
    h, c = h0, c0
    outputs: list[Any] = [None] * length
    for t in range(length - 1, -1, -1) if reverse else range(length):
        h, c = lstm_step(gi[t], h, c, w_hh, b_hh)
        outputs[t] = h
    return stack([*outputs, c])


@settings(max_examples=25, deadline=None)
@given(
    length=st.integers(1, 5),
    batch=st.integers(1, 3),
    hidden=st.integers(1, 4),
    bias=st.booleans(),
    reverse=st.booleans(),
    dtype=st.sampled_from(("float32", "float64")),
    seed=st.integers(0, 2**16),
)
def test_lstm_sequence_equals_the_composed_steps(
    length: int, batch: int, hidden: int, bias: bool, reverse: bool, dtype: str, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    arrays = [
        rng.standard_normal((length, batch, 4 * hidden)),
        rng.standard_normal((batch, hidden)),
        rng.standard_normal((batch, hidden)),
        rng.standard_normal((4 * hidden, hidden)),
        rng.standard_normal(4 * hidden) if bias else None,
    ]
    upstream = rng.standard_normal((length + 1, batch, hidden)).astype(dtype)
    results = []
    for run in (_fused, _composed):
        inputs = [
            None if a is None else rg.tensor(a.astype(dtype), requires_grad=True) for a in arrays
        ]
        out = run(*inputs, reverse=reverse)
        out.backward(rg.tensor(upstream))
        results.append((out, [None if t is None else t.grad for t in inputs]))
    (fused, fused_grads), (composed, composed_grads) = results
    np.testing.assert_array_equal(fused.array, composed.array)  # the same arithmetic
    rtol = 1e-12 if dtype == "float64" else 1e-5
    for name, a, b in zip(("gi", "h0", "c0", "w_hh", "b_hh"), fused_grads, composed_grads):
        if b is None:
            assert a is None
        else:
            assert_close(a, b, rtol=rtol, atol=rtol, what=f"gradient of {name}")


def test_lstm_sequence_skips_unneeded_gradients() -> None:
    rng = np.random.default_rng(0)
    gi = rg.tensor(rng.standard_normal((3, 2, 8)), requires_grad=True)
    h0, c0 = rg.zeros(2, 2, dtype="float64"), rg.zeros(2, 2, dtype="float64")
    w_hh = rg.tensor(rng.standard_normal((8, 2)))
    _fused(gi, h0, c0, w_hh, None, reverse=False).sum().backward()
    assert gi.grad is not None and w_hh.grad is None and h0.grad is None


def test_lstm_layer_matches_torch_through_the_fused_op() -> None:
    torch.manual_seed(0)
    theirs = torch.nn.LSTM(3, 5, num_layers=2, bidirectional=True, batch_first=True).double()
    ours = rg.nn.LSTM(3, 5, num_layers=2, bidirectional=True, batch_first=True, dtype="float64")
    ours.load_state_dict({k: rg.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(1).standard_normal((2, 4, 3))
    our_x, their_x = rg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    our_out, (our_h, our_c) = ours(our_x)
    their_out, (their_h, their_c) = theirs(their_x)
    for a, b, what in (
        (our_out, their_out, "output"),
        (our_h, their_h, "h_n"),
        (our_c, their_c, "c_n"),
    ):
        assert_close(a, b, what=what)
    upstream = [
        np.random.default_rng(k).standard_normal(t.shape)
        for k, t in enumerate((our_out, our_h, our_c))
    ]
    (our_out * rg.tensor(upstream[0])).sum().add((our_h * rg.tensor(upstream[1])).sum()).add(
        (our_c * rg.tensor(upstream[2])).sum()
    ).backward()
    loss = sum((t * torch.tensor(u)).sum() for t, u in zip((their_out, their_h, their_c), upstream))
    loss.backward()
    assert_close(our_x.grad, their_x.grad, what="input gradient")
    their_params = dict(theirs.named_parameters())
    for name, param in ours.named_parameters():
        assert_close(param.grad, their_params[name].grad, what=f"gradient of {name}")


@settings(max_examples=20, deadline=None)
@given(
    lead=st.lists(st.integers(1, 4), min_size=1, max_size=3),
    features=st.integers(1, 5),
    out=st.integers(1, 5),
    transposed=st.booleans(),
    dtype=st.sampled_from(("float32", "float64")),
    seed=st.integers(0, 2**16),
)
def test_linear_on_many_dimensions_equals_the_2d_product(
    lead: list[int], features: int, out: int, transposed: bool, dtype: str, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((*lead, features)).astype(dtype)
    if transposed and len(lead) > 1:  # a non-contiguous input, as after transpose(0, 1)
        x = np.swapaxes(np.swapaxes(x, 0, 1).copy(), 0, 1)
    weight = rng.standard_normal((out, features)).astype(dtype)
    bias = rng.standard_normal(out).astype(dtype)
    upstream = rng.standard_normal((*lead, out)).astype(dtype)
    ours = [rg.tensor(a, requires_grad=True) for a in (x, weight, bias)]
    flat = [rg.tensor(a, requires_grad=True) for a in (x.reshape(-1, features), weight, bias)]
    y = linear(*ours)
    y.backward(rg.tensor(upstream))
    y_flat = linear(*flat)
    y_flat.backward(rg.tensor(upstream.reshape(-1, out)))
    np.testing.assert_array_equal(y.array, y_flat.array.reshape(y.shape))
    np.testing.assert_array_equal(ours[0].grad.array, flat[0].grad.array.reshape(x.shape))
    np.testing.assert_array_equal(ours[1].grad.array, flat[1].grad.array)
    np.testing.assert_array_equal(ours[2].grad.array, flat[2].grad.array)
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, weight, bias)]
    y_torch = torch.nn.functional.linear(*theirs)
    y_torch.backward(torch.tensor(upstream))
    rtol = 1e-12 if dtype == "float64" else 1e-5
    assert_close(y, y_torch, rtol=rtol, atol=rtol, what="output")
    for a, b in zip(ours, theirs):
        assert_close(a.grad, b.grad, rtol=rtol, atol=rtol, what="gradient")


def test_packed_self_attention_projection_equals_three_products() -> None:
    rng = np.random.default_rng(3)
    layer = MultiheadAttention(6, 2, batch_first=True, dtype="float64", generator=rng)
    x = rng.standard_normal((2, 4, 6))
    upstream = rng.standard_normal((2, 4, 6))
    results = []
    for packed in (True, False):
        layer.zero_grad()
        query = rg.tensor(x, requires_grad=True)
        # a copy of the same values is a different tensor: three separate projections
        key = query if packed else query * 1.0
        out, _ = layer(query, key, key if packed else query * 1.0, need_weights=False)
        out.backward(rg.tensor(upstream))
        results.append((out.array, query.grad.array, layer.in_proj_weight.grad.array.copy()))
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-13)
