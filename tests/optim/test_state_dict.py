"""Optimizer state dicts: PyTorch's layout, deep copies, and training that resumes exactly."""

import numpy as np
import pytest
import torch

import retrograd as rg
from retrograd import optim
from retrograd.errors import StateDictError
from retrograd.optim import SGD, Adam, OptimizerStateDictError

from .helpers import initial_values, mlp_loss, two_groups

# Options that create every kind of state each optimizer has.
FULL_OPTIONS = {
    "SGD": {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01},
    "Adam": {"lr": 0.01, "amsgrad": True, "weight_decay": 0.01},
    "AdamW": {"lr": 0.01, "amsgrad": True},
    "RMSprop": {"lr": 0.005, "momentum": 0.5, "centered": True},
    "Adagrad": {"lr": 0.05, "lr_decay": 0.01, "initial_accumulator_value": 0.1},
}


def make_model(weights):
    return [rg.tensor(w.copy(), requires_grad=True) for w in weights]


def train(optimizer, params, x, y, steps):
    for _ in range(steps):
        optimizer.zero_grad()
        mlp_loss(x, y, params).backward()
        optimizer.step()


@pytest.mark.parametrize("name", list(FULL_OPTIONS))
def test_resuming_from_a_state_dict_continues_the_same_trajectory(name):
    x_values, y_values, weights = initial_values()
    x, y = rg.tensor(x_values), rg.tensor(y_values)
    options = FULL_OPTIONS[name]

    uninterrupted = make_model(weights)
    optimizer = getattr(optim, name)(two_groups(uninterrupted), **options)
    train(optimizer, uninterrupted, x, y, 50)

    first_half = make_model(weights)
    optimizer = getattr(optim, name)(two_groups(first_half), **options)
    train(optimizer, first_half, x, y, 20)
    saved_state = optimizer.state_dict()
    saved_weights = [p.array.copy() for p in first_half]
    train(optimizer, first_half, x, y, 5)  # must not leak into the saved copy

    resumed = make_model(saved_weights)
    optimizer = getattr(optim, name)(two_groups(resumed), **options)
    optimizer.load_state_dict(saved_state)
    train(optimizer, resumed, x, y, 30)

    for a, b in zip(resumed, uninterrupted):
        np.testing.assert_array_equal(a.array, b.array)


@pytest.mark.parametrize("name", list(FULL_OPTIONS))
def test_state_dict_has_pytorchs_layout_and_values(name):
    x_values, y_values, weights = initial_values()
    options = FULL_OPTIONS[name]

    params = make_model(weights)
    optimizer = getattr(optim, name)(two_groups(params), foreach=False, **options)
    train(optimizer, params, rg.tensor(x_values), rg.tensor(y_values), 5)
    ours = optimizer.state_dict()

    torch_params = [torch.tensor(w.copy(), requires_grad=True) for w in weights]
    torch_optimizer = getattr(torch.optim, name)(two_groups(torch_params), foreach=False, **options)
    x, y = torch.tensor(x_values), torch.tensor(y_values)
    for _ in range(5):
        torch_optimizer.zero_grad()
        mlp_loss(x, y, torch_params).backward()
        torch_optimizer.step()
    theirs = torch_optimizer.state_dict()

    assert sorted(ours) == sorted(theirs) == ["param_groups", "state"]
    assert sorted(ours["state"]) == sorted(theirs["state"]) == [0, 1, 2, 3]
    for index, their_state in theirs["state"].items():
        assert sorted(ours["state"][index]) == sorted(their_state)
        for key, value in their_state.items():
            np.testing.assert_allclose(
                ours["state"][index][key], value.numpy(), rtol=1e-8, atol=1e-10
            )
    for our_group, their_group in zip(ours["param_groups"], theirs["param_groups"]):
        assert our_group["params"] == their_group["params"]
        # the same options, PyTorch's implementation switches included
        assert sorted(our_group) == sorted(their_group)
        for key, value in our_group.items():
            assert their_group[key] == value, key


def test_state_dict_is_a_deep_copy():
    w = rg.tensor(np.array([1.0, 2.0]), requires_grad=True)
    optimizer = Adam([w], lr=0.1)
    (w * w).sum().backward()
    optimizer.step()
    saved = optimizer.state_dict()
    exp_avg = saved["state"][0]["exp_avg"].copy()
    step = float(saved["state"][0]["step"])
    optimizer.step()
    saved["param_groups"][0]["lr"] = 123.0
    np.testing.assert_array_equal(saved["state"][0]["exp_avg"], exp_avg)
    assert float(saved["state"][0]["step"]) == step
    assert optimizer.param_groups[0]["lr"] == 0.1


def test_load_state_dict_copies_and_does_not_alias_the_saved_arrays():
    a = rg.tensor(np.array([1.0, 2.0]), requires_grad=True)
    source = SGD([a], lr=0.1, momentum=0.9)
    (a * a).sum().backward()
    source.step()
    saved = source.state_dict()
    buffer = saved["state"][0]["momentum_buffer"].copy()

    b = rg.tensor(np.array([1.0, 2.0]), requires_grad=True)
    target = SGD([b], lr=0.1, momentum=0.9)
    target.load_state_dict(saved)
    (b * b).sum().backward()
    target.step()
    np.testing.assert_array_equal(saved["state"][0]["momentum_buffer"], buffer)


def test_load_state_dict_restores_group_options_and_keeps_the_parameters():
    a, b = (rg.tensor(np.array([1.0]), requires_grad=True) for _ in range(2))
    source = SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1, momentum=0.9)
    a2, b2 = (rg.tensor(np.array([1.0]), requires_grad=True) for _ in range(2))
    target = SGD([{"params": [a2]}, {"params": [b2]}], lr=0.3)
    target.load_state_dict(source.state_dict())
    assert [g["lr"] for g in target.param_groups] == [0.1, 0.5]
    assert target.param_groups[0]["momentum"] == 0.9
    assert target.param_groups[0]["params"][0] is a2
    assert target.param_groups[1]["params"][0] is b2


def test_loaded_arrays_take_the_parameters_dtype():
    w64 = rg.tensor(np.array([1.0, 2.0]), requires_grad=True)
    source = Adam([w64])
    (w64 * w64).sum().backward()
    source.step()
    w32 = rg.tensor(np.array([1.0, 2.0], dtype=np.float32), requires_grad=True)
    target = Adam([w32])
    target.load_state_dict(source.state_dict())
    assert target.state[w32]["exp_avg"].dtype == np.float32
    assert target.state[w32]["step"].dtype == np.float32


def test_adamw_keeps_decoupled_weight_decay_when_loading_an_adam_state_dict():
    w = rg.tensor(np.array([1.0]), requires_grad=True)
    optimizer = optim.AdamW([w])
    optimizer.load_state_dict(Adam([rg.tensor(np.array([1.0]), requires_grad=True)]).state_dict())
    assert optimizer.param_groups[0]["decoupled_weight_decay"] is True


def test_load_state_dict_rejects_a_different_number_of_groups():
    a, b = (rg.tensor(np.array([1.0]), requires_grad=True) for _ in range(2))
    saved = SGD([{"params": [a]}, {"params": [b]}], lr=0.1).state_dict()
    target = SGD([rg.tensor(np.array([1.0]), requires_grad=True)], lr=0.1)
    with pytest.raises(
        OptimizerStateDictError, match="has 2 parameter groups, but the optimizer has 1"
    ):
        target.load_state_dict(saved)


def test_load_state_dict_rejects_a_group_of_a_different_size():
    saved = SGD([rg.tensor(np.array([1.0]), requires_grad=True)], lr=0.1).state_dict()
    params = [rg.tensor(np.array([1.0]), requires_grad=True) for _ in range(2)]
    with pytest.raises(
        OptimizerStateDictError, match="group 0 .* has 1 parameters, but the optimizer's has 2"
    ):
        SGD(params, lr=0.1).load_state_dict(saved)


def test_load_state_dict_rejects_state_of_the_wrong_shape():
    w = rg.tensor(np.array([1.0, 2.0]), requires_grad=True)
    source = Adam([w])
    (w * w).sum().backward()
    source.step()
    target = Adam([rg.tensor(np.zeros((2, 1)), requires_grad=True)])
    with pytest.raises(
        StateDictError,
        match=r"'exp_avg' of parameter 0 has shape \(2,\), but the parameter has shape \(2, 1\)",
    ):
        target.load_state_dict(source.state_dict())


def test_load_state_dict_error_is_also_a_value_error():
    target = SGD([rg.tensor(np.array([1.0]), requires_grad=True)], lr=0.1)
    with pytest.raises(ValueError, match="no 'state' entry"):
        target.load_state_dict({"param_groups": []})
