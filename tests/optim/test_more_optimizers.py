"""Adadelta, Adamax, NAdam, RAdam, ASGD and Rprop against their torch.optim namesakes."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import retrograd as rg
from retrograd import nn, optim
from retrograd.optim import OptimizerError, OptimizerStateDictError

from .helpers import (
    assert_same_trajectory,
    initial_values,
    mlp_loss,
    to_numpy,
    to_torch,
    two_groups,
)

NAMES = ["Adadelta", "Adamax", "NAdam", "RAdam", "ASGD", "Rprop"]

# Options that exercise every branch of each update (and create every kind of state).
FULL_OPTIONS: dict[str, dict[str, Any]] = {
    "Adadelta": {"lr": 0.5, "rho": 0.8, "weight_decay": 0.01},
    "Adamax": {"lr": 0.01, "betas": (0.8, 0.99), "weight_decay": 0.01},
    "NAdam": {"lr": 0.01, "weight_decay": 0.01, "momentum_decay": 0.01},
    "RAdam": {"lr": 0.01, "betas": (0.9, 0.9), "weight_decay": 0.01},
    "ASGD": {"lr": 0.05, "lambd": 0.01, "t0": 3, "weight_decay": 0.01},
    "Rprop": {"lr": 0.01, "etas": (0.4, 1.3), "step_sizes": (1e-4, 0.1)},
}

STEPS = 12
RTOL = 1e-12  # from the same numbers only the order of roundings may differ
ATOL = 1e-14
# PyTorch's `grad.add(param, alpha=weight_decay)` may round once (a fused multiply-add) where
# NumPy rounds twice: one ulp in `exp_inf` at step 1. Adamax divides by `exp_inf`, which with
# beta2 = 0 and a small eps can be ~1e-3, so 12 steps can grow that ulp to ~1e-12 relative.
RTOLS = {"Adamax": 1e-10}


def unit() -> st.SearchStrategy[float]:
    return st.floats(0.0, 0.999)


def positive(low: float, high: float) -> st.SearchStrategy[float]:
    return st.floats(low, high)


HYPERPARAMETERS: dict[str, st.SearchStrategy[dict[str, Any]]] = {
    "Adadelta": st.fixed_dictionaries(
        {
            "lr": positive(1e-3, 2.0),
            "rho": st.floats(0.0, 1.0),
            "eps": positive(1e-8, 1e-2),
            "weight_decay": st.floats(0.0, 0.5),
            "maximize": st.booleans(),
        }
    ),
    "Adamax": st.fixed_dictionaries(
        {
            "lr": positive(1e-4, 0.1),
            "betas": st.tuples(unit(), unit()),
            "eps": positive(1e-10, 1e-2),
            "weight_decay": st.floats(0.0, 0.5),
            "maximize": st.booleans(),
        }
    ),
    "NAdam": st.fixed_dictionaries(
        {
            "lr": positive(1e-4, 0.1),
            "betas": st.tuples(unit(), unit()),
            "eps": positive(1e-10, 1e-2),
            "weight_decay": st.floats(0.0, 0.5),
            "momentum_decay": st.floats(0.0, 0.1),
            "decoupled_weight_decay": st.booleans(),
            "maximize": st.booleans(),
        }
    ),
    "RAdam": st.fixed_dictionaries(
        {
            "lr": positive(1e-4, 0.1),
            # beta2 from 0.5 up: rho_t passes 5 (the rectified branch) within a few steps
            "betas": st.tuples(unit(), st.floats(0.5, 0.999)),
            "eps": positive(1e-10, 1e-2),
            "weight_decay": st.floats(0.0, 0.5),
            "decoupled_weight_decay": st.booleans(),
            "maximize": st.booleans(),
        }
    ),
    "ASGD": st.fixed_dictionaries(
        {
            "lr": positive(1e-4, 0.2),
            "lambd": st.floats(0.0, 0.1),
            "alpha": st.floats(0.0, 1.0),
            "t0": st.sampled_from([0.0, 3.0, 1e6]),
            "weight_decay": st.floats(0.0, 0.5),
            "maximize": st.booleans(),
        }
    ),
    "Rprop": st.fixed_dictionaries(
        {
            "lr": positive(1e-4, 0.1),
            "etas": st.tuples(st.floats(0.1, 0.9), st.floats(1.1, 2.0)),
            "step_sizes": st.tuples(st.floats(1e-6, 1e-3), st.floats(0.01, 1.0)),
            "maximize": st.booleans(),
        }
    ),
}

SHAPES = st.lists(st.integers(1, 5), max_size=3).map(tuple)


def gradients(seed: int, shape: tuple[int, ...]) -> list[np.ndarray]:
    """The gradient of each step: drawn in advance, so both libraries get the same numbers
    (0-d ones as arrays: a NumPy scalar would become float32, as a Python float does)."""
    rng = np.random.default_rng(seed)
    return [np.asarray(rng.standard_normal(shape) * rng.uniform(0.1, 3)) for _ in range(STEPS)]


def run_both(name: str, kwargs: dict[str, Any], shape: tuple[int, ...], seed: int) -> None:
    """`STEPS` steps of both libraries from one start on the same gradients."""
    start = np.random.default_rng(seed).standard_normal(shape)
    ours = rg.tensor(start.copy(), requires_grad=True)
    theirs = torch.tensor(start.copy(), requires_grad=True)
    our_optimizer = getattr(optim, name)([ours], **kwargs)
    their_optimizer = getattr(torch.optim, name)([theirs], foreach=False, **kwargs)
    for step, grad in enumerate(gradients(seed + 1, shape)):
        ours.grad = rg.tensor(grad.copy())
        theirs.grad = torch.tensor(grad.copy())
        our_optimizer.step()
        their_optimizer.step()
        np.testing.assert_allclose(
            ours.array,
            theirs.detach().numpy(),
            rtol=RTOLS.get(name, RTOL),
            atol=ATOL,
            err_msg=f"{name}({kwargs}), shape {shape}: parameters differ after step {step + 1}",
        )
    for key, value in their_optimizer.state[theirs].items():
        np.testing.assert_allclose(
            our_optimizer.state[ours][key], value.numpy(), rtol=RTOL, atol=ATOL, err_msg=key
        )


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=40, deadline=None)
@given(data=st.data(), shape=SHAPES, seed=st.integers(0, 2**16))
def test_drawn_hyperparameters_and_shapes_match_torch(name, data, shape, seed):
    kwargs = data.draw(HYPERPARAMETERS[name], label="kwargs")
    run_both(name, kwargs, shape, seed)


@pytest.mark.parametrize("name", NAMES)
def test_defaults_match_torch(name):
    run_both(name, {}, (3, 4), seed=0)


@pytest.mark.parametrize("name", NAMES)
def test_training_an_mlp_with_two_groups_matches_torch(name):
    assert_same_trajectory(name, FULL_OPTIONS[name], steps=30, groups=two_groups)


def test_radam_switches_to_the_rectified_step_when_rho_passes_five():
    # beta2 = 0.9: rho_inf = 19, and rho_t passes 5 at step 6
    run_both("RAdam", {"lr": 0.01, "betas": (0.9, 0.9)}, (4,), seed=3)


def test_adadelta_step_worked_by_hand():
    w = rg.tensor([1.0, 1.0], dtype="float64", requires_grad=True)
    optimizer = optim.Adadelta([w], lr=1.0, rho=0.75, eps=0.0)
    w.grad = rg.tensor([2.0, -0.5], dtype="float64")
    optimizer.step()
    # square_avg = g^2 / 4 and acc_delta = 0, so delta = 0 with eps = 0: no move.
    np.testing.assert_array_equal(w.array, [1.0, 1.0])
    np.testing.assert_allclose(optimizer.state[w]["square_avg"], [1.0, 1 / 16])


def test_rprop_step_worked_by_hand():
    w = rg.tensor([0.0, 0.0, 0.0], dtype="float64", requires_grad=True)
    optimizer = optim.Rprop([w], lr=0.1, etas=(0.5, 2.0), step_sizes=(0.0, 1.0))
    for grad in ([1.0, -1.0, 1.0], [1.0, 1.0, 0.0]):
        w.grad = rg.tensor(grad, dtype="float64")
        optimizer.step()
    # first step: factor 1 (no previous gradient), each moves 0.1 against its sign; second:
    # same sign grows to 0.2, a flip shrinks to 0.05 and does not move, a zero does not move.
    np.testing.assert_allclose(w.array, [-0.3, 0.1, -0.1])
    np.testing.assert_allclose(optimizer.state[w]["step_size"], [0.2, 0.05, 0.1])


@pytest.mark.parametrize("name", NAMES)
def test_float32_parameters_stay_float32_in_the_same_array(name):
    w = rg.tensor(np.ones(5, dtype=np.float32), requires_grad=True)
    array = w.array
    optimizer = getattr(optim, name)([w], **FULL_OPTIONS[name])
    for _ in range(3):
        w.grad = rg.tensor(np.array([0.1, -2.0, 3.0, 0.0, -0.5], dtype=np.float32))
        optimizer.step()
    assert w.array is array
    assert w.array.dtype == np.float32
    for key, value in optimizer.state[w].items():
        if key not in ("step", "mu_product", "eta", "mu"):
            assert value.dtype == np.float32, key


# ------------------------------------------------------------------------------- state dicts
def train(optimizer: Any, params: list[Any], x: Any, y: Any, steps: int) -> None:
    for _ in range(steps):
        optimizer.zero_grad()
        mlp_loss(x, y, params).backward()
        optimizer.step()


def make_model(weights: list[np.ndarray]) -> list[Any]:
    return [rg.tensor(w.copy(), requires_grad=True) for w in weights]


@pytest.mark.parametrize("name", NAMES)
def test_resuming_from_a_state_dict_continues_the_same_trajectory(name):
    x_values, y_values, weights = initial_values()
    x, y = rg.tensor(x_values), rg.tensor(y_values)
    options = FULL_OPTIONS[name]

    uninterrupted = make_model(weights)
    optimizer = getattr(optim, name)(two_groups(uninterrupted), **options)
    train(optimizer, uninterrupted, x, y, 20)

    first_half = make_model(weights)
    optimizer = getattr(optim, name)(two_groups(first_half), **options)
    train(optimizer, first_half, x, y, 8)
    saved_state = optimizer.state_dict()
    saved_weights = [p.array.copy() for p in first_half]
    train(optimizer, first_half, x, y, 3)  # must not leak into the saved copy

    resumed = make_model(saved_weights)
    optimizer = getattr(optim, name)(two_groups(resumed), **options)
    optimizer.load_state_dict(saved_state)
    train(optimizer, resumed, x, y, 12)

    for a, b in zip(resumed, uninterrupted):
        np.testing.assert_array_equal(a.array, b.array)


@pytest.mark.parametrize("name", NAMES)
def test_state_dict_has_pytorchs_keys_and_loads_a_torch_state_dict(name):
    x_values, y_values, weights = initial_values()
    options = FULL_OPTIONS[name]
    torch_params = [torch.tensor(w.copy(), requires_grad=True) for w in weights]
    torch_optimizer = getattr(torch.optim, name)(two_groups(torch_params), **options)
    torch_x, torch_y = torch.tensor(x_values), torch.tensor(y_values)
    train(torch_optimizer, torch_params, torch_x, torch_y, 5)
    theirs = torch_optimizer.state_dict()

    params = make_model(weights)
    optimizer = getattr(optim, name)(two_groups(params), **options)
    train(optimizer, params, rg.tensor(x_values), rg.tensor(y_values), 5)
    ours = optimizer.state_dict()
    assert sorted(ours["state"]) == sorted(theirs["state"])
    for index, their_state in theirs["state"].items():
        assert sorted(ours["state"][index]) == sorted(their_state)
        for key, value in their_state.items():
            assert np.asarray(ours["state"][index][key]).dtype == value.numpy().dtype, key
    for our_group, their_group in zip(ours["param_groups"], theirs["param_groups"]):
        assert sorted(our_group) == sorted(their_group)

    # torch's state, loaded into retrograd at torch's weights, continues torch's trajectory
    resumed = make_model([p.detach().numpy() for p in torch_params])
    optimizer = getattr(optim, name)(two_groups(resumed), **options)
    optimizer.load_state_dict(to_numpy(theirs))
    train(optimizer, resumed, rg.tensor(x_values), rg.tensor(y_values), 5)
    train(torch_optimizer, torch_params, torch_x, torch_y, 5)
    for a, b in zip(resumed, torch_params):
        np.testing.assert_allclose(a.array, b.detach().numpy(), rtol=1e-8, atol=1e-10)

    # and retrograd's state loads into torch
    torch_optimizer.load_state_dict(to_torch(optimizer.state_dict()))


@pytest.mark.parametrize("name", ["NAdam", "ASGD"])
def test_scalar_state_of_the_wrong_shape_is_refused(name):
    w = rg.tensor(np.ones(3), requires_grad=True)
    optimizer = getattr(optim, name)([w])
    w.grad = rg.tensor(np.ones(3))
    optimizer.step()
    saved = optimizer.state_dict()
    key = "mu_product" if name == "NAdam" else "eta"
    saved["state"][0][key] = np.ones(3)
    with pytest.raises(OptimizerStateDictError, match=key):
        getattr(optim, name)([w]).load_state_dict(saved)


# -------------------------------------------------------------------------------- validation
INVALID = [
    ("Adadelta", {"lr": -1.0}),
    ("Adadelta", {"rho": 1.5}),
    ("Adadelta", {"rho": -0.1}),
    ("Adadelta", {"eps": -1e-6}),
    ("Adadelta", {"weight_decay": -0.1}),
    ("Adamax", {"lr": -1.0}),
    ("Adamax", {"eps": -1.0}),
    ("Adamax", {"betas": (1.0, 0.999)}),
    ("Adamax", {"betas": (0.9, -0.1)}),
    ("Adamax", {"weight_decay": -0.1}),
    ("NAdam", {"lr": -1.0}),
    ("NAdam", {"betas": (0.9, 1.0)}),
    ("NAdam", {"momentum_decay": -0.1}),
    ("NAdam", {"weight_decay": -0.1}),
    ("RAdam", {"lr": -1.0}),
    ("RAdam", {"eps": -1.0}),
    ("RAdam", {"betas": (-0.5, 0.9)}),
    ("RAdam", {"weight_decay": -0.1}),
    ("ASGD", {"lr": -1.0}),
    ("ASGD", {"weight_decay": -0.1}),
    ("Rprop", {"lr": -1.0}),
    ("Rprop", {"etas": (1.5, 1.2)}),
    ("Rprop", {"etas": (0.5, 0.9)}),
    ("Rprop", {"etas": (0.0, 1.2)}),
]


@pytest.mark.parametrize(("name", "kwargs"), INVALID, ids=str)
def test_invalid_hyperparameters_raise_torchs_value_error(name, kwargs):
    with pytest.raises(ValueError) as theirs:
        getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)], **kwargs)
    with pytest.raises(OptimizerError) as ours:
        getattr(optim, name)([rg.zeros(2, requires_grad=True)], **kwargs)
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("name", NAMES)
def test_pytorchs_switches_are_accepted_and_kept_in_the_groups(name):
    w = rg.zeros(2, requires_grad=True)
    optimizer = getattr(optim, name)([w], foreach=True, capturable=True)
    group = optimizer.param_groups[0]
    assert group["foreach"] is True and group["capturable"] is True
    assert group["differentiable"] is False
    w.grad = rg.ones(2)
    optimizer.step()


@pytest.mark.parametrize("name", NAMES)
def test_differentiable_steps_are_refused_with_a_reason(name):
    with pytest.raises(OptimizerError, match="differentiable=True is not supported"):
        getattr(optim, name)([rg.zeros(2, requires_grad=True)], differentiable=True)


# ------------------------------------------------------------------ a PyTorch training script
def training_script(torch_like: Any, name: str, options: dict[str, Any]) -> list[float]:
    """A PyTorch-style loop, written once and run with `torch_like` as torch or retrograd."""
    rng = np.random.default_rng(0)
    x = torch_like.tensor(rng.standard_normal((64, 4)))
    y = torch_like.tensor(rng.standard_normal((64, 1)))
    torch_like.manual_seed(0)
    model = torch_like.nn.Sequential(
        torch_like.nn.Linear(4, 16), torch_like.nn.Tanh(), torch_like.nn.Linear(16, 1)
    ).double()
    loss_fn = torch_like.nn.MSELoss()
    optimizer = getattr(torch_like.optim, name)(model.parameters(), **options)
    losses = []
    for _epoch in range(40):
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


@pytest.mark.parametrize("name", NAMES)
def test_a_pytorch_training_script_runs_and_lowers_the_loss(name):
    options = {key: value for key, value in FULL_OPTIONS[name].items() if key != "weight_decay"}
    losses = training_script(rg, name, options)
    assert all(np.isfinite(losses))
    assert losses[-1] < 0.9 * losses[0], losses


def test_modules_parameters_train_like_torchs():
    torch_model = torch.nn.Linear(3, 2).double()
    model = nn.Linear(3, 2).double()
    model.load_state_dict({k: v.detach().numpy() for k, v in torch_model.state_dict().items()})
    x_values = np.random.default_rng(2).standard_normal((8, 3))
    ours = optim.NAdam(model.parameters(), lr=0.05)
    theirs = torch.optim.NAdam(torch_model.parameters(), lr=0.05)
    for _ in range(10):
        ours.zero_grad()
        (model(rg.tensor(x_values)) ** 2).mean().backward()
        ours.step()
        theirs.zero_grad()
        (torch_model(torch.tensor(x_values)) ** 2).mean().backward()
        theirs.step()
    np.testing.assert_allclose(
        model.weight.array, torch_model.weight.detach().numpy(), rtol=1e-10, atol=1e-12
    )
