"""The 3-d layers (Conv3d, ConvTranspose3d, pooling, BatchNorm3d, InstanceNorm3d), LP pooling,
max unpooling, padding modes of the convolutions, Upsample's new modes, Fold/Unfold and the
pixel shuffles against their PyTorch twins with copied weights (float64): forward, input and
parameter gradients, reprs, PyTorch's module paths, and errors naming the layer."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

import retrograd as rg
from helpers import distinct
from retrograd import ShapeError, nn

from .torch_modules import assert_close, compare_modules, copy_to_torch

F64 = rg.float64


def x_of(shape: tuple[int, ...], seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape)


def same(ours: Any, theirs: torch.nn.Module, x: np.ndarray) -> None:
    """`theirs` given `ours`'s weights (float64) agrees forward and backward on `x`."""
    copy_to_torch(ours, theirs)
    compare_modules(ours, theirs, x)


# ---------------------------------------------------------------------- convolutions
@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"stride": 2, "padding": 1},
        {"padding": (1, 0, 2), "dilation": (2, 1, 1), "bias": False},
        {"groups": 2, "padding": "same"},
        {"padding": "valid", "stride": (1, 2, 1)},
        {"padding": 1, "padding_mode": "reflect"},
        {"padding": (1, 2, 1), "padding_mode": "replicate"},
        {"padding": 2, "padding_mode": "circular", "stride": 2},
        {"padding": "same", "padding_mode": "circular", "dilation": 2},
    ],
)
@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.filterwarnings("ignore:Using padding='same'")  # PyTorch's note on its own copy
def test_conv3d_matches_torch(kwargs: dict[str, Any], batched: bool) -> None:
    ours = nn.Conv3d(4, 6, (3, 2, 3), dtype=F64, **kwargs)
    theirs = torch.nn.Conv3d(4, 6, (3, 2, 3), **kwargs)
    shape = (2, 4, 5, 6, 5) if batched else (4, 5, 6, 5)
    same(ours, theirs, x_of(shape))
    assert repr(ours) == repr(theirs)


@pytest.mark.parametrize(
    ("layer", "shape"),
    [("Conv1d", (2, 4, 7)), ("Conv2d", (2, 4, 6, 5))],
)
@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_padding_modes_of_the_lower_dimensional_convolutions(
    layer: str, shape: tuple[int, ...], mode: str
) -> None:
    ours = getattr(nn, layer)(4, 2, 3, padding=2, padding_mode=mode, groups=2, dtype=F64)
    theirs = getattr(torch.nn, layer)(4, 2, 3, padding=2, padding_mode=mode, groups=2)
    same(ours, theirs, x_of(shape))
    assert repr(ours) == repr(theirs)


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"stride": 2, "padding": 1, "output_padding": 1},
        {"stride": (2, 1, 3), "dilation": (1, 2, 1), "groups": 2, "bias": False},
    ],
)
def test_conv_transpose3d_matches_torch(kwargs: dict[str, Any]) -> None:
    ours = nn.ConvTranspose3d(4, 6, (2, 3, 2), dtype=F64, **kwargs)
    theirs = torch.nn.ConvTranspose3d(4, 6, (2, 3, 2), **kwargs)
    same(ours, theirs, x_of((2, 4, 3, 4, 3)))
    assert repr(ours) == repr(theirs)


def test_conv_transpose3d_output_size_picks_the_output_padding() -> None:
    ours = nn.ConvTranspose3d(2, 3, 3, stride=2, padding=1, dtype=F64)
    theirs = torch.nn.ConvTranspose3d(2, 3, 3, stride=2, padding=1).double()
    theirs.load_state_dict({k: torch.tensor(v.array) for k, v in ours.state_dict().items()})
    x = x_of((1, 2, 3, 4, 3))
    for size in [(5, 7, 5), (6, 8, 6), (1, 2, 6, 7, 5)]:
        out = ours(rg.tensor(x), output_size=size)
        assert_close(out, theirs(torch.tensor(x), output_size=size))
    with pytest.raises(ShapeError, match=r"ConvTranspose3d\(.*requested an output size"):
        ours(rg.tensor(x), output_size=(9, 7, 5))


# ---------------------------------------------------------------------- pooling
@pytest.mark.parametrize(
    ("layer", "args", "kwargs"),
    [
        ("MaxPool3d", (2,), {}),
        ("MaxPool3d", (3,), {"stride": 2, "padding": 1, "ceil_mode": True}),
        ("MaxPool3d", ((2, 3, 2),), {"stride": 1, "dilation": (1, 1, 2)}),
        ("AvgPool3d", (2,), {}),
        ("AvgPool3d", (3,), {"stride": 2, "padding": 1, "count_include_pad": False}),
        ("AvgPool3d", ((2, 3, 2),), {"ceil_mode": True, "divisor_override": 5}),
        ("AdaptiveAvgPool3d", ((2, None, 3),), {}),
        ("AdaptiveMaxPool3d", (3,), {}),
        ("LPPool1d", (2.0, 3), {"stride": 2}),
        ("LPPool2d", (3.0, (2, 3)), {"ceil_mode": True}),
        ("LPPool3d", (1.5, 2), {}),
    ],
)
def test_pooling_layers_match_torch(layer: str, args: tuple, kwargs: dict[str, Any]) -> None:
    ours, theirs = getattr(nn, layer)(*args, **kwargs), getattr(torch.nn, layer)(*args, **kwargs)
    dims = int(layer[-2])
    shape = (2, 3, 5, 6, 5)[: dims + 2]
    x = np.abs(distinct(shape)) + 0.1 if layer.startswith("LP") else distinct(shape)
    same(ours, theirs, x)
    assert repr(ours) == repr(theirs)


def test_max_pool3d_indices_feed_max_unpool3d() -> None:
    x = distinct((2, 3, 5, 6, 5))
    ours_pool = nn.MaxPool3d(2, stride=2, return_indices=True)
    theirs_pool = torch.nn.MaxPool3d(2, stride=2, return_indices=True)
    values, indices = ours_pool(rg.tensor(x))
    t_values, t_indices = theirs_pool(torch.tensor(x))
    np.testing.assert_array_equal(indices.array, t_indices.numpy())
    ours, theirs = nn.MaxUnpool3d(2), torch.nn.MaxUnpool3d(2)
    assert repr(ours) == repr(theirs)
    v = rg.tensor(values.array, requires_grad=True)
    tv = t_values.detach().requires_grad_()
    out = ours(v, indices, output_size=x.shape)
    t_out = theirs(tv, t_indices, output_size=x.shape)
    assert_close(out, t_out)
    upstream = x_of(out.shape, seed=1)
    out.backward(rg.tensor(upstream))
    t_out.backward(torch.tensor(upstream))
    assert_close(v.grad, tv.grad)


@pytest.mark.parametrize("n", [1, 2])
def test_max_unpool_layers_1d_2d(n: int) -> None:
    shape = (2, 3, 8, 6)[: n + 2]
    pool = getattr(torch.nn, f"MaxPool{n}d")(2, stride=2, return_indices=True)
    values, indices = pool(torch.tensor(distinct(shape)))
    ours, theirs = getattr(nn, f"MaxUnpool{n}d")(2), getattr(torch.nn, f"MaxUnpool{n}d")(2)
    assert repr(ours) == repr(theirs)
    out = ours(rg.tensor(values.numpy()), rg.tensor(indices.numpy()))
    assert_close(out, theirs(values, indices))


# ---------------------------------------------------------------------- normalization
@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("kwargs", [{}, {"affine": False}, {"momentum": None}])
def test_batch_norm3d_matches_torch(training: bool, kwargs: dict[str, Any]) -> None:
    ours = nn.BatchNorm3d(3, dtype=F64, **kwargs)
    theirs = torch.nn.BatchNorm3d(3, **kwargs)
    x = x_of((2, 3, 3, 4, 3))
    ours.train(training)
    theirs.train(training)
    if kwargs.get("affine", True):
        same(ours, theirs, x)
    else:
        assert_close(ours(rg.tensor(x)), theirs.double()(torch.tensor(x)))
        assert ours.num_batches_tracked.item() == theirs.num_batches_tracked.item()
    assert_close(ours.running_mean, theirs.running_mean)
    assert_close(ours.running_var, theirs.running_var)
    assert repr(ours) == repr(theirs)


@pytest.mark.parametrize("affine", [False, True])
@pytest.mark.parametrize("shape", [(2, 3, 3, 4, 5), (3, 3, 4, 5)])
def test_instance_norm3d_matches_torch(affine: bool, shape: tuple[int, ...]) -> None:
    ours = nn.InstanceNorm3d(3, affine=affine, dtype=F64)
    theirs = torch.nn.InstanceNorm3d(3, affine=affine)
    if affine:
        same(ours, theirs, x_of(shape))
    else:
        assert_close(ours(rg.tensor(x_of(shape))), theirs(torch.tensor(x_of(shape))))
    assert repr(ours) == repr(theirs)


# ---------------------------------------------------------------------- resizing and windows
@pytest.mark.parametrize(
    ("shape", "kwargs"),
    [
        ((2, 2, 4, 5), {"size": (7, 3), "mode": "bicubic"}),
        ((2, 2, 4, 5), {"scale_factor": 1.5, "mode": "bicubic", "align_corners": True}),
        ((2, 2, 4, 5), {"scale_factor": 1.7, "mode": "bicubic", "recompute_scale_factor": True}),
        ((2, 2, 6, 5), {"scale_factor": 0.5, "mode": "area"}),
        ((2, 2, 3, 4, 5), {"scale_factor": (2.0, 1.5, 0.6), "mode": "trilinear"}),
        ((2, 2, 3, 4, 5), {"size": (4, 5, 3), "mode": "nearest-exact"}),
    ],
)
def test_upsample_modes_match_torch(shape: tuple[int, ...], kwargs: dict[str, Any]) -> None:
    ours, theirs = nn.Upsample(**kwargs), torch.nn.Upsample(**kwargs)
    same(ours, theirs, x_of(shape))
    assert repr(ours) == repr(theirs)


@pytest.mark.parametrize(
    "kwargs", [{"kernel_size": 2}, {"kernel_size": (2, 3), "padding": 1, "stride": (2, 1)}]
)
def test_fold_and_unfold_layers_match_torch(kwargs: dict[str, Any]) -> None:
    ours, theirs = nn.Unfold(**kwargs), torch.nn.Unfold(**kwargs)
    same(ours, theirs, x_of((2, 3, 6, 5)))
    assert repr(ours) == repr(theirs)
    columns = theirs(torch.zeros(2, 3, 6, 5)).shape
    ours_fold, theirs_fold = nn.Fold((6, 5), **kwargs), torch.nn.Fold((6, 5), **kwargs)
    same(ours_fold, theirs_fold, x_of(tuple(columns)))
    assert repr(ours_fold) == repr(theirs_fold)


def test_pixel_shuffle_layers_match_torch() -> None:
    ours, theirs = nn.PixelShuffle(2), torch.nn.PixelShuffle(2)
    same(ours, theirs, x_of((2, 8, 3, 4)))
    assert repr(ours) == repr(theirs)
    ours_un, theirs_un = nn.PixelUnshuffle(3), torch.nn.PixelUnshuffle(3)
    same(ours_un, theirs_un, x_of((2, 2, 6, 9)))
    assert repr(ours_un) == repr(theirs_un)


def test_new_layers_are_at_pytorchs_module_paths() -> None:
    from retrograd.nn.modules import batchnorm, conv, fold, instancenorm, pixelshuffle, pooling

    assert conv.Conv3d is nn.Conv3d and conv.ConvTranspose3d is nn.ConvTranspose3d
    assert pooling.MaxUnpool2d is nn.MaxUnpool2d and pooling.LPPool2d is nn.LPPool2d
    assert batchnorm.BatchNorm3d is nn.BatchNorm3d
    assert instancenorm.InstanceNorm3d is nn.InstanceNorm3d
    assert fold.Fold is nn.Fold and pixelshuffle.PixelShuffle is nn.PixelShuffle


# ---------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    ("make", "x", "error", "message"),
    [
        (
            lambda: nn.Conv3d(2, 4, 3),
            rg.zeros(1, 2, 4, 4),
            ShapeError,
            r"^Conv3d\(2, 4, kernel_size=\(3, 3, 3\), stride=\(1, 1, 1\)\) expects input of shape "
            r"\(N, 2, D, H, W\) or \(2, D, H, W\) \(2 channels\), got \(1, 2, 4, 4\)",
        ),
        (
            lambda: nn.Conv3d(2, 4, 3),
            rg.zeros(1, 3, 4, 4, 4),
            ShapeError,
            r"^Conv3d\(2, 4.*got \(1, 3, 4, 4, 4\) \(3 channels\)",
        ),
        (
            lambda: nn.Conv3d(2, 4, 3, padding=1, padding_mode="reflect"),
            rg.zeros(1, 2, 4, 4),
            ShapeError,
            "Conv3d",
        ),
        (
            lambda: nn.ConvTranspose3d(2, 4, 3),
            rg.zeros(2, 4, 4),
            ShapeError,
            r"^ConvTranspose3d\(2, 4.*expects input of shape \(N, 2, D, H, W\)",
        ),
        (
            lambda: nn.MaxPool3d(2),
            rg.zeros(2, 4, 4),
            ShapeError,
            r"^MaxPool3d\(kernel_size=2.*expects input of shape \(N, C, D, H, W\) or \(C, D, H",
        ),
        (
            lambda: nn.AvgPool3d(2),
            rg.zeros(2, 4, 4),
            ShapeError,
            r"^AvgPool3d\(kernel_size=2.*expects input of shape \(N, C, D, H, W\)",
        ),
        (
            lambda: nn.AdaptiveAvgPool3d(2),
            rg.zeros(2, 4, 4),
            ShapeError,
            r"^AdaptiveAvgPool3d\(output_size=2\) expects input of shape \(N, C, D, H, W\)",
        ),
        (
            lambda: nn.LPPool2d(2, 2),
            rg.zeros(4, 4),
            ShapeError,
            r"^LPPool2d\(norm_type=2.*expects input of shape \(N, C, H, W\) or \(C, H, W\)",
        ),
        (
            lambda: nn.BatchNorm3d(3),
            rg.zeros(2, 3, 4, 4),
            ShapeError,
            r"^BatchNorm3d\(3.*expected 5D input \(got 4D input of shape \(2, 3, 4, 4\)\)",
        ),
        (
            lambda: nn.InstanceNorm3d(3),
            rg.zeros(3, 4, 4),
            ShapeError,
            r"^InstanceNorm3d expects \(N, C, D, H, W\) or unbatched \(C, D, H, W\) input",
        ),
        (
            lambda: nn.Unfold(2),
            rg.zeros(4, 4),
            ShapeError,
            r"^Unfold\(kernel_size=2.*expects a 4-d input \(N, C, H, W\)",
        ),
        (lambda: nn.Fold(4, 2), rg.zeros(1, 4, 8), ShapeError, r"^Fold\(output_size=4.*9"),
        (
            lambda: nn.PixelShuffle(2),
            rg.zeros(1, 3, 2, 2),
            ShapeError,
            r"^PixelShuffle expects its input's 'channel' dimension.*input.size\(-3\)=3",
        ),
        (
            lambda: nn.Upsample(size=3, mode="bicubic"),
            rg.zeros(1, 1, 4),
            ShapeError,
            r"^Upsample\(size=3, mode='bicubic'\): got 3D input, but bicubic mode needs 4D input",
        ),
    ],
)
def test_errors_name_the_layer_and_the_shapes(
    make: Any, x: rg.Tensor, error: type, message: str
) -> None:
    layer = make()
    with pytest.raises(error, match=message):
        layer(x)


def test_bad_settings_fail_at_construction() -> None:
    with pytest.raises(ValueError, match=r"^MaxPool3d.*padding should be at most half"):
        nn.MaxPool3d(2, padding=2)
    with pytest.raises(ValueError, match="kernel_size must be a single int or a tuple of three"):
        nn.Conv3d(1, 1, (1, 2))
    with pytest.raises(ValueError, match=r"ConvTranspose3d: padding_mode='reflect' is not"):
        nn.ConvTranspose3d(1, 1, 3, padding_mode="reflect")
    with pytest.raises(ValueError, match=r"^AvgPool3d.*divisor_override must not be zero"):
        nn.AvgPool3d(2, divisor_override=0)
    with pytest.raises(ValueError, match="upscale_factor must be greater than zero"):
        nn.PixelShuffle(0)
    with pytest.raises(ValueError, match=r"^Unfold.*stride must be positive"):
        nn.Unfold(2, stride=0)
    with pytest.raises(ValueError, match=r"MaxUnpool2d.*invalid output_size"):
        nn.MaxUnpool2d(2)(rg.zeros(1, 1, 2, 2), rg.zeros(1, 1, 2, 2, dtype=rg.int64), (9, 9))
