"""SGD against torch.optim.SGD, and one momentum step worked by hand."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import retrograd as rg
from retrograd.optim import SGD

from .helpers import MODE_IDS, assert_same_trajectory, two_groups

OPTIONS = [
    {},
    {"lr": 0.1},
    {"lr": 0.05, "momentum": 0.9},
    {"lr": 0.05, "momentum": 0.9, "dampening": 0.5},
    {"lr": 0.05, "momentum": 0.9, "nesterov": True},
    {"lr": 0.1, "weight_decay": 0.1},
    {"lr": 0.05, "momentum": 0.5, "weight_decay": 0.05, "nesterov": True},
    {"lr": 0.01, "maximize": True},
    {"lr": 0.01, "momentum": 0.9, "dampening": 0.1, "weight_decay": 0.1, "maximize": True},
]


@pytest.mark.parametrize("kwargs", OPTIONS, ids=str)
@pytest.mark.parametrize("same_inputs", [False, True], ids=MODE_IDS)
def test_trajectory_matches_torch(kwargs, same_inputs):
    assert_same_trajectory("SGD", kwargs, same_inputs=same_inputs)


@pytest.mark.parametrize("kwargs", [{"lr": 0.1}, {"lr": 0.1, "momentum": 0.9}], ids=str)
def test_param_groups_with_different_lrs_match_torch(kwargs):
    assert_same_trajectory("SGD", kwargs, groups=two_groups)


@given(
    lr=st.floats(1e-3, 0.2),
    momentum=st.sampled_from([0.0, 0.3, 0.9, 0.99]),
    dampening=st.floats(0.0, 0.9),
    weight_decay=st.floats(0.0, 0.5),
    maximize=st.booleans(),
)
def test_hyperparameters_match_torch(lr, momentum, dampening, weight_decay, maximize):
    kwargs = {
        "lr": lr,
        "momentum": momentum,
        "dampening": dampening,
        "weight_decay": weight_decay,
        "maximize": maximize,
    }
    assert_same_trajectory("SGD", kwargs, steps=10, same_inputs=True)


@given(lr=st.floats(1e-3, 0.2), momentum=st.floats(0.05, 0.99), weight_decay=st.floats(0, 0.5))
def test_nesterov_hyperparameters_match_torch(lr, momentum, weight_decay):
    kwargs = {"lr": lr, "momentum": momentum, "weight_decay": weight_decay, "nesterov": True}
    assert_same_trajectory("SGD", kwargs, steps=10, same_inputs=True)


def test_momentum_steps_worked_by_hand():
    w = rg.tensor([1.0, -2.0], dtype="float64", requires_grad=True)
    optimizer = SGD([w], lr=0.1, momentum=0.9, dampening=0.5)

    w.grad = rg.tensor([0.5, 1.0], dtype="float64")
    optimizer.step()
    # The first step starts the buffer at the gradient, undamped: buf = [0.5, 1.0].
    np.testing.assert_allclose(w.array, [1.0 - 0.05, -2.0 - 0.1], rtol=1e-15)

    w.grad = rg.tensor([-1.0, 2.0], dtype="float64")
    optimizer.step()
    # buf = 0.9 * [0.5, 1.0] + (1 - 0.5) * [-1.0, 2.0] = [-0.05, 1.9]; w -= 0.1 * buf
    np.testing.assert_allclose(w.array, [0.95 + 0.005, -2.1 - 0.19], rtol=1e-15)
    np.testing.assert_allclose(optimizer.state[w]["momentum_buffer"], [-0.05, 1.9], rtol=1e-15)


def test_nesterov_step_worked_by_hand():
    w = rg.tensor([1.0], dtype="float64", requires_grad=True)
    optimizer = SGD([w], lr=0.1, momentum=0.5, nesterov=True)
    w.grad = rg.tensor([2.0], dtype="float64")
    optimizer.step()
    # buf = g = 2; the step uses g + momentum * buf = 3.
    np.testing.assert_allclose(w.array, [1.0 - 0.3], rtol=1e-15)


def test_float32_stays_float32_in_the_same_array():
    w = rg.tensor(np.ones((2, 3), dtype=np.float32), requires_grad=True)
    array = w.array
    optimizer = SGD([w], lr=0.1, momentum=0.9, weight_decay=0.01, nesterov=True)
    for _ in range(3):
        w.grad = rg.tensor(np.full((2, 3), 0.5, dtype=np.float32))
        optimizer.step()
    assert w.array is array
    assert w.array.dtype == np.float32
    assert optimizer.state[w]["momentum_buffer"].dtype == np.float32


def test_parameters_without_gradient_are_left_alone():
    a = rg.tensor([1.0, 2.0], dtype="float64", requires_grad=True)
    b = rg.tensor([3.0], dtype="float64", requires_grad=True)
    optimizer = SGD([a, b], lr=0.1, momentum=0.9)
    a.grad = rg.tensor([1.0, 1.0], dtype="float64")
    optimizer.step()
    np.testing.assert_array_equal(b.array, [3.0])
    assert b not in optimizer.state
    np.testing.assert_allclose(a.array, [0.9, 1.9], rtol=1e-15)


def test_step_returns_the_closure_loss():
    w = rg.tensor([1.0, -1.0], dtype="float64", requires_grad=True)
    optimizer = SGD([w], lr=0.25)

    def closure():
        optimizer.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    loss = optimizer.step(closure)
    assert float(loss.array) == 2.0
    # grad = 2w, so w <- w - 0.25 * 2w = w / 2
    np.testing.assert_allclose(w.array, [0.5, -0.5], rtol=1e-15)


def test_closure_records_the_graph_even_under_no_grad():
    w = rg.tensor([3.0], dtype="float64", requires_grad=True)
    optimizer = SGD([w], lr=0.1)

    def closure():
        loss = (w * w).sum()
        loss.backward()
        return loss

    with rg.no_grad():
        optimizer.step(closure)
    np.testing.assert_allclose(w.array, [3.0 - 0.6], rtol=1e-15)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_plain_sgd_equals_the_update_function_as_the_lr_changes(dtype):
    # plain SGD updates in `SGD._update_all`, with the step size as a cached 0-d array: it
    # must give what `sgd` gives, bit for bit, also when a scheduler changes the lr
    from retrograd.optim.sgd import sgd

    rng = np.random.default_rng(0)
    shapes = [(3,), (8, 3), (), (40, 40)]  # tiny, 0-d and one past the no-scratch size
    params = [rg.tensor(rng.standard_normal(s).astype(dtype), requires_grad=True) for s in shapes]
    expected = [p.array.copy() for p in params]
    optimizer = SGD([{"params": params[:2]}, {"params": params[2:], "lr": 0.3}], lr=0.1)
    for step in range(4):
        grads = [rng.standard_normal(s).astype(dtype) for s in shapes]
        for p, g in zip(params, grads):
            p.grad = None if step == 1 and p is params[0] else rg.tensor(g)
        for group in optimizer.param_groups:
            group["lr"] *= 0.5
        optimizer.step()
        for group, start in zip(optimizer.param_groups, (0, 2)):
            for i in range(start, start + 2):
                if params[i].grad is not None:
                    sgd(
                        [expected[i]],
                        [grads[i]],
                        [],
                        lr=group["lr"],
                        momentum=0,
                        dampening=0,
                        weight_decay=0,
                        nesterov=False,
                        maximize=False,
                    )
        for p, e in zip(params, expected):
            np.testing.assert_array_equal(p.array, e)
            assert p.array.dtype == dtype
    assert [p._version for p in params] == [3, 4, 4, 4]
