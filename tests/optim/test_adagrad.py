"""Adagrad against torch.optim.Adagrad."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import retrograd as rg
from retrograd.optim import Adagrad

from .helpers import MODE_IDS, assert_same_trajectory, two_groups

OPTIONS = [
    {},
    {"lr": 0.05},
    {"lr": 0.05, "lr_decay": 0.1},
    {"lr": 0.05, "weight_decay": 0.1},
    {"lr": 0.05, "initial_accumulator_value": 0.5},
    {"lr": 0.05, "eps": 1e-2},
    {"lr": 0.05, "maximize": True},
    {"lr": 0.1, "lr_decay": 0.05, "weight_decay": 0.1, "initial_accumulator_value": 0.1,
     "eps": 1e-6, "maximize": True},
]  # fmt: skip


@pytest.mark.parametrize("kwargs", OPTIONS, ids=str)
@pytest.mark.parametrize("same_inputs", [False, True], ids=MODE_IDS)
def test_trajectory_matches_torch(kwargs, same_inputs):
    assert_same_trajectory("Adagrad", kwargs, same_inputs=same_inputs)


def test_param_groups_with_different_lrs_match_torch():
    assert_same_trajectory("Adagrad", {"lr": 0.05, "lr_decay": 0.01}, groups=two_groups)


@given(
    lr=st.floats(1e-3, 0.2),
    lr_decay=st.floats(0.0, 0.5),
    weight_decay=st.floats(0.0, 0.5),
    initial_accumulator_value=st.floats(0.0, 1.0),
    maximize=st.booleans(),
)
def test_hyperparameters_match_torch(
    lr, lr_decay, weight_decay, initial_accumulator_value, maximize
):
    kwargs = {
        "lr": lr,
        "lr_decay": lr_decay,
        "weight_decay": weight_decay,
        "initial_accumulator_value": initial_accumulator_value,
        "maximize": maximize,
    }
    assert_same_trajectory("Adagrad", kwargs, steps=10, same_inputs=True)


def test_steps_worked_by_hand():
    w = rg.tensor([1.0], dtype="float64", requires_grad=True)
    optimizer = Adagrad([w], lr=0.5, lr_decay=1.0, initial_accumulator_value=5.0, eps=0.0)
    w.grad = rg.tensor([2.0], dtype="float64")
    optimizer.step()
    # sum = 5 + 4 = 9, so w -= 0.5 * 2 / 3.
    np.testing.assert_allclose(w.array, [1.0 - 1.0 / 3.0], rtol=1e-15)
    w.grad = rg.tensor([4.0], dtype="float64")
    optimizer.step()
    # sum = 9 + 16 = 25 and the decayed lr is 0.5 / (1 + 1 * 1.0) = 0.25: w -= 0.25 * 4 / 5.
    np.testing.assert_allclose(w.array, [1.0 - 1.0 / 3.0 - 0.2], rtol=1e-15)


def test_state_exists_from_construction():
    w = rg.tensor([1.0, 2.0], dtype="float64", requires_grad=True)
    optimizer = Adagrad([w], initial_accumulator_value=0.25)
    state = optimizer.state_dict()["state"]
    assert float(state[0]["step"]) == 0.0
    np.testing.assert_array_equal(state[0]["sum"], [0.25, 0.25])


def test_each_group_starts_its_sums_at_its_own_initial_accumulator_value():
    a = rg.tensor([1.0], dtype="float64", requires_grad=True)
    b = rg.tensor([1.0], dtype="float64", requires_grad=True)
    groups = [{"params": [a]}, {"params": [b], "initial_accumulator_value": 3.0}]
    optimizer = Adagrad(groups, initial_accumulator_value=1.0)
    late = rg.tensor([1.0], dtype="float64", requires_grad=True)
    optimizer.add_param_group({"params": [late], "initial_accumulator_value": 8.0})
    for p in (a, b, late):
        p.grad = rg.tensor([1.0], dtype="float64")
    optimizer.step()
    np.testing.assert_array_equal(optimizer.state[a]["sum"], [2.0])
    np.testing.assert_array_equal(optimizer.state[b]["sum"], [4.0])
    np.testing.assert_array_equal(optimizer.state[late]["sum"], [9.0])


def test_float32_stays_float32_in_the_same_array():
    w = rg.tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    array = w.array
    optimizer = Adagrad([w], lr_decay=0.1, weight_decay=0.1, initial_accumulator_value=0.1)
    for _ in range(3):
        w.grad = rg.tensor(np.array([0.1, -2.0, 3.0], dtype=np.float32))
        optimizer.step()
    assert w.array is array
    assert w.array.dtype == np.float32
    assert optimizer.state[w]["sum"].dtype == np.float32
