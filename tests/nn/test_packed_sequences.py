"""pack_padded_sequence / pad_packed_sequence / pack_sequence and the RNN layers on packed
input, against PyTorch: outputs, final states and gradients."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import retrograd as rg
from retrograd.nn.utils.rnn import (
    pack_padded_sequence,
    pack_sequence,
    pad_packed_sequence,
)

LAYERS = {"LSTM": (rg.nn.LSTM, torch.nn.LSTM), "GRU": (rg.nn.GRU, torch.nn.GRU),
          "RNN": (rg.nn.RNN, torch.nn.RNN)}  # fmt: skip


@settings(max_examples=12, deadline=None)
@given(
    st.sampled_from(sorted(LAYERS)),
    st.lists(st.integers(1, 5), min_size=1, max_size=4),
    st.booleans(),
    st.booleans(),
    st.booleans(),
    st.integers(0, 2**31 - 1),
)
def test_rnn_on_packed_input_matches_torch(
    kind: str, lengths: list[int], bidirectional: bool, batch_first: bool, sort: bool, seed: int
) -> None:
    if sort:
        lengths = sorted(lengths, reverse=True)
    rng = np.random.default_rng(seed)
    steps, features, hidden = max(lengths), 3, 2
    shape = (len(lengths), steps, features) if batch_first else (steps, len(lengths), features)
    x = rng.normal(size=shape)
    ours_cls, theirs_cls = LAYERS[kind]
    torch.manual_seed(seed % 1000)
    theirs = theirs_cls(
        features, hidden, num_layers=2, batch_first=batch_first, bidirectional=bidirectional
    ).double()
    ours = ours_cls(
        features, hidden, num_layers=2, batch_first=batch_first, bidirectional=bidirectional
    ).double()
    ours.load_state_dict({k: rg.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})
    xa, xt = rg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    packed = pack_padded_sequence(xa, lengths, batch_first=batch_first, enforce_sorted=sort)
    tpacked = torch.nn.utils.rnn.pack_padded_sequence(
        xt, lengths, batch_first=batch_first, enforce_sorted=sort
    )
    np.testing.assert_array_equal(packed.batch_sizes.array, tpacked.batch_sizes.numpy())
    out, states = ours(packed)
    tout, tstates = theirs(tpacked)
    padded, lens = pad_packed_sequence(out, batch_first=batch_first)
    tpadded, tlens = torch.nn.utils.rnn.pad_packed_sequence(tout, batch_first=batch_first)
    np.testing.assert_array_equal(lens.array, tlens.numpy())
    np.testing.assert_allclose(padded.array, tpadded.detach().numpy(), rtol=1e-10, atol=1e-12)
    h, th = (states[0], tstates[0]) if kind == "LSTM" else (states, tstates)
    np.testing.assert_allclose(h.array, th.detach().numpy(), rtol=1e-10, atol=1e-12)
    ((padded * padded).sum() + (h * h).sum()).backward()
    ((tpadded * tpadded).sum() + (th * th).sum()).backward()
    np.testing.assert_allclose(xa.grad.array, xt.grad.numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(
        ours.weight_hh_l0.grad.array, theirs.weight_hh_l0.grad.numpy(), rtol=1e-9, atol=1e-12
    )


def test_pack_sequence_and_padding_value_match_torch() -> None:
    seqs = [np.arange(3.0), np.arange(1.0), np.arange(2.0)]
    ours = pack_sequence([rg.tensor(s) for s in seqs], enforce_sorted=False)
    theirs = torch.nn.utils.rnn.pack_sequence([torch.tensor(s) for s in seqs], enforce_sorted=False)
    np.testing.assert_array_equal(ours.data.array, theirs.data.numpy())
    padded, _ = pad_packed_sequence(ours, padding_value=-1.0, total_length=4)
    tpadded, _ = torch.nn.utils.rnn.pad_packed_sequence(theirs, padding_value=-1.0, total_length=4)
    np.testing.assert_array_equal(padded.array, tpadded.numpy())


def test_unsorted_lengths_need_enforce_sorted_false() -> None:
    with pytest.raises(rg.InvalidArgumentError, match="sorted in decreasing order"):
        pack_padded_sequence(rg.zeros(3, 2, 1), [1, 3])
