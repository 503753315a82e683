"""`autograd.grad`, `autograd.backward`, `autograd.Function` and `autograd.Variable` at
PyTorch's paths, compared with PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import retrograd as rg
from retrograd.errors import GraphError, UnsupportedError


def pair(values: np.ndarray) -> tuple[rg.Tensor, torch.Tensor]:
    return rg.tensor(values, requires_grad=True), torch.tensor(values, requires_grad=True)


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 5), st.integers(1, 4), st.integers(0, 2**31 - 1))
def test_gradients_of_leaves_and_intermediates_match_torch(rows: int, cols: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    x, tx = pair(rng.normal(size=(rows, cols)))
    w, tw = pair(rng.normal(size=(cols,)))
    h, th = (x * w).tanh(), (tx * tw).tanh()
    y, ty = (h * x[:, :1]).sum() + h[0].sum(), (th * tx[:, :1]).sum() + th[0].sum()
    ours = rg.autograd.grad(y, [x, h, w])
    theirs = torch.autograd.grad(ty, [tx, th, tw])
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a.array, b.numpy(), rtol=1e-12, atol=1e-14)
    assert x.grad is None and w.grad is None  # nothing accumulated


def test_several_outputs_with_grad_outputs_sum_like_torch() -> None:
    values = np.array([0.5, -1.0, 2.0])
    x, tx = pair(values)
    outs, touts = [x * 2, (x * x).sum()], [tx * 2, (tx * tx).sum()]
    seed = np.array([1.0, -2.0, 0.5])
    (ours,) = rg.autograd.grad(outs, x, grad_outputs=[rg.tensor(seed), None])
    (theirs,) = torch.autograd.grad(touts, tx, grad_outputs=[torch.tensor(seed), None])
    np.testing.assert_allclose(ours.array, theirs.numpy())


def test_unused_inputs_and_freed_graphs_behave_like_torch() -> None:
    x = rg.tensor([1.0, 2.0], requires_grad=True)
    z = rg.tensor([3.0], requires_grad=True)
    y = (x * x).sum()
    with pytest.raises(GraphError, match="not used in the graph"):
        rg.autograd.grad(y, [x, z], retain_graph=True)
    gx, gz = rg.autograd.grad(y, [x, z], allow_unused=True, retain_graph=True)
    assert gz is None and np.allclose(gx.array, [2.0, 4.0])
    _, gz = rg.autograd.grad(y, [x, z], materialize_grads=True)
    np.testing.assert_array_equal(gz.array, [0.0])
    with pytest.raises(GraphError, match="second time"):  # freed without retain_graph
        rg.autograd.grad(y, x)


def test_indexing_gradients_scatter_into_the_input() -> None:
    values = np.arange(6.0).reshape(2, 3)
    x, tx = pair(values)
    y, ty = x[0].sum() + (x[:, 1] * 3).sum(), tx[0].sum() + (tx[:, 1] * 3).sum()
    (ours,) = rg.autograd.grad(y, x)
    (theirs,) = torch.autograd.grad(ty, tx)
    np.testing.assert_array_equal(ours.array, theirs.numpy())


def test_create_graph_is_refused_clearly() -> None:
    x = rg.tensor([1.0], requires_grad=True)
    with pytest.raises(UnsupportedError, match="create_graph"):
        rg.autograd.grad((x * x).sum(), x, create_graph=True)


def test_autograd_backward_function_and_variable() -> None:
    class Cube(rg.autograd.Function):
        @staticmethod
        def forward(ctx, a):  # type: ignore[no-untyped-def]
            ctx.save_for_backward(a)
            return a * a * a

        @staticmethod
        def backward(ctx, g):  # type: ignore[no-untyped-def]
            (a,) = ctx.saved_tensors
            return 3 * a * a * g

    x = rg.autograd.Variable(rg.tensor([1.0, 2.0]), requires_grad=True)
    rg.autograd.backward([Cube.apply(x).sum()])
    np.testing.assert_array_equal(x.grad.array, [3.0, 12.0])
    from retrograd.autograd import Function, grad

    assert Function is rg.Function and callable(grad)
