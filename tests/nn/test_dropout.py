"""Dropout layers: training-only masks scaled by 1 / (1 - p), reproducible through the seeded
generator, right statistics, gradient equal to the mask, channel-wise variants, errors.
(The masks cannot equal PyTorch's, whose generator differs; repr and eval mode are compared.)"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import retrograd as rg
from helpers import shapes
from retrograd import DTypeError, ShapeError
from retrograd.nn.dropout import Dropout, Dropout1d, Dropout2d
from retrograd.nn.functional.dropout import dropout, dropout1d, dropout2d

probabilities = st.floats(0.05, 0.95)


def _positive(shape: tuple[int, ...], seed: int = 0) -> rg.Tensor:
    """Values in [1, 2): a dropped element (0) is never confused with a kept one."""
    return rg.tensor(np.random.default_rng(seed).uniform(1, 2, shape), requires_grad=True)


@settings(max_examples=25)
@given(shape=shapes(min_dims=1, max_dims=4, max_side=4), p=probabilities, seed=st.integers(0, 99))
def test_output_and_gradient_are_the_scaled_mask(
    shape: tuple[int, ...], p: float, seed: int
) -> None:
    x = _positive(shape, seed)
    rg.manual_seed(seed)
    out = Dropout(p)(x)
    kept = out.array != 0
    np.testing.assert_allclose(out.array, np.where(kept, x.array / (1 - p), 0.0), rtol=1e-12)
    upstream = np.random.default_rng(seed + 1).standard_normal(shape)
    out.backward(upstream)
    np.testing.assert_allclose(x.grad.array, upstream * kept / (1 - p), rtol=1e-12)


def test_same_seed_same_mask_sequence() -> None:
    x = rg.ones(50, 20)
    layer = Dropout(0.3)
    rg.manual_seed(0)
    first = [layer(x).array.copy() for _ in range(3)]
    rg.manual_seed(0)
    second = [layer(x).array.copy() for _ in range(3)]
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[0], first[1])  # each call draws a new mask
    own = [Dropout(0.3, generator=np.random.default_rng(5))(x).array for _ in range(2)]
    np.testing.assert_array_equal(own[0], own[1])  # a layer's own generator, seeded alike


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_mask_statistics(p: float) -> None:
    rg.manual_seed(1)
    x = rg.ones(200, 500)
    out = dropout(x, p).array
    n = out.size
    kept = (out != 0).mean()
    assert abs(kept - (1 - p)) < 4 * np.sqrt(p * (1 - p) / n)  # four standard errors
    np.testing.assert_allclose(np.unique(out), [0.0, 1 / (1 - p)] if p else [1.0], rtol=1e-6)
    assert abs(out.mean() - 1.0) < 4 * np.sqrt(p / (1 - p) / n)  # the expectation is kept
    # the same statistics as PyTorch's dropout (whose masks differ)
    their_kept = (torch.nn.functional.dropout(torch.ones(200, 500), p) != 0).float().mean()
    assert abs(kept - float(their_kept)) < 6 * np.sqrt(p * (1 - p) / n)


def test_eval_mode_and_p_zero_are_the_identity() -> None:
    x = _positive((3, 4))
    layer = Dropout(0.5).eval()
    assert layer(x) is x
    assert dropout(x, 0.5, training=False) is x
    assert Dropout(0.0)(x) is x
    model = rg.nn.Sequential(rg.nn.Linear(4, 4), Dropout(0.9))
    model.eval()
    np.testing.assert_array_equal(model(x.float()).array, model[0](x.float()).array)


def test_p_one_gives_zeros_and_zero_gradient() -> None:
    x = _positive((3, 4))
    out = Dropout(1.0)(x)
    np.testing.assert_array_equal(out.array, np.zeros((3, 4)))
    out.backward(np.ones((3, 4)))
    np.testing.assert_array_equal(x.grad.array, np.zeros((3, 4)))


def test_inplace_writes_into_the_input() -> None:
    x = rg.ones(10, 10)
    rg.manual_seed(2)
    out = dropout(x, 0.5, inplace=True)
    assert out is x
    assert set(np.unique(x.array)) == {0.0, 2.0}


def test_float32_stays_float32() -> None:
    assert Dropout(0.5)(rg.ones(4, 4)).dtype == np.float32


@pytest.mark.parametrize(
    ("layer", "shape", "mask_axes"),
    [
        (Dropout1d, (6, 8, 5), (2,)),
        (Dropout1d, (8, 5), (1,)),
        (Dropout2d, (6, 8, 3, 4), (2, 3)),
    ],
)
def test_channel_dropout_zeroes_whole_channels(
    layer: Any, shape: tuple[int, ...], mask_axes: tuple[int, ...]
) -> None:
    rg.manual_seed(3)
    x = _positive(shape)
    out = layer(0.5)(x)
    kept = out.array != 0
    assert np.all(kept.all(axis=mask_axes) | ~kept.any(axis=mask_axes))  # all or nothing
    assert 0 < kept.mean() < 1
    np.testing.assert_allclose(out.array, np.where(kept, 2 * x.array, 0.0), rtol=1e-12)
    out.backward(np.ones(shape))
    np.testing.assert_allclose(x.grad.array, 2.0 * kept)


def test_dropout2d_on_3d_input_is_channel_wise_1d_with_a_warning() -> None:
    rg.manual_seed(4)
    x = _positive((6, 8, 5))
    with pytest.warns(UserWarning, match="3D input to dropout2d"):
        out = dropout2d(x, 0.5)
    kept = out.array != 0
    assert np.all(kept.all(axis=2) | ~kept.any(axis=2))
    assert not np.all(kept.all(axis=(1, 2)) | ~kept.any(axis=(1, 2)))  # not whole samples
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dropout2d(_positive((2, 3, 2, 2)), 0.5)  # 4-d: no warning


@pytest.mark.parametrize("layer", [Dropout, Dropout1d, Dropout2d])
def test_repr_matches_torch(layer: Any) -> None:
    theirs = getattr(torch.nn, layer.__name__)
    assert repr(layer(0.25)) == repr(theirs(0.25))
    assert repr(layer()) == repr(theirs())


def test_errors() -> None:
    for bad in (-0.1, 1.5):
        with pytest.raises(ValueError, match=f"Dropout: .*between 0 and 1, but got {bad}"):
            Dropout(bad)
        with pytest.raises(ValueError, match=f"between 0 and 1, but got {bad}"):
            dropout(rg.ones(2), bad)
    with pytest.raises(ShapeError, match=r"dropout1d: Expected 2D or 3D input.*4D.*\(1, 2, 3, 4\)"):
        Dropout1d()(rg.ones(1, 2, 3, 4))
    with (
        pytest.raises(ShapeError, match=r"dropout2d: Feature dropout requires at least 2"),
        pytest.warns(UserWarning, match="1-D input to dropout2d"),
    ):
        dropout2d(rg.ones(3))
    with pytest.raises(DTypeError, match="floating-point input, got int64"):
        dropout(rg.tensor([1, 2, 3]))
    with pytest.raises(TypeError, match="retrograd Tensor, got ndarray"):
        dropout1d(np.ones((2, 3)))  # type: ignore[arg-type]


@pytest.mark.parametrize("shape", [(300, 40), (6, 5, 2, 3, 4)])
def test_dropout2d_other_ranks_follow_pytorch(shape: tuple[int, ...]) -> None:
    """PyTorch warns for a 2-D or 5-D input to dropout2d and drops whole (sample, channel)
    slices over the first two dims (a 2-D input: single elements), scaled by 1 / (1 - p)."""
    for lib, x in ((rg, rg.ones(*shape)), (torch, torch.ones(*shape))):
        with pytest.warns(UserWarning, match=f"{len(shape)}-D input to dropout2d"):
            out = lib.nn.functional.dropout2d(x, 0.5)
        values = np.asarray(out.detach().numpy()).reshape(shape[0] * shape[1], -1)
        assert set(np.unique(values)) <= {0.0, 2.0}
        assert np.all(values == values[:, :1])  # constant over each (sample, channel)
        assert 0.3 < float((values[:, 0] == 0).mean()) < 0.7
    with pytest.warns(UserWarning):
        assert dropout2d(rg.ones(4, 3), 0.5, training=False).tolist() == [[1.0] * 3] * 4
