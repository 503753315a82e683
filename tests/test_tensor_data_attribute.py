"""`Tensor.data` follows PyTorch: a tensor sharing the values, outside the graph; `.array` is
the NumPy array underneath."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import retrograd as rg
from retrograd import nn
from retrograd.errors import ArgumentTypeError


def _pair(values: list[float]) -> tuple[rg.Tensor, torch.Tensor]:
    return rg.tensor(values, requires_grad=True), torch.tensor(values, requires_grad=True)


def test_data_is_a_detached_tensor_sharing_the_values() -> None:
    ours, theirs = _pair([1.0, 2.0, 3.0])
    for t, lib in ((ours, rg), (theirs, torch)):
        d = t.data
        assert isinstance(d, lib.Tensor)
        assert not d.requires_grad and d.is_leaf and d.grad_fn is None
        d.add_(10.0)
        d[0] = -1.0
    np.testing.assert_array_equal(ours.array, theirs.detach().numpy())
    assert np.shares_memory(ours.data.array, ours.array)


def test_writes_through_data_are_not_recorded_for_backward() -> None:
    results = []
    for lib in (rg, torch):
        w = lib.tensor([1.0, 2.0], requires_grad=True)
        y = (w * w).sum()
        w.data.mul_(3.0)  # no version bump: backward uses the new values, as in PyTorch
        y.backward()
        results.append(np.asarray(w.grad.tolist()))
    np.testing.assert_array_equal(results[0], results[1])


def test_assigning_data_replaces_values_and_shape() -> None:
    ours, theirs = _pair([1.0, 2.0])
    ours.data = rg.zeros(3, 2)
    theirs.data = torch.zeros(3, 2)
    assert tuple(ours.shape) == tuple(theirs.shape) == (3, 2)
    assert ours.requires_grad and theirs.requires_grad


def test_assigning_something_else_than_a_tensor_is_refused() -> None:
    t = rg.tensor([1.0])
    with pytest.raises(ArgumentTypeError, match=r"\.data must be a Tensor, got ndarray.*\.array"):
        t.data = np.zeros(1)  # type: ignore[assignment]


def test_parameter_data_is_a_plain_tensor() -> None:
    layer = nn.Linear(3, 2)
    assert type(layer.weight.data) is rg.Tensor
    assert type(torch.nn.Linear(3, 2).weight.data) is torch.Tensor


def test_initialisation_and_manual_sgd_through_data_match_pytorch() -> None:
    rg.manual_seed(0)
    ours = nn.Linear(4, 3)
    theirs = torch.nn.Linear(4, 3)
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(ours.weight.array))
    for layer in (ours, theirs):
        layer.bias.data.fill_(0.5)
        layer.weight.data *= 2.0
    x = np.random.default_rng(1).standard_normal((5, 4)).astype(np.float32)
    for layer, lib in ((ours, rg), (theirs, torch)):
        loss = layer(lib.tensor(x)).pow(2).mean()
        loss.backward()
        for p in layer.parameters():
            p.data.add_(p.grad.data, alpha=-0.1)
    np.testing.assert_allclose(ours.weight.array, theirs.weight.detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(ours.bias.array, theirs.bias.detach().numpy(), rtol=1e-6)
    values, indices = rg.max(ours(rg.tensor(x)).data, 1)
    t_values, t_indices = torch.max(theirs(torch.tensor(x)).data, 1)
    np.testing.assert_allclose(values.array, t_values.numpy(), rtol=1e-6)
    np.testing.assert_array_equal(indices.array, t_indices.numpy())


def test_data_of_a_zero_d_arithmetic_result_writes_through() -> None:
    t = rg.tensor(2.0) * rg.tensor(3.0)
    t.data.add_(1.0)
    assert t.item() == 7.0


def test_round_to_decimals_matches_pytorch() -> None:
    values = [1.2345, 2.5, -0.125, 3.14159]
    for decimals in (0, 1, 2, 3):
        np.testing.assert_allclose(
            rg.tensor(values).round(decimals=decimals).array,
            torch.tensor(values).round(decimals=decimals).numpy(),
        )
