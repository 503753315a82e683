"""nn.Parameter: a leaf Tensor that requires grad, shares the data it is given."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest

import retrograd as rg
from retrograd import nn


def test_requires_grad_by_default_and_is_a_leaf_tensor() -> None:
    p = nn.Parameter(rg.zeros(2, 3))
    assert isinstance(p, rg.Tensor) and p.requires_grad and p.is_leaf
    assert not nn.Parameter(rg.zeros(2), requires_grad=False).requires_grad


def test_shares_the_array_of_a_tensor() -> None:
    t = rg.zeros(3)
    p = nn.Parameter(t)
    p.array[0] = 5.0
    assert t.array[0] == 5.0


def test_accepts_arrays_and_none() -> None:
    assert nn.Parameter(np.ones(2)).dtype == np.float64
    assert nn.Parameter().shape == (0,)


def test_integer_parameter_cannot_require_grad() -> None:
    with pytest.raises(rg.DTypeError):
        nn.Parameter(rg.tensor([1, 2]))
    assert not nn.Parameter(rg.tensor([1, 2]), requires_grad=False).requires_grad


def test_repr() -> None:
    text = repr(nn.Parameter(rg.tensor([1.0, 2.0])))
    assert text == "Parameter containing:\ntensor([1., 2.], requires_grad=True)"


def test_ops_give_plain_tensors_and_gradients_reach_the_parameter() -> None:
    p = nn.Parameter(rg.tensor([1.0, 2.0]))
    out = (p * 3).sum()
    assert type(out) is rg.Tensor
    out.backward()
    np.testing.assert_array_equal(p.grad.array, [3.0, 3.0])


def test_deepcopy_and_pickle_keep_the_type() -> None:
    p = nn.Parameter(rg.tensor([1.0, 2.0]))
    p.grad = rg.tensor([0.5, 0.5])
    for clone in (copy.deepcopy(p), pickle.loads(pickle.dumps(p))):
        assert type(clone) is nn.Parameter and clone.requires_grad
        assert clone.array is not p.array
        np.testing.assert_array_equal(clone.array, p.array)
        np.testing.assert_array_equal(clone.grad.array, p.grad.array)
