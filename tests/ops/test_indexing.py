"""Indexing (basic, advanced with repeated indices, boolean masks) and setitem against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import retrograd as rg
from helpers import check, rand, seeds, shapes

REPEATED = np.array([0, 2, 0, 0, -1])


def torch_index(index):
    """The same index for PyTorch: arrays and lists become tensors."""
    if isinstance(index, tuple):
        return tuple(torch_index(i) for i in index)
    return torch.tensor(index) if isinstance(index, (np.ndarray, list)) else index


BASIC = [
    1,
    -1,
    (0, 1),
    (-1, -2, -3),
    slice(None),
    slice(1, None),
    slice(None, None, 2),
    slice(-2, None),
    (slice(None), 1),
    (slice(None, None, -1),),
    (Ellipsis, 0),
    (Ellipsis, slice(1, 3)),
    (0, Ellipsis, -1),
    None,
    (None, 1, None),
    (slice(None), None, slice(None), None),
    (1, slice(0, 0)),
]


@pytest.mark.parametrize("index", BASIC, ids=repr)
def test_basic_indexing(index):
    if isinstance(index, tuple) and slice(None, None, -1) in index:
        # PyTorch has no negative steps
        torch_fn = lambda a: a.flip(0)  # noqa: E731
    else:
        torch_fn = None
    check(lambda a: a[index], (3, 4, 5), torch_fn=torch_fn)


ADVANCED = [
    REPEATED,
    [0, 0, 1],
    (REPEATED, slice(None)),
    (slice(None), [3, 3, 0]),
    (REPEATED, np.array([1, 1, 1, 1, 1])),
    (np.array([[0, 0], [2, 0]]), 1),
    (Ellipsis, [0, 0, 4]),
    (0, [1, 1], slice(0, 2)),
    (np.array([1, 1]), slice(None), np.array([0, 0])),  # separated advanced indices
]


@pytest.mark.parametrize("index", ADVANCED, ids=repr)
def test_integer_array_indexing_accumulates_repeated_indices(index):
    check(lambda a: a[index], (3, 4, 5), torch_fn=lambda a: a[torch_index(index)])
    if not isinstance(index, tuple):  # a retrograd integer tensor as the index
        index_t = rg.tensor(index)
        check(lambda a: a[index_t], (3, 4, 5), torch_fn=lambda a: a[torch_index(index)], fd=False)


def test_repeated_index_gradient_by_hand():
    x = rg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[[0, 0, 2, 0]].sum().backward()
    np.testing.assert_array_equal(x.grad.array, [3.0, 0.0, 1.0])


@given(shapes(min_dims=1), seeds)
def test_boolean_mask(shape, seed):
    mask = rand(shape, seed + 7) > 0
    check(lambda a: a[mask], shape, seed=seed, torch_fn=lambda a: a[torch.tensor(mask)])
    check(lambda a: a[rg.tensor(mask)], shape, torch_fn=lambda a: a[torch.tensor(mask)], fd=False)
    row_mask = mask.reshape(-1)[: shape[0]]
    check(lambda a: a[row_mask], shape, seed=seed, torch_fn=lambda a: a[torch.tensor(row_mask)])


@given(shapes(min_dims=1), seeds, st.data())
def test_random_slices(shape, seed, data):
    index = tuple(
        slice(
            data.draw(st.integers(-n - 1, n + 1)),
            data.draw(st.integers(-n - 1, n + 1)),
            data.draw(st.integers(1, 2)),
        )
        for n in shape
    )
    check(lambda a: a[index], shape, seed=seed)


def test_index_by_zero_dim_integer_tensor():
    check(lambda a: a[rg.tensor(1)] if isinstance(a, rg.Tensor) else a[torch.tensor(1)], (3, 2))


SETITEM = [
    (1, (4,)),
    ((slice(None), 0), (3,)),
    ((slice(0, 2), slice(1, 3)), (2, 2)),
    ((slice(0, 2), slice(1, 3)), (1,)),  # broadcast value
    ((Ellipsis, -1), ()),
    (np.array([0, 2]), (2, 4)),
    ((np.array([0, 2]), np.array([1, 3])), (2,)),
]


@pytest.mark.parametrize("index, value_shape", SETITEM, ids=repr)
def test_setitem_gradients(index, value_shape):
    t_index = torch_index(index)

    def ours(a, v):
        out = a * 1
        out[index] = v
        return out * 2

    def theirs(a, v):
        out = a * 1
        out[t_index] = v
        return out * 2

    check(ours, (3, 4), value_shape, torch_fn=theirs)


def test_setitem_with_boolean_mask_and_scalar():
    mask = rand((3, 4), 3) > 0

    def ours(a):
        out = a.clone()
        out[mask] = 0.5
        return out

    def theirs(a):
        out = a.clone()
        out[torch.tensor(mask)] = 0.5
        return out

    check(ours, (3, 4), torch_fn=theirs)


def test_setitem_without_grad_writes_in_place():
    x = rg.zeros(2, 3)
    x[0, 1] = 5.0
    x[1] = rg.tensor([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(x.array, [[0.0, 5.0, 0.0], [1.0, 2.0, 3.0]])


def test_setitem_on_a_leaf_requiring_grad_raises():
    x = rg.zeros(2, 3, requires_grad=True)
    with pytest.raises(rg.GraphError, match="leaf"):
        x[0] = 1.0


def test_out_of_range_index_raises_index_error():
    with pytest.raises(IndexError):
        rg.zeros(2, 3)[2]
