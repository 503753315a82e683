"""The convolution primitives on raw arrays: im2col and col2im are adjoint, strides, padding,
groups and every memory layout of the input match PyTorch, dtypes are kept, and in-place
changes to what backward reads are caught."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import retrograd as rg
from helpers import check
from retrograd import GraphError
from retrograd.nn.functional.conv import conv2d, conv_transpose2d
from retrograd.ops.conv import Conv2d, ConvTranspose2d, _col2im, _im2col, _out_size


@settings(max_examples=25, deadline=None)
@given(
    groups=st.integers(1, 2),
    per_group=st.integers(1, 2),  # one channel per group copies in another order
    kernel=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    stride=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    dilation=st.tuples(st.integers(1, 2), st.integers(1, 2)),
    extra=st.tuples(st.integers(0, 4), st.integers(0, 4)),
    seed=st.integers(0, 2**16),
)
def test_col2im_is_the_adjoint_of_im2col(
    groups: int, per_group: int, kernel: Any, stride: Any, dilation: Any, extra: Any, seed: int
) -> None:
    # <im2col(x), c> = <x, col2im(c)> for every x and c, which is what a gradient must satisfy
    size = tuple(d * (k - 1) + 1 + e for k, d, e in zip(kernel, dilation, extra))
    out_hw = tuple(_out_size(s, k, st_, d) for s, k, st_, d in zip(size, kernel, stride, dilation))
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((2, *size, per_group * groups))  # channels-last, as the helpers take
    cols = _im2col(x, kernel, stride, dilation, groups, out_hw)  # (M, groups, kH * kW * C/g)
    c = rng.standard_normal(cols.shape)
    # col2im takes the same numbers as one block of rows per kernel tap
    blocks = c.reshape(len(c), groups, kernel[0] * kernel[1], per_group).transpose(2, 1, 0, 3)
    back = _col2im(blocks, x.shape, kernel, stride, dilation, out_hw)
    assert back.shape == x.shape
    assert np.sum(cols * c) == pytest.approx(np.sum(x * back), rel=1e-12)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"padding": 1},
        {"padding": (1, 2), "dilation": (2, 1)},
        {"padding": 1, "groups": 2},
        {"padding": 3},  # padding past the kernel's reach
        {"padding": 1, "stride": 2},
        {"padding": (0, 1), "stride": (1, 2), "groups": 2},
    ],
)
@pytest.mark.parametrize("in_per_group", [1, 3])  # one channel per group unfolds another way
def test_gradients_match_torch(kwargs: dict[str, Any], in_per_group: int) -> None:
    groups = kwargs.get("groups", 1)
    check(
        lambda x, w, b: conv2d(x, w, b, **kwargs),
        (2, in_per_group * groups, 5, 6),
        (2 * groups, in_per_group, 3, 3),
        (2 * groups,),
        torch_fn=lambda x, w, b: torch.nn.functional.conv2d(x, w, b, **kwargs),
    )


@pytest.mark.parametrize(
    "kwargs",
    [
        {"padding": 1},
        {"padding": (1, 0), "dilation": 2, "output_padding": 1, "groups": 2},
        {"padding": 3},
        {"padding": 1, "stride": (2, 1), "output_padding": (1, 0)},
    ],
)
def test_transposed_gradients_match_torch(kwargs: dict[str, Any]) -> None:
    groups = kwargs.get("groups", 1)
    check(
        lambda x, w, b: conv_transpose2d(x, w, b, **kwargs),
        (2, 2 * groups, 7, 6),
        (2 * groups, 3, 3, 3),
        (3 * groups,),
        torch_fn=lambda x, w, b: torch.nn.functional.conv_transpose2d(x, w, b, **kwargs),
    )


@pytest.mark.parametrize(
    ("shape", "layout"),
    [
        ((2, 4, 5, 6), lambda x: x),
        ((2, 5, 6, 4), lambda x: x.permute(0, 3, 1, 2)),  # channels-last, as convolutions give
        ((2, 10, 6, 4), lambda x: x[:, ::2].permute(0, 3, 2, 1)),  # strided, in no order
    ],
)
def test_any_memory_layout_of_the_input_matches_torch(shape: Any, layout: Any) -> None:
    for fn, torch_fn in (
        (conv2d, torch.nn.functional.conv2d),
        (conv_transpose2d, torch.nn.functional.conv_transpose2d),
    ):
        check(
            lambda x, w, fn=fn: fn(layout(x), w, padding=1),
            shape,
            (4, 4, 3, 3),
            torch_fn=lambda x, w, fn=torch_fn: fn(layout(x), w, padding=1),
            fd=False,
        )


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
