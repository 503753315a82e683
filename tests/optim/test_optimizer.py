"""The Optimizer base: parameter groups, zero_grad, argument checks (with PyTorch's messages)."""

import re

import numpy as np
import pytest
import torch

import retrograd as rg
from retrograd import optim
from retrograd.errors import GraphError, RetrogradError
from retrograd.optim import SGD, Adam, OptimizerError, OptimizerTypeError

ALL_OPTIMIZERS = ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad"]


def param(*values, requires_grad=True):
    return rg.tensor(np.array(values, dtype=np.float64), requires_grad=requires_grad)


# --------------------------------------------------------------------- invalid hyperparameters
INVALID = [
    ("SGD", {"lr": -1}, "Invalid learning rate: -1"),
    ("SGD", {"momentum": -0.5}, "Invalid momentum value: -0.5"),
    ("SGD", {"weight_decay": -0.1}, "Invalid weight_decay value: -0.1"),
    ("SGD", {"nesterov": True}, "Nesterov momentum requires a momentum and zero dampening"),
    ("SGD", {"nesterov": True, "momentum": 0.9, "dampening": 0.1},
     "Nesterov momentum requires a momentum and zero dampening"),
    ("Adam", {"lr": -0.01}, "Invalid learning rate: -0.01"),
    ("Adam", {"eps": -1e-8}, "Invalid epsilon value: -1e-08"),
    ("Adam", {"betas": (1.0, 0.999)}, "Invalid beta parameter at index 0: 1.0"),
    ("Adam", {"betas": (0.9, -0.5)}, "Invalid beta parameter at index 1: -0.5"),
    ("Adam", {"weight_decay": -1.0}, "Invalid weight_decay value: -1.0"),
    ("AdamW", {"lr": -2.0}, "Invalid learning rate: -2.0"),
    ("AdamW", {"betas": (0.9, 1.5)}, "Invalid beta parameter at index 1: 1.5"),
    ("AdamW", {"weight_decay": -0.01}, "Invalid weight_decay value: -0.01"),
    ("RMSprop", {"lr": -1.0}, "Invalid learning rate: -1.0"),
    ("RMSprop", {"eps": -1.0}, "Invalid epsilon value: -1.0"),
    ("RMSprop", {"momentum": -1.0}, "Invalid momentum value: -1.0"),
    ("RMSprop", {"weight_decay": -1.0}, "Invalid weight_decay value: -1.0"),
    ("RMSprop", {"alpha": -0.9}, "Invalid alpha value: -0.9"),
    ("Adagrad", {"lr": -1.0}, "Invalid learning rate: -1.0"),
    ("Adagrad", {"lr_decay": -1.0}, "Invalid lr_decay value: -1.0"),
    ("Adagrad", {"weight_decay": -1.0}, "Invalid weight_decay value: -1.0"),
    ("Adagrad", {"initial_accumulator_value": -1.0},
     "Invalid initial_accumulator_value value: -1.0"),
    ("Adagrad", {"eps": -1.0}, "Invalid epsilon value: -1.0"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "kwargs", "message"), INVALID, ids=str)
def test_invalid_hyperparameter_raises_pytorchs_message(name, kwargs, message):
    with pytest.raises(OptimizerError, match=f"^{re.escape(message)}$") as info:
        getattr(optim, name)([param(1.0)], **kwargs)
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, RetrogradError)
    # The message is PyTorch's own, so users can search for it.
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        getattr(torch.optim, name)([torch.zeros(1, requires_grad=True)], **kwargs)


def test_invalid_option_in_a_parameter_group_raises():
    groups = [{"params": [param(1.0)]}, {"params": [param(2.0)], "lr": -0.5}]
    with pytest.raises(OptimizerError, match="^Invalid learning rate: -0.5$"):
        SGD(groups, lr=0.1)
    optimizer = Adam([param(1.0)])
    with pytest.raises(OptimizerError, match="Invalid beta parameter at index 0: -0.1"):
        optimizer.add_param_group({"params": [param(2.0)], "betas": (-0.1, 0.9)})
    assert len(optimizer.param_groups) == 1


# --------------------------------------------------------------------- invalid parameter lists
def test_empty_parameter_list_raises():
    with pytest.raises(OptimizerError, match="optimizer got an empty parameter list"):
        SGD([], lr=0.1)


def test_a_single_tensor_instead_of_a_list_raises():
    with pytest.raises(OptimizerTypeError, match="should be an iterable of Tensors or dicts"):
        SGD(param(1.0), lr=0.1)


def test_a_non_tensor_parameter_raises():
    with pytest.raises(OptimizerTypeError, match="parameter 1 of parameter group 0 is ndarray"):
        SGD([param(1.0), np.zeros(3)], lr=0.1)
    with pytest.raises(TypeError):
        SGD([param(1.0), np.zeros(3)], lr=0.1)


def test_a_set_of_parameters_raises():
    with pytest.raises(OptimizerTypeError, match="ordered collections"):
        SGD({param(1.0)}, lr=0.1)


def test_a_parameter_that_does_not_require_grad_raises():
    frozen = param(1.0, 2.0, requires_grad=False)
    with pytest.raises(OptimizerError, match=r"parameter 1 of parameter group 0 \(shape \(2,\)\)"):
        SGD([param(1.0), frozen], lr=0.1)
    with pytest.raises(OptimizerError, match="does not require grad"):
        Adam([{"params": [param(1.0)]}, {"params": [frozen]}])


def test_a_non_leaf_tensor_raises():
    w = param(1.0, 2.0)
    with pytest.raises(OptimizerError, match="can't optimize a non-leaf Tensor: parameter 0"):
        SGD([w * 2.0], lr=0.1)


def test_the_same_parameter_twice_raises():
    w = param(1.0)
    with pytest.raises(OptimizerError, match=r"the same parameter twice \(positions 0 and 2\)"):
        SGD([w, param(2.0), w], lr=0.1)


def test_the_same_parameter_in_two_groups_raises():
    w = param(1.0)
    with pytest.raises(OptimizerError, match="more than one parameter group"):
        SGD([{"params": [w]}, {"params": [param(2.0), w]}], lr=0.1)
    optimizer = SGD([w], lr=0.1)
    with pytest.raises(OptimizerError, match="more than one parameter group"):
        optimizer.add_param_group({"params": w})


def test_a_group_without_params_raises():
    with pytest.raises(OptimizerError, match="no 'params' entry"):
        SGD([{"lr": 0.1}])


# --------------------------------------------------------------------- parameter groups
def test_groups_take_defaults_for_options_they_do_not_set():
    a, b = param(1.0), param(2.0)
    optimizer = SGD([{"params": [a]}, {"params": b, "lr": 0.5, "momentum": 0.9}], lr=0.1)
    first, second = optimizer.param_groups
    assert first["lr"] == 0.1 and first["momentum"] == 0
    assert second["lr"] == 0.5 and second["momentum"] == 0.9
    assert second["params"][0] is b  # a lone Tensor becomes a one-element list
    assert optimizer.defaults["lr"] == 0.1


def test_add_param_group_trains_the_new_parameters():
    a, b = param(1.0), param(1.0)
    optimizer = SGD([a], lr=0.1)
    optimizer.add_param_group({"params": [b], "lr": 0.5})
    a.grad = param(1.0, requires_grad=False)
    b.grad = param(1.0, requires_grad=False)
    optimizer.step()
    np.testing.assert_allclose(a.array, [0.9], rtol=1e-15)
    np.testing.assert_allclose(b.array, [0.5], rtol=1e-15)


def test_named_parameters_are_accepted_and_their_names_kept():
    a, b = param(1.0), param(2.0)
    optimizer = SGD([("layer.weight", a), ("layer.bias", b)], lr=0.1)
    group_params = optimizer.param_groups[0]["params"]
    assert len(group_params) == 2 and group_params[0] is a and group_params[1] is b
    assert optimizer.state_dict()["param_groups"][0]["param_names"] == [
        "layer.weight",
        "layer.bias",
    ]
    with pytest.raises(OptimizerError, match="Some param names are missing"):
        SGD([("layer.weight", param(1.0)), param(2.0)], lr=0.1)


def test_changing_lr_in_a_group_takes_effect():
    w = param(1.0)
    optimizer = SGD([w], lr=0.1)
    optimizer.param_groups[0]["lr"] = 0.5
    w.grad = param(1.0, requires_grad=False)
    optimizer.step()
    np.testing.assert_allclose(w.array, [0.5], rtol=1e-15)


def test_repr_lists_the_groups():
    text = repr(SGD([param(1.0)], lr=0.1, momentum=0.9))
    assert text.startswith("SGD (")
    assert "Parameter Group 0" in text
    assert "    lr: 0.1" in text and "    momentum: 0.9" in text


# --------------------------------------------------------------------- zero_grad
def test_zero_grad_sets_gradients_to_none_by_default():
    a, b = param(1.0, 2.0), param(3.0)
    optimizer = SGD([a, b], lr=0.1)
    (a * b).sum().backward()
    assert a.grad is not None and b.grad is not None
    optimizer.zero_grad()
    assert a.grad is None and b.grad is None


def test_zero_grad_without_set_to_none_zeroes_the_same_arrays():
    a, b = param(1.0, 2.0), param(3.0)
    optimizer = SGD([a, b], lr=0.1)
    (a * b).sum().backward()
    grad_array = a.grad.array
    optimizer.zero_grad(set_to_none=False)
    assert a.grad.array is grad_array
    np.testing.assert_array_equal(a.grad.array, [0.0, 0.0])
    np.testing.assert_array_equal(b.grad.array, [0.0])
    # Gradients accumulate onto the zeros afterwards.
    (a * b).sum().backward()
    np.testing.assert_array_equal(a.grad.array, [3.0, 3.0])
    np.testing.assert_array_equal(b.grad.array, [3.0])


def test_zero_grad_leaves_missing_gradients_missing():
    a, b = param(1.0), param(2.0)
    optimizer = SGD([a, b], lr=0.1)
    (a * 2.0).sum().backward()
    optimizer.zero_grad(set_to_none=False)
    assert b.grad is None
    np.testing.assert_array_equal(a.grad.array, [0.0])


# --------------------------------------------------------------------- step
@pytest.mark.parametrize("name", ALL_OPTIMIZERS)
def test_step_updates_data_in_place(name):
    w = param(1.0, -2.0, 3.0)
    array = w.array
    optimizer = getattr(optim, name)([w], lr=0.1)
    (w * w).sum().backward()
    optimizer.step()
    assert w.array is array
    assert not np.allclose(array, [1.0, -2.0, 3.0])


@pytest.mark.parametrize("name", ALL_OPTIMIZERS)
def test_step_does_not_change_the_gradient(name):
    w = param(1.0, -2.0)
    optimizer = getattr(optim, name)([w], lr=0.1, weight_decay=0.5, maximize=True)
    (w * w).sum().backward()
    before = w.grad.array.copy()
    optimizer.step()
    optimizer.step()
    np.testing.assert_array_equal(w.grad.array, before)


@pytest.mark.parametrize("name", ALL_OPTIMIZERS)
def test_backward_through_a_graph_saved_before_step_raises(name):
    # As in PyTorch: the step changed the weights the graph saved for backward.
    w = param(1.0, -2.0)
    optimizer = getattr(optim, name)([w], lr=0.1)
    loss = (w * w).sum()
    loss.backward(retain_graph=True)
    optimizer.step()
    with pytest.raises(GraphError, match="in-place"):
        loss.backward()


def test_step_without_any_gradient_changes_nothing():
    w = param(1.0, 2.0)
    optimizer = Adam([w], lr=0.1)
    optimizer.step()
    np.testing.assert_array_equal(w.array, [1.0, 2.0])
    assert len(optimizer.state) == 0
