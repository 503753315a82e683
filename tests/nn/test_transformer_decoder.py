"""TransformerDecoderLayer, TransformerDecoder and Transformer against PyTorch (float64, forward
and the gradients of every input and parameter, dropout 0 / eval mode), with every mask kind;
state-dict keys, defaults, model files and errors."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import retrograd as rg
from helpers import assert_close
from retrograd import ShapeError, nn

MASKS = ("none", "bool", "float", "causal")

# PyTorch's encoder says why it skips its nested-tensor fast path; nothing to act on here
pytestmark = pytest.mark.filterwarnings("ignore:enable_nested_tensor is True")


def _twin(ours: rg.nn.Module, theirs: torch.nn.Module) -> torch.nn.Module:
    """`theirs` in float64 with `ours`' weights."""
    theirs = theirs.double()
    theirs.load_state_dict({k: torch.tensor(v.array) for k, v in ours.state_dict().items()})
    return theirs


def _compare(
    ours: rg.nn.Module,
    theirs: torch.nn.Module,
    inputs: list[np.ndarray],
    seed: int,
    **kwargs: Any,
) -> None:
    """Same output, input gradients and parameter gradients for one random upstream gradient."""
    our_in = [rg.tensor(x, requires_grad=True) for x in inputs]
    their_in = [torch.tensor(x, requires_grad=True) for x in inputs]
    our_kw = {k: rg.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    their_kw = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    our_out, their_out = ours(*our_in, **our_kw), theirs(*their_in, **their_kw)
    assert_close(our_out, their_out, what="output")
    upstream = np.random.default_rng(seed).standard_normal(our_out.shape)
    our_out.backward(upstream)
    their_out.backward(torch.tensor(upstream))
    for i, (a, b) in enumerate(zip(our_in, their_in)):
        assert_close(a.grad, b.grad, what=f"gradient of input {i}")
    their_params = dict(theirs.named_parameters())
    assert [name for name, _ in ours.named_parameters()] == list(their_params)
    for name, param in ours.named_parameters():
        assert_close(param.grad, their_params[name].grad, what=f"gradient of {name}")


def _blocked(shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    """A bool mask (True = not allowed) that always leaves position 0 open."""
    blocked = rng.random(shape) < 0.4
    blocked[..., 0] = False
    return blocked


def _attn_mask(kind: str, target: int, source: int, rng: np.random.Generator) -> Any:
    if kind == "bool":
        return _blocked((target, source), rng)
    if kind == "float":
        return np.where(
            _blocked((target, source), rng), -np.inf, rng.standard_normal((target, source))
        )
    if kind == "causal":
        return np.triu(np.full((target, source), -np.inf), k=1)
    return None


def _padding(kind: str, batch: int, length: int, rng: np.random.Generator) -> np.ndarray:
    """A key padding mask of the same kind (bool or float) as the attention mask beside it."""
    blocked = _blocked((batch, length) if batch else (length,), rng)
    return blocked if kind in ("none", "bool") else np.where(blocked, -np.inf, 0.0)


def _shape(batch: int, length: int, d_model: int, batch_first: bool) -> tuple[int, ...]:
    if batch == 0:
        return (length, d_model)
    return (batch, length, d_model) if batch_first else (length, batch, d_model)


@settings(max_examples=20, deadline=None)
@given(
    nhead=st.integers(1, 3),
    head_dim=st.integers(1, 2),
    dim_feedforward=st.integers(1, 6),
    target=st.integers(1, 4),
    source=st.integers(1, 4),
    batch=st.integers(0, 3),  # 0: unbatched
    batch_first=st.booleans(),
    norm_first=st.booleans(),
    bias=st.booleans(),
    activation=st.sampled_from(("relu", "gelu")),
    tgt_mask=st.sampled_from(MASKS),
    memory_mask=st.sampled_from(("none", "bool", "float")),
    padding=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_decoder_layer_matches_torch(
    nhead: int,
    head_dim: int,
    dim_feedforward: int,
    target: int,
    source: int,
    batch: int,
    batch_first: bool,
    norm_first: bool,
    bias: bool,
    activation: str,
    tgt_mask: str,
    memory_mask: str,
    padding: bool,
    seed: int,
) -> None:
    d_model = nhead * head_dim
    config: dict[str, Any] = {
        "d_model": d_model,
        "nhead": nhead,
        "dim_feedforward": dim_feedforward,
        "dropout": 0.0,
        "activation": activation,
        "batch_first": batch_first,
        "norm_first": norm_first,
        "bias": bias,
    }
    rng = np.random.default_rng(seed)
    ours = nn.TransformerDecoderLayer(**config, dtype="float64", generator=rng)
    theirs = _twin(ours, torch.nn.TransformerDecoderLayer(**config))
    tgt = rng.standard_normal(_shape(batch, target, d_model, batch_first))
    memory = rng.standard_normal(_shape(batch, source, d_model, batch_first))
    kwargs: dict[str, Any] = {
        "tgt_mask": _attn_mask(tgt_mask, target, target, rng),
        "memory_mask": _attn_mask(memory_mask, target, source, rng),
        "tgt_is_causal": tgt_mask == "causal",
    }
    if padding:
        kwargs["tgt_key_padding_mask"] = _padding(tgt_mask, batch, target, rng)
        kwargs["memory_key_padding_mask"] = _padding(memory_mask, batch, source, rng)
    _compare(ours, theirs, [tgt, memory], seed, **kwargs)


@settings(max_examples=12, deadline=None)
@given(
    nhead=st.integers(1, 2),
    head_dim=st.integers(1, 3),
    layers=st.tuples(st.integers(1, 2), st.integers(1, 2)),
    target=st.integers(1, 4),
    source=st.integers(1, 4),
    batch=st.integers(0, 2),
    batch_first=st.booleans(),
    norm_first=st.booleans(),
    src_mask=st.sampled_from(MASKS),
    tgt_mask=st.sampled_from(MASKS),
    memory_mask=st.sampled_from(("none", "bool", "float")),
    padding=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_transformer_matches_torch(
    nhead: int,
    head_dim: int,
    layers: tuple[int, int],
    target: int,
    source: int,
    batch: int,
    batch_first: bool,
    norm_first: bool,
    src_mask: str,
    tgt_mask: str,
    memory_mask: str,
    padding: bool,
    seed: int,
) -> None:
    d_model = nhead * head_dim
    config: dict[str, Any] = {
        "d_model": d_model,
        "nhead": nhead,
        "num_encoder_layers": layers[0],
        "num_decoder_layers": layers[1],
        "dim_feedforward": 5,
        "dropout": 0.0,
        "batch_first": batch_first,
        "norm_first": norm_first,
    }
    rng = np.random.default_rng(seed)
    ours = nn.Transformer(**config, dtype="float64", generator=rng)
    theirs = _twin(ours, torch.nn.Transformer(**config))
    src = rng.standard_normal(_shape(batch, source, d_model, batch_first))
    tgt = rng.standard_normal(_shape(batch, target, d_model, batch_first))
    kwargs: dict[str, Any] = {
        "src_mask": _attn_mask(src_mask, source, source, rng),
        "tgt_mask": _attn_mask(tgt_mask, target, target, rng),
        "memory_mask": _attn_mask(memory_mask, target, source, rng),
    }
    if padding:
        kwargs["src_key_padding_mask"] = _padding(src_mask, batch, source, rng)
        kwargs["tgt_key_padding_mask"] = _padding(tgt_mask, batch, target, rng)
        kwargs["memory_key_padding_mask"] = _padding(memory_mask, batch, source, rng)
    _compare(ours, theirs, [src, tgt], seed, **kwargs)


@pytest.mark.parametrize("norm_first", [False, True])
def test_decoder_stack_detects_the_causal_mask(norm_first: bool) -> None:
    layer = nn.TransformerDecoderLayer(
        4, 2, 6, dropout=0.0, batch_first=True, norm_first=norm_first, dtype="float64"
    )
    ours = nn.TransformerDecoder(layer, 2, norm=nn.LayerNorm(4, dtype="float64"))
    their_layer = torch.nn.TransformerDecoderLayer(
        4, 2, 6, dropout=0.0, batch_first=True, norm_first=norm_first
    )
    theirs = _twin(ours, torch.nn.TransformerDecoder(their_layer, 2, norm=torch.nn.LayerNorm(4)))
    assert ours.layers[0].linear1.weight is not ours.layers[1].linear1.weight
    rng = np.random.default_rng(4)
    causal = nn.Transformer.generate_square_subsequent_mask(5, dtype="float64").array
    tgt, memory = rng.standard_normal((2, 5, 4)), rng.standard_normal((2, 3, 4))
    _compare(ours, theirs, [tgt, memory], 4, tgt_mask=causal)
    ours.zero_grad()
    theirs.zero_grad()
    padding = _blocked((2, 3), rng)
    _compare(ours, theirs, [tgt, memory], 5, tgt_mask=causal, memory_key_padding_mask=padding)


def test_memory_is_causal_hint() -> None:
    ours = nn.TransformerDecoderLayer(4, 1, 3, dropout=0.0, dtype="float64")
    theirs = _twin(ours, torch.nn.TransformerDecoderLayer(4, 1, 3, dropout=0.0))
    rng = np.random.default_rng(6)
    causal = np.triu(np.full((3, 3), -np.inf), k=1)
    inputs = [rng.standard_normal((3, 2, 4)), rng.standard_normal((3, 2, 4))]
    _compare(ours, theirs, inputs, 6, memory_mask=causal, memory_is_causal=True)


def test_hand_built_transformer_gradcheck() -> None:
    model = nn.Transformer(4, 2, 1, 1, 3, dropout=0.0, dtype="float64")
    rng = np.random.default_rng(0)
    src = rg.tensor(rng.standard_normal((3, 1, 4)), requires_grad=True)
    tgt = rg.tensor(rng.standard_normal((2, 1, 4)), requires_grad=True)
    assert rg.gradcheck(model, (src, tgt))


def test_state_dict_keys_and_round_trip_with_torch() -> None:
    kwargs: dict[str, Any] = {
        "d_model": 6,
        "nhead": 2,
        "num_encoder_layers": 2,
        "num_decoder_layers": 1,
        "dim_feedforward": 5,
    }
    theirs = torch.nn.Transformer(**kwargs).double()
    ours = nn.Transformer(**kwargs, dtype="float64")
    expected = {k: tuple(v.shape) for k, v in theirs.state_dict().items()}
    assert {k: tuple(v.shape) for k, v in ours.state_dict().items()} == expected
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict(theirs.state_dict())
    ours.eval()
    theirs.eval()
    rng = np.random.default_rng(1)
    _compare(ours, theirs, [rng.standard_normal((3, 2, 6)), rng.standard_normal((4, 2, 6))], 1)


def test_init_is_xavier_like_torch() -> None:
    model = nn.Transformer(8, 2, 1, 1, 32)
    weight = model.decoder.layers[0].linear1.weight.array  # Linear's own init is replaced
    bound = np.sqrt(6.0 / (8 + 32))
    assert np.abs(weight).max() <= bound and np.abs(weight).max() > 0.8 * bound
    assert np.all(model.encoder.norm.weight.array == 1.0)  # 1-d parameters keep their init


def _defaults(cls: type) -> dict[str, Any]:
    params = inspect.signature(cls.__init__).parameters
    return {
        name: p.default
        for name, p in params.items()
        if name not in ("self", "device", "dtype", "generator", "activation")
    }


@pytest.mark.parametrize(
    "name", ["Transformer", "TransformerDecoderLayer", "TransformerDecoder", "TransformerEncoder"]
)
def test_constructor_arguments_and_defaults_match_torch(name: str) -> None:
    assert _defaults(getattr(nn, name)) == _defaults(getattr(torch.nn, name))


@pytest.mark.parametrize("cls", ["Transformer", "TransformerDecoderLayer", "TransformerDecoder"])
def test_forward_arguments_match_torch(cls: str) -> None:
    ours = inspect.signature(getattr(nn, cls).forward).parameters
    theirs = inspect.signature(getattr(torch.nn, cls).forward).parameters
    assert {k: p.default for k, p in ours.items()} == {k: p.default for k, p in theirs.items()}


def test_generate_square_subsequent_mask_is_static() -> None:
    ours = nn.Transformer.generate_square_subsequent_mask(4)
    theirs = torch.nn.Transformer.generate_square_subsequent_mask(4)
    assert ours.dtype == np.float32
    np.testing.assert_array_equal(ours.array, theirs.numpy())
    model = nn.Transformer(4, 2, 1, 1, 4)
    assert model.generate_square_subsequent_mask(2, dtype="float64").dtype == np.float64


def test_custom_encoder_and_decoder() -> None:
    encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(4, 2, 3, dropout=0.0), 1)
    decoder = nn.TransformerDecoder(nn.TransformerDecoderLayer(4, 2, 3, dropout=0.0), 3)
    model = nn.Transformer(4, 2, custom_encoder=encoder, custom_decoder=decoder)
    assert model.encoder is encoder and model.decoder is decoder
    assert "encoder.norm.weight" not in model.state_dict()
    assert "decoder.layers.2.multihead_attn.in_proj_weight" in model.state_dict()
    out = model(rg.zeros(3, 2, 4), rg.zeros(5, 2, 4))
    assert out.shape == (5, 2, 4)


def test_dropout_only_in_training() -> None:
    rg.manual_seed(0)
    layer = nn.TransformerDecoderLayer(4, 2, 16, dropout=0.5, dtype="float64")
    plain = nn.TransformerDecoderLayer(4, 2, 16, dropout=0.0, dtype="float64")
    plain.load_state_dict(layer.state_dict())
    rng = np.random.default_rng(0)
    tgt, memory = (
        rg.tensor(rng.standard_normal((3, 2, 4))),
        rg.tensor(rng.standard_normal((2, 2, 4))),
    )
    first, second = layer(tgt, memory).array, layer(tgt, memory).array
    assert not np.allclose(first, second)
    layer.eval()
    np.testing.assert_allclose(layer(tgt, memory).array, plain(tgt, memory).array)
    assert layer.multihead_attn.dropout == 0.5 and layer.dropout3.p == 0.5


def test_model_file_round_trip(tmp_path: Path) -> None:
    model = nn.Transformer(4, 2, 1, 2, 6, dropout=0.0, batch_first=True, norm_first=True)
    path = tmp_path / "transformer.safetensors"
    rg.io.save(model, path)
    loaded = rg.io.load(path)
    assert type(loaded) is nn.Transformer and repr(loaded) == repr(model)
    src, tgt = rg.randn(2, 3, 4), rg.randn(2, 5, 4)
    np.testing.assert_array_equal(loaded(src, tgt).array, model(src, tgt).array)
    with pytest.raises(rg.io.ModelFileError, match=r"layers\.0\.activation.*lambda"):
        rg.io.save(nn.Transformer(4, 2, 1, 1, 6, activation=lambda x: x.tanh()), path)


def test_onnx_export_is_refused_clearly(tmp_path: Path) -> None:
    pytest.importorskip("onnx")
    from retrograd import onnx

    model = nn.TransformerDecoder(nn.TransformerDecoderLayer(4, 2, 6), 1)
    with pytest.raises(onnx.ExportError, match="TransformerDecoder, which retrograd.onnx cannot"):
        onnx.export(model, rg.zeros(3, 2, 4), tmp_path / "model.onnx")


def test_errors() -> None:
    with pytest.raises(ValueError, match="TransformerDecoderLayer: activation should be"):
        nn.TransformerDecoderLayer(4, 2, activation="tanh")
    with pytest.raises(ValueError, match="num_layers must be >= 1"):
        nn.TransformerDecoder(nn.TransformerDecoderLayer(4, 2, 8), 0)
    model = nn.Transformer(4, 2, 1, 1, 8)
    with pytest.raises(ShapeError, match="batch number of src and tgt"):
        model(rg.zeros(3, 2, 4), rg.zeros(3, 1, 4))
    with pytest.raises(ShapeError, match="feature number of src and tgt.*d_model=4"):
        model(rg.zeros(3, 2, 4), rg.zeros(3, 2, 5))
    with pytest.raises(ShapeError, match=r"2-D attn_mask.*\(3, 2\), got \(3, 3\)"):
        model(rg.zeros(2, 2, 4), rg.zeros(3, 2, 4), memory_mask=rg.zeros(3, 3))
    with pytest.raises(TypeError, match="tgt must be a retrograd Tensor"):
        model(rg.zeros(2, 2, 4), np.zeros((3, 2, 4)))
