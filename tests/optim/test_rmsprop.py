"""RMSprop against torch.optim.RMSprop."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import retrograd as rg
from retrograd.optim import RMSprop

from .helpers import MODE_IDS, assert_same_trajectory, two_groups

OPTIONS = [
    {},
    {"lr": 0.001},
    {"lr": 0.005, "alpha": 0.9},
    {"lr": 0.005, "eps": 1e-3},
    {"lr": 0.005, "momentum": 0.9},
    {"lr": 0.005, "centered": True},
    {"lr": 0.005, "centered": True, "momentum": 0.5},
    {"lr": 0.005, "weight_decay": 0.1},
    {"lr": 0.005, "maximize": True},
    {"lr": 0.002, "alpha": 0.5, "momentum": 0.3, "centered": True, "weight_decay": 0.2,
     "maximize": True},
]  # fmt: skip


@pytest.mark.parametrize("kwargs", OPTIONS, ids=str)
@pytest.mark.parametrize("same_inputs", [False, True], ids=MODE_IDS)
def test_trajectory_matches_torch(kwargs, same_inputs):
    assert_same_trajectory("RMSprop", kwargs, same_inputs=same_inputs)


def test_param_groups_with_different_lrs_match_torch():
    assert_same_trajectory("RMSprop", {"lr": 0.005, "momentum": 0.5}, groups=two_groups)


@given(
    lr=st.floats(1e-4, 0.02),
    alpha=st.floats(0.5, 0.999),
    momentum=st.sampled_from([0.0, 0.5, 0.9]),
    centered=st.booleans(),
    weight_decay=st.floats(0.0, 0.5),
    maximize=st.booleans(),
)
def test_hyperparameters_match_torch(lr, alpha, momentum, centered, weight_decay, maximize):
    kwargs = {
        "lr": lr,
        "alpha": alpha,
        "momentum": momentum,
        "centered": centered,
        "weight_decay": weight_decay,
        "maximize": maximize,
    }
    assert_same_trajectory("RMSprop", kwargs, steps=10, same_inputs=True)


def test_step_worked_by_hand():
    w = rg.tensor([1.0, 1.0], dtype="float64", requires_grad=True)
    optimizer = RMSprop([w], lr=0.01, alpha=0.75, eps=0.0)
    w.grad = rg.tensor([2.0, -0.5], dtype="float64")
    optimizer.step()
    # square_avg = (1 - alpha) g^2 = g^2 / 4, so sqrt is |g| / 2 and w -= lr * 2 * sign(g).
    np.testing.assert_allclose(w.array, [0.98, 1.02], rtol=1e-14)


def test_float32_stays_float32_in_the_same_array():
    w = rg.tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    array = w.array
    optimizer = RMSprop([w], momentum=0.5, centered=True, weight_decay=0.1)
    for _ in range(3):
        w.grad = rg.tensor(np.array([0.1, -2.0, 3.0], dtype=np.float32))
        optimizer.step()
    assert w.array is array
    assert w.array.dtype == np.float32
    for key in ("square_avg", "grad_avg", "momentum_buffer"):
        assert optimizer.state[w][key].dtype == np.float32
