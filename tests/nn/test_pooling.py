"""Max, average and adaptive pooling (functional and layers) against PyTorch: forward, indices,
gradients for a random upstream gradient, finite differences, gradcheck, ties, reprs, errors."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import retrograd as rg
from helpers import check, distinct
from retrograd import DTypeError, ShapeError
from retrograd.gradcheck import gradcheck
from retrograd.nn.functional.pooling import (
    adaptive_avg_pool1d,
    adaptive_avg_pool2d,
    avg_pool1d,
    avg_pool2d,
    max_pool1d,
    max_pool2d,
)
from retrograd.nn.pooling import (
    AdaptiveAvgPool1d,
    AdaptiveAvgPool2d,
    AvgPool1d,
    AvgPool2d,
    MaxPool1d,
    MaxPool2d,
)
from retrograd.ops.pool import pool_output_size

from .torch_modules import compare_modules


@st.composite
def pool_configs(draw: Any, dims: int, dilation: bool) -> dict[str, Any]:
    """Pooling arguments (ints or tuples) and an input shape they fit (batched or not)."""
    as_ints = draw(st.booleans())  # one int per setting, or one value per axis

    def setting(values: st.SearchStrategy) -> tuple[int, ...]:
        return (draw(values),) * dims if as_ints else tuple(draw(values) for _ in range(dims))

    kernel = setting(st.integers(1, 3))
    padding = setting(st.integers(0, min(kernel) // 2))
    stride = setting(st.integers(1, 3)) if draw(st.booleans()) else None
    dilations = setting(st.integers(1, 2)) if dilation else (1,) * dims
    ceil_mode = draw(st.booleans())
    sizes = tuple(draw(st.integers(1, 7)) for _ in range(dims))
    out = [
        pool_output_size(*args, ceil_mode)
        for args in zip(sizes, kernel, stride or kernel, padding, dilations)
    ]
    assume(min(out) >= 1)
    # a window of padding only (possible with dilation) has no input to send a gradient to;
    # torch sends it to an unrelated element (see test_padding_only_windows_give_the_padding)
    for size, k, s, p, d, o in zip(sizes, kernel, stride or kernel, padding, dilations, out):
        assume(all(any(0 <= i * s - p + j * d < size for j in range(k)) for i in range(o)))
    lead = draw(st.sampled_from([(2, 3), (1, 2), (3,)]))  # batched, batch of one, unbatched

    def form(values: tuple[int, ...]) -> Any:
        return values[0] if as_ints else values

    kwargs: dict[str, Any] = {
        "kernel_size": form(kernel),
        "padding": form(padding),
        "ceil_mode": ceil_mode,
    }
    if stride is not None:
        kwargs["stride"] = form(stride)
    if dilation:
        kwargs["dilation"] = form(dilations)
    return {"shape": lead + sizes, "kwargs": kwargs}


# ---------------------------------------------------------------------- max pooling
@settings(max_examples=30)
@given(config=pool_configs(dims=2, dilation=True), seed=st.integers(0, 2**16))
def test_max_pool2d_matches_torch(config: dict[str, Any], seed: int) -> None:
    kwargs = config["kwargs"]
    check(
        lambda x: max_pool2d(x, return_indices=True, **kwargs),
        distinct(config["shape"], seed),
        torch_fn=lambda x: TF.max_pool2d(x, return_indices=True, **kwargs),
        seed=seed,
    )


@settings(max_examples=25)
@given(config=pool_configs(dims=1, dilation=True), seed=st.integers(0, 2**16))
def test_max_pool1d_matches_torch(config: dict[str, Any], seed: int) -> None:
    kwargs = config["kwargs"]
    check(
        lambda x: max_pool1d(x, return_indices=True, **kwargs),
        distinct(config["shape"], seed),
        torch_fn=lambda x: TF.max_pool1d(x, return_indices=True, **kwargs),
        seed=seed,
    )


@settings(max_examples=25)
@given(config=pool_configs(dims=2, dilation=True), seed=st.integers(0, 2**16))
def test_max_pool_ties_send_the_gradient_to_the_first_maximum(
    config: dict[str, Any], seed: int
) -> None:
    # values from {0, 1, 2}: most windows hold several equal maxima
    x = np.random.default_rng(seed).integers(0, 3, config["shape"]).astype(np.float64)
    kwargs = config["kwargs"]
    check(
        lambda x: max_pool2d(x, return_indices=True, **kwargs),
        x,
        torch_fn=lambda x: TF.max_pool2d(x, return_indices=True, **kwargs),
        seed=seed,
        fd=False,  # not differentiable at ties
    )


def test_max_pool2d_worked_example() -> None:
    x = rg.tensor(
        [
            [
                [
                    [1.0, 5.0, 2.0, 0.0],
                    [3.0, 4.0, 2.0, 2.0],
                    [0.0, 0.0, 9.0, 1.0],
                    [7.0, 0.0, 1.0, 3.0],
                ]
            ]
        ],
        requires_grad=True,
    )
    out, indices = max_pool2d(x, 2, return_indices=True)
    np.testing.assert_array_equal(out.array, [[[[5.0, 2.0], [7.0, 9.0]]]])
    # the tie between the two 2.0s in the top-right window goes to the first (position 2)
    np.testing.assert_array_equal(indices.array, [[[[1, 2], [12, 10]]]])
    assert indices.dtype == np.int64
    out.backward(rg.tensor([[[[10.0, 20.0], [30.0, 40.0]]]]))
    expected = np.zeros((4, 4))
    expected[0, 1], expected[0, 2], expected[3, 0], expected[2, 2] = 10.0, 20.0, 30.0, 40.0
    np.testing.assert_array_equal(x.grad.array[0, 0], expected)


def test_overlapping_windows_add_up_the_gradient_of_a_shared_maximum() -> None:
    x = rg.tensor([[[0.0, 9.0, 0.0, 0.0]]], requires_grad=True)
    out = max_pool1d(x, 2, stride=1)  # 9 is the maximum of the first two windows
    np.testing.assert_array_equal(out.array, [[[9.0, 9.0, 0.0]]])
    out.backward(rg.tensor([[[1.0, 2.0, 4.0]]]))
    np.testing.assert_array_equal(x.grad.array, [[[0.0, 3.0, 4.0, 0.0]]])


def test_all_minus_inf_windows_report_positions_inside_the_input() -> None:
    x = np.full((1, 1, 3, 3), -np.inf)
    kwargs = {"kernel_size": 2, "padding": 1, "return_indices": True}
    ours, our_indices = max_pool2d(rg.tensor(x), **kwargs)
    theirs, their_indices = TF.max_pool2d(torch.tensor(x), **kwargs)
    np.testing.assert_array_equal(ours.array, theirs.numpy())
    np.testing.assert_array_equal(our_indices.array, their_indices.numpy())


def test_padding_only_windows_give_the_padding_and_no_gradient() -> None:
    # width 1, kernel 2, dilation 2, padding 1: the window reads columns -1 and 1, both padding
    x = np.array([[[[1.0], [2.0]]]])
    kwargs = {"kernel_size": 2, "padding": (0, 1), "dilation": (1, 2), "return_indices": True}
    ours, our_indices = max_pool2d(rg.tensor(x, requires_grad=True), **kwargs)
    theirs, their_indices = TF.max_pool2d(torch.tensor(x), **kwargs)
    np.testing.assert_array_equal(ours.array, theirs.numpy())
    assert ours.array.item() == -np.inf
    np.testing.assert_array_equal(our_indices.array, their_indices.numpy())
    # the output is the constant -inf; torch scatters its gradient to its reported flat index,
    # which here is element (1, 0), an input the window never read
    source = rg.tensor(x, requires_grad=True)
    max_pool2d(source, **kwargs)[0].sum().backward()
    np.testing.assert_array_equal(source.grad.array, np.zeros_like(x))


def test_nan_wins_like_torch() -> None:
    x = np.array([[[1.0, np.nan, 3.0, np.nan, 2.0, 0.0]]])
    ours, our_indices = max_pool1d(rg.tensor(x), 3, stride=1, return_indices=True)
    theirs, their_indices = TF.max_pool1d(torch.tensor(x), 3, stride=1, return_indices=True)
    np.testing.assert_array_equal(ours.array, theirs.numpy())  # NaN equals NaN here
    np.testing.assert_array_equal(our_indices.array, their_indices.numpy())


@settings(max_examples=25)
@given(
    config=pool_configs(dims=2, dilation=True),
    ties=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_max_pool2d_on_channels_last_input_matches_torch(
    config: dict[str, Any], ties: bool, seed: int
) -> None:
    # what a convolution (then ReLU) hands pooling: an (N, C, H, W) view of (N, H, W, C) memory
    shape = config["shape"]
    batched = len(shape) == 4
    stored = (*shape[:-3], *shape[-2:], shape[-3])
    to_nchw = (0, 3, 1, 2) if batched else (2, 0, 1)
    if ties:  # ReLU outputs: many zeros, so many windows with several maxima
        x = np.maximum(np.random.default_rng(seed).integers(-2, 3, stored), 0).astype(float)
    else:
        x = distinct(stored, seed)
    kwargs = config["kwargs"]
    check(
        lambda x: max_pool2d(x.permute(*to_nchw), **kwargs),
        x,
        torch_fn=lambda x: TF.max_pool2d(x.permute(*to_nchw), **kwargs),
        seed=seed,
        fd=not ties,
    )


@pytest.mark.parametrize(
    "kwargs",
    [
        {"kernel_size": 2},  # windows that tile the input
        {"kernel_size": 2, "stride": 1},  # overlapping windows
        {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True},
    ],
)
def test_infinite_and_nan_gradients_reach_only_the_maxima(kwargs: dict[str, Any]) -> None:
    x = distinct((2, 3, 6, 5))
    ours = rg.tensor(x, requires_grad=True)
    theirs = torch.tensor(x, requires_grad=True)
    out = max_pool2d(ours, **kwargs)
    upstream = np.random.default_rng(0).standard_normal(out.shape)
    upstream[0, 0, 0, 0], upstream[1, 2, -1, -1], upstream[0, 1, 1, 0] = np.inf, -np.inf, np.nan
    out.backward(rg.tensor(upstream))
    TF.max_pool2d(theirs, **kwargs).backward(torch.tensor(upstream))
    # inf and NaN where torch has them (overlapping windows add in another order)
    np.testing.assert_allclose(ours.grad.array, theirs.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("stride", [1, 2])
def test_all_minus_inf_windows_send_the_gradient_where_torch_does(stride: int) -> None:
    # every window that reads padding and -inf only reports (and takes the gradient at) its first
    # position inside the input, never the padding that tied with it
    x = np.full((1, 2, 5, 4), -np.inf)
    x[0, 0, 3, 2], x[0, 1, 0, 0] = 1.0, 2.0
    check(
        lambda x: max_pool2d(x, 3, stride=stride, padding=1, return_indices=True),
        x,
        torch_fn=lambda x: TF.max_pool2d(x, 3, stride=stride, padding=1, return_indices=True),
        fd=False,
    )


@pytest.mark.parametrize("kernel_size", [2, 3])
def test_nan_inputs_take_the_gradient_like_torch(kernel_size: int) -> None:
    # a NaN wins its window, the last of several NaNs
    x = distinct((2, 2, 6, 6))
    x[0, 0, 0, 1], x[0, 0, 1, 0], x[1, 1, 4, 4], x[1, 0, 2, 3] = np.nan, np.nan, np.nan, np.nan
    check(
        lambda x: max_pool2d(x, kernel_size, stride=2, return_indices=True),
        x,
        torch_fn=lambda x: TF.max_pool2d(x, kernel_size, stride=2, return_indices=True),
        fd=False,
    )


# ---------------------------------------------------------------------- average pooling
@settings(max_examples=30)
@given(
    config=pool_configs(dims=2, dilation=False),
    count_include_pad=st.booleans(),
    divisor_override=st.sampled_from([None, None, 3, -2]),
    seed=st.integers(0, 2**16),
)
def test_avg_pool2d_matches_torch(
    config: dict[str, Any], count_include_pad: bool, divisor_override: int | None, seed: int
) -> None:
    kwargs = dict(
        config["kwargs"], count_include_pad=count_include_pad, divisor_override=divisor_override
    )
    check(
        lambda x: avg_pool2d(x, **kwargs),
        config["shape"],
        torch_fn=lambda x: TF.avg_pool2d(x, **kwargs),
        seed=seed,
    )


@settings(max_examples=25)
@given(
    config=pool_configs(dims=1, dilation=False),
    count_include_pad=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_avg_pool1d_matches_torch(
    config: dict[str, Any], count_include_pad: bool, seed: int
) -> None:
    kwargs = dict(config["kwargs"], count_include_pad=count_include_pad)
    check(
        lambda x: avg_pool1d(x, **kwargs),
        config["shape"],
        torch_fn=lambda x: TF.avg_pool1d(x, **kwargs),
        seed=seed,
    )


def test_avg_pool2d_worked_example_with_padding() -> None:
    x = rg.tensor([[[[1.0, 2.0], [3.0, 4.0]]]], requires_grad=True)
    counted = avg_pool2d(x, 2, stride=1, padding=1)  # 9 windows, each divided by 4
    np.testing.assert_allclose(
        counted.array[0, 0], [[0.25, 0.75, 0.5], [1.0, 2.5, 1.5], [0.75, 1.75, 1.0]]
    )
    uncounted = avg_pool2d(x, 2, stride=1, padding=1, count_include_pad=False)
    np.testing.assert_allclose(
        uncounted.array[0, 0], [[1.0, 1.5, 2.0], [2.0, 2.5, 3.0], [3.0, 3.5, 4.0]]
    )
    uncounted.sum().backward()
    # each input element is in four windows: one of size 4, two of size 2, one of size 1
    np.testing.assert_allclose(x.grad.array, np.full((1, 1, 2, 2), 0.25 + 0.5 + 0.5 + 1.0))


# ---------------------------------------------------------------------- adaptive pooling
@settings(max_examples=30)
@given(
    shape=st.sampled_from([(2, 3), (1, 2), (3,)]).flatmap(
        lambda lead: st.tuples(st.integers(1, 9), st.integers(1, 9)).map(lambda hw: lead + hw)
    ),
    out_h=st.one_of(st.none(), st.integers(1, 10)),
    out_w=st.one_of(st.none(), st.integers(1, 10)),
    as_int=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_adaptive_avg_pool2d_matches_torch(
    shape: tuple[int, ...], out_h: int | None, out_w: int | None, as_int: bool, seed: int
) -> None:
    size: Any = (out_h or 1) if as_int else (out_h, out_w)
    check(
        lambda x: adaptive_avg_pool2d(x, size),
        shape,
        torch_fn=lambda x: TF.adaptive_avg_pool2d(x, size),
        seed=seed,
    )


@settings(max_examples=20)
@given(
    shape=st.sampled_from([(2, 3), (1, 2), (3,)]).flatmap(
        lambda lead: st.integers(1, 11).map(lambda n: (*lead, n))
    ),
    out=st.integers(1, 12),
    seed=st.integers(0, 2**16),
)
def test_adaptive_avg_pool1d_matches_torch(shape: tuple[int, ...], out: int, seed: int) -> None:
    check(
        lambda x: adaptive_avg_pool1d(x, out),
        shape,
        torch_fn=lambda x: TF.adaptive_avg_pool1d(x, out),
        seed=seed,
    )


def test_adaptive_avg_pool_windows_overlap_like_torch() -> None:
    # 5 -> 3: windows [0, 2), [1, 4), [3, 5)
    x = rg.tensor([[[1.0, 2.0, 3.0, 4.0, 5.0]]])
    np.testing.assert_allclose(adaptive_avg_pool1d(x, 3).array, [[[1.5, 3.0, 4.5]]])
    assert adaptive_avg_pool2d(rg.zeros(2, 3, 4, 4), 0).shape == (2, 3, 0, 0)


# ---------------------------------------------------------------------- layers
LAYERS = {
    "MaxPool2d": lambda lib: lib.nn.MaxPool2d(2),
    "MaxPool2d_full": lambda lib: lib.nn.MaxPool2d(
        (3, 2), stride=(2, 1), padding=(1, 0), dilation=(1, 2), ceil_mode=True
    ),
    "MaxPool1d": lambda lib: lib.nn.MaxPool1d(3, stride=2, padding=1, dilation=2),
    "AvgPool2d": lambda lib: lib.nn.AvgPool2d(2),
    "AvgPool2d_full": lambda lib: lib.nn.AvgPool2d(
        3, stride=2, padding=1, ceil_mode=True, count_include_pad=False, divisor_override=5
    ),
    "AvgPool1d": lambda lib: lib.nn.AvgPool1d(3, stride=2, padding=1, count_include_pad=False),
    "AdaptiveAvgPool2d": lambda lib: lib.nn.AdaptiveAvgPool2d((None, 3)),
    "AdaptiveAvgPool2d_int": lambda lib: lib.nn.AdaptiveAvgPool2d(1),
    "AdaptiveAvgPool1d": lambda lib: lib.nn.AdaptiveAvgPool1d(4),
}

OURS = {
    "MaxPool1d": MaxPool1d,
    "MaxPool2d": MaxPool2d,
    "AvgPool1d": AvgPool1d,
    "AvgPool2d": AvgPool2d,
    "AdaptiveAvgPool1d": AdaptiveAvgPool1d,
    "AdaptiveAvgPool2d": AdaptiveAvgPool2d,
}


class _OurLib:
    """Lets one lambda build our layer and torch's (`lib.nn.MaxPool2d(...)`)."""

    nn = type("nn", (), {name: staticmethod(cls) for name, cls in OURS.items()})


def _input_shape(name: str, batched: bool) -> tuple[int, ...]:
    spatial = (7,) if "1d" in name else (7, 6)
    return ((2, 3) if batched else (3,)) + spatial


@pytest.mark.parametrize("name", sorted(LAYERS))
@pytest.mark.parametrize("batched", [True, False])
def test_layer_matches_torch(name: str, batched: bool) -> None:
    ours, theirs = LAYERS[name](_OurLib), LAYERS[name](torch)
    assert repr(ours) == repr(theirs)
    x = distinct(_input_shape(name, batched), seed=len(name))
    compare_modules(ours, theirs, x, seed=3)


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_layer_keeps_float32(name: str) -> None:
    x = rg.tensor(distinct(_input_shape(name, True)).astype(np.float32), requires_grad=True)
    out = LAYERS[name](_OurLib)(x)
    assert out.dtype == np.float32
    out.sum().backward()
    assert x.grad.dtype == np.float32


def test_max_pool_layer_returns_indices_like_torch() -> None:
    x = distinct((2, 3, 6, 5))
    ours, our_indices = MaxPool2d(2, stride=1, return_indices=True)(rg.tensor(x))
    theirs, their_indices = torch.nn.MaxPool2d(2, stride=1, return_indices=True)(torch.tensor(x))
    np.testing.assert_array_equal(ours.array, theirs.numpy())
    np.testing.assert_array_equal(our_indices.array, their_indices.numpy())


def test_gradcheck_small_instances() -> None:
    x = rg.tensor(distinct((1, 2, 5, 4)), requires_grad=True)
    assert gradcheck(lambda t: max_pool2d(t, 3, stride=2, padding=1, ceil_mode=True), (x,))
    assert gradcheck(lambda t: avg_pool2d(t, 2, padding=1, count_include_pad=False), (x,))
    assert gradcheck(lambda t: adaptive_avg_pool2d(t, (3, 2)), (x,))
    assert gradcheck(MaxPool1d(2, stride=1), (rg.tensor(distinct((2, 5)), requires_grad=True),))


def test_unbatched_input_equals_a_batch_of_one() -> None:
    x = distinct((3, 6, 6))
    for layer in (MaxPool2d(3, stride=2, padding=1), AvgPool2d(2), AdaptiveAvgPool2d(4)):
        batched = layer(rg.tensor(x[None]))
        np.testing.assert_array_equal(layer(rg.tensor(x)).array, batched.array[0])


# ---------------------------------------------------------------------- errors
def test_wrong_rank_names_the_layer_and_both_layouts() -> None:
    with pytest.raises(ShapeError) as error:
        MaxPool2d(2)(rg.zeros(4))
    assert str(error.value) == (
        "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False) expects "
        "input of shape (N, C, H, W) or (C, H, W), got (4,)"
    )
    with pytest.raises(
        ShapeError,
        match=r"AvgPool1d\(kernel_size=\(2,\).*\(N, C, L\) or \(C, L\), got \(1, 2, 3, 4\)",
    ):
        AvgPool1d(2)(rg.zeros(1, 2, 3, 4))
    with pytest.raises(
        ShapeError, match=r"^adaptive_avg_pool2d expects input of shape .* got \(5, 5\)"
    ):
        adaptive_avg_pool2d(rg.zeros(5, 5), 2)
    with pytest.raises(ShapeError, match=r"^max_pool1d expects .* got \(\)"):
        max_pool1d(rg.tensor(1.0), 2)


def test_padding_over_half_the_kernel_is_refused_like_torch() -> None:
    with pytest.raises(
        ValueError,
        match=r"MaxPool2d\(kernel_size=3.*padding should be at most half "
        r"of kernel_size, got padding=2 and kernel_size=3",
    ):
        MaxPool2d(3, padding=2)
    with pytest.raises(
        ValueError, match=r"^avg_pool2d: padding .* got padding=\(1, 2\) and kernel_size=3"
    ):
        avg_pool2d(rg.zeros(1, 1, 5, 5), 3, padding=(1, 2))
    with pytest.raises(RuntimeError, match="pad should be"):  # the same configuration in torch
        TF.avg_pool2d(torch.zeros(1, 1, 5, 5), 3, padding=(1, 2))


def test_output_size_below_one_is_refused() -> None:
    with pytest.raises(
        ShapeError,
        match=r"^max_pool2d: input of spatial size \(2, 2\) gives output size \(0, 0\), which is "
        "too small",
    ):
        max_pool2d(rg.zeros(1, 1, 2, 2), 4)
    with pytest.raises(
        ShapeError,
        match=r"AvgPool1d\(kernel_size=\(3,\).* input of spatial size \(2,\) gives output "
        r"size \(0,\)",
    ):
        AvgPool1d(3)(rg.zeros(1, 2))
    with pytest.raises(RuntimeError, match="too small"):  # torch agrees that these do not fit
        TF.max_pool2d(torch.zeros(1, 1, 2, 2), 4)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: MaxPool2d((2, 2, 2)), r"kernel_size must be a single int or a tuple of two ints"),
        (lambda: MaxPool2d(0), r"kernel_size must be positive, got 0"),
        (lambda: MaxPool2d(2, stride=(1, 0)), r"stride must be positive, got \(1, 0\)"),
        (lambda: MaxPool1d(2, padding=-1), r"padding must be non-negative, got -1"),
        (lambda: MaxPool1d(2, dilation=0), r"dilation must be positive, got 0"),
        (lambda: AvgPool2d(2, divisor_override=0), r"divisor_override must not be zero"),
        (lambda: AdaptiveAvgPool2d((1, 2, 3)), r"output_size must be an int or a tuple of two"),
        (lambda: AdaptiveAvgPool2d((2, -1)), r"output_size must be non-negative, got \(2, -1\)"),
        (lambda: AdaptiveAvgPool1d(None), r"AdaptiveAvgPool1d\(output_size=None\): output_size"),
    ],
)
def test_bad_settings_fail_at_construction(build: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build()


def test_average_pools_need_floating_point_input() -> None:
    with pytest.raises(DTypeError, match=r"^avg_pool2d expects a floating-point input, got int64"):
        avg_pool2d(rg.tensor(np.arange(16).reshape(1, 1, 4, 4)), 2)
    with pytest.raises(DTypeError, match="AdaptiveAvgPool1d"):
        AdaptiveAvgPool1d(2)(rg.tensor(np.arange(8).reshape(2, 4)))


def test_max_pool_works_on_integers_like_torch() -> None:
    x = np.arange(-8, 8).reshape(1, 1, 4, 4)
    ours = max_pool2d(rg.tensor(x), 2, padding=1)
    theirs = TF.max_pool2d(torch.tensor(x), 2, padding=1)
    assert ours.dtype == np.int64
    np.testing.assert_array_equal(ours.array, theirs.numpy())


def test_max_pool_layer_rechecks_whatever_changed() -> None:
    """The layer skips its checks only for a call like the last (same settings by identity,
    same input shape and dtype)."""
    pool = MaxPool2d(2)
    x = rg.randn(1, 2, 4, 4)
    np.testing.assert_array_equal(pool(x).array, pool(x).array)
    with pytest.raises(ShapeError, match="too small"):
        pool(rg.zeros(1, 2, 1, 4))
    with pytest.raises(DTypeError):
        pool(rg.zeros(1, 2, 4, 4, dtype="bool"))
    pool.kernel_size = [3, 3]
    assert pool(x).shape == (1, 2, 1, 1)
    pool.kernel_size[0] = 0  # in place: a list is never taken as checked
    with pytest.raises(ValueError, match="kernel_size must be positive"):
        pool(x)
    pool.kernel_size = 2
    pool.return_indices = True
    values, indices = pool(x)
    assert indices.shape == values.shape == (1, 2, 2, 2)
