"""Regression losses (MSE, L1, Huber, smooth L1) against PyTorch, plus a hand-worked example."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given, settings
from hypothesis import strategies as st

import retrograd as rg
from helpers import check, rand, seeds, shapes
from retrograd import DTypeError, ShapeError, nn
from retrograd.nn import functional as F

reductions = st.sampled_from(["mean", "sum", "none"])

# (our function, torch's function, extra keyword arguments)
LOSSES = {
    "mse": (F.mse_loss, TF.mse_loss, {}),
    "l1": (F.l1_loss, TF.l1_loss, {}),
    "huber": (F.huber_loss, TF.huber_loss, {}),
    "huber_delta": (F.huber_loss, TF.huber_loss, {"delta": 0.4}),
    "smooth_l1": (F.smooth_l1_loss, TF.smooth_l1_loss, {}),
    "smooth_l1_beta": (F.smooth_l1_loss, TF.smooth_l1_loss, {"beta": 2.5}),
    "smooth_l1_beta0": (F.smooth_l1_loss, TF.smooth_l1_loss, {"beta": 0.0}),
}


@pytest.mark.parametrize("name", LOSSES)
@settings(max_examples=25)
@given(shape=shapes(max_dims=3), reduction=reductions, seed=seeds)
def test_matches_torch(name, shape, reduction, seed):
    ours, theirs, kwargs = LOSSES[name]
    check(
        lambda x, t: ours(x, t, reduction=reduction, **kwargs),
        shape,
        shape,
        torch_fn=lambda x, t: theirs(x, t, reduction=reduction, **kwargs),
        seed=seed,
    )


WEIGHTED = {
    "mse": (F.mse_loss, TF.mse_loss),
    "l1": (F.l1_loss, TF.l1_loss),
    "huber": (F.huber_loss, TF.huber_loss),
}


@pytest.mark.parametrize("name", WEIGHTED)
@settings(max_examples=25)
@given(shape=shapes(min_dims=1, max_dims=3), reduction=reductions, seed=seeds)
def test_weighted_matches_torch(name, shape, reduction, seed):
    ours, theirs = WEIGHTED[name]
    weight = rand(shape, seed + 7, 0.1, 2.0)
    check(
        lambda x, t, w: ours(x, t, reduction=reduction, weight=w),
        shape,
        shape,
        weight,
        torch_fn=lambda x, t, w: theirs(x, t, reduction=reduction, weight=w),
        seed=seed,
    )


@pytest.mark.parametrize("name", ["huber", "huber_delta", "smooth_l1", "smooth_l1_beta", "l1"])
def test_kinks_match_torch(name):
    """At |input - target| == delta (beta) and at 0 the gradient follows PyTorch's choice."""
    ours, theirs, kwargs = LOSSES[name]
    edge = kwargs.get("delta", kwargs.get("beta", 1.0))
    target = np.array([0.0, 0.0, 1.0, 1.0, 0.5])
    pred = target + np.array([edge, -edge, 0.0, 2 * edge, -0.5 * edge])
    check(
        lambda x, t: ours(x, t, reduction="none", **kwargs),
        pred,
        target,
        torch_fn=lambda x, t: theirs(x, t, reduction="none", **kwargs),
        fd=False,
    )


def test_mse_gradient_by_hand():
    """mean((p - t)^2) over n = 3: the loss is 11/3 and d/dp = 2 (p - t) / n, positive where
    the prediction is above the target, so gradient descent pulls it down."""
    pred = rg.tensor(np.array([1.0, 2.0, 4.0]), requires_grad=True)
    target = rg.tensor(np.array([0.0, 3.0, 1.0]))
    loss = F.mse_loss(pred, target)
    loss.backward()
    assert loss.item() == pytest.approx((1 + 1 + 9) / 3)
    np.testing.assert_allclose(pred.grad.array, [2 / 3, -2 / 3, 2.0])
    # the target gets the opposite gradient
    target = rg.tensor(np.array([0.0, 3.0, 1.0]), requires_grad=True)
    F.mse_loss(rg.tensor(np.array([1.0, 2.0, 4.0])), target).backward()
    np.testing.assert_allclose(target.grad.array, [-2 / 3, 2 / 3, -2.0])


def test_huber_by_hand():
    """delta = 1: errors 0.5 and 3 give 0.5 * 0.25 and 1 * (3 - 0.5)."""
    loss = F.huber_loss(rg.tensor(np.array([0.5, 3.0])), rg.tensor(np.zeros(2)), reduction="none")
    np.testing.assert_allclose(loss.array, [0.125, 2.5])


def test_empty_mean_is_nan_like_torch():
    out = F.mse_loss(rg.tensor(np.zeros(0)), rg.tensor(np.zeros(0)))
    assert np.isnan(out.item())
    assert np.isnan(TF.mse_loss(torch.zeros(0), torch.zeros(0)).item())


# ---------------------------------------------------------------------- modules
MODULES = [
    (nn.MSELoss, torch.nn.MSELoss, {}),
    (nn.L1Loss, torch.nn.L1Loss, {"reduction": "sum"}),
    (nn.HuberLoss, torch.nn.HuberLoss, {"delta": 0.3, "reduction": "none"}),
    (nn.SmoothL1Loss, torch.nn.SmoothL1Loss, {"beta": 0.5}),
]


@pytest.mark.parametrize(
    ("ours", "theirs", "kwargs"), MODULES, ids=lambda v: getattr(v, "__name__", "")
)
def test_modules_match_torch(ours, theirs, kwargs):
    check(ours(**kwargs), (4, 3), (4, 3), torch_fn=theirs(**kwargs))


def test_module_repr_shows_non_default_settings():
    assert repr(nn.MSELoss()) == "MSELoss()" == repr(torch.nn.MSELoss())
    assert repr(nn.HuberLoss(reduction="sum", delta=0.5)) == "HuberLoss(reduction='sum', delta=0.5)"
    assert repr(nn.SmoothL1Loss(beta=2.0)) == "SmoothL1Loss(beta=2.0)"


@pytest.mark.parametrize(
    ("size_average", "reduce"), [(False, None), (None, False), (True, True), (False, True)]
)
def test_deprecated_size_average_and_reduce(size_average, reduce):
    x, t = rand((3, 2), 1), rand((3, 2), 2)
    with pytest.warns(DeprecationWarning, match="size_average and reduce are deprecated"):
        ours = nn.MSELoss(size_average, reduce)(rg.tensor(x), rg.tensor(t))
    with pytest.warns(UserWarning):
        theirs = torch.nn.MSELoss(size_average, reduce)(torch.tensor(x), torch.tensor(t))
    np.testing.assert_allclose(ours.array, theirs.numpy(), rtol=1e-6)


# ---------------------------------------------------------------------- errors
def test_column_against_flat_target_is_a_shape_error():
    """(N, 1) predictions against (N,) targets: PyTorch warns and computes an (N, N) loss."""
    with pytest.raises(ShapeError) as info:
        F.mse_loss(rg.tensor(np.zeros((4, 1))), rg.tensor(np.zeros(4)))
    message = str(info.value)
    assert "target shape (4,) does not match input shape (4, 1)" in message
    assert "silently compute a loss of shape (4, 4)" in message
    assert "target.reshape((4, 1))" in message


@pytest.mark.parametrize("fn", [F.mse_loss, F.l1_loss, F.huber_loss, F.smooth_l1_loss])
def test_shape_errors_name_both_shapes(fn):
    with pytest.raises(
        ShapeError, match=r"target shape \(2, 3\) does not match input shape \(3, 2\)"
    ):
        fn(rg.tensor(np.zeros((3, 2))), rg.tensor(np.zeros((2, 3))))
    with pytest.raises(ShapeError, match=r"target shape \(5,\) does not match input shape \(3,\)"):
        fn(rg.tensor(np.zeros(3)), rg.tensor(np.zeros(5)))


def test_weight_shape_error():
    with pytest.raises(
        ShapeError,
        match=r"mse_loss: weight has shape \(3,\), it must equal the input shape \(2, 3\)",
    ):
        F.mse_loss(
            rg.tensor(np.zeros((2, 3))), rg.tensor(np.zeros((2, 3))), weight=rg.tensor(np.ones(3))
        )


def test_bad_reduction():
    with pytest.raises(
        ValueError, match="mse_loss: reduction must be 'mean', 'sum' or 'none', got 'avg'"
    ):
        F.mse_loss(rg.tensor(np.zeros(2)), rg.tensor(np.zeros(2)), reduction="avg")
    with pytest.raises(ValueError, match="L1Loss: reduction must be .* got 'max'"):
        nn.L1Loss(reduction="max")


def test_integer_input_is_a_dtype_error():
    with pytest.raises(DTypeError, match="l1_loss expects a floating-point input, got int64"):
        F.l1_loss(rg.tensor([1, 2]), rg.tensor([1.0, 2.0]))


def test_bad_delta_and_beta():
    with pytest.raises(ValueError, match="delta must be positive, got 0"):
        F.huber_loss(rg.tensor([1.0]), rg.tensor([1.0]), delta=0.0)
    with pytest.raises(ValueError, match="delta must be positive, got -1"):
        nn.HuberLoss(delta=-1.0)
    with pytest.raises(ValueError, match="beta must be non-negative, got -0.5"):
        F.smooth_l1_loss(rg.tensor([1.0]), rg.tensor([1.0]), beta=-0.5)
    with pytest.raises(ValueError, match="beta must be non-negative, got -0.5"):
        nn.SmoothL1Loss(beta=-0.5)
