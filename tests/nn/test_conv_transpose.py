"""nn.ConvTranspose2d and F.conv_transpose2d against PyTorch (float64, forward and every
gradient), gradcheck, output_size, state dicts, init, repr and error messages."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import retrograd as rg
from helpers import check
from retrograd import ShapeError
from retrograd.gradcheck import gradcheck
from retrograd.nn.conv import Conv2d, ConvTranspose2d
from retrograd.nn.functional.conv import conv2d, conv_transpose2d

from .torch_modules import compare_modules, copy_to_torch


@st.composite
def transpose_configs(draw: Any) -> dict[str, Any]:
    """Layer arguments and an input shape with a non-empty output."""
    groups = draw(st.integers(1, 3))
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    # output_padding must stay below stride or dilation
    output_padding = tuple(draw(st.integers(0, max(s, d) - 1)) for s, d in zip(stride, dilation))
    sizes = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    padding = []
    for size, k, s, d, o in zip(sizes, kernel, stride, dilation, output_padding):
        full = (size - 1) * s + d * (k - 1) + o + 1  # output size without padding
        padding.append(draw(st.integers(0, min(2, (full - 1) // 2))))
    return {
        "in_channels": groups * draw(st.integers(1, 2)),
        "out_channels": groups * draw(st.integers(1, 2)),
        "kernel_size": kernel,
        "stride": stride,
        "padding": tuple(padding),
        "output_padding": output_padding,
        "groups": groups,
        "bias": draw(st.booleans()),
        "dilation": dilation,
        "batch": draw(st.sampled_from([(), (1,), (2,)])),
        "sizes": sizes,
    }


@settings(max_examples=30, deadline=None)
@given(config=transpose_configs(), seed=st.integers(0, 2**16))
def test_conv_transpose2d_matches_torch(config: dict[str, Any], seed: int) -> None:
    config = dict(config)
    batch, sizes = config.pop("batch"), config.pop("sizes")
    ours = ConvTranspose2d(**config, dtype="float64", generator=np.random.default_rng(seed))
    theirs = torch.nn.ConvTranspose2d(**config)
    copy_to_torch(ours, theirs)
    x = np.random.default_rng(seed + 1).standard_normal((*batch, config["in_channels"], *sizes))
    compare_modules(ours, theirs, x, seed=seed)


def test_functional_form_matches_torch_and_finite_differences() -> None:
    kwargs: dict[str, Any] = {
        "stride": (2, 3),
        "padding": (1, 0),
        "output_padding": (1, 2),
        "groups": 2,
        "dilation": (1, 2),
    }
    check(
        lambda x, w, b: conv_transpose2d(x, w, b, **kwargs),
        (2, 4, 3, 2),
        (4, 3, 3, 2),
        (6,),
        torch_fn=lambda x, w, b: torch.nn.functional.conv_transpose2d(x, w, b, **kwargs),
    )


def test_is_the_input_gradient_of_conv2d() -> None:
    # <conv2d(x, w), y> = <x, conv_transpose2d(y, w)>: the two are adjoint linear maps
    rng = np.random.default_rng(0)
    x = rg.tensor(rng.standard_normal((2, 4, 7, 6)))
    w = rg.tensor(rng.standard_normal((6, 2, 3, 2)))
    kwargs: dict[str, Any] = {"stride": 2, "padding": 1, "dilation": (1, 2), "groups": 2}
    y = rg.tensor(rng.standard_normal(conv2d(x, w, **kwargs).shape))
    back = conv_transpose2d(y, w, output_padding=(0, 1), **kwargs)
    assert back.shape == x.shape
    left = float((conv2d(x, w, **kwargs) * y).sum().item())
    right = float((x * back).sum().item())
    assert left == pytest.approx(right, rel=1e-12)


def test_gradcheck_on_a_tiny_layer() -> None:
    layer = ConvTranspose2d(
        2, 4, (2, 3), stride=2, padding=(1, 0), output_padding=1, groups=2, dtype="float64"
    )
    x = rg.tensor(np.random.default_rng(0).standard_normal((2, 2, 3, 2)), requires_grad=True)
    assert gradcheck(layer, (x,))


def test_output_size_picks_the_output_padding() -> None:
    ours = ConvTranspose2d(3, 2, 3, stride=2, padding=1, dtype="float64")
    theirs = torch.nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1)
    copy_to_torch(ours, theirs)
    x = np.random.default_rng(0).standard_normal((1, 3, 4, 5))
    for size in [(7, 9), (8, 10), (1, 3, 8, 9)]:
        out = ours(rg.tensor(x), output_size=size)
        expected = theirs(torch.tensor(x), output_size=size)
        np.testing.assert_allclose(out.array, expected.detach().numpy(), rtol=1e-6, atol=1e-9)
    with pytest.raises(ValueError, match=r"valid sizes range from \(7, 9\) to \(8, 10\)"):
        ours(rg.tensor(x), output_size=(9, 9))


def test_float32_stays_float32_and_unbatched_works() -> None:
    layer = ConvTranspose2d(3, 2, 3, stride=2)
    x = rg.randn(3, 4, 4, requires_grad=True)
    out = layer(x)
    assert out.shape == (2, 9, 9) and out.dtype == np.float32
    out.backward(rg.ones(*out.shape))
    assert x.grad.dtype == np.float32 and layer.weight.grad.dtype == np.float32


def test_state_dict_round_trip_and_shapes() -> None:
    theirs = torch.nn.ConvTranspose2d(4, 6, (2, 3), groups=2).double()
    ours = ConvTranspose2d(4, 6, (2, 3), groups=2, dtype="float64")
    assert ours.weight.shape == (4, 3, 2, 3)  # (in, out/groups, kH, kW)
    state = theirs.state_dict()
    assert list(ours.state_dict()) == list(state)
    ours.load_state_dict(state)
    theirs.load_state_dict({k: torch.tensor(v.array) for k, v in ours.state_dict().items()})
    compare_modules(ours, theirs, np.random.default_rng(0).standard_normal((1, 4, 3, 3)))


def test_default_init_uses_weight_fan_in() -> None:
    layer = ConvTranspose2d(8, 16, 3, groups=2, generator=np.random.default_rng(0))
    bound = 1 / math.sqrt(8 * 9)  # fan_in = weight.shape[1] * kH * kW = out/groups * 9
    assert np.abs(layer.weight.array).max() <= bound
    assert np.abs(layer.weight.array).max() > 0.98 * bound
    assert np.abs(layer.bias.array).max() <= bound


def test_repr_matches_torch() -> None:
    args: tuple[Any, ...] = (4, 6, 3)
    kwargs: dict[str, Any] = {"stride": 2, "padding": 1, "output_padding": 1, "groups": 2}
    assert repr(ConvTranspose2d(*args, **kwargs)) == repr(torch.nn.ConvTranspose2d(*args, **kwargs))
    assert repr(ConvTranspose2d(2, 2, 1, bias=False, dilation=2)) == repr(
        torch.nn.ConvTranspose2d(2, 2, 1, bias=False, dilation=2)
    )


def test_errors() -> None:
    layer = ConvTranspose2d(3, 2, 3)
    with pytest.raises(ShapeError) as error:
        layer(rg.zeros(2, 4, 5, 5))
    assert str(error.value) == (
        "ConvTranspose2d(3, 2, kernel_size=(3, 3), stride=(1, 1)) expects input of shape "
        "(N, 3, H, W) or (3, H, W) (3 channels), got (2, 4, 5, 5) (4 channels)"
    )
    with pytest.raises(ShapeError, match=r"expects input of shape .*, got \(5, 5\)$"):
        layer(rg.zeros(5, 5))
    with pytest.raises(ValueError, match=r"output_padding must be .*smaller than either stride"):
        ConvTranspose2d(1, 1, 3, output_padding=1)(rg.zeros(1, 1, 2, 2))
    with pytest.raises(ShapeError, match=r"gives an empty output of size \(-1, -1\)"):
        ConvTranspose2d(1, 1, 1, padding=1)(rg.zeros(1, 1, 1, 1))
    with pytest.raises(ValueError, match=r"^ConvTranspose2d: in_channels=3 must be divisible"):
        ConvTranspose2d(3, 2, 3, groups=2)
    with pytest.raises(ValueError, match=r"padding='same' is not supported"):
        ConvTranspose2d(1, 1, 3, padding="same")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"padding_mode='circular' is not supported"):
        ConvTranspose2d(1, 1, 3, padding_mode="circular")
    # the conv layer and its transpose name different channel dims
    assert Conv2d(4, 6, 3, groups=2).weight.shape == (6, 2, 3, 3)
