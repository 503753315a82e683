"""adaptive_max_pool1d/2d with their layers, and conv_transpose1d with ConvTranspose1d, forward
and backward against PyTorch and finite differences."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given, settings
from hypothesis import strategies as st

import retrograd as rg
import retrograd.nn.functional as F
from helpers import check, distinct, rand, seeds

from .torch_modules import compare_modules, copy_to_torch


def _lib(x):
    return TF if isinstance(x, torch.Tensor) else F


# ---------------------------------------------------------------------- adaptive max pooling
@given(st.integers(1, 7), st.integers(1, 8), st.booleans(), seeds)
def test_adaptive_max_pool1d(length, out, batched, seed):
    shape = (2, 3, length) if batched else (3, length)
    x = distinct(shape, seed)  # no ties: the gradient goes to one element per window
    check(lambda a: _lib(a).adaptive_max_pool1d(a, out), x)


@settings(max_examples=60)
@given(st.integers(1, 6), st.integers(1, 6), st.integers(1, 7), st.integers(1, 7), seeds)
def test_adaptive_max_pool2d(h, w, oh, ow, seed):
    x = distinct((2, 2, h, w), seed)
    check(lambda a: _lib(a).adaptive_max_pool2d(a, (oh, ow)), x)


def test_adaptive_max_pool_layers():
    for ours, theirs, shape in [
        (rg.nn.AdaptiveMaxPool1d(3), torch.nn.AdaptiveMaxPool1d(3), (2, 3, 7)),
        (rg.nn.AdaptiveMaxPool2d((None, 2)), torch.nn.AdaptiveMaxPool2d((None, 2)), (3, 5, 5)),
        (rg.nn.AdaptiveMaxPool2d(1), torch.nn.AdaptiveMaxPool2d(1), (1, 2, 4, 3)),
    ]:
        assert repr(ours) == repr(theirs)
        check(ours, distinct(shape, 1), torch_fn=theirs)


def test_adaptive_max_pool_worked_example():
    x = rg.tensor([[[1.0, 5.0, 2.0, 4.0, 3.0]]])
    # windows [0, 2), [1, 4), [3, 5) for 3 outputs from 5
    assert F.adaptive_max_pool1d(x, 3).tolist() == [[[5.0, 5.0, 4.0]]]
    with pytest.raises(rg.UnsupportedError):
        F.adaptive_max_pool1d(x, 3, return_indices=True)


# ---------------------------------------------------------------------- transposed 1-d conv
@settings(max_examples=40)
@given(
    st.integers(1, 2),  # groups
    st.integers(1, 3),  # kernel
    st.integers(1, 3),  # stride
    st.integers(0, 1),  # padding
    st.integers(1, 2),  # dilation
    st.integers(1, 5),  # length
    st.booleans(),
    seeds,
)
def test_conv_transpose1d(groups, k, stride, padding, dilation, length, batched, seed):
    output_padding = min(stride, dilation) - 1
    out_len = (length - 1) * stride - 2 * padding + dilation * (k - 1) + output_padding + 1
    if out_len < 1:
        return
    shape = (2, 2 * groups, length) if batched else (2 * groups, length)
    check(
        lambda x, w, b: _lib(x).conv_transpose1d(
            x, w, b, stride, padding, output_padding, groups, dilation
        ),
        shape,
        (2 * groups, 3, k),
        (3 * groups,),
        seed=seed,
    )


def test_conv_transpose1d_layer():
    kwargs = {"stride": 2, "padding": 1, "output_padding": 1, "groups": 2, "bias": True}
    ours = rg.nn.ConvTranspose1d(4, 6, 3, dtype="float64", **kwargs)
    theirs = torch.nn.ConvTranspose1d(4, 6, 3, **kwargs)
    assert repr(ours) == repr(theirs)
    assert ours.weight.shape == tuple(theirs.weight.shape)
    copy_to_torch(ours, theirs)
    compare_modules(ours, theirs, rand((2, 4, 5), 0), seed=1)
    x = rand((2, 4, 5), 2)
    ours_out = ours(rg.tensor(x), output_size=[9])
    theirs_out = theirs(torch.tensor(x), output_size=[9])
    np.testing.assert_allclose(ours_out.array, theirs_out.detach().numpy(), rtol=1e-6)
    assert not isinstance(ours, rg.nn.ConvTranspose2d)
