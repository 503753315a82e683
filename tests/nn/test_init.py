"""nn.init: exact gains and fans (against torch.nn.init), statistics of large draws, in-place
writes outside the graph, and seeding."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import retrograd as rg
from retrograd import nn
from retrograd.nn import init

GAIN_CASES = [
    ("linear", None),
    ("conv2d", None),
    ("sigmoid", None),
    ("tanh", None),
    ("relu", None),
    ("leaky_relu", None),
    ("leaky_relu", 0.2),
    ("leaky_relu", math.sqrt(5)),
    ("leaky_relu", 0),
    ("selu", None),
]


@pytest.mark.parametrize(("nonlinearity", "param"), GAIN_CASES)
def test_calculate_gain_matches_torch(nonlinearity: str, param: float | None) -> None:
    expected = torch.nn.init.calculate_gain(nonlinearity, param)
    assert init.calculate_gain(nonlinearity, param) == pytest.approx(expected, rel=1e-15)


def test_calculate_gain_formulas() -> None:
    assert init.calculate_gain("tanh") == 5 / 3
    assert init.calculate_gain("relu") == math.sqrt(2)
    assert init.calculate_gain("leaky_relu", 0.5) == math.sqrt(2 / 1.25)


def test_calculate_gain_rejects_unknown() -> None:
    with pytest.raises(ValueError, match="Unsupported nonlinearity 'swish'"):
        init.calculate_gain("swish")
    with pytest.raises(ValueError, match="not a valid number"):
        init.calculate_gain("leaky_relu", "big")  # type: ignore[arg-type]


@pytest.mark.parametrize("shape", [(3, 5), (4, 2, 3), (6, 3, 2, 5), (1, 1)])
def test_fans_match_torch(shape: tuple[int, ...]) -> None:
    expected = torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
    assert init._calculate_fan_in_and_fan_out(rg.zeros(shape)) == expected


def test_fans_need_two_dimensions() -> None:
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init._calculate_fan_in_and_fan_out(rg.zeros(4))


def big(shape: tuple[int, ...] = (500, 400)) -> nn.Parameter:
    return nn.Parameter(rg.zeros(shape, dtype="float64"))


def test_uniform_bounds_and_moments() -> None:
    t = init.uniform_(big(), -3.0, 5.0, generator=np.random.default_rng(0))
    assert t.array.min() >= -3.0 and t.array.max() < 5.0
    assert t.array.mean() == pytest.approx(1.0, abs=0.02)
    assert t.array.std() == pytest.approx(8 / math.sqrt(12), rel=0.01)


def test_normal_moments() -> None:
    t = init.normal_(big(), 2.0, 0.5, generator=np.random.default_rng(0))
    assert t.array.mean() == pytest.approx(2.0, abs=0.005)
    assert t.array.std() == pytest.approx(0.5, rel=0.01)


def test_trunc_normal_bounds_and_std() -> None:
    t = init.trunc_normal_(big(), std=1.0, a=-2.0, b=2.0, generator=np.random.default_rng(0))
    assert t.array.min() >= -2.0 and t.array.max() <= 2.0
    # variance of N(0, 1) truncated to [-2, 2]: 1 - 2 * 2 * phi(2) / (Phi(2) - Phi(-2))
    phi = math.exp(-2.0) / math.sqrt(2 * math.pi)
    mass = math.erf(2 / math.sqrt(2))
    assert t.array.std() == pytest.approx(math.sqrt(1 - 4 * phi / mass), rel=0.01)


def test_trunc_normal_absolute_bounds() -> None:
    t = init.trunc_normal_(big((1000,)), mean=10.0, std=2.0, a=9.0, b=12.0)
    assert t.array.min() >= 9.0 and t.array.max() <= 12.0


def test_trunc_normal_rejects_empty_interval() -> None:
    with pytest.raises(ValueError, match="holds under 0.01%"):
        init.trunc_normal_(big((3,)), mean=0.0, std=1.0, a=10.0, b=11.0)
    with pytest.raises(ValueError, match="a < b"):
        init.trunc_normal_(big((3,)), a=1.0, b=1.0)


def test_xavier_uniform_bound_and_std() -> None:
    t = init.xavier_uniform_(big(), gain=2.0, generator=np.random.default_rng(0))
    std = 2.0 * math.sqrt(2 / (400 + 500))
    assert np.abs(t.array).max() <= math.sqrt(3) * std
    assert t.array.std() == pytest.approx(std, rel=0.01)


def test_xavier_normal_std() -> None:
    t = init.xavier_normal_(big(), generator=np.random.default_rng(0))
    assert t.array.std() == pytest.approx(math.sqrt(2 / 900), rel=0.01)


@pytest.mark.parametrize("mode", ["fan_in", "fan_out"])
@pytest.mark.parametrize(
    ("nonlinearity", "a"), [("relu", 0.0), ("leaky_relu", math.sqrt(5)), ("tanh", 0.0)]
)
def test_kaiming_std(mode: str, nonlinearity: str, a: float) -> None:
    fan = 400 if mode == "fan_in" else 500
    std = init.calculate_gain(nonlinearity, a) / math.sqrt(fan)
    rng = np.random.default_rng(0)
    uniform = init.kaiming_uniform_(big(), a=a, mode=mode, nonlinearity=nonlinearity, generator=rng)
    assert np.abs(uniform.array).max() <= math.sqrt(3) * std
    assert uniform.array.std() == pytest.approx(std, rel=0.01)
    normal = init.kaiming_normal_(big(), a=a, mode=mode, nonlinearity=nonlinearity, generator=rng)
    assert normal.array.std() == pytest.approx(std, rel=0.01)


def test_kaiming_rejects_unknown_mode() -> None:
    with pytest.raises(ValueError, match="Mode 'fan_avg' not supported"):
        init.kaiming_uniform_(big((2, 2)), mode="fan_avg")


def test_kaiming_on_empty_tensor_warns() -> None:
    with pytest.warns(UserWarning, match="zero-element"):
        init.kaiming_normal_(rg.zeros(0, 3))


def test_constants_and_eye() -> None:
    t = rg.zeros(2, 3)
    assert init.constant_(t, 1.5) is t
    np.testing.assert_array_equal(t.array, np.full((2, 3), 1.5))
    np.testing.assert_array_equal(init.ones_(t).array, np.ones((2, 3)))
    np.testing.assert_array_equal(init.zeros_(t).array, np.zeros((2, 3)))
    np.testing.assert_array_equal(init.eye_(t).array, np.eye(2, 3))
    with pytest.raises(ValueError, match="2 dimensions"):
        init.eye_(rg.zeros(2, 2, 2))


def test_writes_in_place_outside_the_graph_keeping_dtype() -> None:
    param = nn.Parameter(rg.zeros(3, 4))
    array = param.array
    init.normal_(param)
    assert param.array is array and param.dtype == np.float32
    assert param.grad_fn is None and param.requires_grad and param.is_leaf
    assert rg.is_grad_enabled()


def test_global_seed_and_generator_reproduce() -> None:
    rg.manual_seed(11)
    first = init.normal_(rg.zeros(5)).array.copy()
    rg.manual_seed(11)
    np.testing.assert_array_equal(init.normal_(rg.zeros(5)).array, first)
    a = init.uniform_(rg.zeros(5), generator=np.random.default_rng(1)).array
    b = init.uniform_(rg.zeros(5), generator=np.random.default_rng(1)).array
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("shape", [(6, 4), (4, 6), (8, 3, 2, 2), (5, 5)])
def test_orthogonal_matches_pytorch_properties(shape: tuple[int, ...]) -> None:
    """orthogonal_ gives what torch.nn.init.orthogonal_ gives: with W the tensor flattened to
    (rows, rest), W W^T (wide) or W^T W (tall) is gain^2 I, and R's diagonal sign rule makes the
    result of a fixed draw unique."""
    gain = rg.nn.init.calculate_gain("relu")
    ours = rg.nn.init.orthogonal_(rg.empty(*shape, dtype=rg.float64), gain)
    theirs = torch.nn.init.orthogonal_(torch.empty(*shape, dtype=torch.float64), gain)
    for w in (ours.numpy(), theirs.numpy()):
        flat = w.reshape(shape[0], -1)
        small = flat @ flat.T if flat.shape[0] <= flat.shape[1] else flat.T @ flat
        np.testing.assert_allclose(small, gain**2 * np.eye(len(small)), atol=1e-10)
    draw = np.random.default_rng(3).normal(0.0, 1.0, (shape[0], int(np.prod(shape[1:]))))
    expected = torch.from_numpy(draw.T.copy() if draw.shape[0] < draw.shape[1] else draw)
    q, r = torch.linalg.qr(expected)
    q = q * torch.diag(r).sign()
    q = q.T if draw.shape[0] < draw.shape[1] else q
    got = rg.nn.init.orthogonal_(
        rg.empty(*shape, dtype=rg.float64), generator=np.random.default_rng(3)
    )
    np.testing.assert_allclose(got.numpy().reshape(q.shape), q.numpy(), atol=1e-12)
    with pytest.raises(rg.errors.ShapeError, match="2 or more dimensions"):
        rg.nn.init.orthogonal_(rg.empty(3))
