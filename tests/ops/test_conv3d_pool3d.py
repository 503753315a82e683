"""3-d convolutions and pooling, max unpooling, LP pooling, the new interpolation modes,
unfold/fold and the pixel shuffles, as functions: forward and backward against PyTorch and
finite differences (float64, small shapes), a grid of options each, and their errors."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given, settings
from hypothesis import strategies as st

import retrograd as rg
import retrograd.nn.functional as F
from helpers import check, distinct
from retrograd import DTypeError, ShapeError
from retrograd.ops.conv import _col2im, _im2col, _out_size


# ---------------------------------------------------------------------- convolution
@settings(max_examples=20, deadline=None)
@given(
    groups=st.integers(1, 2),
    per_group=st.integers(1, 2),
    kernel=st.tuples(st.integers(1, 2), st.integers(1, 3), st.integers(1, 2)),
    stride=st.tuples(st.integers(1, 2), st.integers(1, 2), st.integers(1, 3)),
    dilation=st.tuples(st.integers(1, 2), st.integers(1, 2), st.integers(1, 2)),
    extra=st.tuples(st.integers(0, 3), st.integers(0, 3), st.integers(0, 3)),
    seed=st.integers(0, 2**16),
)
def test_col2im_is_the_adjoint_of_im2col_in_3d(
    groups: int, per_group: int, kernel: Any, stride: Any, dilation: Any, extra: Any, seed: int
) -> None:
    size = tuple(d * (k - 1) + 1 + e for k, d, e in zip(kernel, dilation, extra))
    out = tuple(_out_size(s, k, st_, d) for s, k, st_, d in zip(size, kernel, stride, dilation))
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((2, *size, per_group * groups))
    cols = _im2col(x, kernel, stride, dilation, groups, out)
    c = rng.standard_normal(cols.shape)
    taps = int(np.prod(kernel))
    blocks = c.reshape(len(c), groups, taps, per_group).transpose(2, 1, 0, 3)
    back = _col2im(blocks, x.shape, kernel, stride, dilation, out)
    assert np.sum(cols * c) == pytest.approx(np.sum(x * back), rel=1e-12)


CONV3D_OPTIONS = [
    {},
    {"padding": 1},
    {"padding": (1, 0, 2), "dilation": (2, 1, 1)},
    {"padding": 1, "groups": 2},
    {"padding": 1, "stride": 2},
    {"stride": (1, 2, 1), "groups": 2},
    {"padding": "same", "dilation": (1, 2, 1)},
    {"padding": "valid"},
]


@pytest.mark.filterwarnings("ignore:Using padding='same'")  # PyTorch's note on its own copy
@pytest.mark.parametrize("kwargs", CONV3D_OPTIONS)
@pytest.mark.parametrize("in_per_group", [1, 2])
def test_conv3d_matches_torch(kwargs: dict[str, Any], in_per_group: int) -> None:
    groups = kwargs.get("groups", 1)
    check(
        lambda x, w, b: F.conv3d(x, w, b, **kwargs),
        (2, in_per_group * groups, 4, 5, 4),
        (2 * groups, in_per_group, 2, 3, 2),
        (2 * groups,),
        torch_fn=lambda x, w, b: TF.conv3d(x, w, b, **kwargs),
    )


def test_conv3d_unbatched_and_without_bias() -> None:
    check(
        lambda x, w: F.conv3d(x, w, padding=1),
        (2, 3, 3, 4),
        (3, 2, 2, 2, 2),
        torch_fn=lambda x, w: TF.conv3d(x, w, padding=1),
    )


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"padding": 1},
        {"stride": 2, "output_padding": 1},
        {"padding": (1, 0, 1), "dilation": 2, "output_padding": (1, 0, 1), "groups": 2},
        {"stride": (2, 1, 3), "padding": (0, 1, 1), "output_padding": (1, 0, 2)},
    ],
)
def test_conv_transpose3d_matches_torch(kwargs: dict[str, Any]) -> None:
    groups = kwargs.get("groups", 1)
    check(
        lambda x, w, b: F.conv_transpose3d(x, w, b, **kwargs),
        (2, 2 * groups, 3, 4, 3),
        (2 * groups, 2, 2, 3, 2),
        (2 * groups,),
        torch_fn=lambda x, w, b: TF.conv_transpose3d(x, w, b, **kwargs),
    )


@pytest.mark.parametrize(
    ("fn", "torch_fn", "x", "w"),
    [
        (F.conv1d, TF.conv1d, (2, 4, 7), (4, 2, 3)),
        (F.conv_transpose1d, TF.conv_transpose1d, (2, 4, 5), (4, 2, 3)),
    ],
)
def test_one_d_convolutions_run_on_the_nd_primitive(fn: Any, torch_fn: Any, x: Any, w: Any) -> None:
    check(
        lambda a, b: fn(a, b, stride=2, padding=1, groups=2),
        x,
        w,
        torch_fn=lambda a, b: torch_fn(a, b, stride=2, padding=1, groups=2),
    )


def test_conv3d_keeps_float32() -> None:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 4, 4, 4)).astype(np.float32)
    w = rng.standard_normal((4, 3, 3, 3, 3)).astype(np.float32)
    ours = F.conv3d(rg.tensor(x), rg.tensor(w), padding=1)
    assert ours.dtype == np.float32
    theirs = TF.conv3d(torch.tensor(x), torch.tensor(w), padding=1).numpy()
    np.testing.assert_allclose(ours.array, theirs, rtol=1e-4, atol=1e-4)


# ---------------------------------------------------------------------- pooling
MAX_POOL3D_OPTIONS = [
    {"kernel_size": 2},
    {"kernel_size": (2, 3, 2), "stride": 1},
    {"kernel_size": 3, "stride": 2, "padding": 1},
    {"kernel_size": 2, "stride": 2, "ceil_mode": True},
    {"kernel_size": (2, 2, 3), "stride": (1, 2, 1), "padding": (1, 0, 1), "dilation": (1, 2, 1)},
]


@pytest.mark.parametrize("kwargs", MAX_POOL3D_OPTIONS)
@pytest.mark.parametrize("return_indices", [False, True])
def test_max_pool3d_matches_torch(kwargs: dict[str, Any], return_indices: bool) -> None:
    check(
        lambda x: F.max_pool3d(x, return_indices=return_indices, **kwargs),
        distinct((2, 2, 5, 6, 5)),
        torch_fn=lambda x: TF.max_pool3d(x, return_indices=return_indices, **kwargs),
    )


AVG_POOL3D_OPTIONS = [
    {"kernel_size": 2},
    {"kernel_size": 3, "stride": 2, "padding": 1},
    {"kernel_size": 3, "stride": 2, "padding": 1, "count_include_pad": False},
    {"kernel_size": (2, 3, 2), "stride": 2, "ceil_mode": True},
    {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True, "count_include_pad": False},
    {"kernel_size": 2, "divisor_override": 3},
    {"kernel_size": (1, 2, 3), "stride": (1, 1, 2), "padding": (0, 1, 1)},
]


@pytest.mark.parametrize("kwargs", AVG_POOL3D_OPTIONS)
def test_avg_pool3d_matches_torch(kwargs: dict[str, Any]) -> None:
    check(
        lambda x: F.avg_pool3d(x, **kwargs),
        (2, 2, 5, 6, 5),
        torch_fn=lambda x: TF.avg_pool3d(x, **kwargs),
    )


@pytest.mark.parametrize("output_size", [1, 2, (3, 2, 4), (None, 3, 2), (5, 6, 7)])
def test_adaptive_pool3d_matches_torch(output_size: Any) -> None:
    check(
        lambda x: F.adaptive_avg_pool3d(x, output_size),
        (2, 2, 5, 6, 4),
        torch_fn=lambda x: TF.adaptive_avg_pool3d(x, output_size),
    )
    check(
        lambda x: F.adaptive_max_pool3d(x, output_size),
        distinct((2, 2, 5, 6, 4)),
        torch_fn=lambda x: TF.adaptive_max_pool3d(x, output_size),
    )


def test_unbatched_3d_pooling() -> None:
    check(
        lambda x: F.max_pool3d(x, 2), distinct((2, 4, 4, 4)), torch_fn=lambda x: TF.max_pool3d(x, 2)
    )
    check(
        lambda x: F.avg_pool3d(x, 2, padding=1),
        (2, 4, 4, 4),
        torch_fn=lambda x: TF.avg_pool3d(x, 2, padding=1),
    )


@pytest.mark.parametrize(
    ("fn", "torch_fn", "shape", "kernel"),
    [
        (F.lp_pool1d, TF.lp_pool1d, (2, 3, 8), 3),
        (F.lp_pool2d, TF.lp_pool2d, (2, 3, 6, 5), (2, 3)),
        (F.lp_pool3d, TF.lp_pool3d, (2, 2, 4, 5, 4), 2),
    ],
)
@pytest.mark.parametrize("norm_type", [1.0, 2.0, 3.0, 1.5])
@pytest.mark.parametrize("options", [{}, {"stride": 2, "ceil_mode": True}, {"stride": 1}])
def test_lp_pool_matches_torch(
    fn: Any, torch_fn: Any, shape: Any, kernel: Any, norm_type: float, options: dict[str, Any]
) -> None:
    check(
        lambda x: fn(x, norm_type, kernel, **options),
        shape,
        torch_fn=lambda x: torch_fn(x, norm_type, kernel, **options),
        low=0.5,  # x ** p with fractional p needs x > 0; the root needs a positive sum
        high=2.0,
    )


# ---------------------------------------------------------------------- max unpooling
@pytest.mark.parametrize(
    ("n", "shape", "pool_kwargs", "output_size"),
    [
        (1, (2, 3, 8), {"kernel_size": 2}, None),
        (1, (2, 3, 9), {"kernel_size": 3, "stride": 2, "padding": 1}, [9]),
        (2, (2, 2, 4, 6), {"kernel_size": 2}, None),
        (2, (2, 2, 5, 7), {"kernel_size": 2}, (2, 2, 5, 7)),
        (2, (3, 6, 6), {"kernel_size": (2, 3), "stride": (2, 1), "padding": (1, 1)}, None),
        (3, (2, 2, 4, 6, 4), {"kernel_size": 2}, None),
        (3, (2, 2, 5, 5, 5), {"kernel_size": 2, "stride": 2}, (5, 5, 5)),
    ],
)
def test_max_unpool_matches_torch(
    n: int, shape: Any, pool_kwargs: dict[str, Any], output_size: Any
) -> None:
    pool = getattr(TF, f"max_pool{n}d")
    values, indices = pool(torch.tensor(distinct(shape)), return_indices=True, **pool_kwargs)
    ours, theirs = getattr(F, f"max_unpool{n}d"), getattr(TF, f"max_unpool{n}d")
    # overlapping windows can pick one maximum twice: both copies get its gradient (as in
    # PyTorch), which is not the derivative of the one write that lands, so no finite differences
    flat = indices.numpy().reshape(*indices.shape[:2], -1)
    repeated = any(len(set(row)) < len(row) for row in flat.reshape(-1, flat.shape[-1]))
    check(
        lambda x, i: ours(x, i, output_size=output_size, **pool_kwargs),
        values.numpy(),
        indices.numpy(),
        torch_fn=lambda x, i: theirs(x, i, output_size=output_size, **pool_kwargs),
        fd=not repeated,
    )


def test_max_unpool_inverts_our_own_max_pool_indices() -> None:
    x = rg.tensor(distinct((2, 3, 5, 6, 4)))
    values, indices = F.max_pool3d(x, 2, return_indices=True, ceil_mode=True, padding=1)
    back = F.max_unpool3d(values, indices, 2, padding=1, output_size=x.shape)
    mask = back.array != 0
    np.testing.assert_array_equal(back.array[mask], x.array[mask])
    assert mask.sum() == values.numel()


# ---------------------------------------------------------------------- interpolation
@pytest.mark.parametrize(
    "kwargs",
    [
        {"size": (7, 4)},
        {"size": (7, 4), "align_corners": True},
        {"size": (3, 9), "align_corners": False},
        {"scale_factor": 2.0},
        {"scale_factor": 1.7},
        {"scale_factor": (0.6, 1.4), "align_corners": True},
        {"scale_factor": 1.7, "recompute_scale_factor": True},
        {"size": (4, 5)},
    ],
)
def test_bicubic_matches_torch(kwargs: dict[str, Any]) -> None:
    check(
        lambda x: F.interpolate(x, mode="bicubic", **kwargs),
        (2, 2, 4, 5),
        torch_fn=lambda x: TF.interpolate(x, mode="bicubic", **kwargs),
    )


def test_bicubic_keeps_float32_close_to_torch() -> None:
    x = np.random.default_rng(0).standard_normal((1, 2, 5, 6)).astype(np.float32)
    for align in (False, True):
        ours = F.interpolate(rg.tensor(x), size=(8, 11), mode="bicubic", align_corners=align)
        theirs = TF.interpolate(torch.tensor(x), size=(8, 11), mode="bicubic", align_corners=align)
        assert ours.dtype == np.float32
        np.testing.assert_allclose(ours.array, theirs.numpy(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(
    ("shape", "kwargs"),
    [
        ((2, 3, 7), {"size": 3}),
        ((2, 3, 7), {"scale_factor": 0.5}),
        ((2, 2, 5, 7), {"size": (3, 4)}),
        ((2, 2, 5, 7), {"size": (8, 9)}),
        ((2, 2, 5, 7), {"scale_factor": (0.5, 0.7), "recompute_scale_factor": True}),
        ((1, 2, 4, 5, 6), {"size": (2, 3, 4)}),
        ((1, 2, 4, 5, 6), {"scale_factor": 0.5}),
    ],
)
def test_area_matches_torch(shape: Any, kwargs: dict[str, Any]) -> None:
    check(
        lambda x: F.interpolate(x, mode="area", **kwargs),
        shape,
        torch_fn=lambda x: TF.interpolate(x, mode="area", **kwargs),
    )


@pytest.mark.parametrize(
    ("mode", "kwargs"),
    [
        ("trilinear", {"size": (3, 5, 4)}),
        ("trilinear", {"scale_factor": 1.5, "align_corners": True}),
        ("trilinear", {"scale_factor": (2.0, 0.5, 1.3), "recompute_scale_factor": True}),
        ("nearest-exact", {"size": (5, 2, 7)}),
        ("nearest-exact", {"scale_factor": 1.7}),
        ("nearest", {"scale_factor": (1.5, 2.0, 0.7)}),
    ],
)
def test_3d_interpolation_matches_torch(mode: str, kwargs: dict[str, Any]) -> None:
    check(
        lambda x: F.interpolate(x, mode=mode, **kwargs),
        (1, 2, 3, 4, 5),
        torch_fn=lambda x: TF.interpolate(x, mode=mode, **kwargs),
    )


# ---------------------------------------------------------------------- unfold, fold, shuffles
FOLD_OPTIONS = [
    {"kernel_size": 2},
    {"kernel_size": (2, 3), "stride": (2, 1)},
    {"kernel_size": 3, "padding": 1, "dilation": (1, 2)},
    {"kernel_size": (3, 2), "padding": (1, 0), "stride": 2, "dilation": 2},
]


@pytest.mark.parametrize("kwargs", FOLD_OPTIONS)
@pytest.mark.parametrize("batched", [True, False])
def test_unfold_and_fold_match_torch(kwargs: dict[str, Any], batched: bool) -> None:
    shape = (2, 3, 7, 6) if batched else (3, 7, 6)
    check(lambda x: F.unfold(x, **kwargs), shape, torch_fn=lambda x: TF.unfold(x, **kwargs))
    columns = TF.unfold(torch.zeros(shape), **kwargs).shape
    check(
        lambda x: F.fold(x, (7, 6), **kwargs),
        tuple(columns),
        torch_fn=lambda x: TF.fold(x, (7, 6), **kwargs),
    )


@pytest.mark.parametrize("shape", [(2, 8, 3, 2), (12, 2, 3), (2, 1, 18, 2, 2)])
@pytest.mark.parametrize("factor", [1, 2, 3])
def test_pixel_shuffles_match_torch(shape: Any, factor: int) -> None:
    if shape[-3] % (factor * factor) == 0:
        check(
            lambda x: F.pixel_shuffle(x, factor),
            shape,
            torch_fn=lambda x: TF.pixel_shuffle(x, factor),
        )
    up = (*shape[:-2], shape[-2] * factor, shape[-1] * factor)
    check(
        lambda x: F.pixel_unshuffle(x, factor),
        up,
        torch_fn=lambda x: TF.pixel_unshuffle(x, factor),
    )


# ---------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda: F.conv3d(rg.zeros(2, 4, 4), rg.zeros(3, 2, 2, 2, 2)),
            ShapeError,
            r"conv3d expects input of shape \(N, 2, D, H, W\) or \(2, D, H, W\), got \(2, 4, 4\)",
        ),
        (
            lambda: F.conv3d(rg.zeros(1, 3, 4, 4, 4), rg.zeros(3, 2, 2, 2, 2)),
            ShapeError,
            r"conv3d expects input .*\(2 channels\), got \(1, 3, 4, 4, 4\) \(3 channels\)",
        ),
        (
            lambda: F.conv3d(rg.zeros(1, 2, 4, 4, 4), rg.zeros(3, 2, 2, 2)),
            ShapeError,
            r"conv3d expects a 5-d weight Tensor, got \(3, 2, 2, 2\)",
        ),
        (
            lambda: F.conv3d(rg.zeros(1, 2, 2, 4, 4), rg.zeros(3, 2, 3, 3, 3)),
            ShapeError,
            r"conv3d: kernel of size \(3, 3, 3\)",
        ),
        (
            lambda: F.conv3d(
                rg.zeros(1, 2, 4, 4, 4), rg.zeros(3, 2, 3, 3, 3), stride=2, padding="same"
            ),
            ValueError,
            "padding='same' is not supported",
        ),
        (
            lambda: F.conv_transpose3d(rg.zeros(1, 2, 4, 4), rg.zeros(2, 3, 2, 2, 2)),
            ShapeError,
            r"conv_transpose3d expects input of shape \(N, 2, D, H, W\)",
        ),
        (
            lambda: F.conv_transpose3d(
                rg.zeros(1, 2, 4, 4, 4), rg.zeros(2, 3, 2, 2, 2), output_padding=2
            ),
            ValueError,
            "output_padding must be",
        ),
        (
            lambda: F.max_pool3d(rg.zeros(1, 4, 4), 2),
            ShapeError,
            r"max_pool3d expects input of shape \(N, C, D, H, W\) or \(C, D, H, W\), got \(1, 4",
        ),
        (
            lambda: F.avg_pool3d(rg.zeros(1, 1, 4, 4, 4, dtype=rg.int64), 2),
            DTypeError,
            "avg_pool3d expects a floating-point input",
        ),
        (
            lambda: F.avg_pool3d(rg.zeros(1, 1, 4, 4, 4), 2, padding=2),
            ValueError,
            "padding should be at most half of kernel_size",
        ),
        (
            lambda: F.adaptive_avg_pool3d(rg.zeros(1, 4, 4), 2),
            ShapeError,
            r"adaptive_avg_pool3d expects input of shape \(N, C, D, H, W\)",
        ),
        (
            lambda: F.adaptive_max_pool3d(rg.zeros(1, 1, 4, 4, 4), (2, 2)),
            ValueError,
            "output_size must be an int or a tuple of three ints",
        ),
        (
            lambda: F.lp_pool2d(rg.zeros(1, 4), 2.0, 2),
            ShapeError,
            r"lp_pool2d expects input of shape \(N, C, H, W\)",
        ),
        (
            lambda: F.max_unpool2d(rg.zeros(1, 1, 2, 2), rg.zeros(1, 1, 2, 3, dtype=rg.int64), 2),
            ShapeError,
            r"max_unpool2d: indices of shape \(1, 1, 2, 3\) must have the shape",
        ),
        (
            lambda: F.max_unpool2d(
                rg.zeros(1, 1, 2, 2), rg.zeros(1, 1, 2, 2, dtype=rg.int64), 2, output_size=(7, 4)
            ),
            ValueError,
            r"invalid output_size \(7, 4\)",
        ),
        (
            lambda: F.max_unpool1d(rg.zeros(1, 1, 2), rg.tensor([[[0, 9]]]), 2),
            ValueError,
            "invalid max index 9",
        ),
        (
            lambda: F.max_unpool3d(rg.zeros(1, 2, 2), rg.zeros(1, 2, 2, dtype=rg.int64), 2),
            ShapeError,
            r"max_unpool3d expects input of shape \(N, C, D, H, W\)",
        ),
        (
            lambda: F.interpolate(rg.zeros(1, 1, 4), size=2, mode="bicubic"),
            ShapeError,
            "bicubic mode needs 4D input",
        ),
        (
            lambda: F.interpolate(rg.zeros(1, 1, 4, 4), size=2, mode="area", align_corners=True),
            ValueError,
            "align_corners option can only be set",
        ),
        (
            lambda: F.interpolate(rg.zeros(1, 1, 4, 4), size=2, mode="bicubic", antialias=True),
            rg.UnsupportedError,
            "antialias",
        ),
        (
            lambda: F.unfold(rg.zeros(1, 1, 1, 4, 4), 2),
            ShapeError,
            r"unfold expects a 4-d input \(N, C, H, W\) or an unbatched 3-d one, got shape",
        ),
        (lambda: F.unfold(rg.zeros(1, 1, 2, 2), 3), ShapeError, r"unfold: kernel of size \(3, 3\)"),
        (
            lambda: F.fold(rg.zeros(1, 5, 9), (4, 4), 2),
            ShapeError,
            r"fold: expected size of input's dimension 1 \(5, of input shape \(1, 5, 9\)\)",
        ),
        (
            lambda: F.fold(rg.zeros(1, 4, 8), (4, 4), 2),
            ShapeError,
            r"fold: .*number of sliding blocks 3 \* 3 = 9, but got input of shape \(1, 4, 8\)",
        ),
        (
            lambda: F.pixel_shuffle(rg.zeros(1, 3, 2, 2), 2),
            ShapeError,
            r"pixel_shuffle expects its input's 'channel' dimension to be divisible by the square",
        ),
        (
            lambda: F.pixel_shuffle(rg.zeros(4, 2), 2),
            ShapeError,
            "pixel_shuffle expects input to have at least 3 dimensions",
        ),
        (
            lambda: F.pixel_unshuffle(rg.zeros(1, 1, 4, 5), 2),
            ShapeError,
            "pixel_unshuffle expects width to be divisible by downscale_factor",
        ),
        (
            lambda: F.pixel_unshuffle(rg.zeros(1, 1, 4, 4), 0),
            ValueError,
            "downscale_factor must be greater than zero",
        ),
    ],
)
def test_errors_name_the_function_and_the_shapes(call: Any, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        call()
