"""InstanceNorm1d/2d and F.instance_norm against PyTorch, forward and backward."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import retrograd as rg
from retrograd import nn
from retrograd.nn import functional as F


@settings(max_examples=20, deadline=None)
@given(
    st.sampled_from([1, 2]),
    st.integers(1, 3),
    st.integers(1, 4),
    st.integers(2, 5),
    st.booleans(),
    st.booleans(),
    st.integers(0, 2**31 - 1),
)
def test_instance_norm_matches_torch(
    dims: int, n: int, c: int, size: int, affine: bool, batched: bool, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    shape = (n, c) + (size,) * dims if batched else (c,) + (size,) * dims
    x = rng.normal(size=shape)
    ours = (nn.InstanceNorm1d if dims == 1 else nn.InstanceNorm2d)(c, affine=affine).double()
    theirs = (torch.nn.InstanceNorm1d if dims == 1 else torch.nn.InstanceNorm2d)(
        c, affine=affine
    ).double()
    if affine:
        w, b = rng.normal(size=c), rng.normal(size=c)
        ours.weight.array[...] = w
        ours.bias.array[...] = b
        with torch.no_grad():
            theirs.weight.copy_(torch.tensor(w))
            theirs.bias.copy_(torch.tensor(b))
    upstream = rng.normal(size=shape)
    a, t = rg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, tout = ours(a), theirs(t)
    np.testing.assert_allclose(out.array, tout.detach().numpy(), rtol=1e-10, atol=1e-10)
    (out * rg.tensor(upstream)).sum().backward()
    (tout * torch.tensor(upstream)).sum().backward()
    np.testing.assert_allclose(a.grad.array, t.grad.numpy(), rtol=1e-8, atol=1e-10)
    if affine:
        np.testing.assert_allclose(ours.weight.grad.array, theirs.weight.grad.numpy(), atol=1e-10)


def test_functional_form_and_finite_differences() -> None:
    x = rg.tensor(np.random.default_rng(1).normal(size=(2, 3, 4)), requires_grad=True)
    assert rg.gradcheck(lambda t: F.instance_norm(t) * t, (x,))


def test_running_statistics_are_refused_clearly() -> None:
    with pytest.raises(rg.UnsupportedError, match="track_running_stats"):
        nn.InstanceNorm2d(3, track_running_stats=True)
    with pytest.raises(rg.UnsupportedError, match="running statistics"):
        F.instance_norm(rg.ones(2, 3, 4), running_mean=rg.zeros(3))


def test_repr_matches_torch() -> None:
    assert repr(nn.InstanceNorm2d(4)) == repr(torch.nn.InstanceNorm2d(4))
    assert repr(nn.InstanceNorm1d(3, affine=True)) == repr(torch.nn.InstanceNorm1d(3, affine=True))
