"""Shape and movement ops against PyTorch: reshape, permute, expand, repeat, flip, cat, stack,
split, chunk, pad and gather."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st

import retrograd as rg
from helpers import check, seeds, shape_and_dim, shapes
from retrograd.tensor import pad


@pytest.mark.parametrize(
    "fn",
    [
        lambda a: a.reshape(4, 6),
        lambda a: a.reshape((-1, 3)),
        lambda a: a.reshape(-1),
        lambda a: a.reshape(2, 3, 4),
        lambda a: a.view(3, 8),
        lambda a: a.view(-1, 2, 2),
        lambda a: a.flatten(),
        lambda a: a.flatten(1),
        lambda a: a.flatten(0, 1),
        lambda a: a.flatten(-2, -1),
        lambda a: a.transpose(0, 2),
        lambda a: a.transpose(-1, 1),
        lambda a: a.permute(2, 0, 1),
        lambda a: a.permute((1, -1, 0)),
        lambda a: a.mT,
        lambda a: a.unsqueeze(0),
        lambda a: a.unsqueeze(-1),
        lambda a: a.unsqueeze(2),
        lambda a: a.unsqueeze(-4),
        lambda a: a.flip(0),
        lambda a: a.flip((0, 2)),
        lambda a: a.flip(-1),
        lambda a: a.repeat(2, 1, 3),
        lambda a: a.repeat(2, 1, 1, 2),
        lambda a: a.unflatten(2, (2, 2)),
        lambda a: a.swapaxes(0, 1),
    ],
)
def test_movement(fn):
    check(fn, (2, 3, 4))


@pytest.mark.parametrize(
    "fn",
    [
        lambda a: a.squeeze(),
        lambda a: a.squeeze(0),
        lambda a: a.squeeze(-1),
        lambda a: a.squeeze(1),  # not size 1: unchanged
        lambda a: a.squeeze((0, 2)),
        lambda a: a.expand(4, 3, 2),
        lambda a: a.expand(5, 1, 3, 2),
        lambda a: a.expand(-1, 3, -1),
        lambda a: a.expand(2, 1, -1, 2),
        lambda a: a.broadcast_to((4, 3, 2)),
        lambda a: a.broadcast_to(2, 4, 3, 2),
        lambda a: a.expand_as(
            torch.ones(3, 3, 2) if isinstance(a, torch.Tensor) else rg.ones(3, 3, 2)
        ),
        lambda a: a.repeat(2, 1, 1),
    ],
)
def test_size_one_dims(fn):
    check(fn, (1, 3, 1))


def test_t_on_matrices_and_vectors():
    check(lambda a: a.t(), (2, 3))
    check(lambda a: a.t(), (3,))
    check(lambda a: a.T, (3,), torch_fn=lambda a: a)  # torch deprecates .T off 2-d
    check(lambda a: a.T, (2, 3))
    check(
        lambda a: a.T, (2, 3, 4), torch_fn=lambda a: a.permute(2, 1, 0)
    )  # torch deprecates 3-d .T


@given(shapes(min_dims=1), seeds, st.data())
def test_permute_random(shape, seed, data):
    perm = data.draw(st.permutations(range(len(shape))))
    signed = [p - len(shape) if data.draw(st.booleans()) else p for p in perm]
    check(lambda a: a.permute(*signed), shape, seed=seed)


@given(shape_and_dim(max_dims=3), seeds, st.integers(1, 3))
def test_repeat_random(shape_dim, seed, times):
    shape, dim = shape_dim
    reps = [1] * len(shape)
    reps[dim] = times
    check(lambda a: a.repeat(*reps), shape, seed=seed)
    check(lambda a: a.repeat(times, *reps), shape, seed=seed, fd=False)


@given(shapes(min_dims=1), seeds)
def test_broadcast_to_random(shape, seed):
    target = (2,) + tuple(3 if s == 1 else s for s in shape)
    check(lambda a: a.broadcast_to(target), shape, seed=seed)
    check(lambda a: a.expand(*target), shape, seed=seed, fd=False)


# ---------------------------------------------------------------------- cat, stack, split, chunk
@given(shape_and_dim(), st.lists(st.integers(0, 3), min_size=1, max_size=3), seeds)
def test_cat(shape_dim, sizes, seed):
    shape, dim = shape_dim
    parts = [shape[: dim % len(shape)] + (n,) + shape[dim % len(shape) + 1 :] for n in sizes]
    check(
        lambda *xs: (rg if isinstance(xs[0], rg.Tensor) else torch).cat(xs, dim), *parts, seed=seed
    )


@given(shapes(), st.integers(1, 3), seeds, st.data())
def test_stack(shape, n, seed, data):
    dim = data.draw(st.integers(-len(shape) - 1, len(shape)))
    check(
        lambda *xs: (rg if isinstance(xs[0], rg.Tensor) else torch).stack(xs, dim),
        *[shape] * n,
        seed=seed,
    )


def test_cat_promotes_dtypes_like_torch():
    # no finite differences: int() of a nudged value jumps
    check(
        lambda a: (rg if isinstance(a, rg.Tensor) else torch).cat([a, a.int()]),
        np.arange(3.0),
        fd=False,
    )


@given(shape_and_dim(), st.integers(1, 4), seeds)
def test_split_and_chunk(shape_dim, size, seed):
    shape, dim = shape_dim
    check(lambda a: a.split(size, dim), shape, seed=seed)
    check(lambda a: a.chunk(size, dim), shape, seed=seed)
    check(
        lambda a: (rg if isinstance(a, rg.Tensor) else torch).split(a, size, dim=dim),
        shape,
        fd=False,
    )


@pytest.mark.parametrize("sections", [[1, 2, 3], [0, 6], [6], [2, 2, 2]])
def test_split_sections(sections):
    check(lambda a: a.split(sections, 1), (2, 6))
    check(lambda a: a.split(sections, dim=-1), (2, 6))


def test_chunk_rounds_up_like_torch():
    for n in range(1, 8):
        check(lambda a, n=n: a.chunk(n), (6, 2))
        check(lambda a, n=n: a.chunk(n, -1), (2, 5))


# ---------------------------------------------------------------------- pad
@pytest.mark.parametrize(
    "widths",
    [
        (1, 2),
        (0, 0),
        (1, 0, 0, 2),
        (2, 1, 1, 1, 1, 0),
        (-1, 0),
        (-1, -1, 1, 0),
        (1, -2),
        (-2, 3, -1, 1),
    ],
)
@pytest.mark.parametrize("value", [0.0, -1.5])
def test_pad(widths, value):
    check(
        lambda a: pad(a, widths, value=value),
        (2, 3, 4),
        torch_fn=lambda a: F.pad(a, widths, value=value),
    )


# ---------------------------------------------------------------------- gather
@given(shape_and_dim(), seeds, st.integers(1, 4))
def test_gather_with_repeated_indices(shape_dim, seed, size):
    shape, dim = shape_dim
    index_shape = list(shape)
    index_shape[dim] = size  # the gathered dim may grow: indices repeat
    index = np.random.default_rng(seed).integers(0, shape[dim], index_shape)
    check(
        lambda a: a.gather(dim, rg.tensor(index)),
        shape,
        seed=seed,
        torch_fn=lambda a: a.gather(dim, torch.tensor(index)),
    )
    check(
        lambda a: rg.gather(a, dim, rg.tensor(index)),
        shape,
        torch_fn=lambda a: torch.gather(a, dim, torch.tensor(index)),
        fd=False,
    )


def test_gather_index_smaller_than_input_like_torch():
    # PyTorch only needs index.size(d) <= input.size(d) for d != dim
    index = np.array([[0, 0], [1, 0]])
    check(
        lambda a: a.gather(1, rg.tensor(index)),
        (3, 4),
        torch_fn=lambda a: a.gather(1, torch.tensor(index)),
    )
