"""Tensor basics: attributes, conversions, repr, iteration, and the errors they raise."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import retrograd as rg


def test_attributes_match_torch():
    ours, theirs = rg.zeros(2, 3, 4), torch.zeros(2, 3, 4)
    assert ours.shape == tuple(theirs.shape) and ours.ndim == theirs.ndim == ours.dim()
    assert ours.size() == tuple(theirs.size()) and ours.size(-1) == theirs.size(-1) == 4
    assert ours.numel() == theirs.numel() and len(ours) == len(theirs)
    assert ours.is_leaf and ours.grad is None and ours.grad_fn is None and ours.device == "cpu"


def test_conversions():
    t = rg.tensor([[1.5, 2.0]])
    assert t.tolist() == [[1.5, 2.0]]
    assert isinstance(t.numpy(), np.ndarray) and np.asarray(t) is t.array
    assert (
        rg.tensor([3.0]).item() == 3.0 and float(rg.tensor(2.5)) == 2.5 and int(rg.tensor(7)) == 7
    )
    assert [10, 20, 30][rg.tensor(1)] == 20
    assert bool(rg.tensor([True])) and not bool(rg.tensor(0.0))
    assert [row.tolist() for row in rg.tensor([[1, 2], [3, 4]])] == [[1, 2], [3, 4]]


def test_errors_of_conversions():
    with pytest.raises(ValueError, match=r"\(2,\)"):
        rg.ones(2).item()
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(rg.ones(2))
    with pytest.raises(TypeError):
        len(rg.tensor(1.0))
    with pytest.raises(TypeError):
        iter(rg.tensor(1.0))


def test_repr():
    assert repr(rg.tensor([1.0, 2.0])) == "tensor([1., 2.])"
    assert "dtype=float64" in repr(rg.tensor([1.0], dtype=rg.float64))
    assert "requires_grad=True" in repr(rg.tensor([1.0], requires_grad=True))
    assert "grad_fn=<MulBackward>" in repr(rg.tensor([1.0], requires_grad=True) * 2)


def test_clone_stays_in_the_graph_and_copies():
    x = rg.tensor([1.0, 2.0], requires_grad=True)
    c = x.clone()
    assert c.array is not x.array and c.grad_fn is not None
    (c * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.array, [3.0, 3.0])


def test_logical_helpers_match_torch():
    a = np.array([1.0, np.nan, np.inf, -2.0])
    for name in ("isnan", "isinf", "isfinite"):
        np.testing.assert_array_equal(
            getattr(rg.tensor(a), name)().array, getattr(torch.tensor(a), name)().numpy()
        )
    m = np.array([[True, False], [True, True]])
    for name in ("all", "any"):
        np.testing.assert_array_equal(
            getattr(rg.tensor(m), name)(1).array, getattr(torch.tensor(m), name)(1).numpy()
        )
    assert rg.tensor([1.0, 2.0]).equal(rg.tensor([1.0, 2.0]))
    assert rg.tensor([1.0]).allclose(rg.tensor([1.0 + 1e-9]))


def test_shape_errors_name_the_shapes():
    with pytest.raises(rg.ShapeError, match=r"\(2, 3\).*\(4, 2\)"):
        rg.ones(2, 3).reshape(4, 2)
    with pytest.raises(rg.ShapeError, match=r"\(2, 3\)"):
        rg.ones(2, 3).broadcast_to(4, 3)
    with pytest.raises(rg.ShapeError, match=r"\(2, 3\)"):
        rg.cat([rg.ones(2, 3), rg.ones(2, 4)])
    with pytest.raises(rg.ShapeError):
        rg.stack([rg.ones(2), rg.ones(3)])
    with pytest.raises(IndexError):
        rg.ones(2, 3).sum(2)
