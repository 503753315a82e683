"""nn.RNN, nn.LSTM and nn.GRU against PyTorch: forward and every gradient (input, initial
states, parameters) for random configurations; state dicts, init, dropout, repr, errors."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import retrograd as rg
from retrograd import DTypeError, ShapeError, ops
from retrograd.gradcheck import gradcheck
from retrograd.nn.rnn import GRU, LSTM, RNN
from retrograd.ops.recurrent import LSTMSequence

from .torch_modules import assert_close

LAYERS = {"RNN": (RNN, torch.nn.RNN), "LSTM": (LSTM, torch.nn.LSTM), "GRU": (GRU, torch.nn.GRU)}


def _flat(value: Any) -> list[Any]:
    """Tensors of a nested tuple, in order (None dropped)."""
    if isinstance(value, (tuple, list)):
        return [t for item in value for t in _flat(item)]
    return [] if value is None else [value]


def _nest(value: Any, make: Any) -> Any:
    """The same nesting of arrays turned into tensors by `make`."""
    if isinstance(value, tuple):
        return tuple(_nest(v, make) for v in value)
    return None if value is None else make(value)


def torch_twin(ours: Any, their_class: Any, **kwargs: Any) -> torch.nn.Module:
    """A float64 torch module holding `ours`'s weights (through the state dict)."""
    theirs = their_class(**kwargs).double()
    theirs.load_state_dict({k: torch.tensor(v.array) for k, v in ours.state_dict().items()})
    theirs.train(ours.training)
    return theirs


def compare_with_torch(ours: Any, theirs: Any, x: np.ndarray, hx: Any, seed: int = 0) -> None:
    """Forward values, then a random upstream gradient on EVERY output, and the gradients of
    the input, the initial states and every parameter, all equal to torch's (float64)."""
    our_x = rg.tensor(x, requires_grad=True)
    their_x = torch.tensor(x, requires_grad=True)
    our_hx = _nest(hx, lambda a: rg.tensor(a, requires_grad=True))
    their_hx = _nest(hx, lambda a: torch.tensor(a, requires_grad=True))
    our_out, their_out = _flat(ours(our_x, our_hx)), _flat(theirs(their_x, their_hx))
    assert len(our_out) == len(their_out)
    rng = np.random.default_rng(seed)
    our_loss, their_loss = rg.tensor(0.0, dtype="float64"), torch.tensor(0.0, dtype=torch.float64)
    for o, t in zip(our_out, their_out):
        assert o.shape == tuple(t.shape) and o.dtype == np.float64
        assert_close(o, t)
        upstream = rng.standard_normal(o.shape)
        our_loss = our_loss + (o * rg.tensor(upstream)).sum()
        their_loss = their_loss + (t * torch.tensor(upstream)).sum()
    our_loss.backward()
    their_loss.backward()
    for o, t in zip([our_x, *_flat(our_hx)], [their_x, *_flat(their_hx)]):
        assert o.grad is not None
        assert_close(o.grad, t.grad)
    their_params = dict(theirs.named_parameters())
    assert [name for name, _ in ours.named_parameters()] == list(their_params)
    for name, param in ours.named_parameters():
        assert param.grad is not None, f"{name} got no gradient"
        assert_close(param.grad, their_params[name].grad)


@st.composite
def configs(draw: Any, mode: str) -> dict[str, Any]:
    config = {
        "input_size": draw(st.integers(1, 4)),
        "hidden_size": draw(st.integers(1, 4)),
        "num_layers": draw(st.integers(1, 3)),
        "bias": draw(st.booleans()),
        "batch_first": draw(st.booleans()),
        "bidirectional": draw(st.booleans()),
    }
    if mode == "RNN":
        config["nonlinearity"] = draw(st.sampled_from(["tanh", "relu"]))
    return config


def _data(config: dict[str, Any], mode: str, length: int, batch: int | None, seed: int) -> Any:
    """An input and initial states (None or arrays) for `config`; batch None: unbatched."""
    rng = np.random.default_rng(seed)
    if batch is None:
        x = rng.standard_normal((length, config["input_size"]))
    elif config["batch_first"]:
        x = rng.standard_normal((batch, length, config["input_size"]))
    else:
        x = rng.standard_normal((length, batch, config["input_size"]))
    layers = config["num_layers"] * (2 if config["bidirectional"] else 1)
    shape = (
        (layers, config["hidden_size"]) if batch is None else (layers, batch, config["hidden_size"])
    )
    states = 2 if mode == "LSTM" else 1
    if not rng.integers(0, 4):  # sometimes no initial state: zeros
        return x, None
    hx = tuple(rng.standard_normal(shape) for _ in range(states))
    return x, hx if mode == "LSTM" else hx[0]


@pytest.mark.parametrize("mode", list(LAYERS))
@settings(max_examples=15)
@given(
    data=st.data(),
    length=st.integers(1, 4),
    batch=st.one_of(st.none(), st.integers(1, 3)),
    seed=st.integers(0, 2**16),
)
def test_matches_torch(mode: str, data: Any, length: int, batch: int | None, seed: int) -> None:
    config = data.draw(configs(mode))
    ours_class, their_class = LAYERS[mode]
    ours = ours_class(**config, dtype="float64", generator=np.random.default_rng(seed))
    theirs = torch_twin(ours, their_class, **config)
    x, hx = _data(config, mode, length, batch, seed)
    compare_with_torch(ours, theirs, x, hx, seed)


class Flat(rg.nn.Module):
    """Returns the outputs as one flat tuple (gradcheck takes no nested tuples)."""

    def __init__(self, inner: Any) -> None:
        super().__init__()
        self.inner = inner

    def forward(self, *args: Any) -> tuple[Any, ...]:
        return tuple(_flat(self.inner(*args)))


@pytest.mark.parametrize("mode", list(LAYERS))
def test_gradcheck_tiny(mode: str) -> None:
    ours_class, _ = LAYERS[mode]
    model = Flat(ours_class(2, 3, num_layers=2, bidirectional=True, dtype="float64"))
    rng = np.random.default_rng(0)
    x = rg.tensor(rng.standard_normal((3, 2, 2)), requires_grad=True)
    h0 = rg.tensor(rng.standard_normal((4, 2, 3)), requires_grad=True)
    hx = (
        (h0, rg.tensor(rng.standard_normal((4, 2, 3)), requires_grad=True))
        if mode == "LSTM"
        else h0
    )
    assert gradcheck(model, (x, hx))


def _nodes(root: Any, kind: type) -> int:
    """How many nodes of type `kind` the graph of `root` holds."""
    seen, stack, count = set(), [root._ctx], 0
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        count += isinstance(node, kind)
        stack.extend(node.parents)
    return count


@pytest.mark.parametrize("mode", list(LAYERS))
def test_one_matrix_product_per_step(mode: str) -> None:
    """One product for the input projection of the whole sequence, then one per time step
    (LSTM: one op for the whole recurrence)."""
    model = LAYERS[mode][0](3, 4)
    output, _ = model(rg.randn(7, 2, 3))
    if mode == "LSTM":
        assert _nodes(output, ops.Linear) == 1
        assert _nodes(output, LSTMSequence) == 1
    else:
        assert _nodes(output, ops.Linear) == 1 + 7


@pytest.mark.parametrize("mode", list(LAYERS))
def test_state_dict_matches_torch_both_ways(mode: str) -> None:
    ours_class, their_class = LAYERS[mode]
    for bias in (True, False):
        kwargs = {"input_size": 3, "hidden_size": 5, "num_layers": 2, "bidirectional": True}
        ours = ours_class(**kwargs, bias=bias, dtype="float64")
        theirs = their_class(**kwargs, bias=bias).double()
        our_state, their_state = ours.state_dict(), theirs.state_dict()
        assert list(our_state) == list(their_state)
        assert [v.shape for v in our_state.values()] == [
            tuple(v.shape) for v in their_state.values()
        ]
        assert "weight_ih_l1_reverse" in our_state and ("bias_hh_l0" in our_state) == bias
        ours.load_state_dict(their_state)  # torch -> retrograd
        for key, value in their_state.items():
            np.testing.assert_array_equal(ours.state_dict()[key].array, value.numpy())
        back = their_class(**kwargs, bias=bias).double()  # retrograd -> torch
        back.load_state_dict({k: torch.tensor(v.array) for k, v in ours.state_dict().items()})
        for key, value in back.state_dict().items():
            assert torch.equal(value, their_state[key])


def test_layer_shapes_and_all_weights() -> None:
    lstm = LSTM(3, 5, num_layers=2, bidirectional=True)
    assert lstm.weight_ih_l0.shape == (20, 3)
    assert lstm.weight_ih_l1.shape == (20, 10)  # the next layer reads both directions
    assert lstm.weight_hh_l1_reverse.shape == (20, 5)
    assert len(lstm.all_weights) == 4 and [w.shape for w in lstm.all_weights[0]] == [
        (20, 3),
        (20, 5),
        (20,),
        (20,),
    ]
    assert GRU(3, 5).weight_ih_l0.shape == (15, 3) and RNN(3, 5).weight_hh_l0.shape == (5, 5)


@pytest.mark.parametrize("mode", list(LAYERS))
def test_init_is_uniform_in_one_over_sqrt_hidden(mode: str) -> None:
    model = LAYERS[mode][0](6, 16, num_layers=2)
    bound = 1 / math.sqrt(16)
    for name, param in model.named_parameters():
        assert param.dtype == np.float32, name
        assert np.abs(param.array).max() <= bound, name
    values = np.concatenate([p.array.ravel() for p in model.parameters()])
    assert values.min() < -0.95 * bound and values.max() > 0.95 * bound  # the whole range
    assert abs(values.mean()) < 0.05 * bound
    same = LAYERS[mode][0](6, 16, num_layers=2, generator=np.random.default_rng(1))
    again = LAYERS[mode][0](6, 16, num_layers=2, generator=np.random.default_rng(1))
    for (_, a), (_, b) in zip(same.named_parameters(), again.named_parameters()):
        np.testing.assert_array_equal(a.array, b.array)


def test_dropout_one_matches_torch_in_training() -> None:
    """p = 1 zeroes every input of the upper layers in both libraries: deterministic."""
    config = {"input_size": 3, "hidden_size": 4, "num_layers": 3, "dropout": 1.0}
    for mode in LAYERS:
        ours_class, their_class = LAYERS[mode]
        ours = ours_class(**config, dtype="float64")
        theirs = torch_twin(ours, their_class, **config)
        x, hx = _data({**config, "batch_first": False, "bidirectional": False}, mode, 4, 2, 0)
        compare_with_torch(ours, theirs, x, hx)


def test_dropout_between_layers_is_seeded_and_off_in_eval() -> None:
    model = LSTM(3, 8, num_layers=2, dropout=0.5, dtype="float64")
    x = rg.tensor(np.random.default_rng(0).standard_normal((5, 2, 3)))
    rg.manual_seed(7)
    first, _ = model(x)
    rg.manual_seed(7)
    second, _ = model(x)
    np.testing.assert_array_equal(first.array, second.array)
    model.eval()
    evaluated, _ = model(x)
    assert not np.allclose(first.array, evaluated.array)
    theirs = torch_twin(
        model, torch.nn.LSTM, input_size=3, hidden_size=8, num_layers=2, dropout=0.5
    )
    assert_close(evaluated, theirs(torch.tensor(x.array))[0])
    with pytest.warns(UserWarning, match="num_layers greater than 1"):
        GRU(3, 4, dropout=0.2)


def test_float32_by_default_and_repr_like_torch() -> None:
    output, (h_n, c_n) = LSTM(3, 4)(rg.randn(2, 3))
    assert output.dtype == h_n.dtype == c_n.dtype == np.float32
    assert output.shape == (2, 4) and h_n.shape == c_n.shape == (1, 4)
    cases: list[tuple[str, dict[str, Any]]] = [
        ("LSTM", {"num_layers": 2, "bidirectional": True}),
        ("GRU", {"bias": False, "batch_first": True}),
        ("RNN", {"nonlinearity": "relu", "num_layers": 2, "dropout": 0.5}),
    ]
    for mode, kwargs in cases:
        ours_class, their_class = LAYERS[mode]
        assert repr(ours_class(3, 4, **kwargs)) == repr(their_class(3, 4, **kwargs))


def test_bad_input_shapes_raise_clear_errors() -> None:
    lstm = LSTM(3, 4, num_layers=2)
    with pytest.raises(ShapeError, match=r"LSTM\(3, 4, num_layers=2\).*2-d.*3-d.*\(5,\)"):
        lstm(rg.randn(5))
    with pytest.raises(ShapeError, match=r"input_size=3.*got shape \(5, 2, 7\)"):
        lstm(rg.randn(5, 2, 7))
    with pytest.raises(ShapeError, match=r"h_0 of shape \(2, 2, 4\).*got \(1, 2, 4\)"):
        lstm(rg.randn(5, 2, 3), (rg.randn(1, 2, 4), rg.randn(2, 2, 4)))
    with pytest.raises(ShapeError, match=r"c_0 of shape \(2, 2, 4\).*got \(2, 2, 5\)"):
        lstm(rg.randn(5, 2, 3), (rg.randn(2, 2, 4), rg.randn(2, 2, 5)))
    with pytest.raises(ShapeError, match=r"GRU\(3, 4\).*h_0 of shape \(1, 4\).*got \(1, 2, 4\)"):
        GRU(3, 4)(rg.randn(5, 3), rg.randn(1, 2, 4))  # unbatched input, batched state
    with pytest.raises(ShapeError, match=r"RNN\(3, 4, batch_first=True\).*\(batch, seq"):
        RNN(3, 4, batch_first=True)(rg.randn(1, 1, 1, 3))
    with pytest.raises(ShapeError, match="length >= 1"):
        RNN(3, 4)(rg.randn(0, 2, 3))
    with pytest.raises(DTypeError, match="float32 weights.*float64 input"):
        RNN(3, 4)(rg.randn(5, 2, 3).double())
    with pytest.raises(TypeError, match=r"tuple \(h_0, c_0\)"):
        lstm(rg.randn(5, 2, 3), rg.randn(2, 2, 4))


def test_bad_arguments_raise_clear_errors() -> None:
    with pytest.raises(NotImplementedError, match="proj_size=2"):
        LSTM(3, 4, proj_size=2)
    with pytest.raises(ValueError, match="Unknown nonlinearity 'gelu'"):
        RNN(3, 4, nonlinearity="gelu")
    with pytest.raises(ValueError, match=r"GRU: dropout .*\[0, 1\].*1.5"):
        GRU(3, 4, num_layers=2, dropout=1.5)
    with pytest.raises(ValueError, match="LSTM: hidden_size must be greater than zero"):
        LSTM(3, 0)
    with pytest.raises(TypeError, match="RNN: num_layers should be of type int"):
        RNN(3, 4, num_layers=1.5)  # type: ignore[arg-type]
