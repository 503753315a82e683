"""Embedding and F.embedding against PyTorch: looked-up rows, weight gradients (repeated indices
add up, the padding row gets none), from_pretrained, initialisation, state dicts, errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import retrograd as rg
from retrograd import DTypeError, ShapeError
from retrograd.nn.functional.sparse import embedding
from retrograd.nn.sparse import Embedding

from .torch_modules import assert_close, copy_to_torch


def _compare(ours: Embedding, theirs: torch.nn.Embedding, indices: np.ndarray, seed: int) -> None:
    """Same rows forward; the same weight gradient for one random upstream gradient."""
    our_out, their_out = ours(rg.tensor(indices)), theirs(torch.tensor(indices))
    assert our_out.shape == tuple(their_out.shape)
    assert_close(our_out, their_out)
    upstream = np.random.default_rng(seed).standard_normal(our_out.shape)
    our_out.backward(upstream)
    their_out.backward(torch.tensor(upstream))
    assert ours.weight.grad is not None
    assert_close(ours.weight.grad, theirs.weight.grad)


@settings(max_examples=30)
@given(
    num=st.integers(1, 6),
    dim=st.integers(1, 4),
    index_shape=st.lists(st.integers(1, 4), max_size=3),
    padding=st.one_of(st.none(), st.integers(-6, 5)),
    seed=st.integers(0, 2**16),
)
def test_matches_torch(
    num: int, dim: int, index_shape: list[int], padding: int | None, seed: int
) -> None:
    if padding is not None and not -num <= padding < num:
        padding = None
    rng = np.random.default_rng(seed)
    ours = Embedding(num, dim, padding_idx=padding, dtype="float64", generator=rng)
    theirs = torch.nn.Embedding(num, dim, padding_idx=padding)
    copy_to_torch(ours, theirs)
    indices = rng.integers(0, num, tuple(index_shape))  # small tables: indices repeat
    _compare(ours, theirs, indices, seed)


def test_repeated_indices_accumulate_by_hand() -> None:
    layer = Embedding(3, 2, dtype="float64")
    out = layer(rg.tensor([2, 0, 2, 2]))
    out.backward(np.arange(8.0).reshape(4, 2))
    np.testing.assert_array_equal(layer.weight.grad.array, [[2, 3], [0, 0], [0 + 4 + 6, 1 + 5 + 7]])


def test_padding_row_starts_at_zero_and_gets_no_gradient() -> None:
    layer = Embedding(4, 3, padding_idx=-1)
    assert layer.padding_idx == 3
    np.testing.assert_array_equal(layer.weight.array[3], np.zeros(3))
    layer(rg.tensor([[3, 1], [3, 3]])).sum().backward()
    np.testing.assert_array_equal(layer.weight.grad.array[3], np.zeros(3))
    np.testing.assert_array_equal(layer.weight.grad.array[1], np.ones(3))


def test_functional_matches_torch_and_gradcheck() -> None:
    weight = np.random.default_rng(0).standard_normal((5, 3))
    indices = np.array([[0, 4, 4], [2, 0, 1]])
    ours = rg.tensor(weight, requires_grad=True)
    theirs = torch.tensor(weight, requires_grad=True)
    out = embedding(rg.tensor(indices), ours, padding_idx=4)
    expected = torch.nn.functional.embedding(torch.tensor(indices), theirs, padding_idx=4)
    assert_close(out, expected)
    upstream = np.random.default_rng(1).standard_normal(out.shape)
    out.backward(upstream)
    expected.backward(torch.tensor(upstream))
    assert_close(ours.grad, theirs.grad)
    small = rg.tensor(weight, requires_grad=True)
    # no padding_idx here: a padding row changes the output but by design gets no gradient
    assert rg.gradcheck(lambda w: embedding(rg.tensor(indices), w), (small,))
    layer = Embedding(4, 2, dtype="float64")
    assert rg.gradcheck(layer, (rg.tensor([[1, 1], [3, 0]]),))


def test_from_pretrained_like_torch() -> None:
    table = np.random.default_rng(2).standard_normal((4, 3))
    ours = Embedding.from_pretrained(rg.tensor(table))
    theirs = torch.nn.Embedding.from_pretrained(torch.tensor(table))
    assert not ours.weight.requires_grad
    assert repr(ours) == repr(theirs)
    assert_close(ours(rg.tensor([3, 0])), theirs(torch.tensor([3, 0])))
    # trainable, with a padding row that keeps its (non-zero) values but learns nothing
    ours = Embedding.from_pretrained(rg.tensor(table), freeze=False, padding_idx=1)
    theirs = torch.nn.Embedding.from_pretrained(torch.tensor(table), freeze=False, padding_idx=1)
    assert ours.weight.requires_grad
    np.testing.assert_array_equal(ours.weight.array[1], table[1])
    _compare(ours, theirs, np.array([[1, 2], [1, 0]]), seed=3)
    np.testing.assert_array_equal(ours.weight.grad.array[1], np.zeros(3))


def test_init_is_standard_normal_and_seeded() -> None:
    rg.manual_seed(0)
    weight = Embedding(400, 50).weight
    assert weight.dtype == np.float32 and weight.requires_grad
    assert abs(weight.array.mean()) < 0.02 and abs(weight.array.std() - 1) < 0.02
    rg.manual_seed(0)
    np.testing.assert_array_equal(Embedding(400, 50).weight.array, weight.array)
    a = Embedding(5, 2, generator=np.random.default_rng(1)).weight.array
    b = Embedding(5, 2, generator=np.random.default_rng(1)).weight.array
    np.testing.assert_array_equal(a, b)


def test_state_dict_and_repr_match_torch() -> None:
    ours, theirs = Embedding(6, 4, padding_idx=2), torch.nn.Embedding(6, 4, padding_idx=2)
    assert repr(ours) == repr(theirs) == "Embedding(6, 4, padding_idx=2)"
    assert repr(Embedding(3, 2)) == repr(torch.nn.Embedding(3, 2))
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight"]
    assert ours.state_dict()["weight"].shape == tuple(theirs.weight.shape)
    ours.load_state_dict(theirs.state_dict())
    np.testing.assert_array_equal(ours.weight.array, theirs.weight.detach().numpy())
    theirs.load_state_dict({"weight": torch.tensor(ours.weight.array * 2)})
    np.testing.assert_array_equal(theirs.weight.detach().numpy(), ours.weight.array * 2)


def test_errors_name_the_index_and_the_table_size() -> None:
    layer = Embedding(10, 3)
    with pytest.raises(IndexError, match=r"Embedding\(10, 3\): index 12 .* num_embeddings=10"):
        layer(rg.tensor([[1, 2], [12, 0]]))
    with pytest.raises(IndexError, match=r"index -1 .*num_embeddings=10"):
        layer(rg.tensor([-1]))
    with pytest.raises(IndexError, match=r"embedding: index 5 .*num_embeddings=5"):
        embedding(rg.tensor([5]), rg.randn(5, 2))
    with pytest.raises(DTypeError, match=r"Embedding\(10, 3\) expects integer indices.*float32"):
        layer(rg.tensor([1.0, 2.0]))
    with pytest.raises(ValueError, match="padding_idx must be within num_embeddings.*=10"):
        Embedding(10, 3, padding_idx=10)
    with pytest.raises(NotImplementedError, match=r"max_norm is not supported.*max_norm=1.0"):
        Embedding(10, 3, max_norm=1.0)
    with pytest.raises(NotImplementedError, match="sparse=True"):
        embedding(rg.tensor([1]), rg.randn(5, 2), sparse=True)
    with pytest.raises(ShapeError, match=r"from_pretrained expects a 2-d .* got shape \(4,\)"):
        Embedding.from_pretrained(rg.randn(4))
    with pytest.raises(ShapeError, match=r"_weight has shape \(2, 2\), expected \(3, 2\)"):
        Embedding(3, 2, _weight=rg.randn(2, 2))
    with pytest.raises(ShapeError, match=r"2-d weight .*\(5,\)"):
        embedding(rg.tensor([1]), rg.randn(5))
