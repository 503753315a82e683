"""interpolate and Upsample against PyTorch: exact source positions of the nearest modes for sizes
and non-integer scale factors in 1-3 spatial dims, the linear modes with and without
align_corners, gradients, gradcheck, reprs and errors."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import retrograd as rg
from helpers import check
from retrograd import ShapeError
from retrograd.gradcheck import gradcheck
from retrograd.nn.functional.upsampling import interpolate, source_index
from retrograd.nn.upsampling import Upsample

from .torch_modules import compare_modules

modes = st.sampled_from(["nearest", "nearest-exact"])
# factors with one to three decimals: 2.1, 1.386, 0.5 ... (where float32 rounding matters)
factors = st.integers(2, 450).flatmap(
    lambda hundredths: st.sampled_from([hundredths / 100, hundredths / 100 + 0.006])
)


@st.composite
def resize_configs(draw: Any) -> dict[str, Any]:
    """An input shape (1-3 spatial axes) and either a size or a scale factor (one or per axis)."""
    dims = draw(st.integers(1, 3))
    spatial = tuple(draw(st.integers(1, 5 if dims < 3 else 3)) for _ in range(dims))
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 2)), *spatial)
    per_axis = draw(st.booleans())
    kwargs: dict[str, Any] = {"mode": draw(modes)}
    if draw(st.booleans()):
        sizes = [draw(st.integers(1, 9 if dims < 3 else 5)) for _ in range(dims)]
        kwargs["size"] = tuple(sizes) if per_axis else sizes[0]
    else:
        scales = [draw(factors) for _ in range(dims)]
        scale: Any = tuple(scales) if per_axis else scales[0]
        out = [int(n * f) for n, f in zip(spatial, scales if per_axis else [scale] * dims)]
        assume(min(out) >= 1 and int(np.prod(out)) <= 150)
        kwargs["scale_factor"] = scale
        kwargs["recompute_scale_factor"] = draw(st.sampled_from([None, True]))
        if not kwargs["recompute_scale_factor"]:
            # where torch's forward and backward read different elements (1-d and 3-d only;
            # see test_torch_backward_differs_from_its_forward_at_shortcut_sizes) a comparison
            # of gradients with torch means nothing
            for n, o, f in zip(spatial, out, scales if per_axis else [scale] * dims):
                formula = source_index(o, n, f, exact=kwargs["mode"] == "nearest-exact")
                shortcut = source_index(
                    o, n, f, exact=kwargs["mode"] == "nearest-exact", shortcuts=True
                )
                assume(np.array_equal(formula, shortcut))
    return {"shape": shape, "kwargs": kwargs}


@settings(max_examples=30)
@given(config=resize_configs(), seed=st.integers(0, 2**16))
def test_interpolate_matches_torch(config: dict[str, Any], seed: int) -> None:
    kwargs = config["kwargs"]
    check(
        lambda x: interpolate(x, **kwargs),
        config["shape"],
        torch_fn=lambda x: TF.interpolate(x, **kwargs),
        seed=seed,
    )


@settings(max_examples=30)
@given(
    dims=st.integers(1, 3),
    size=st.integers(1, 8),
    scale=factors,
    mode=modes,
)
def test_source_positions_match_torch_exactly(
    dims: int, size: int, scale: float, mode: str
) -> None:
    # each input element holds its own position, so the output shows which element was read
    # (PyTorch's 2-d kernel takes shortcuts its 1-d and 3-d kernels do not: test all three)
    assume(int(size * scale) >= 1)
    shape = (1, 1) + (size,) + (1,) * (dims - 1)
    x = np.arange(size, dtype=np.float64).reshape(shape)
    factor = (scale,) + (1.0,) * (dims - 1)
    ours = interpolate(rg.tensor(x), scale_factor=factor, mode=mode)
    theirs = TF.interpolate(torch.tensor(x), scale_factor=factor, mode=mode)
    np.testing.assert_array_equal(ours.array, theirs.numpy())


@pytest.mark.parametrize("dims", [1, 3])
def test_torch_backward_differs_from_its_forward_at_shortcut_sizes(dims: int) -> None:
    # 2 -> 2 elements with scale_factor 1.006: torch's 1-d/3-d forward reads floor(i / 1.006),
    # i.e. element 0 twice, but its backward (like its 2-d forward) takes the out == in
    # shortcut and sends the gradient of output i to element i. Ours follows torch's forward,
    # and its gradient is that of the forward (finite differences agree).
    shape = (1, 1, 2) + (1,) * (dims - 1)
    factor = (1.006,) + (1.0,) * (dims - 1)
    x = np.array([3.0, 5.0]).reshape(shape)
    check(  # the forwards agree
        lambda t: interpolate(t, scale_factor=factor),
        x,
        torch_fn=lambda t: TF.interpolate(t, scale_factor=factor),
        grad=False,
    )
    source = rg.tensor(x, requires_grad=True)
    out = interpolate(source, scale_factor=factor)
    np.testing.assert_array_equal(out.array.ravel(), [3.0, 3.0])
    out.backward(rg.tensor(np.array([1.0, 10.0]).reshape(out.shape)))
    np.testing.assert_array_equal(source.grad.array.ravel(), [11.0, 0.0])
    theirs = torch.tensor(x, requires_grad=True)
    TF.interpolate(theirs, scale_factor=factor).backward(torch.tensor([1.0, 10.0]).reshape(shape))
    np.testing.assert_array_equal(theirs.grad.numpy().ravel(), [1.0, 10.0])


def test_nearest_worked_example() -> None:
    x = rg.tensor([[[[1.0, 2.0], [3.0, 4.0]]]], requires_grad=True)
    out = interpolate(x, scale_factor=2)
    np.testing.assert_array_equal(
        out.array[0, 0],
        [[1.0, 1.0, 2.0, 2.0], [1.0, 1.0, 2.0, 2.0], [3.0, 3.0, 4.0, 4.0], [3.0, 3.0, 4.0, 4.0]],
    )
    upstream = np.arange(16.0).reshape(1, 1, 4, 4)
    out.backward(rg.tensor(upstream))
    # each input element collects the gradients of its 2x2 block of copies
    np.testing.assert_array_equal(
        x.grad.array[0, 0], [[0 + 1 + 4 + 5, 2 + 3 + 6 + 7], [8 + 9 + 12 + 13, 10 + 11 + 14 + 15]]
    )


def test_downsampling_reads_every_other_element() -> None:
    x = rg.tensor(np.arange(6.0).reshape(1, 1, 6))
    np.testing.assert_array_equal(interpolate(x, size=3).array, [[[0.0, 2.0, 4.0]]])
    np.testing.assert_array_equal(
        interpolate(x, size=3, mode="nearest-exact").array, [[[1.0, 3.0, 5.0]]]
    )


# ---------------------------------------------------------------------- layers
LAYERS = {
    "scale": lambda lib: lib.nn.Upsample(scale_factor=2),
    "scale_tuple": lambda lib: lib.nn.Upsample(scale_factor=(1.5, 2.1)),
    "size": lambda lib: lib.nn.Upsample(size=(5, 3)),
    "size_exact": lambda lib: lib.nn.Upsample(size=7, mode="nearest-exact"),
    "nearest2d": lambda lib: lib.nn.UpsamplingNearest2d(scale_factor=3),
    "bilinear": lambda lib: lib.nn.Upsample(scale_factor=1.6, mode="bilinear"),
    "bilinear_corners": lambda lib: lib.nn.Upsample(
        size=(3, 5), mode="bilinear", align_corners=True
    ),
    "bilinear2d": lambda lib: lib.nn.UpsamplingBilinear2d(scale_factor=2),
}


class _OurLib:
    nn = rg.nn


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_layer_matches_torch(name: str) -> None:
    ours, theirs = LAYERS[name](_OurLib), LAYERS[name](torch)
    assert repr(ours) == repr(theirs)
    x = np.random.default_rng(0).standard_normal((2, 3, 4, 3))
    compare_modules(ours, theirs, x, seed=1)


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_layer_keeps_float32(name: str) -> None:
    x = rg.tensor(np.ones((1, 2, 3, 3), dtype=np.float32), requires_grad=True)
    out = LAYERS[name](_OurLib)(x)
    assert out.dtype == np.float32
    out.sum().backward()
    assert x.grad.dtype == np.float32


def test_gradcheck_small_instances() -> None:
    x = rg.tensor(np.random.default_rng(0).standard_normal((1, 2, 3, 2)), requires_grad=True)
    assert gradcheck(lambda t: interpolate(t, scale_factor=1.7), (x,))
    assert gradcheck(lambda t: interpolate(t, size=(2, 5), mode="nearest-exact"), (x,))
    assert gradcheck(Upsample(scale_factor=(0.5, 2.0)), (x,))


# ---------------------------------------------------------------------- errors
@pytest.mark.parametrize("mode", ["foo", "Bilinear"])
def test_other_modes_raise_naming_the_mode(mode: str) -> None:
    with pytest.raises(ValueError, match=rf"^interpolate: mode '{mode}' is not supported"):
        interpolate(rg.zeros(1, 1, 4, 4), scale_factor=2, mode=mode)
    with pytest.raises(ValueError, match=rf"^Upsample: mode '{mode}' is not supported"):
        Upsample(scale_factor=2, mode=mode)


def test_wrong_rank_names_the_layer_and_the_layouts() -> None:
    with pytest.raises(ShapeError) as error:
        Upsample(scale_factor=2)(rg.zeros(4, 4))
    assert str(error.value) == (
        "Upsample(scale_factor=2.0, mode='nearest') expects input of shape (N, C, L), "
        "(N, C, H, W) or (N, C, D, H, W), got (4, 4)"
    )
    with pytest.raises(ShapeError, match=r"^interpolate expects .* got \(1, 1, 1, 1, 1, 1\)"):
        interpolate(rg.zeros(1, 1, 1, 1, 1, 1), size=2)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"size": 2, "scale_factor": 2}, ValueError, "only one of size or scale_factor"),
        ({}, ValueError, "either size or scale_factor should be defined"),
        ({"size": (2, 3, 4)}, ValueError, r"same number of spatial dimensions.*\[4, 4\]"),
        ({"scale_factor": (2.0,)}, ValueError, r"spatial dimensions.*scale_factor of \(2.0,\)"),
        ({"size": 0}, ShapeError, r"output size \(0, 0\)"),
        ({"scale_factor": 0.2}, ShapeError, r"input of spatial size \(4, 4\) and output size"),
        ({"size": 2, "align_corners": True}, ValueError, "align_corners option can only be set"),
        ({"size": 2, "antialias": True}, ValueError, "antialias"),
    ],
)
def test_bad_arguments(kwargs: dict[str, Any], error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        interpolate(rg.zeros(1, 1, 4, 4), **kwargs)


# ---------------------------------------------------------------------- linear modes
@st.composite
def linear_configs(draw: Any) -> dict[str, Any]:
    """A linear mode, its input shape and a size or scale factor, with or without corners."""
    mode = draw(st.sampled_from(["linear", "bilinear", "trilinear"]))
    dims = {"linear": 1, "bilinear": 2, "trilinear": 3}[mode]
    spatial = tuple(draw(st.integers(1, 5 if dims < 3 else 3)) for _ in range(dims))
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 2)), *spatial)
    kwargs: dict[str, Any] = {"mode": mode, "align_corners": draw(st.sampled_from([None, True]))}
    if draw(st.booleans()):
        kwargs["size"] = tuple(draw(st.integers(1, 7 if dims < 3 else 4)) for _ in range(dims))
    else:
        scale = draw(factors)
        out = [int(n * scale) for n in spatial]
        assume(min(out) >= 1 and int(np.prod(out)) <= 150)
        kwargs["scale_factor"] = scale
        kwargs["recompute_scale_factor"] = draw(st.sampled_from([None, True]))
    return {"shape": shape, "kwargs": kwargs}


@settings(max_examples=80)
@given(linear_configs(), st.integers(0, 2**16))
def test_linear_modes_match_torch(config: dict[str, Any], seed: int) -> None:
    kwargs = config["kwargs"]
    check(
        lambda x: interpolate(x, **kwargs),
        config["shape"],
        seed=seed,
        torch_fn=lambda x: TF.interpolate(x, **kwargs),
    )


@pytest.mark.parametrize("align_corners", [False, True])
def test_bilinear_float32_matches_torch(align_corners: bool) -> None:
    x = np.random.default_rng(0).standard_normal((2, 3, 5, 4)).astype(np.float32)
    for kwargs in ({"size": (7, 3)}, {"scale_factor": 1.7}, {"scale_factor": 0.45}):
        ours = interpolate(rg.tensor(x), mode="bilinear", align_corners=align_corners, **kwargs)
        theirs = TF.interpolate(
            torch.tensor(x), mode="bilinear", align_corners=align_corners, **kwargs
        )
        assert ours.dtype == np.float32
        np.testing.assert_allclose(ours.array, theirs.numpy(), rtol=1e-6, atol=1e-6)


def test_linear_worked_example() -> None:
    x = rg.tensor([[[0.0, 1.0, 3.0]]])
    # outputs at source positions max((i + 0.5) * 3 / 4 - 0.5, 0) = 0, 0.625, 1.375, 2.125
    np.testing.assert_allclose(
        interpolate(x, size=4, mode="linear").array, [[[0.0, 0.625, 1.75, 3.0]]]
    )
    # align_corners: positions i * 2 / 3 = 0, 2/3, 4/3, 2
    np.testing.assert_allclose(
        interpolate(x, size=4, mode="linear", align_corners=True).array,
        [[[0.0, 2 / 3, 1 + 2 * (1 / 3), 3.0]]],
    )


def test_linear_modes_copy_an_axis_that_keeps_its_size() -> None:
    x = np.arange(12.0).reshape(1, 1, 3, 4)
    for factor in [(1.2, 1.3), (1.006, 1.7)]:
        ours = interpolate(rg.tensor(x), scale_factor=factor, mode="bilinear")
        theirs = TF.interpolate(torch.tensor(x), scale_factor=factor, mode="bilinear")
        np.testing.assert_allclose(ours.array, theirs.numpy(), rtol=1e-12)
        np.testing.assert_array_equal(ours.array[..., 0], x[..., 0])


def test_linear_mode_needs_its_rank() -> None:
    with pytest.raises(ShapeError, match="bilinear mode needs 4D input"):
        interpolate(rg.zeros(1, 1, 4), size=2, mode="bilinear")
    with pytest.raises(rg.UnsupportedError):
        interpolate(rg.zeros(1, 1, 4, 4), size=2, mode="bilinear", antialias=True)
