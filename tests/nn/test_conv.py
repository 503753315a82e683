"""nn.Conv1d, nn.Conv2d and F.conv1d / F.conv2d against PyTorch (float64, forward and every
gradient), gradcheck, state dicts, init, repr and error messages."""

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
from retrograd import DTypeError, ShapeError
from retrograd.gradcheck import gradcheck
from retrograd.nn.conv import Conv1d, Conv2d
from retrograd.nn.functional.conv import conv1d, conv2d

from .torch_modules import compare_modules, copy_to_torch

# PyTorch warns that its own 'same' padding with an even kernel copies the input
pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same':UserWarning")


@st.composite
def conv_configs(draw: Any, dims: int) -> dict[str, Any]:
    """Layer arguments and an input shape that fits them (odd sizes, batch 1, unbatched...)."""
    groups = draw(st.integers(1, 3))
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(dims))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(dims))
    padding_kind = draw(st.sampled_from(["same", "valid", "int", "tuple"]))
    if padding_kind == "same":
        stride: tuple[int, ...] = (1,) * dims
        padding: Any = "same"
        pads = [0] * dims  # 'same' never shrinks: any size fits
    else:
        stride = tuple(draw(st.integers(1, 3)) for _ in range(dims))
        pads = [0] * dims if padding_kind == "valid" else [draw(st.integers(0, 2))] * dims
        if padding_kind == "tuple":
            pads = [draw(st.integers(0, 2)) for _ in range(dims)]
        padding = {"valid": "valid", "int": pads[0], "tuple": tuple(pads)}[padding_kind]
    spans = [d * (k - 1) + 1 for k, d in zip(kernel, dilation)]
    sizes = tuple(max(1, span - 2 * p + draw(st.integers(0, 4))) for span, p in zip(spans, pads))
    batch = draw(st.sampled_from([(), (1,), (2,), (3,)]))
    return {
        "in_channels": groups * draw(st.integers(1, 2)),
        "out_channels": groups * draw(st.integers(1, 2)),
        "kernel_size": kernel[0] if len(set(kernel)) == 1 and draw(st.booleans()) else kernel,
        "stride": stride,
        "padding": padding,
        "dilation": dilation,
        "groups": groups,
        "bias": draw(st.booleans()),
        "batch": batch,
        "sizes": sizes,
    }


def _compare(ours_cls: Any, theirs_cls: Any, config: dict[str, Any], seed: int) -> None:
    config = dict(config)
    batch, sizes = config.pop("batch"), config.pop("sizes")
    ours = ours_cls(**config, dtype="float64", generator=np.random.default_rng(seed))
    theirs = theirs_cls(**config)
    copy_to_torch(ours, theirs)
    x = np.random.default_rng(seed + 1).standard_normal((*batch, config["in_channels"], *sizes))
    compare_modules(ours, theirs, x, seed=seed)


@settings(max_examples=30, deadline=None)
@given(config=conv_configs(2), seed=st.integers(0, 2**16))
def test_conv2d_matches_torch(config: dict[str, Any], seed: int) -> None:
    _compare(Conv2d, torch.nn.Conv2d, config, seed)


@settings(max_examples=20, deadline=None)
@given(config=conv_configs(1), seed=st.integers(0, 2**16))
def test_conv1d_matches_torch(config: dict[str, Any], seed: int) -> None:
    _compare(Conv1d, torch.nn.Conv1d, config, seed)


def test_same_padding_with_even_kernel_pads_more_at_the_end() -> None:
    # total padding d * (k - 1) = 3 is odd: PyTorch puts 1 before and 2 after
    _compare(
        Conv2d,
        torch.nn.Conv2d,
        {
            "in_channels": 2,
            "out_channels": 3,
            "kernel_size": (4, 2),
            "stride": 1,
            "padding": "same",
            "dilation": 1,
            "groups": 1,
            "bias": True,
            "batch": (2,),
            "sizes": (5, 4),
        },
        seed=0,
    )


def test_functional_forms_match_torch_and_finite_differences() -> None:
    check(
        lambda x, w, b: conv2d(x, w, b, stride=(2, 1), padding=(1, 2), dilation=(1, 2), groups=2),
        (2, 4, 5, 6),
        (4, 2, 3, 2),
        (4,),
        torch_fn=lambda x, w, b: torch.nn.functional.conv2d(
            x, w, b, stride=(2, 1), padding=(1, 2), dilation=(1, 2), groups=2
        ),
    )
    check(
        lambda x, w: conv1d(x, w, padding="same", dilation=2),
        (2, 3, 7),
        (2, 3, 3),
        torch_fn=lambda x, w: torch.nn.functional.conv1d(x, w, padding="same", dilation=2),
    )


def test_gradcheck_on_tiny_layers() -> None:
    layer2 = Conv2d(2, 4, (2, 3), stride=(2, 1), padding=1, groups=2, dtype="float64")
    x2 = rg.tensor(np.random.default_rng(0).standard_normal((2, 2, 4, 5)), requires_grad=True)
    assert gradcheck(layer2, (x2,))
    layer1 = Conv1d(3, 2, 3, padding="same", dilation=2, dtype="float64")
    x1 = rg.tensor(np.random.default_rng(1).standard_normal((1, 3, 6)), requires_grad=True)
    assert gradcheck(layer1, (x1,))


def test_worked_example() -> None:
    # one 2x2 kernel over a 3x3 image by hand: out[i, j] = sum of w * window + b
    layer = Conv2d(1, 1, 2, dtype="float64")
    layer.load_state_dict(
        {"weight": np.array([[[[1.0, 2.0], [0.0, -1.0]]]]), "bias": np.array([0.5])}
    )
    x = rg.tensor(np.arange(9.0).reshape(1, 1, 3, 3), requires_grad=True)
    out = layer(x)
    # window at (0, 0) is [[0, 1], [3, 4]]: 0 + 2 + 0 - 4 + 0.5; at (1, 1) [[4, 5], [7, 8]]
    np.testing.assert_array_equal(out.array, [[[[-1.5, 0.5], [4.5, 6.5]]]])
    out.sum().backward()
    # each input pixel collects the weights of the windows that cover it
    np.testing.assert_array_equal(x.grad.array, [[[[1, 3, 2], [1, 2, 1], [0, -1, -1]]]])
    np.testing.assert_array_equal(layer.weight.grad.array, [[[[8, 12], [20, 24]]]])
    np.testing.assert_array_equal(layer.bias.grad.array, [4.0])


def test_float32_stays_float32() -> None:
    layer = Conv2d(3, 4, 3, padding=1)
    x = rg.randn(2, 3, 5, 5, requires_grad=True)
    out = layer(x)
    out.backward(rg.ones(*out.shape))
    assert out.dtype == np.float32
    assert x.grad.dtype == np.float32 and layer.weight.grad.dtype == np.float32
    assert layer.bias.grad.dtype == np.float32


def test_unbatched_input_matches_batch_of_one() -> None:
    layer = Conv2d(2, 3, 3, padding="same", dtype="float64")
    x = np.random.default_rng(0).standard_normal((2, 4, 5))
    single = layer(rg.tensor(x))
    assert single.shape == (3, 4, 5)
    np.testing.assert_allclose(single.array, layer(rg.tensor(x[None])).array[0])


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (Conv2d(3, 8, 3), torch.nn.Conv2d(3, 8, 3)),
        (
            Conv2d(4, 6, (1, 3), groups=2, bias=False),
            torch.nn.Conv2d(4, 6, (1, 3), groups=2, bias=False),
        ),
        (Conv1d(2, 5, 4), torch.nn.Conv1d(2, 5, 4)),
    ],
)
def test_state_dict_round_trip_with_torch(ours: Any, theirs: torch.nn.Module) -> None:
    torch_state = theirs.double().state_dict()
    assert list(ours.state_dict()) == list(torch_state)
    for key, value in ours.state_dict().items():
        assert value.shape == tuple(torch_state[key].shape)
    ours.double().load_state_dict(torch_state)  # torch -> ours
    back = {k: torch.tensor(np.asarray(v.array)) for k, v in ours.state_dict().items()}
    theirs.load_state_dict(back)  # ours -> torch
    for key in torch_state:
        np.testing.assert_array_equal(ours.state_dict()[key].array, theirs.state_dict()[key])


def test_default_init_bounds() -> None:
    layer = Conv2d(8, 16, 3, generator=np.random.default_rng(0))
    bound = 1 / math.sqrt(8 * 9)  # fan_in = in_channels/groups * kH * kW
    weight = layer.weight.array
    assert layer.weight.shape == (16, 8, 3, 3) and layer.bias.shape == (16,)
    assert np.abs(weight).max() <= bound and np.abs(weight).max() > 0.98 * bound
    assert weight.std() == pytest.approx(bound / math.sqrt(3), rel=0.05)
    assert np.abs(layer.bias.array).max() <= bound
    assert Conv2d(4, 4, 3, groups=4).weight.shape == (4, 1, 3, 3)


@pytest.mark.parametrize(
    ("layer", "theirs"),
    [
        (Conv2d(3, 8, 3), torch.nn.Conv2d(3, 8, 3)),
        (
            Conv2d(4, 8, (2, 3), 2, padding=(1, 0), dilation=2, groups=2, bias=False),
            torch.nn.Conv2d(4, 8, (2, 3), 2, padding=(1, 0), dilation=2, groups=2, bias=False),
        ),
        (Conv2d(2, 2, 3, padding="same"), torch.nn.Conv2d(2, 2, 3, padding="same")),
        (Conv1d(2, 4, 3, stride=2, padding=1), torch.nn.Conv1d(2, 4, 3, stride=2, padding=1)),
    ],
)
def test_repr_matches_torch(layer: Any, theirs: torch.nn.Module) -> None:
    assert repr(layer) == repr(theirs)


# ---------------------------------------------------------------------- errors
def test_wrong_rank_names_layer_and_shapes() -> None:
    layer = Conv2d(3, 8, 3)
    message = (
        "Conv2d(3, 8, kernel_size=(3, 3), stride=(1, 1)) expects input of shape "
        "(N, 3, H, W) or (3, H, W), got (5, 5)"
    )
    with pytest.raises(ShapeError) as error:
        layer(rg.zeros(5, 5))
    assert str(error.value) == message
    with pytest.raises(
        ShapeError, match=r"Conv1d\(2, 4.*\(N, 2, L\) or \(2, L\), got \(1, 2, 3, 4\)"
    ):
        Conv1d(2, 4, 3)(rg.zeros(1, 2, 3, 4))


def test_wrong_channel_count() -> None:
    with pytest.raises(ShapeError) as error:
        Conv2d(3, 8, 3)(rg.zeros(2, 4, 5, 5))
    assert str(error.value) == (
        "Conv2d(3, 8, kernel_size=(3, 3), stride=(1, 1)) expects input of shape "
        "(N, 3, H, W) or (3, H, W) (3 channels), got (2, 4, 5, 5) (4 channels)"
    )
    with pytest.raises(ShapeError, match=r"^conv2d expects input of shape \(N, 4, H, W\)"):
        conv2d(rg.zeros(1, 3, 5, 5), rg.zeros(6, 2, 3, 3), groups=2)


def test_kernel_larger_than_padded_input() -> None:
    with pytest.raises(ShapeError) as error:
        Conv2d(1, 1, 3, padding=(1, 0), dilation=2)(rg.zeros(1, 1, 3, 4))
    assert str(error.value) == (
        "Conv2d(1, 1, kernel_size=(3, 3), stride=(1, 1), padding=(1, 0), dilation=(2, 2)): "
        "kernel of size (3, 3) with dilation (2, 2) spans (5, 5), larger than the padded "
        "input (5, 4) (input shape (1, 1, 3, 4))"
    )


def test_bad_configurations_raise_value_errors() -> None:
    with pytest.raises(ValueError, match=r"^Conv2d: in_channels=3 must be divisible by groups=2$"):
        Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match=r"^Conv2d: out_channels=3 must be divisible by groups=2$"):
        Conv2d(4, 3, 3, groups=2)
    with pytest.raises(ValueError, match=r"groups must be a positive integer, got 0"):
        Conv2d(4, 4, 3, groups=0)
    with pytest.raises(ValueError, match=r"padding='same' is not supported for strided"):
        Conv2d(1, 1, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match=r"invalid padding string 'full'"):
        Conv1d(1, 1, 3, padding="full")
    assert Conv2d(1, 1, 3, padding_mode="reflect").padding_mode == "reflect"  # supported now
    with pytest.raises(ValueError, match=r"padding_mode must be one of .*got 'mirror'"):
        Conv2d(1, 1, 3, padding_mode="mirror")
    with pytest.raises(ValueError, match=r"kernel_size must be a single int or a tuple of two"):
        Conv2d(1, 1, (1, 2, 3))
    with pytest.raises(ValueError, match=r"conv2d: stride must be positive, got \(0, 1\)"):
        conv2d(rg.zeros(1, 1, 3, 3), rg.zeros(1, 1, 1, 1), stride=(0, 1))


def test_dtype_mismatch_and_integer_input() -> None:
    with pytest.raises(DTypeError, match=r"float32 weights but got a float64 input"):
        Conv2d(1, 1, 1)(rg.zeros(1, 1, 2, 2, dtype="float64"))
    out = Conv2d(1, 1, 1)(rg.tensor([[[[1, 2]]]]))
    assert out.dtype == np.float32


def test_repeated_calls_recheck_whatever_changed() -> None:
    """A layer skips its checks only for a call like the last: a new input shape or dtype, a
    reassigned setting or weight, or a list changed in place is checked again."""
    layer = Conv2d(2, 3, 3, padding=1)
    x = rg.randn(2, 2, 5, 5)
    first = layer(x)
    np.testing.assert_array_equal(layer(x).array, first.array)
    with pytest.raises(ShapeError, match="spans"):
        layer(rg.zeros(1, 2, 1, 0))
    with pytest.raises(ShapeError, match="3 channels"):
        layer(rg.zeros(2, 3, 5, 5))
    with pytest.raises(DTypeError):
        layer(x.double())
    layer.stride = (0, 1)
    with pytest.raises(ValueError, match=r"stride must be positive, got \(0, 1\)"):
        layer(x)
    layer.stride = [2, 2]
    assert layer(x).shape == (2, 3, 3, 3)
    layer.stride[0] = 0  # in place: a list is never taken as checked
    with pytest.raises(ValueError, match="stride must be positive"):
        layer(x)
    layer.stride = (1, 1)
    assert layer(x).shape == (2, 3, 5, 5)
    layer.weight = rg.nn.Parameter(rg.zeros(3, 2, 8, 8))
    with pytest.raises(ShapeError, match="spans"):
        layer(x)
    layer.weight.array = np.zeros((3, 2, 3, 3), dtype=np.float64)
    with pytest.raises(DTypeError):
        layer(x)


def test_wrong_weight_rank_for_functional() -> None:
    with pytest.raises(ShapeError, match=r"^conv2d expects a 4-d weight Tensor, got \(2, 3, 3\)"):
        conv2d(rg.zeros(1, 3, 5, 5), rg.zeros(2, 3, 3))
