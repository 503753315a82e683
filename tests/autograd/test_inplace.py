"""In-place changes to values saved for backward are caught; harmless ones are allowed."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import retrograd as rg


def test_inplace_on_a_saved_input_raises_naming_the_op():
    a = rg.ones(3, requires_grad=True)
    b = a * 2
    c = b * b
    b.add_(1)
    with pytest.raises(rg.GraphError, match="Mul"):
        c.sum().backward()


def test_inplace_on_a_saved_output_raises_naming_the_op():
    a = rg.ones(3, requires_grad=True)
    b = a.exp()
    b.mul_(2)
    with pytest.raises(rg.GraphError, match="Exp"):
        b.sum().backward()


@pytest.mark.parametrize("op", ["add_", "sub_", "mul_", "div_"])
def test_inplace_on_a_value_not_saved_is_fine(op):
    def run(lib):
        a = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        b = a * 2
        c = b + 1  # Add does not keep its inputs
        getattr(b, op)(2.0)
        (c * b).sum().backward()
        return a.grad

    np.testing.assert_allclose(run(rg).array, run(torch).numpy())


def test_inplace_chain_matches_torch():
    def run(lib):
        a = lib.tensor([1.0, -2.0, 3.0], requires_grad=True)
        w = lib.tensor([0.5, 0.5, 2.0], requires_grad=True)
        h = a * w
        h.mul_(w)
        h.add_(w, alpha=2)
        h.clamp_(-1.0, 4.0)
        h.sub_(a)
        h.div_(2.0)
        h.sum().backward()
        return a.grad, w.grad

    for ours, theirs in zip(run(rg), run(torch)):
        np.testing.assert_allclose(ours.array, theirs.numpy())


def test_inplace_on_a_leaf_requiring_grad_raises():
    x = rg.ones(3, requires_grad=True)
    for update in (lambda: x.add_(1), lambda: x.mul_(2), lambda: x.zero_(), lambda: x.clamp_(0, 1)):
        with pytest.raises(rg.GraphError, match="leaf"):
            update()


def test_inplace_on_a_leaf_is_fine_under_no_grad():
    x = rg.ones(3, requires_grad=True)
    with rg.no_grad():
        x.add_(1)
        x.mul_(3)
    np.testing.assert_array_equal(x.array, [6.0, 6.0, 6.0])
    assert x.requires_grad and x.is_leaf


def test_inplace_without_grad_changes_data():
    x = rg.tensor([1.0, 2.0])
    x.add_(1).mul_(2).sub_(rg.tensor([1.0, 1.0]), alpha=2).div_(2)
    np.testing.assert_array_equal(x.array, [1.0, 2.0])
    x.fill_(3.0)
    np.testing.assert_array_equal(x.array, [3.0, 3.0])
    x.zero_()
    np.testing.assert_array_equal(x.array, [0.0, 0.0])


def test_inplace_after_use_leaves_the_earlier_use_alone():
    # c was computed from b before b changed: its gradient must not pass through the in-place op
    def run(lib):
        a = lib.tensor([1.0, 2.0], requires_grad=True)
        b = a * 2
        c = b.sum()
        b.mul_(3)
        c.backward()
        return a.grad

    np.testing.assert_allclose(run(rg).array, run(torch).numpy())


def test_constant_that_later_joins_the_graph_gets_no_earlier_gradient():
    def run(lib):
        w = lib.tensor([1.0, 2.0], requires_grad=True)
        x = lib.zeros(2)
        y = (x + w).sum()
        x[0] = w[0] * 5  # x now requires grad, but y was recorded when it did not
        y.backward()
        return w.grad

    np.testing.assert_allclose(run(rg).array, run(torch).numpy())


def test_inplace_on_an_operand_whose_value_backward_does_not_need():
    # h * x with x constant: the gradient of h needs x, never h itself (PyTorch does not save h)
    def run(lib):
        w = lib.ones(3, requires_grad=True)
        x = lib.ones(3) * 3
        h = w * 2
        y = (h * x).sum()
        h.add_(1)
        y.backward()
        return w.grad

    np.testing.assert_allclose(run(rg).array, run(torch).numpy())
