"""TransformerEncoderLayer and TransformerEncoder against PyTorch (float64, forward and every
gradient, dropout 0 / eval mode), state dicts both ways, dropout in training, errors."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import retrograd as rg
from helpers import assert_close
from retrograd import ShapeError
from retrograd.nn.normalization import LayerNorm
from retrograd.nn.transformer import (
    TransformerEncoder,
    TransformerEncoderLayer,
    generate_square_subsequent_mask,
)


def _tanh(x: Any) -> Any:
    """An activation given as a callable; the same code runs on both libraries' tensors."""
    return x.tanh()


ACTIVATIONS = {"relu": "relu", "gelu": "gelu", "callable": _tanh}


def _twin(ours: rg.nn.Module, theirs: torch.nn.Module) -> torch.nn.Module:
    """`theirs` in float64 with `ours`' weights."""
    theirs = theirs.double()
    theirs.load_state_dict({k: torch.tensor(v.array) for k, v in ours.state_dict().items()})
    return theirs


def _compare(
    ours: rg.nn.Module, theirs: torch.nn.Module, x: np.ndarray, seed: int, **kwargs: Any
) -> None:
    """Same output, input gradient and parameter gradients for one random upstream gradient."""
    our_x = rg.tensor(x, requires_grad=True)
    their_x = torch.tensor(x, requires_grad=True)
    our_kw = {k: rg.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    their_kw = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    our_out, their_out = ours(our_x, **our_kw), theirs(their_x, **their_kw)
    assert_close(our_out, their_out, what="output")
    upstream = np.random.default_rng(seed).standard_normal(our_out.shape)
    our_out.backward(upstream)
    their_out.backward(torch.tensor(upstream))
    assert_close(our_x.grad, their_x.grad, what="input gradient")
    their_params = dict(theirs.named_parameters())
    assert [name for name, _ in ours.named_parameters()] == list(their_params)
    for name, param in ours.named_parameters():
        assert_close(param.grad, their_params[name].grad, what=f"gradient of {name}")


def _blocked(shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    """A bool mask (True = not allowed) that always leaves position 0 open."""
    blocked = rng.random(shape) < 0.4
    blocked[..., 0] = False
    return blocked


@settings(max_examples=15)
@given(
    nhead=st.integers(1, 3),
    head_dim=st.integers(1, 2),
    dim_feedforward=st.integers(1, 6),
    length=st.integers(1, 4),
    batch=st.integers(0, 3),  # 0: unbatched
    batch_first=st.booleans(),
    norm_first=st.booleans(),
    bias=st.booleans(),
    activation=st.sampled_from(sorted(ACTIVATIONS)),
    mask=st.sampled_from(("none", "bool", "float", "causal")),
    padding=st.booleans(),
    eps=st.sampled_from((1e-5, 1e-3)),
    seed=st.integers(0, 2**16),
)
def test_layer_matches_torch(
    nhead: int,
    head_dim: int,
    dim_feedforward: int,
    length: int,
    batch: int,
    batch_first: bool,
    norm_first: bool,
    bias: bool,
    activation: str,
    mask: str,
    padding: bool,
    eps: float,
    seed: int,
) -> None:
    d_model = nhead * head_dim
    config: dict[str, Any] = {
        "d_model": d_model,
        "nhead": nhead,
        "dim_feedforward": dim_feedforward,
        "dropout": 0.0,
        "activation": ACTIVATIONS[activation],
        "layer_norm_eps": eps,
        "batch_first": batch_first,
        "norm_first": norm_first,
        "bias": bias,
    }
    rng = np.random.default_rng(seed)
    ours = TransformerEncoderLayer(**config, dtype="float64", generator=rng)
    theirs = _twin(ours, torch.nn.TransformerEncoderLayer(**config))
    if batch == 0:
        shape: tuple[int, ...] = (length, d_model)
    else:
        shape = (batch, length, d_model) if batch_first else (length, batch, d_model)
    kwargs: dict[str, Any] = {}
    if mask == "bool":
        kwargs["src_mask"] = _blocked((length, length), rng)
    elif mask == "float":
        kwargs["src_mask"] = np.where(
            _blocked((length, length), rng), -np.inf, rng.standard_normal((length, length))
        )
    elif mask == "causal":
        kwargs["src_mask"] = np.triu(np.full((length, length), -np.inf), k=1)
        kwargs["is_causal"] = True
    if padding:
        blocked = _blocked((batch, length) if batch else (length,), rng)
        kwargs["src_key_padding_mask"] = (
            blocked if mask in ("none", "bool") else np.where(blocked, -np.inf, 0.0)
        )
    _compare(ours, theirs, rng.standard_normal(shape), seed, **kwargs)


def test_fully_padded_sequence_matches_torch() -> None:
    ours = TransformerEncoderLayer(4, 2, 8, dropout=0.0, dtype="float64")
    theirs = _twin(ours, torch.nn.TransformerEncoderLayer(4, 2, 8, dropout=0.0))
    padding = np.array([[True, True, True], [False, True, False]])
    x = np.random.default_rng(0).standard_normal((3, 2, 4))
    _compare(ours, theirs, x, 0, src_key_padding_mask=padding)


def test_layer_gradcheck() -> None:
    layer = TransformerEncoderLayer(4, 2, 3, dropout=0.0, dtype="float64")
    x = rg.tensor(np.random.default_rng(0).standard_normal((3, 1, 4)), requires_grad=True)
    assert rg.gradcheck(layer, (x,))


def test_state_dict_round_trip_with_torch() -> None:
    theirs = torch.nn.TransformerEncoderLayer(6, 2, 5, dropout=0.0).double()
    ours = TransformerEncoderLayer(6, 2, 5, dropout=0.0, dtype="float64")
    expected = {k: tuple(v.shape) for k, v in theirs.state_dict().items()}
    assert {k: tuple(v.shape) for k, v in ours.state_dict().items()} == expected
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict(theirs.state_dict())
    back = torch.nn.TransformerEncoderLayer(6, 2, 5, dropout=0.0).double()
    back.load_state_dict({k: torch.tensor(v.array) for k, v in ours.state_dict().items()})
    for key, value in theirs.state_dict().items():
        torch.testing.assert_close(back.state_dict()[key], value)
    _compare(ours, theirs, np.random.default_rng(1).standard_normal((3, 2, 6)), 1)


def test_repr_matches_torch() -> None:
    assert repr(TransformerEncoderLayer(8, 2)) == repr(torch.nn.TransformerEncoderLayer(8, 2))


@pytest.mark.parametrize("norm", [False, True])
def test_encoder_matches_torch(norm: bool) -> None:
    layer = TransformerEncoderLayer(4, 2, 6, dropout=0.1, batch_first=True, dtype="float64")
    ours = TransformerEncoder(layer, 2, norm=LayerNorm(4, dtype="float64") if norm else None)
    theirs_layer = torch.nn.TransformerEncoderLayer(4, 2, 6, dropout=0.1, batch_first=True)
    theirs = torch.nn.TransformerEncoder(
        theirs_layer,
        2,
        norm=torch.nn.LayerNorm(4) if norm else None,
        enable_nested_tensor=False,
    )
    theirs = _twin(ours, theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    # the copies are independent parameters, starting from the same values
    assert ours.layers[0].linear1.weight is not ours.layers[1].linear1.weight
    np.testing.assert_array_equal(ours.layers[0].linear1.weight.array, layer.linear1.weight.array)
    ours.eval()
    theirs.eval()
    causal = generate_square_subsequent_mask(5, dtype="float64").array
    x = np.random.default_rng(2).standard_normal((2, 5, 4))
    _compare(ours, theirs, x, 2, mask=causal)
    ours.zero_grad()
    theirs.zero_grad()
    _compare(ours, theirs, x, 3, src_key_padding_mask=_blocked((2, 5), np.random.default_rng(3)))


def test_generate_square_subsequent_mask() -> None:
    ours = generate_square_subsequent_mask(4)
    theirs = torch.nn.Transformer.generate_square_subsequent_mask(4)
    assert ours.dtype == np.float32
    np.testing.assert_array_equal(ours.array, theirs.numpy())


def test_dropout_only_in_training() -> None:
    rg.manual_seed(0)
    layer = TransformerEncoderLayer(4, 2, 16, dropout=0.5, dtype="float64")
    plain = TransformerEncoderLayer(4, 2, 16, dropout=0.0, dtype="float64")
    plain.load_state_dict(layer.state_dict())
    x = rg.tensor(np.random.default_rng(0).standard_normal((3, 2, 4)))
    train_outs = [layer(x).array for _ in range(2)]
    assert not np.allclose(train_outs[0], train_outs[1])  # fresh masks each call
    layer.eval()
    np.testing.assert_allclose(layer(x).array, plain(x).array)
    assert layer.self_attn.dropout == 0.5 and layer.dropout1.p == 0.5


def test_dropout_rate_in_feed_forward() -> None:
    # the feed-forward dropout zeroes about p of the hidden units seen by linear2
    layer = TransformerEncoderLayer(2, 1, 4000, dropout=0.25, dtype="float64")
    seen: list[np.ndarray] = []
    layer.linear2.register_forward_pre_hook(lambda module, args: seen.append(args[0].array))
    layer.linear1.bias.array[:] = 1.0  # relu(linear1(x)) > 0 nearly everywhere before dropout
    layer.linear1.weight.array[:] = 0.0
    rg.manual_seed(1)
    layer(rg.tensor(np.zeros((5, 2, 2))))
    assert abs((seen[0] == 0).mean() - 0.25) < 0.01
    np.testing.assert_allclose(seen[0][seen[0] != 0], 1.0 / 0.75)


def test_errors() -> None:
    with pytest.raises(
        ValueError, match="activation should be 'relu', 'gelu' or a callable.*'tanh'"
    ):
        TransformerEncoderLayer(4, 2, activation="tanh")
    with pytest.raises(ValueError, match="embed_dim must be divisible by num_heads"):
        TransformerEncoderLayer(5, 2)
    layer = TransformerEncoderLayer(4, 2, 8)
    with pytest.raises(ShapeError, match="MultiheadAttention.*4-D query"):
        layer(rg.zeros(1, 3, 2, 4))
    with pytest.raises(ShapeError, match=r"query with 4 features.*\(2, 3, 5\)"):
        layer(rg.zeros(3, 2, 5))
    with pytest.raises(ShapeError, match=r"2-D attn_mask.*\(3, 3\), got \(2, 2\)"):
        layer(rg.zeros(3, 2, 4), src_mask=rg.zeros(2, 2))
    with pytest.raises(ValueError, match="is_causal=True.*attn_mask"):
        layer(rg.zeros(3, 2, 4), is_causal=True)
    with pytest.raises(ValueError, match="num_layers must be >= 1"):
        TransformerEncoder(layer, 0)
