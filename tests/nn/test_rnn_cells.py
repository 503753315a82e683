"""nn.RNNCell, nn.LSTMCell and nn.GRUCell against PyTorch (forward, input, state and parameter
gradients), a GRU step worked by hand, state dicts, repr and error messages."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import retrograd as rg
from retrograd import DTypeError, ShapeError
from retrograd.gradcheck import gradcheck
from retrograd.nn.rnn_cells import GRUCell, LSTMCell, RNNCell

from .test_rnn import Flat, compare_with_torch, torch_twin

CELLS = {
    "RNNCell": (RNNCell, torch.nn.RNNCell),
    "LSTMCell": (LSTMCell, torch.nn.LSTMCell),
    "GRUCell": (GRUCell, torch.nn.GRUCell),
}


@pytest.mark.parametrize("name", list(CELLS))
@settings(max_examples=15)
@given(
    input_size=st.integers(1, 4),
    hidden_size=st.integers(1, 4),
    bias=st.booleans(),
    relu=st.booleans(),
    batch=st.one_of(st.none(), st.integers(1, 3)),
    with_state=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_matches_torch(
    name: str,
    input_size: int,
    hidden_size: int,
    bias: bool,
    relu: bool,
    batch: int | None,
    with_state: bool,
    seed: int,
) -> None:
    config: dict[str, Any] = {"input_size": input_size, "hidden_size": hidden_size, "bias": bias}
    if name == "RNNCell" and relu:
        config["nonlinearity"] = "relu"
    ours_class, their_class = CELLS[name]
    ours = ours_class(**config, dtype="float64", generator=np.random.default_rng(seed))
    theirs = torch_twin(ours, their_class, **config)
    rng = np.random.default_rng(seed)
    lead = () if batch is None else (batch,)
    x = rng.standard_normal((*lead, input_size))
    hx: Any = None
    if with_state:
        states = tuple(rng.standard_normal((*lead, hidden_size)) for _ in range(2))
        hx = states if name == "LSTMCell" else states[0]
    compare_with_torch(ours, theirs, x, hx, seed)


@pytest.mark.parametrize("name", list(CELLS))
def test_gradcheck_tiny(name: str) -> None:
    cell = Flat(CELLS[name][0](3, 2, dtype="float64"))
    rng = np.random.default_rng(0)
    x = rg.tensor(rng.standard_normal((2, 3)), requires_grad=True)
    h = rg.tensor(rng.standard_normal((2, 2)), requires_grad=True)
    hx = (
        (h, rg.tensor(rng.standard_normal((2, 2)), requires_grad=True)) if name == "LSTMCell" else h
    )
    assert gradcheck(cell, (x, hx))


def test_gru_step_worked_by_hand() -> None:
    """One unit, one input: the reset gate multiplies W_hn h + b_hn, bias included."""
    cell = GRUCell(1, 1, dtype="float64")
    weights = {
        "weight_ih": [[1.0], [2.0], [3.0]],  # rows r, z, n
        "weight_hh": [[0.5], [-1.0], [2.0]],
        "bias_ih": [0.0, 0.0, 0.5],
        "bias_hh": [0.0, 0.0, 1.0],
    }
    cell.load_state_dict({k: rg.tensor(np.array(v)) for k, v in weights.items()})
    x, h = 1.0, 0.5
    r = 1 / (1 + np.exp(-(1.0 * x + 0.5 * h)))
    z = 1 / (1 + np.exp(-(2.0 * x - 1.0 * h)))
    n = np.tanh(3.0 * x + 0.5 + r * (2.0 * h + 1.0))
    expected = (1 - z) * n + z * h
    out = cell(rg.tensor([[x]], dtype="float64"), rg.tensor([[h]], dtype="float64"))
    np.testing.assert_allclose(out.array, [[expected]], rtol=1e-12)


@pytest.mark.parametrize("name", list(CELLS))
def test_state_dict_and_repr_match_torch(name: str) -> None:
    ours_class, their_class = CELLS[name]
    for bias in (True, False):
        ours, theirs = ours_class(3, 5, bias=bias), their_class(3, 5, bias=bias)
        our_state, their_state = ours.state_dict(), theirs.state_dict()
        assert list(our_state) == list(their_state)
        assert [v.shape for v in our_state.values()] == [
            tuple(v.shape) for v in their_state.values()
        ]
        ours.load_state_dict(their_state)
        for key, value in their_state.items():
            np.testing.assert_array_equal(ours.state_dict()[key].array, value.numpy())
        assert repr(ours) == repr(theirs)
    assert repr(RNNCell(3, 5, nonlinearity="relu")) == repr(
        torch.nn.RNNCell(3, 5, nonlinearity="relu")
    )


def test_bad_inputs_raise_clear_errors() -> None:
    cell = LSTMCell(3, 4)
    with pytest.raises(ShapeError, match=r"LSTMCell\(3, 4\).*1-d.*2-d.*\(2, 2, 3\)"):
        cell(rg.randn(2, 2, 3))
    with pytest.raises(ShapeError, match=r"input_size=3.*got shape \(2, 5\)"):
        cell(rg.randn(2, 5))
    with pytest.raises(ShapeError, match=r"h_0 of shape \(2, 4\), got \(3, 4\)"):
        cell(rg.randn(2, 3), (rg.randn(3, 4), rg.randn(2, 4)))
    with pytest.raises(ShapeError, match=r"GRUCell\(3, 4\).*hx of shape \(4,\), got \(1, 4\)"):
        GRUCell(3, 4)(rg.randn(3), rg.randn(1, 4))
    with pytest.raises(TypeError, match=r"tuple \(h_0, c_0\)"):
        cell(rg.randn(2, 3), rg.randn(2, 4))
    with pytest.raises(DTypeError, match="float32 weights.*float64 input"):
        RNNCell(3, 4)(rg.randn(2, 3).double())
    with pytest.raises(ValueError, match="Unknown nonlinearity"):
        RNNCell(3, 4, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match="GRUCell: input_size must be greater than zero"):
        GRUCell(0, 4)


def test_unbatched_and_default_state() -> None:
    h, c = LSTMCell(3, 4)(rg.randn(3))
    assert h.shape == c.shape == (4,) and h.dtype == np.float32
    assert RNNCell(3, 4)(rg.randn(2, 3)).shape == (2, 4)
