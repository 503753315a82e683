"""`+=`, `-=`, `*=`, `/=` change the tensor itself, as in PyTorch: a hand-written SGD step
`p -= lr * p.grad` under no_grad updates the model instead of rebinding the name."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import retrograd as rg
from retrograd.errors import DTypeError, GraphError

OPS = {
    "+=": lambda a, b: a.__iadd__(b),
    "-=": lambda a, b: a.__isub__(b),
    "*=": lambda a, b: a.__imul__(b),
    "/=": lambda a, b: a.__itruediv__(b),
}


@pytest.mark.parametrize("op", OPS)
def test_in_place_operator_keeps_the_object_and_matches_torch(op: str) -> None:
    values = np.array([1.5, -2.0, 3.0])
    ours, theirs = rg.tensor(values), torch.tensor(values)
    same_ours, same_theirs = ours, theirs
    ours = OPS[op](ours, rg.tensor([2.0, 4.0, -1.0]))
    theirs = OPS[op](theirs, torch.tensor([2.0, 4.0, -1.0], dtype=torch.float64))
    assert ours is same_ours and theirs is same_theirs
    np.testing.assert_array_equal(ours.array, theirs.numpy())


@pytest.mark.parametrize("op", OPS)
def test_in_place_operator_inside_the_graph_gives_torchs_gradient(op: str) -> None:
    values = np.array([1.5, -2.0, 3.0])
    x, tx = rg.tensor(values, requires_grad=True), torch.tensor(values, requires_grad=True)
    h, th = x * 2.0, tx * 2.0
    h = OPS[op](h, x)  # x again: the gradient takes both paths
    th = OPS[op](th, tx)
    (h * h).sum().backward()
    (th * th).sum().backward()
    np.testing.assert_allclose(x.grad.array, tx.grad.numpy(), rtol=1e-12)


def test_hand_written_sgd_updates_the_model() -> None:
    rg.manual_seed(0)
    model = rg.nn.Linear(3, 1)
    before = model.weight.array.copy()
    loss = model(rg.ones(4, 3)).pow(2).mean()
    loss.backward()
    with rg.no_grad():
        for p in model.parameters():
            p -= 0.1 * p.grad
    np.testing.assert_allclose(model.weight.array, before - 0.1 * model.weight.grad.array)
    assert isinstance(model.weight, rg.nn.Parameter)  # still the parameter, not a new tensor


def test_a_leaf_that_requires_grad_is_refused_outside_no_grad() -> None:
    w = rg.ones(3, requires_grad=True)
    with pytest.raises(GraphError, match="leaf tensor that requires grad"):
        w += 1


def test_an_integer_tensor_divided_in_place_is_a_dtype_error() -> None:
    a = rg.ones(3, dtype=rg.int64)
    with pytest.raises(DTypeError, match="float64 can't be cast to the desired output type int64"):
        a /= 2
    np.testing.assert_array_equal(a.array, [1, 1, 1])  # untouched
