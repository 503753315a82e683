"""scaled_dot_product_attention and MultiheadAttention against PyTorch (float64, forward and
every gradient), gradcheck, masks, fully masked rows, dropout statistics, init and errors."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
import torch
import torch.nn.functional as torch_F
from hypothesis import given, settings
from hypothesis import strategies as st

import retrograd as rg
from helpers import assert_close, check
from retrograd import DTypeError, ShapeError
from retrograd.nn.attention import MultiheadAttention
from retrograd.nn.functional.attention import (
    attention_with_weights,
    scaled_dot_product_attention,
)

MASK_KINDS = ("none", "bool", "float", "causal")


def _mask(kind: str, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray | None:
    """A random mask; bool True = take part, float added (-inf where a bool would be False)."""
    if kind in ("none", "causal"):
        return None
    allowed = rng.random(shape) < 0.6
    if kind == "bool":
        return allowed
    return np.where(allowed, rng.standard_normal(shape), -np.inf)


def _sdpa(**kwargs: Any) -> Any:
    """One function for both libraries: picks the implementation from the tensor type."""

    def fn(*tensors: Any) -> Any:
        impl = (
            scaled_dot_product_attention
            if isinstance(tensors[0], rg.Tensor)
            else torch_F.scaled_dot_product_attention
        )
        q, k, v, *mask = tensors
        return impl(q, k, v, attn_mask=mask[0] if mask else None, **kwargs)

    return fn


# ---------------------------------------------------------------------- functional
@settings(max_examples=20)
@given(
    batch=st.lists(st.integers(1, 3), min_size=0, max_size=2).map(tuple),
    target=st.integers(1, 4),
    source=st.integers(1, 4),
    features=st.integers(1, 3),
    value_features=st.integers(1, 3),
    kind=st.sampled_from(MASK_KINDS),
    mask_batch=st.booleans(),
    scale=st.none() | st.floats(0.1, 2.0),
    seed=st.integers(0, 2**16),
)
def test_sdpa_matches_torch(
    batch: tuple[int, ...],
    target: int,
    source: int,
    features: int,
    value_features: int,
    kind: str,
    mask_batch: bool,
    scale: float | None,
    seed: int,
) -> None:
    rng = np.random.default_rng(seed)
    mask_shape = (*(batch if mask_batch else ()), target, source)
    mask = _mask(kind, mask_shape, rng)
    inputs = [
        (*batch, target, features),
        (*batch, source, features),
        (*batch, source, value_features),
    ]
    if mask is not None:
        inputs.append(mask)  # a float mask requires grad: its gradient is compared too
    check(_sdpa(is_causal=kind == "causal", scale=scale), *inputs, seed=seed)


def test_sdpa_broadcasts_batch_dims_and_heads() -> None:
    mask = np.random.default_rng(0).random((1, 3, 5)) < 0.7
    check(_sdpa(), (2, 1, 3, 4), (1, 5, 4), (5, 2), mask)


def test_sdpa_causal_when_target_and_source_differ() -> None:
    check(_sdpa(is_causal=True), (2, 4, 3), (2, 2, 3), (2, 2, 3))
    check(_sdpa(is_causal=True), (2, 2, 3), (2, 5, 3), (2, 5, 3))


def test_sdpa_gradcheck() -> None:
    rng = np.random.default_rng(1)
    q, k, v = (
        rg.tensor(rng.standard_normal(s), requires_grad=True) for s in [(2, 3), (4, 3), (4, 2)]
    )
    bias = rg.tensor(rng.standard_normal((2, 4)), requires_grad=True)
    assert rg.gradcheck(lambda *t: scaled_dot_product_attention(*t), (q, k, v, bias))
    assert rg.gradcheck(lambda *t: scaled_dot_product_attention(*t, is_causal=True), (q, k, v))


def test_sdpa_hand_computed() -> None:
    # one query, two keys with scores 0 and log(3) (scale 1): weights 1/4, 3/4
    q = rg.tensor([[1.0]], dtype="float64")
    k = rg.tensor([[0.0], [math.log(3)]], dtype="float64")
    v = rg.tensor([[4.0, 0.0], [0.0, 8.0]], dtype="float64")
    out = scaled_dot_product_attention(q, k, v, scale=1.0)
    np.testing.assert_allclose(out.array, [[1.0, 6.0]])


def test_sdpa_fully_masked_row_gives_zeros_like_torch() -> None:
    mask = np.array([[True, False, True], [False, False, False]])
    float_mask = np.where(mask, 0.0, -np.inf)
    for m in (mask, float_mask):
        ours = check(_sdpa(), (2, 2, 3), (2, 3, 3), (2, 3, 2), m)
        for t in ours[:3]:
            assert np.isfinite(t.grad.array).all()
        out = scaled_dot_product_attention(*[rg.tensor(t.array) for t in ours[:3]], attn_mask=m)
        np.testing.assert_array_equal(out.array[:, 1], 0.0)


def test_sdpa_large_scores_stay_finite() -> None:
    check(_sdpa(scale=100.0), (1, 3, 2), (1, 4, 2), (1, 4, 2), low=-10, high=10, fd=False)


def test_sdpa_dropout_statistics() -> None:
    p, n = 0.3, 200_000
    q, k = rg.zeros(1, 4, dtype="float64"), rg.zeros(n, 4, dtype="float64")  # uniform weights
    v = rg.ones(n, 1, dtype="float64")
    _, weights = attention_with_weights(q, k, v, dropout_p=p, generator=np.random.default_rng(0))
    dropped = weights.array == 0
    assert abs(dropped.mean() - p) < 0.005
    np.testing.assert_allclose(weights.array[~dropped], 1 / n / (1 - p))
    out = scaled_dot_product_attention(q, k, v, dropout_p=p, generator=np.random.default_rng(1))
    assert abs(out.item() - 1.0) < 0.01  # the expectation is kept
    same = [
        scaled_dot_product_attention(q, k, v, dropout_p=p, generator=np.random.default_rng(7))
        for _ in range(2)
    ]
    assert same[0].item() == same[1].item()
    everything = scaled_dot_product_attention(q, k, v, dropout_p=1.0)
    assert everything.item() == 0.0


def test_sdpa_errors() -> None:
    q, k, v = rg.zeros(2, 3), rg.zeros(4, 3), rg.zeros(4, 5)
    with pytest.raises(ShapeError, match=r"attn_mask of shape \(3, 4\).*\(2, 4\)"):
        scaled_dot_product_attention(q, k, v, attn_mask=rg.zeros(3, 4))
    with pytest.raises(ValueError, match="either attn_mask or is_causal"):
        scaled_dot_product_attention(q, k, v, attn_mask=rg.zeros(2, 4), is_causal=True)
    with pytest.raises(ShapeError, match=r"at least 2 dimensions.*query of shape \(3,\)"):
        scaled_dot_product_attention(rg.zeros(3), k, v)
    with pytest.raises(ShapeError, match=r"same last dimension.*\(2, 3\).*\(4, 2\)"):
        scaled_dot_product_attention(q, rg.zeros(4, 2), v)
    with pytest.raises(ShapeError, match=r"same sequence length.*\(4, 3\).*\(5, 5\)"):
        scaled_dot_product_attention(q, k, rg.zeros(5, 5))
    with pytest.raises(ShapeError, match="batch dimensions"):
        scaled_dot_product_attention(rg.zeros(2, 2, 3), rg.zeros(3, 4, 3), rg.zeros(3, 4, 5))
    with pytest.raises(DTypeError, match="bool or floating"):
        scaled_dot_product_attention(q, k, v, attn_mask=rg.zeros(2, 4, dtype="int64"))
    with pytest.raises(ValueError, match=r"dropout_p must be in \[0, 1\], got 1.5"):
        scaled_dot_product_attention(q, k, v, dropout_p=1.5)


# ---------------------------------------------------------------------- MultiheadAttention
def _pair(**kwargs: Any) -> tuple[MultiheadAttention, torch.nn.MultiheadAttention]:
    """Our layer (float64, seeded) and PyTorch's, holding the same weights."""
    seed = kwargs.pop("seed", 0)
    ours = MultiheadAttention(**kwargs, dtype="float64", generator=np.random.default_rng(seed))
    theirs = torch.nn.MultiheadAttention(**kwargs).double()
    theirs.load_state_dict({k: torch.tensor(v.array) for k, v in ours.state_dict().items()})
    return ours, theirs


def _key_mask(kind: str, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray | None:
    """A MultiheadAttention mask (bool True = masked out) that leaves every row one position."""
    if kind == "none":
        return None
    blocked = rng.random(shape) < 0.4
    blocked[..., 0] = False
    if kind == "bool":
        return blocked
    return np.where(blocked, -np.inf, rng.standard_normal(shape))


def _compare_mha(
    ours: MultiheadAttention,
    theirs: torch.nn.MultiheadAttention,
    arrays: list[np.ndarray],
    seed: int,
    self_attention: bool = False,
    **kwargs: Any,
) -> None:
    """Forward (output and weights) and every gradient, for one random upstream gradient."""
    if self_attention:
        our_x = [rg.tensor(arrays[0], requires_grad=True)] * 3
        their_x = [torch.tensor(arrays[0], requires_grad=True)] * 3
    else:
        our_x = [rg.tensor(a, requires_grad=True) for a in arrays]
        their_x = [torch.tensor(a, requires_grad=True) for a in arrays]
    our_kw = {k: rg.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    their_kw = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    our_out, our_w = ours(*our_x, **our_kw)
    their_out, their_w = theirs(*their_x, **their_kw)
    assert_close(our_out, their_out, what="output")
    rng = np.random.default_rng(seed)
    upstream = rng.standard_normal(our_out.shape)
    our_loss = (our_out * rg.tensor(upstream)).sum()
    their_loss = (their_out * torch.tensor(upstream)).sum()
    if their_w is None:
        assert our_w is None
    else:
        assert_close(our_w, their_w, what="weights")
        upstream_w = rng.standard_normal(our_w.shape)
        our_loss = our_loss + (our_w * rg.tensor(upstream_w)).sum()
        their_loss = their_loss + (their_w * torch.tensor(upstream_w)).sum()
    our_loss.backward()
    their_loss.backward()
    for i, (o, t) in enumerate(zip(our_x, their_x)):
        assert_close(o.grad, t.grad, what=f"gradient of input {i}")
    their_params = dict(theirs.named_parameters())
    assert [name for name, _ in ours.named_parameters()] == list(their_params)
    for name, param in ours.named_parameters():
        assert_close(param.grad, their_params[name].grad, what=f"gradient of {name}")


@settings(max_examples=20)
@given(
    num_heads=st.integers(1, 3),
    head_dim=st.integers(1, 3),
    target=st.integers(1, 4),
    source=st.integers(1, 4),
    batch=st.integers(0, 3),  # 0: unbatched
    batch_first=st.booleans(),
    bias=st.booleans(),
    other_dims=st.booleans(),
    need_weights=st.booleans(),
    average=st.booleans(),
    kind=st.sampled_from(("none", "bool", "float")),
    mask_3d=st.booleans(),
    padding=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_mha_matches_torch(
    num_heads: int,
    head_dim: int,
    target: int,
    source: int,
    batch: int,
    batch_first: bool,
    bias: bool,
    other_dims: bool,
    need_weights: bool,
    average: bool,
    kind: str,
    mask_3d: bool,
    padding: bool,
    seed: int,
) -> None:
    embed = num_heads * head_dim
    kdim, vdim = (embed + 1, embed + 2) if other_dims else (embed, embed)
    ours, theirs = _pair(
        embed_dim=embed,
        num_heads=num_heads,
        bias=bias,
        kdim=kdim,
        vdim=vdim,
        batch_first=batch_first,
        seed=seed,
    )
    rng = np.random.default_rng(seed)

    def shape(length: int, features: int) -> tuple[int, ...]:
        if batch == 0:
            return (length, features)
        return (batch, length, features) if batch_first else (length, batch, features)

    arrays = [
        rng.standard_normal(shape(target, embed)),
        rng.standard_normal(shape(source, kdim)),
        rng.standard_normal(shape(source, vdim)),
    ]
    heads = max(batch, 1) * num_heads
    mask_shape = (heads, target, source) if mask_3d else (target, source)
    kwargs: dict[str, Any] = {
        "attn_mask": _key_mask(kind, mask_shape, rng),
        "need_weights": need_weights,
        "average_attn_weights": average,
    }
    if padding and kind != "none":
        pad_shape = (batch, source) if batch else (source,)
        kwargs["key_padding_mask"] = _key_mask(kind, pad_shape, rng)
    _compare_mha(ours, theirs, arrays, seed, **kwargs)


@pytest.mark.parametrize("need_weights", [True, False])
def test_mha_self_attention_with_causal_hint(need_weights: bool) -> None:
    ours, theirs = _pair(embed_dim=6, num_heads=2)
    x = np.random.default_rng(3).standard_normal((4, 2, 6))
    causal = np.triu(np.full((4, 4), -np.inf), k=1)
    _compare_mha(
        ours,
        theirs,
        [x],
        seed=3,
        self_attention=True,
        attn_mask=causal,
        is_causal=True,
        need_weights=need_weights,
    )


def test_mha_gradcheck() -> None:
    layer = MultiheadAttention(4, 2, dtype="float64", generator=np.random.default_rng(0))
    rng = np.random.default_rng(1)
    q = rg.tensor(rng.standard_normal((2, 1, 4)), requires_grad=True)
    kv = rg.tensor(rng.standard_normal((3, 1, 4)), requires_grad=True)

    class Output(rg.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.attn = layer

        def forward(self, query: rg.Tensor, memory: rg.Tensor) -> rg.Tensor:
            return self.attn(query, memory, memory)[0]

    assert rg.gradcheck(Output(), (q, kv))


def test_mha_fully_masked_row_matches_torch() -> None:
    # torch: NaN in the row (and its weights) when it returns the weights, zeros otherwise
    ours, theirs = _pair(embed_dim=4, num_heads=2)
    x = np.random.default_rng(0).standard_normal((3, 2, 4))
    padding = np.array([[True, True, True], [False, True, False]])
    for need_weights in (True, False):
        our_out, our_w = ours(
            *[rg.tensor(x)] * 3, key_padding_mask=rg.tensor(padding), need_weights=need_weights
        )
        their_out, their_w = theirs(
            *[torch.tensor(x)] * 3,
            key_padding_mask=torch.tensor(padding),
            need_weights=need_weights,
        )
        assert_close(our_out, their_out, what="output")
        if need_weights:
            assert np.isnan(our_out.array[:, 0]).all() and np.isfinite(our_out.array[:, 1]).all()
            assert_close(our_w, their_w, what="weights")
        else:
            np.testing.assert_array_equal(our_out.array[:, 0], 0.0)


def test_mha_state_dict_round_trip_with_torch() -> None:
    theirs = torch.nn.MultiheadAttention(6, 3).double()
    ours = MultiheadAttention(6, 3, dtype="float64")
    assert {k: tuple(v.shape) for k, v in ours.state_dict().items()} == {
        k: tuple(v.shape) for k, v in theirs.state_dict().items()
    }
    assert list(ours.state_dict()) == [
        "in_proj_weight",
        "in_proj_bias",
        "out_proj.weight",
        "out_proj.bias",
    ]
    ours.load_state_dict(theirs.state_dict())
    back = torch.nn.MultiheadAttention(6, 3).double()
    back.load_state_dict({k: torch.tensor(v.array) for k, v in ours.state_dict().items()})
    for key, value in theirs.state_dict().items():
        torch.testing.assert_close(back.state_dict()[key], value)
    x = np.random.default_rng(0).standard_normal((2, 3, 6))
    _compare_mha(ours, theirs, [x, x, x], seed=0)


@pytest.mark.parametrize("kwargs", [{"kdim": 3, "vdim": 5}, {"bias": False}])
def test_mha_state_dict_keys_other_configs(kwargs: dict[str, Any]) -> None:
    ours = MultiheadAttention(4, 2, **kwargs)
    theirs = torch.nn.MultiheadAttention(4, 2, **kwargs)
    assert {k: tuple(v.shape) for k, v in ours.state_dict().items()} == {
        k: tuple(v.shape) for k, v in theirs.state_dict().items()
    }
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]


def test_mha_init_and_repr() -> None:
    layer = MultiheadAttention(64, 4, generator=np.random.default_rng(0))
    bound = math.sqrt(6 / (64 + 3 * 64))  # xavier_uniform_ on the (3E, E) in_proj_weight
    w = layer.in_proj_weight.array
    assert w.dtype == np.float32 and np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.05 * bound
    np.testing.assert_array_equal(layer.in_proj_bias.array, 0.0)
    np.testing.assert_array_equal(layer.out_proj.bias.array, 0.0)
    assert np.abs(layer.out_proj.weight.array).max() <= 1 / math.sqrt(64)  # Linear's default
    assert repr(layer) == repr(torch.nn.MultiheadAttention(64, 4))
    assert layer.head_dim == 16 and not layer.batch_first


def test_mha_dropout_only_in_training() -> None:
    layer = MultiheadAttention(4, 1, dropout=0.5, dtype="float64")
    x = rg.tensor(np.random.default_rng(0).standard_normal((3, 1, 4)))
    layer.eval()
    _, w_eval = layer(x, x, x)
    np.testing.assert_allclose(w_eval.array.sum(-1), 1.0)
    layer.train()
    rg.manual_seed(0)
    big = rg.tensor(np.random.default_rng(0).standard_normal((1, 1, 4)))
    memory = rg.tensor(np.random.default_rng(1).standard_normal((20_000, 1, 4)))
    _, w_train = layer(big, memory, memory)
    dropped = w_train.array == 0
    assert abs(dropped.mean() - 0.5) < 0.02
    assert abs(w_train.array.sum() - 1.0) < 0.05


def test_mha_errors() -> None:
    with pytest.raises(ValueError, match=r"embed_dim must be divisible by num_heads.*=10.*=3"):
        MultiheadAttention(10, 3)
    with pytest.raises(NotImplementedError, match="add_bias_kv"):
        MultiheadAttention(4, 2, add_bias_kv=True)
    layer = MultiheadAttention(4, 2)
    x = rg.zeros(3, 2, 4)
    with pytest.raises(ShapeError, match=r"MultiheadAttention.*unbatched 2-D.*4-D query"):
        layer(rg.zeros(1, 3, 2, 4), x, x)
    with pytest.raises(ShapeError, match=r"MultiheadAttention.*key and value to be 3-D"):
        layer(x, rg.zeros(3, 4), x)
    with pytest.raises(ShapeError, match=r"MultiheadAttention.*query with 4 features.*\(2, 3, 5\)"):
        layer(rg.zeros(3, 2, 5), x, x)
    with pytest.raises(
        ShapeError, match=r"MultiheadAttention.*2-D attn_mask.*\(3, 3\), got \(3, 4\)"
    ):
        layer(x, x, x, attn_mask=rg.zeros(3, 4))
    with pytest.raises(ShapeError, match=r"3-D attn_mask.*\(4, 3, 3\), got \(2, 3, 3\)"):
        layer(x, x, x, attn_mask=rg.zeros(2, 3, 3))
    with pytest.raises(
        ShapeError, match=r"key_padding_mask should have shape.*\(2, 3\), got \(3, 2\)"
    ):
        layer(x, x, x, key_padding_mask=rg.zeros(3, 2, dtype="bool"))
    with pytest.raises(ShapeError, match="key_padding_mask to be None or 2-D"):
        layer(x, x, x, key_padding_mask=rg.zeros(3, dtype="bool"))
    with pytest.raises(ValueError, match="is_causal=True.*attn_mask"):
        layer(x, x, x, is_causal=True)
    with pytest.raises(DTypeError, match="key_padding_mask must be bool or floating"):
        layer(x, x, x, key_padding_mask=rg.zeros(2, 3, dtype="int64"))
    with pytest.raises(DTypeError, match="MultiheadAttention has float32 weights.*float64"):
        layer(x.double(), x.double(), x.double())
