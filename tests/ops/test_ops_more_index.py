"""sort/argsort/topk, tril/triu, diagonal/diag, roll, unfold, repeat_interleave, narrow,
index_select, masked_select, nonzero, scatter/scatter_add/scatter_reduce, einsum, meshgrid and
multinomial against PyTorch (forward, backward, finite differences in float64)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import retrograd as rg
from helpers import assert_close, check, distinct, rand, seeds, shape_and_dim, shapes


def _both(name):
    """`name(x, ...)` as a free function of whichever library `x` belongs to."""
    return lambda x, *args, **kwargs: getattr(torch if isinstance(x, torch.Tensor) else rg, name)(
        x, *args, **kwargs
    )


@given(shape_and_dim(), seeds, st.booleans())
def test_sort(shape_dim, seed, descending):
    shape, dim = shape_dim
    check(lambda a: a.sort(dim, descending), distinct(shape, seed))
    check(lambda a: a.argsort(dim, descending), distinct(shape, seed), grad=False)


def test_sort_is_stable_and_typed():
    data = np.array([[3, 1, 3, 1, 2], [0, 0, 5, -1, 5]])
    for descending in (False, True):
        ours = rg.tensor(data).sort(dim=1, descending=descending, stable=True)
        theirs = torch.tensor(data).sort(dim=1, descending=descending, stable=True)
        assert_close(ours.values, theirs.values)
        assert_close(ours.indices, theirs.indices)
        assert type(ours).__name__ == "sort"
    x = np.array([2.0, np.nan, -1.0, np.inf])
    for descending in (False, True):
        ours = rg.tensor(x).sort(descending=descending)
        theirs = torch.tensor(x).sort(descending=descending, stable=True)
        assert_close(ours.values, theirs.values)
        assert_close(ours.indices, theirs.indices)


@given(shape_and_dim(), seeds, st.booleans(), st.data())
def test_topk(shape_dim, seed, largest, data):
    shape, dim = shape_dim
    k = data.draw(st.integers(0, shape[dim]))
    check(lambda a: a.topk(k, dim, largest=largest), distinct(shape, seed))
    check(lambda a: _both("topk")(a, k, dim=dim, largest=largest), distinct(shape, seed))


@pytest.mark.parametrize("op", ["tril", "triu"])
@given(shapes(min_dims=2), seeds, st.integers(-3, 3))
def test_triangles(op, shape, seed, diagonal):
    check(lambda a: getattr(a, op)(diagonal), shape, seed=seed)
    check(lambda a: _both(op)(a, diagonal=diagonal), shape, seed=seed)
    ints = (rand(shape, seed) * 10).astype(np.int64)
    assert_close(getattr(rg.tensor(ints), op)(diagonal), getattr(torch.tensor(ints), op)(diagonal))


@pytest.mark.parametrize("op", ["tril_", "triu_"])
def test_triangles_in_place(op):
    def fn(a):
        b = a * 1
        getattr(b, op)(1)
        return b

    check(fn, (3, 4))
    plain = rg.ones(3, 3)
    assert getattr(plain, op)() is plain
    assert_close(plain, getattr(torch.ones(3, 3), op)())


@given(shapes(min_dims=2), seeds, st.integers(-3, 3), st.data())
def test_diagonal(shape, seed, offset, data):
    dim1 = data.draw(st.integers(-len(shape), len(shape) - 1))
    dim2 = data.draw(
        st.integers(-len(shape), len(shape) - 1).filter(
            lambda d: d % len(shape) != dim1 % len(shape)
        )
    )
    check(lambda a: a.diagonal(offset, dim1, dim2), shape, seed=seed)


@pytest.mark.parametrize("offset", [-2, 0, 1])
def test_diag(offset):
    check(lambda a: a.diag(offset), (3,))
    check(lambda a: _both("diag")(a, offset), (3, 4))


@given(shape_and_dim(), seeds, st.integers(-5, 5))
def test_roll(shape_dim, seed, shift):
    shape, dim = shape_dim
    check(lambda a: a.roll(shift, dim), shape, seed=seed)
    check(lambda a: a.roll(shift), shape, seed=seed)


def test_roll_several_dims():
    check(lambda a: _both("roll")(a, (1, -2), (0, 2)), (2, 3, 4))


@given(shape_and_dim(), seeds, st.data())
def test_unfold(shape_dim, seed, data):
    shape, dim = shape_dim
    size = data.draw(st.integers(0, shape[dim]))
    step = data.draw(st.integers(1, 3))
    check(lambda a: a.unfold(dim, size, step), shape, seed=seed)


@given(shape_and_dim(), seeds, st.data())
def test_repeat_interleave(shape_dim, seed, data):
    shape, dim = shape_dim
    repeats = data.draw(st.integers(0, 3))
    counts = data.draw(st.lists(st.integers(0, 3), min_size=shape[dim], max_size=shape[dim]))
    check(lambda a: a.repeat_interleave(repeats, dim), shape, seed=seed)
    check(lambda a: a.repeat_interleave(repeats), shape, seed=seed)
    check(
        lambda a: a.repeat_interleave(
            torch.tensor(counts) if isinstance(a, torch.Tensor) else rg.tensor(counts), dim
        ),
        shape,
        seed=seed,
    )


def test_narrow():
    check(lambda a: a.narrow(1, 1, 2), (2, 4))
    check(lambda a: _both("narrow")(a, 0, -2, 1), (3, 4))


@given(shape_and_dim(), seeds, st.data())
def test_index_select(shape_dim, seed, data):
    shape, dim = shape_dim
    picks = data.draw(st.lists(st.integers(0, shape[dim] - 1), max_size=5))
    index = np.array(picks, dtype=np.int64)
    check(
        lambda a: a.index_select(
            dim, torch.tensor(index) if isinstance(a, torch.Tensor) else rg.tensor(index)
        ),
        shape,
        seed=seed,
    )


@given(shapes(), seeds)
def test_masked_select(shape, seed):
    mask = rand(shape, seed + 7) > 0
    check(
        lambda a: a.masked_select(
            torch.tensor(mask) if isinstance(a, torch.Tensor) else rg.tensor(mask)
        ),
        shape,
        seed=seed,
    )
    row = mask.reshape(-1)[:1] if mask.size else np.array([True])
    check(
        lambda a: _both("masked_select")(
            a, torch.tensor(row) if isinstance(a, torch.Tensor) else rg.tensor(row)
        ),
        shape,
        seed=seed,
    )


@given(shapes(), seeds)
def test_nonzero(shape, seed):
    data = np.where(rand(shape, seed) > 0.5, rand(shape, seed + 1), 0.0)
    assert_close(rg.tensor(data).nonzero(), torch.tensor(data).nonzero())
    for ours, theirs in zip(
        rg.tensor(data).nonzero(as_tuple=True), torch.tensor(data).nonzero(as_tuple=True)
    ):
        assert_close(ours, theirs)


def test_masked_fill_in_place():
    mask = np.array([[True, False, True], [False, False, True]])

    def fn(a):
        b = a * 2
        b.masked_fill_(torch.tensor(mask) if isinstance(a, torch.Tensor) else rg.tensor(mask), -1.0)
        return b

    check(fn, (2, 3))


def _scatter_index(shape, dim, seed, unique):
    """An index for scatter along `dim` no larger than `shape`; unique targets when asked."""
    rng = np.random.default_rng(seed)
    index_shape = tuple(rng.integers(1, n + 1) for n in shape)
    if unique:
        order = np.argsort(
            rng.random(index_shape[:dim] + (shape[dim],) + index_shape[dim + 1 :]), axis=dim
        )
        return np.take(order, np.arange(index_shape[dim]), axis=dim).astype(np.int64)
    return rng.integers(0, shape[dim], index_shape).astype(np.int64)


def _as(a, index):
    return torch.tensor(index) if isinstance(a, torch.Tensor) else rg.tensor(index)


@given(shape_and_dim(min_dims=1, max_dims=3), seeds)
def test_scatter(shape_dim, seed):
    shape, dim = shape_dim
    dim %= len(shape)
    index = _scatter_index(shape, dim, seed, unique=True)
    # src of the index's shape: PyTorch's scatter backward fails on a larger src
    check(lambda a, s: a.scatter(dim, _as(a, index), s), shape, index.shape, seed=seed)
    check(lambda a: a.scatter(dim, _as(a, index), 2.5), shape, seed=seed)
    check(
        lambda a, s: _both("scatter_add")(a, dim, _as(a, index), s), shape, index.shape, seed=seed
    )


@given(shape_and_dim(min_dims=1, max_dims=3), seeds)
def test_scatter_add_repeated_indices(shape_dim, seed):
    shape, dim = shape_dim
    dim %= len(shape)
    index = _scatter_index(shape, dim, seed, unique=False)
    check(lambda a, s: a.scatter_add(dim, _as(a, index), s), shape, index.shape, seed=seed)


@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
@given(shape_and_dim(min_dims=1, max_dims=3), seeds)
def test_scatter_reduce(reduce, include_self, shape_dim, seed):
    shape, dim = shape_dim
    dim %= len(shape)
    index = _scatter_index(shape, dim, seed, unique=False)
    src_shape = tuple(n + 1 for n in shape)
    part = tuple(slice(0, n) for n in index.shape)
    # src larger than the index (only src[:index.shape] is read): PyTorch's backward fails on
    # that, so it gets the slice, whose gradient is the same
    check(
        lambda a, s: a.scatter_reduce(dim, _as(a, index), s, reduce, include_self=include_self),
        distinct(shape, seed),
        distinct(src_shape, seed + 1) * 1.01,
        torch_fn=lambda a, s: a.scatter_reduce(
            dim, _as(a, index), s[part], reduce, include_self=include_self
        ),
    )


@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce_prod_with_zeros(include_self):
    x = np.array([0.0, 2.0, 3.0, 0.5])
    src = np.array([1.5, 0.0, 0.0, 2.0, -1.0])
    index = np.array([0, 1, 2, 2, 3])
    check(
        lambda a, s: a.scatter_reduce(0, _as(a, index), s, "prod", include_self=include_self),
        x,
        src,
    )


def test_scatter_reduce_ties_share_the_gradient():
    x = np.array([2.0, 1.0])
    src = np.array([2.0, 2.0, 0.5])
    index = np.array([0, 0, 1])
    for reduce in ("amax", "amin"):
        check(lambda a, s, r=reduce: a.scatter_reduce(0, _as(a, index), s, r), x, src, fd=False)


def test_scatter_integer_and_in_place():
    index = np.array([[0, 2], [1, 0]])
    ours = rg.zeros(2, 3, dtype=rg.int64).scatter_(1, rg.tensor(index), rg.tensor([[1, 2], [3, 4]]))
    theirs = torch.zeros(2, 3, dtype=torch.int64).scatter_(
        1, torch.tensor(index), torch.tensor([[1, 2], [3, 4]])
    )
    assert_close(ours, theirs)
    for reduce in ("add", "multiply"):
        ours = rg.ones(2, 3).scatter(1, rg.tensor(index), 3.0, reduce=reduce)
        theirs = torch.ones(2, 3).scatter(1, torch.tensor(index), 3.0, reduce=reduce)
        assert_close(ours, theirs)
    for reduce in ("sum", "mean", "amax"):
        ours = rg.tensor([5, 1, 2]).scatter_reduce(
            0, rg.tensor([0, 0, 2]), rg.tensor([4, 8, 1]), reduce, include_self=False
        )
        theirs = torch.tensor([5, 1, 2]).scatter_reduce(
            0, torch.tensor([0, 0, 2]), torch.tensor([4, 8, 1]), reduce, include_self=False
        )
        assert_close(ours, theirs)


EINSUM = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("bij,bjk->bik", [(2, 2, 3), (2, 3, 4)]),
    ("ij->ji", [(2, 3)]),
    ("ii->i", [(3, 3)]),
    ("ii", [(3, 3)]),
    ("iij->j", [(2, 2, 3)]),
    ("ij->", [(2, 3)]),
    ("ij,ij->ij", [(2, 3), (2, 3)]),
    ("i,j->ij", [(2,), (3,)]),
    ("ij,jk", [(2, 3), (3, 4)]),
    ("ijk,k->ij", [(2, 3, 4), (4,)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]),
    ("...ij,...jk->...ik", [(2, 2, 3), (3, 4)]),
    ("b...,b->...", [(2, 3, 4), (2,)]),
    ("...i,...i->...", [(1, 3, 4), (2, 1, 4)]),
    ("bhqd,bhkd->bhqk", [(1, 2, 3, 4), (1, 2, 5, 4)]),
    ("ij,kl->ijkl", [(2, 1), (1, 3)]),
    ("i i -> i", [(2, 2)]),
]


@pytest.mark.parametrize("equation, operand_shapes", EINSUM)
def test_einsum(equation, operand_shapes):
    def fn(*ops):
        library = torch if isinstance(ops[0], torch.Tensor) else rg
        return library.einsum(equation, *ops)

    check(fn, *operand_shapes)


def test_einsum_list_operands_and_integers():
    a, b = np.arange(6).reshape(2, 3), np.arange(12).reshape(3, 4)
    assert_close(
        rg.einsum("ij,jk->ik", [rg.tensor(a), rg.tensor(b)]),
        torch.einsum("ij,jk->ik", [torch.tensor(a), torch.tensor(b)]),
    )


@pytest.mark.parametrize("indexing", ["ij", "xy"])
def test_meshgrid(indexing):
    check(lambda a, b, c: _both("meshgrid")(a, b, c, indexing=indexing), (2,), (3,), (4,))
    check(lambda a, b: _both("meshgrid")(a, b, indexing=indexing), (2,), (3,))


def test_multinomial():
    rg.manual_seed(0)
    weights = rg.tensor([[0.0, 1.0, 3.0], [1.0, 0.0, 2.0]])
    drawn = rg.multinomial(weights, 2)
    assert drawn.shape == (2, 2) and drawn.dtype == np.int64
    assert sorted(drawn[0].tolist()) == [1, 2] and sorted(drawn[1].tolist()) == [0, 2]
    many = rg.tensor([0.2, 0.8]).multinomial(4000, replacement=True)
    assert abs(many.float().mean().item() - 0.8) < 0.05
    with pytest.raises(rg.InvalidArgumentError):
        rg.tensor([1.0, 0.0]).multinomial(2)
