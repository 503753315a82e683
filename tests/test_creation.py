"""Factories: shapes, dtypes (as in PyTorch), requires_grad and seeding."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import retrograd as rg


@pytest.mark.parametrize("name", ["zeros", "ones", "empty", "rand", "randn"])
@pytest.mark.parametrize("size", [(), (3,), (2, 3)])
def test_shape_factories(name, size):
    for args in ((size,), size):
        if not args:
            continue
        ours, theirs = getattr(rg, name)(*args), getattr(torch, name)(*args)
        assert ours.shape == tuple(theirs.shape) and ours.dtype == theirs.numpy().dtype
    assert getattr(rg, name)(size, dtype=rg.float64).dtype == np.float64
    t = getattr(rg, name)(size, requires_grad=True)
    assert t.requires_grad and t.is_leaf


@pytest.mark.parametrize(
    "make",
    [
        lambda lib: lib.zeros(2, 3),
        lambda lib: lib.ones(4),
        lambda lib: lib.full((2, 2), 3.5),
        lambda lib: lib.full((2,), 7),
        lambda lib: lib.full((2,), True),
        lambda lib: lib.arange(5),
        lambda lib: lib.arange(1, 7, 2),
        lambda lib: lib.arange(0, 1, 0.25),
        lambda lib: lib.arange(5.0),
        lambda lib: lib.linspace(0, 1, 5),
        lambda lib: lib.eye(3),
        lambda lib: lib.eye(2, 3),
        lambda lib: lib.zeros_like(lib.ones(2, dtype=lib.int64)),
        lambda lib: lib.ones_like(lib.ones(2, 1)),
        lambda lib: lib.full_like(lib.ones(3), 2.0),
        lambda lib: lib.ones(2).new_zeros(3),
        lambda lib: lib.ones(2, dtype=lib.float64).new_ones((2, 2)),
        lambda lib: lib.ones(2).new_full((2,), 4.0),
        lambda lib: lib.ones(2).new_tensor([1.0, 2.0]),
        lambda lib: lib.tensor([[1, 2]], dtype=lib.float64),
    ],
)
def test_deterministic_factories(make):
    ours, theirs = make(rg), make(torch)
    assert ours.dtype == theirs.numpy().dtype
    np.testing.assert_allclose(ours.array, theirs.numpy(), rtol=1e-6)


def test_manual_seed_reproduces_rand_and_randn():
    rg.manual_seed(123)
    first = [
        rg.rand(3).array,
        rg.randn(2, 2).array,
        rg.randint(0, 10, (4,)).array,
        rg.randperm(5).array,
    ]
    rg.manual_seed(123)
    second = [
        rg.rand(3).array,
        rg.randn(2, 2).array,
        rg.randint(0, 10, (4,)).array,
        rg.randperm(5).array,
    ]
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    rg.manual_seed(124)
    assert not np.array_equal(rg.rand(3).array, first[0])


def test_rng_state_round_trip():
    rg.manual_seed(0)
    state = rg.get_rng_state()
    a = rg.randn(4).array
    rg.set_rng_state(state)
    np.testing.assert_array_equal(rg.randn(4).array, a)


def test_explicit_generator():
    a = rg.rand(3, generator=np.random.default_rng(5)).array
    b = rg.rand(3, generator=np.random.default_rng(5)).array
    np.testing.assert_array_equal(a, b)


def test_random_values_and_dtypes():
    rg.manual_seed(0)
    u = rg.rand(10_000)
    n = rg.randn(10_000, dtype=rg.float64)
    assert 0 <= u.array.min() and u.array.max() < 1 and abs(u.array.mean() - 0.5) < 0.02
    assert n.dtype == np.float64 and abs(n.array.std() - 1) < 0.05
    r = rg.randint(3, 7, (1000,))
    assert r.dtype == np.int64 and r.array.min() == 3 and r.array.max() == 6
    assert rg.randint(5, (2,)).array.max() < 5
    assert sorted(rg.randperm(6).tolist()) == list(range(6)) and rg.randperm(6).dtype == np.int64
    assert rg.rand_like(rg.ones(2, dtype=rg.float64)).dtype == np.float64
    assert rg.randn_like(rg.ones(2, 3)).shape == (2, 3)


def test_tensor_copies_and_from_numpy_shares():
    array = np.zeros(3)
    copied = rg.tensor(array)
    shared = rg.from_numpy(array)
    array[0] = 1.0
    assert copied.array[0] == 0.0 and shared.array[0] == 1.0
    assert rg.as_tensor(array).array[0] == 1.0
    t = rg.ones(2)
    assert rg.as_tensor(t) is t


def test_many_positional_sizes_are_sizes_not_a_device() -> None:
    """`device=` is keyword-only after `*sizes`: a fifth size is a size."""
    import retrograd as rg

    for factory in (rg.zeros, rg.ones, rg.empty, rg.rand, rg.randn):
        assert factory(2, 1, 3, 1, 4, 2).shape == (2, 1, 3, 1, 4, 2)
    assert rg.arange(0, 6, 2, dtype=rg.int64).tolist() == [0, 2, 4]
