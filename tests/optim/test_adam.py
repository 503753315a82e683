"""Adam and AdamW against torch.optim, and one step of each worked by hand."""

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import retrograd as rg
from retrograd.optim import Adam, AdamW

from .helpers import MODE_IDS, assert_same_trajectory, two_groups

ADAM_OPTIONS = [
    {},
    {"lr": 0.01},
    {"lr": 0.01, "betas": (0.8, 0.9)},
    {"lr": 0.01, "eps": 1e-3},
    {"lr": 0.01, "weight_decay": 0.1},
    {"lr": 0.01, "amsgrad": True},
    {"lr": 0.01, "maximize": True},
    {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True},
    {"lr": 0.02, "betas": (0.5, 0.6), "weight_decay": 0.05, "amsgrad": True, "maximize": True},
]

ADAMW_OPTIONS = [
    {},
    {"lr": 0.01},
    {"lr": 0.01, "weight_decay": 0.5},
    {"lr": 0.01, "weight_decay": 0.0},
    {"lr": 0.01, "amsgrad": True},
    {"lr": 0.01, "maximize": True},
    {"lr": 0.02, "betas": (0.5, 0.6), "eps": 1e-4, "amsgrad": True, "maximize": True},
]


@pytest.mark.parametrize("kwargs", ADAM_OPTIONS, ids=str)
@pytest.mark.parametrize("same_inputs", [False, True], ids=MODE_IDS)
def test_adam_trajectory_matches_torch(kwargs, same_inputs):
    assert_same_trajectory("Adam", kwargs, same_inputs=same_inputs)


@pytest.mark.parametrize("kwargs", ADAMW_OPTIONS, ids=str)
@pytest.mark.parametrize("same_inputs", [False, True], ids=MODE_IDS)
def test_adamw_trajectory_matches_torch(kwargs, same_inputs):
    assert_same_trajectory("AdamW", kwargs, same_inputs=same_inputs)


@pytest.mark.parametrize("name", ["Adam", "AdamW"])
def test_param_groups_with_different_lrs_match_torch(name):
    assert_same_trajectory(name, {"lr": 0.01, "amsgrad": True}, groups=two_groups)


betas = st.tuples(st.floats(0.0, 0.99), st.floats(0.0, 0.999))


@given(
    lr=st.floats(1e-4, 0.1),
    betas=betas,
    eps=st.sampled_from([1e-8, 1e-6, 1e-3]),
    weight_decay=st.floats(0.0, 0.5),
    amsgrad=st.booleans(),
    maximize=st.booleans(),
)
def test_adam_hyperparameters_match_torch(lr, betas, eps, weight_decay, amsgrad, maximize):
    # L2 weight decay adds weight_decay * param to the gradient, which PyTorch does with a fused
    # multiply-add (one rounding) and NumPy cannot (two). Near the regularised optimum the sum
    # cancels to its last bits, and with beta2 close to 0 the denominator sqrt(v) is that same
    # cancelled sum, so the update is the ratio of two rounding errors: no tolerance holds.
    assume(weight_decay == 0.0 or betas[1] >= 0.5)
    kwargs = {
        "lr": lr,
        "betas": betas,
        "eps": eps,
        "weight_decay": weight_decay,
        "amsgrad": amsgrad,
        "maximize": maximize,
    }
    assert_same_trajectory("Adam", kwargs, steps=10, same_inputs=True)


@given(
    lr=st.floats(1e-4, 0.1), betas=betas, weight_decay=st.floats(0.0, 1.0), amsgrad=st.booleans()
)
def test_adamw_hyperparameters_match_torch(lr, betas, weight_decay, amsgrad):
    kwargs = {"lr": lr, "betas": betas, "weight_decay": weight_decay, "amsgrad": amsgrad}
    assert_same_trajectory("AdamW", kwargs, steps=10, same_inputs=True)


def test_adam_step_worked_by_hand():
    w = rg.tensor([0.5, -1.0], dtype="float64", requires_grad=True)
    optimizer = Adam([w], lr=0.1, eps=0.1)
    w.grad = rg.tensor([0.2, -0.4], dtype="float64")
    optimizer.step()
    # Step 1: m = 0.1 g and v = 0.001 g^2, so the bias-corrected moments are g and g^2:
    # w -= lr * g / (|g| + eps) = [0.1 * 0.2 / 0.3, 0.1 * -0.4 / 0.5] = [0.0666..., -0.08]
    np.testing.assert_allclose(w.array, [0.5 - 0.02 / 0.3, -1.0 + 0.08], rtol=1e-14)
    state = optimizer.state[w]
    assert float(state["step"]) == 1.0
    np.testing.assert_allclose(state["exp_avg"], [0.02, -0.04], rtol=1e-14)
    np.testing.assert_allclose(state["exp_avg_sq"], [0.001 * 0.04, 0.001 * 0.16], rtol=1e-12)


def test_adamw_step_worked_by_hand():
    w = rg.tensor([0.5, -1.0], dtype="float64", requires_grad=True)
    optimizer = AdamW([w], lr=0.1, eps=0.1, weight_decay=0.1)
    w.grad = rg.tensor([0.2, -0.4], dtype="float64")
    optimizer.step()
    # The weights shrink by lr * weight_decay = 1% first; the Adam step is as in the test above.
    np.testing.assert_allclose(w.array, [0.495 - 0.02 / 0.3, -0.99 + 0.08], rtol=1e-14)


def test_adam_with_l2_weight_decay_worked_by_hand():
    w = rg.tensor([2.0], dtype="float64", requires_grad=True)
    optimizer = Adam([w], lr=0.1, eps=0.0, weight_decay=0.5)
    w.grad = rg.tensor([-3.0], dtype="float64")
    optimizer.step()
    # The decay enters the gradient: g = -3 + 0.5 * 2 = -2, and step 1 moves by lr * sign(g).
    np.testing.assert_allclose(w.array, [2.1], rtol=1e-14)


def test_float32_stays_float32_in_the_same_array():
    w = rg.tensor(np.ones(4, dtype=np.float32), requires_grad=True)
    array = w.array
    optimizer = AdamW([w], lr=0.1, amsgrad=True)
    for _ in range(3):
        w.grad = rg.tensor(np.linspace(-1, 1, 4, dtype=np.float32))
        optimizer.step()
    assert w.array is array
    assert w.array.dtype == np.float32
    for key in ("exp_avg", "exp_avg_sq", "max_exp_avg_sq"):
        assert optimizer.state[w][key].dtype == np.float32


def test_adamw_defaults_match_torch():
    w = rg.tensor([1.0], requires_grad=True)
    assert AdamW([w]).defaults["weight_decay"] == 1e-2
    assert AdamW([w]).defaults["decoupled_weight_decay"] is True
    assert Adam([w]).defaults["decoupled_weight_decay"] is False
    assert Adam([w]).defaults["lr"] == 1e-3
