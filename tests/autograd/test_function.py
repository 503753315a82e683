"""User-written `retrograd.Function`s behave like `torch.autograd.Function` with the same code."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import retrograd as rg
from helpers import check


def make_functions(base):
    """The same Function code, subclassing retrograd's or PyTorch's base class."""

    class ScaledExp(base):
        @staticmethod
        def forward(ctx, x, scale):
            out = x.exp() * scale
            ctx.save_for_backward(out)
            ctx.scale = scale
            return out

        @staticmethod
        def backward(ctx, grad):
            (out,) = ctx.saved_tensors
            return grad * out, None

    class MulAdd(base):
        """Two inputs, two outputs: (x * y, x + y); gradients only where needed."""

        @staticmethod
        def forward(ctx, x, y):
            ctx.save_for_backward(x, y)
            return x * y, x + y

        @staticmethod
        def backward(ctx, grad_prod, grad_sum):
            x, y = ctx.saved_tensors
            gx = grad_prod * y + grad_sum if ctx.needs_input_grad[0] else None
            gy = grad_prod * x + grad_sum if ctx.needs_input_grad[1] else None
            return gx, gy

    return ScaledExp, MulAdd


OURS = make_functions(rg.Function)
THEIRS = make_functions(torch.autograd.Function)


def test_single_output_with_non_tensor_argument():
    check(lambda x: OURS[0].apply(x, 2.5), (2, 3), torch_fn=lambda x: THEIRS[0].apply(x, 2.5))


def test_multiple_outputs():
    check(lambda x, y: OURS[1].apply(x, y), (3,), (3,), torch_fn=lambda x, y: THEIRS[1].apply(x, y))


def test_only_one_output_used():
    second = 1
    check(
        lambda x, y: OURS[1].apply(x, y)[second] * 2,
        (3,),
        (3,),
        torch_fn=lambda x, y: THEIRS[1].apply(x, y)[second] * 2,
    )


def test_needs_input_grad_and_none_gradients():
    seen = {}

    class Probe(rg.Function):
        @staticmethod
        def forward(ctx, x, y):
            seen["needs"] = ctx.needs_input_grad
            return x * y

        @staticmethod
        def backward(ctx, grad):
            return grad, None

    x = rg.ones(2, requires_grad=True)
    y = rg.ones(2)
    Probe.apply(x, y).sum().backward()
    assert seen["needs"] == (True, False)
    np.testing.assert_array_equal(x.grad.array, [1.0, 1.0])
    assert y.grad is None


def test_in_a_larger_graph():
    check(
        lambda x, y: (OURS[0].apply(x * y, 0.5) + x).sum(1),
        (2, 3),
        (3,),
        torch_fn=lambda x, y: (THEIRS[0].apply(x * y, 0.5) + x).sum(1),
    )


def test_wrong_gradient_shape_raises_shape_error():
    class Wrong(rg.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return rg.ones(5)

    x = rg.ones(2, 3, requires_grad=True)
    with pytest.raises(rg.ShapeError, match=r"\(5,\).*\(2, 3\)"):
        Wrong.apply(x).sum().backward()


def test_no_graph_without_requires_grad_or_under_no_grad():
    x = rg.ones(2)
    assert not OURS[0].apply(x, 1.0).requires_grad
    with rg.no_grad():
        assert not OURS[0].apply(rg.ones(2, requires_grad=True), 1.0).requires_grad


def test_forward_runs_without_recording():
    class Inner(rg.Function):
        @staticmethod
        def forward(ctx, x):
            assert not rg.is_grad_enabled()
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return grad * 2

    out = Inner.apply(rg.ones(2, requires_grad=True))
    assert out.requires_grad and out.grad_fn is not None


def test_second_backward_through_a_function_needs_retain_graph():
    x = rg.ones(2, requires_grad=True)
    y = OURS[0].apply(x, 1.0).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.array, 2 * np.e * np.ones(2), rtol=1e-6)
    y2 = OURS[0].apply(x, 1.0).sum()
    y2.backward()
    with pytest.raises(rg.GraphError, match="retain_graph"):
        y2.backward()


def test_backward_releases_what_the_function_saved():
    import gc
    import weakref

    seen = []

    class Square(rg.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            seen.append(weakref.ref(ctx))
            return x * x

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return 2 * x * grad

    x = rg.tensor([1.0, 2.0], requires_grad=True)
    y = Square.apply(x).sum()
    y.backward()
    gc.collect()
    assert seen[0]() is None  # y still exists, but its graph no longer holds the context
    np.testing.assert_array_equal(x.grad.array, [2.0, 4.0])
