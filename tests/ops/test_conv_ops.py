"""The convolution primitives on raw arrays: im2col and col2im are adjoint, dtypes are kept, and
in-place changes to what backward reads are caught."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import retrograd as rg
from retrograd import GraphError
from retrograd.nn.functional.conv import conv2d, conv_transpose2d
from retrograd.ops.conv import Conv2d, ConvTranspose2d, _col2im, _im2col, _out_size


@settings(max_examples=25, deadline=None)
@given(
    groups=st.integers(1, 2),
    kernel=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    stride=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    dilation=st.tuples(st.integers(1, 2), st.integers(1, 2)),
    extra=st.tuples(st.integers(0, 4), st.integers(0, 4)),
    seed=st.integers(0, 2**16),
)
def test_col2im_is_the_adjoint_of_im2col(
    groups: int, kernel: Any, stride: Any, dilation: Any, extra: Any, seed: int
) -> None:
    # <im2col(x), c> = <x, col2im(c)> for every x and c, which is what a gradient must satisfy
    size = tuple(d * (k - 1) + 1 + e for k, d, e in zip(kernel, dilation, extra))
    out_hw = tuple(_out_size(s, k, st_, d) for s, k, st_, d in zip(size, kernel, stride, dilation))
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((2, 2 * groups, *size))
    cols = _im2col(x, kernel, stride, dilation, groups, out_hw)
    c = rng.standard_normal(cols.shape)
    back = _col2im(c, x.shape, kernel, stride, dilation, out_hw)
    assert back.shape == x.shape
    assert np.sum(cols * c) == pytest.approx(np.sum(x * back), rel=1e-12)


def test_forward_and_backward_keep_float32() -> None:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 4, 5, 5)).astype(np.float32)
    w = rng.standard_normal((4, 2, 3, 3)).astype(np.float32)
    b = np.zeros(4, dtype=np.float32)
    for op in (Conv2d(), ConvTranspose2d()):
        op.needs_input_grad = (True, True, True)
        out = op.forward(x, w, b, groups=2)
        assert out.dtype == np.float32
        grads = op.backward(np.ones_like(out))
        assert [g.dtype for g in grads] == [np.float32] * 3
        assert [g.shape for g in grads] == [x.shape, w.shape, b.shape]


def test_only_needed_gradients_are_computed() -> None:
    x = rg.randn(1, 2, 4, 4)
    w = rg.randn(3, 2, 3, 3, requires_grad=True)
    conv2d(x, w).sum().backward()
    assert x.grad is None and w.grad is not None and w.grad.shape == (3, 2, 3, 3)


@pytest.mark.parametrize("fn", [conv2d, conv_transpose2d])
def test_in_place_change_of_a_saved_input_is_caught(fn: Any) -> None:
    x = rg.randn(1, 2, 4, 4, requires_grad=True)
    w = rg.randn(2, 2, 3, 3, requires_grad=True)
    out = fn(x, w)
    with rg.no_grad():
        w.mul_(2.0)  # the input gradient reads the weight
    with pytest.raises(GraphError, match="in-place"):
        out.sum().backward()
