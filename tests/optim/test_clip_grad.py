"""clip_grad_norm_ and clip_grad_value_ against torch.nn.utils."""

import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import retrograd as rg
from retrograd.nn.utils import clip_grad_norm_, clip_grad_value_
from retrograd.nn.utils.clip_grad import NonFiniteNormError
from retrograd.tensor import Tensor

SHAPES = [(3, 4), (4,), (2, 2, 2)]


def with_grads(grads, library):
    """Parameters (zeros) whose gradients are `grads`, in retrograd or in PyTorch."""
    params = []
    for grad in grads:
        if library == "torch":
            p = torch.zeros(grad.shape, dtype=torch.from_numpy(grad).dtype, requires_grad=True)
            p.grad = torch.tensor(grad.copy())
        else:
            p = rg.tensor(np.zeros_like(grad), requires_grad=True)
            p.grad = rg.tensor(grad.copy())
        params.append(p)
    return params


def random_grads(seed, scale=1.0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    return [(rng.standard_normal(shape) * scale).astype(dtype) for shape in SHAPES]


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, 0.5, math.inf, "inf"])
@pytest.mark.parametrize("max_norm", [0.1, 1.0, 100.0])
def test_clip_grad_norm_matches_torch(norm_type, max_norm):
    grads = random_grads(0)
    ours = with_grads(grads, "retrograd")
    theirs = with_grads(grads, "torch")
    our_total = clip_grad_norm_(ours, max_norm, norm_type=norm_type)
    their_total = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type=norm_type)
    assert isinstance(our_total, Tensor)
    assert our_total.shape == ()
    np.testing.assert_allclose(our_total.array, their_total.numpy(), rtol=1e-12)
    for p, q in zip(ours, theirs):
        np.testing.assert_allclose(p.grad.array, q.grad.numpy(), rtol=1e-12, atol=1e-15)


@given(
    seed=st.integers(0, 2**16),
    scale=st.floats(1e-3, 1e3),
    max_norm=st.floats(1e-3, 1e3),
    norm_type=st.sampled_from([1.0, 2.0, 2.5, math.inf]),
)
def test_clip_grad_norm_matches_torch_for_random_values(seed, scale, max_norm, norm_type):
    grads = random_grads(seed, scale)
    ours = with_grads(grads, "retrograd")
    theirs = with_grads(grads, "torch")
    our_total = clip_grad_norm_(ours, max_norm, norm_type)
    their_total = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type)
    np.testing.assert_allclose(our_total.array, their_total.numpy(), rtol=1e-12)
    for p, q in zip(ours, theirs):
        np.testing.assert_allclose(p.grad.array, q.grad.numpy(), rtol=1e-12, atol=0)


def test_clip_grad_norm_worked_by_hand():
    p = rg.tensor(np.zeros(2), requires_grad=True)
    p.grad = rg.tensor(np.array([3.0, 4.0]))
    total = clip_grad_norm_([p], max_norm=1.0)
    assert float(total.array) == 5.0
    coef = 1.0 / (5.0 + 1e-6)
    np.testing.assert_allclose(p.grad.array, [3.0 * coef, 4.0 * coef], rtol=1e-15)


def test_small_gradients_are_left_unchanged():
    p = rg.tensor(np.zeros(2), requires_grad=True)
    p.grad = rg.tensor(np.array([0.3, 0.4]))
    total = clip_grad_norm_(p, max_norm=1.0)
    np.testing.assert_allclose(total.array, 0.5, rtol=1e-15)
    np.testing.assert_array_equal(p.grad.array, [0.3, 0.4])


def test_clip_grad_norm_keeps_float32_and_the_same_arrays():
    grads = random_grads(1, scale=10.0, dtype=np.float32)
    ours = with_grads(grads, "retrograd")
    theirs = with_grads(grads, "torch")
    arrays = [p.grad.array for p in ours]
    total = clip_grad_norm_(ours, 1.0)
    their_total = torch.nn.utils.clip_grad_norm_(theirs, 1.0)
    assert total.dtype == np.float32
    np.testing.assert_allclose(total.array, their_total.numpy(), rtol=1e-6)
    for p, q, array in zip(ours, theirs, arrays):
        assert p.grad.array is array and array.dtype == np.float32
        np.testing.assert_allclose(p.grad.array, q.grad.numpy(), rtol=1e-6)


def test_parameters_without_gradients_are_skipped():
    a = rg.tensor(np.zeros(2), requires_grad=True)
    b = rg.tensor(np.zeros(3), requires_grad=True)
    a.grad = rg.tensor(np.array([6.0, 8.0]))
    total = clip_grad_norm_([a, b], 5.0)
    np.testing.assert_allclose(total.array, 10.0, rtol=1e-15)
    assert b.grad is None
    np.testing.assert_allclose(a.grad.array, [3.0, 4.0], rtol=1e-6)


def test_no_gradients_give_a_zero_norm():
    total = clip_grad_norm_([rg.tensor(np.zeros(2), requires_grad=True)], 1.0)
    assert float(total.array) == 0.0
    assert float(torch.nn.utils.clip_grad_norm_([torch.zeros(2, requires_grad=True)], 1.0)) == 0.0


@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_error_if_nonfinite(bad):
    p = rg.tensor(np.zeros(2), requires_grad=True)
    p.grad = rg.tensor(np.array([1.0, bad]))
    with pytest.raises(NonFiniteNormError, match="non-finite") as info:
        clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
    assert isinstance(info.value, RuntimeError)
    np.testing.assert_array_equal(p.grad.array, [1.0, bad])  # untouched when it raises
    total = clip_grad_norm_([p], 1.0)  # without the flag it scales, as PyTorch does
    assert not np.isfinite(float(total.array))


@pytest.mark.parametrize("clip_value", [0.0, 0.5, 1.0, 10.0])
def test_clip_grad_value_matches_torch(clip_value):
    grads = random_grads(2, scale=2.0)
    ours = with_grads(grads, "retrograd")
    theirs = with_grads(grads, "torch")
    arrays = [p.grad.array for p in ours]
    assert clip_grad_value_(ours, clip_value) is None
    torch.nn.utils.clip_grad_value_(theirs, clip_value)
    for p, q, array in zip(ours, theirs, arrays):
        assert p.grad.array is array
        np.testing.assert_array_equal(p.grad.array, q.grad.numpy())


def test_clip_grad_value_worked_by_hand():
    p = rg.tensor(np.zeros(4), requires_grad=True)
    p.grad = rg.tensor(np.array([-3.0, -0.5, 0.25, 2.0]))
    clip_grad_value_(p, 1.0)
    np.testing.assert_array_equal(p.grad.array, [-1.0, -0.5, 0.25, 1.0])
