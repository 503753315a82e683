"""register_hook (modify or observe a gradient, remove by handle) and retain_grad."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import retrograd as rg


def _run(lib, hook_on_leaf, hook_on_inner):
    x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
    handles = [x.register_hook(hook_on_leaf)]
    h = x * x
    handles.append(h.register_hook(hook_on_inner))
    (h * 2).sum().backward()
    return x.grad, handles


def test_hooks_modify_gradients_like_torch():
    ours, _ = _run(rg, lambda g: g * 10, lambda g: g + 1)
    theirs, _ = _run(torch, lambda g: g * 10, lambda g: g + 1)
    np.testing.assert_allclose(ours.array, theirs.numpy())


def test_hook_returning_none_only_observes():
    seen = []
    x = rg.tensor([1.0, 2.0], requires_grad=True)
    x.register_hook(lambda g: seen.append(g.array.copy()))
    (x * 3).sum().backward()
    np.testing.assert_array_equal(seen[0], [3.0, 3.0])
    np.testing.assert_array_equal(x.grad.array, [3.0, 3.0])


def test_hook_runs_once_on_the_summed_gradient():
    seen = []
    x = rg.tensor([1.0], requires_grad=True)
    h = x * 1
    h.register_hook(lambda g: seen.append(g.item()))
    (h * 2 + h * 3).sum().backward()
    assert seen == [5.0]


def test_removed_hook_does_not_run():
    x = rg.tensor([1.0, 2.0], requires_grad=True)
    handle = x.register_hook(lambda g: g * 100)
    handle.remove()
    (x * 2).sum().backward()
    np.testing.assert_array_equal(x.grad.array, [2.0, 2.0])


def test_several_hooks_run_in_order():
    x = rg.tensor([1.0], requires_grad=True)
    x.register_hook(lambda g: g + 1)
    x.register_hook(lambda g: g * 10)
    (x * 1).sum().backward()
    t = torch.tensor([1.0], requires_grad=True)
    t.register_hook(lambda g: g + 1)
    t.register_hook(lambda g: g * 10)
    (t * 1).sum().backward()
    assert x.grad.item() == t.grad.item() == 20.0


def test_hook_on_a_tensor_without_grad_raises():
    with pytest.raises(rg.GraphError):
        rg.ones(2).register_hook(lambda g: g)


def test_retain_grad():
    x = rg.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    h.retain_grad()
    (h * h).sum().backward()
    np.testing.assert_array_equal(h.grad.array, [6.0, 12.0])
    x.retain_grad()  # a no-op on a leaf
    assert x.grad is not None
