"""The graph walk: deep graphs, accumulation, broadcasting, retain_graph, gradient arguments."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import retrograd as rg
from helpers import check


def test_ten_thousand_op_chain_has_no_recursion_limit():
    x = rg.tensor(1.0, dtype=rg.float64, requires_grad=True)
    y = x
    for _ in range(10_000):
        y = y * 1.0001 + 0.0
    y.backward()
    assert x.grad.item() == pytest.approx(1.0001**10_000, rel=1e-9)


def test_deep_graph_with_many_branches():
    x = rg.tensor([1.0, 2.0], requires_grad=True)
    terms = [x * float(i) for i in range(2_000)]
    total = terms[0]
    for t in terms[1:]:
        total = total + t
    total.sum().backward()
    np.testing.assert_allclose(x.grad.array, [sum(range(2_000))] * 2)


def test_gradient_accumulates_across_uses():
    check(lambda x: x * x + x.exp() * x, (3, 2))
    x = rg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (x + x + x).sum().backward()
    np.testing.assert_array_equal(x.grad.array, [3.0, 3.0, 3.0])


def test_diamond_graph():
    check(lambda x: (lambda h: h.sin() * h.cos() + h)(x * 2), (4,))


def test_grad_adds_up_across_backward_calls():
    x = rg.tensor([1.0, -2.0], requires_grad=True)
    (x * x).sum().backward()
    (x * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.array, [2.0 + 3.0, -4.0 + 3.0])


def test_grad_is_not_shared_with_the_upstream_gradient():
    x = rg.tensor([1.0, 2.0], requires_grad=True)
    upstream = rg.tensor([1.0, 1.0])
    (x + 0).backward(upstream)
    x.grad.array += 1
    np.testing.assert_array_equal(upstream.array, [1.0, 1.0])
    y = rg.tensor([3.0, 4.0], requires_grad=True)
    y.backward(upstream)
    y.grad.array += 1
    np.testing.assert_array_equal(upstream.array, [1.0, 1.0])


@pytest.mark.parametrize(
    "a, b", [((3, 1), (1, 4)), ((4,), (2, 3, 4)), ((), (2, 3)), ((2, 1, 3), (5, 3))]
)
def test_broadcasting_gradient_shapes(a, b):
    x = rg.zeros(a, requires_grad=True)
    y = rg.zeros(b, requires_grad=True)
    (x * y + x).sum().backward()
    assert x.grad.shape == a and y.grad.shape == b


def test_retain_graph_allows_a_second_backward():
    x = rg.tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp() * x).sum()
    y.backward(retain_graph=True)
    first = x.grad.array.copy()
    y.backward()
    np.testing.assert_allclose(x.grad.array, 2 * first)


def test_second_backward_without_retain_graph_raises():
    x = rg.tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp() * x).sum()
    y.backward()
    with pytest.raises(rg.GraphError, match="retain_graph"):
        y.backward()


def test_non_scalar_backward_without_gradient_names_the_shape():
    y = rg.ones(2, 3, requires_grad=True) * 2
    with pytest.raises(rg.GraphError, match=r"\(2, 3\)"):
        y.backward()


def test_backward_with_gradient_argument():
    check(lambda x: x * x, (2, 3))  # `check` passes a random gradient= to backward
    x = rg.tensor([1.0, 2.0], requires_grad=True)
    (x * 3).backward(gradient=rg.tensor([1.0, -1.0]))
    np.testing.assert_array_equal(x.grad.array, [3.0, -3.0])
    x.grad = None
    (x * 3).backward(np.array([2.0, 0.0]))
    np.testing.assert_array_equal(x.grad.array, [6.0, 0.0])


def test_backward_with_wrong_gradient_shape_raises():
    with pytest.raises(rg.ShapeError, match=r"\(3,\)"):
        (rg.ones(2, requires_grad=True) * 2).backward(rg.ones(3))


def test_backward_on_a_leaf():
    x = rg.tensor([1.0, 2.0], requires_grad=True)
    x.backward(rg.tensor([0.5, 0.5]))
    np.testing.assert_array_equal(x.grad.array, [0.5, 0.5])


def test_backward_without_requires_grad_raises():
    with pytest.raises(rg.GraphError):
        (rg.ones(2) * 2).sum().backward()


def test_gradient_dtype_follows_the_leaf():
    x = rg.ones(3, requires_grad=True)
    (x.double() * 2).sum().backward()
    assert x.grad.dtype == np.float32
    t = torch.ones(3, requires_grad=True)
    (t.double() * 2).sum().backward()
    assert str(t.grad.dtype) == "torch.float32"


def test_leaves_without_requires_grad_get_no_grad():
    x = rg.ones(2, requires_grad=True)
    c = rg.ones(2)
    (x * c).sum().backward()
    assert c.grad is None and x.grad is not None


def test_non_leaf_grad_is_none_unless_retained():
    x = rg.ones(2, requires_grad=True)
    h = x * 2
    kept = x * 3
    kept.retain_grad()
    (h * kept).sum().backward()
    assert h.grad is None
    np.testing.assert_array_equal(kept.grad.array, [2.0, 2.0])
    assert kept.retains_grad and not h.retains_grad


def test_a_chain_waits_for_a_longer_branch_into_the_same_node():
    # `a` feeds a long chain and, directly, the last product: the walk follows the chain one
    # node at a time but must still visit `a` only after both gradients have reached it
    check(lambda x: (lambda a: a.exp().sin().cos().tanh() * a + a)(x * 2), (3, 2))


def test_an_unhashable_tensor_subclass_still_gets_its_gradient():
    class Compared(rg.Tensor):
        def __eq__(self, other):  # defining __eq__ alone makes instances unhashable
            return NotImplemented

    x = Compared([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.array, [3.0, 3.0])


def test_a_chain_walk_gives_the_hand_worked_seed_gradient():
    # one sigmoid unit: d/dw (sigmoid(w x) - y)^2 = 2 (s - y) s (1 - s) x, with s = sigmoid(w x)
    w = rg.tensor([[0.5]], requires_grad=True)
    x, y = rg.tensor([[2.0]]), rg.tensor([[0.0]])
    ((w @ x).sigmoid() - y).pow(2).sum().backward()
    s = 1 / (1 + np.exp(-1.0))
    np.testing.assert_allclose(w.grad.array, [[2 * s * s * (1 - s) * 2.0]], rtol=1e-6)
