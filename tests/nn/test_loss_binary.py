"""Binary cross entropy, on probabilities and on logits, against PyTorch; stability at +-1000."""

import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given, settings
from hypothesis import strategies as st

import retrograd as rg
from helpers import check, rand, seeds, shapes
from retrograd import ShapeError, nn
from retrograd.nn import functional as F

reductions = st.sampled_from(["mean", "sum", "none"])


def weight_shape(shape, choice):
    """No weight, a full one, or one that broadcasts along the last dim."""
    return [None, shape, shape[-1:]][choice] if shape else [None, shape, ()][choice]


@settings(max_examples=30)
@given(shape=shapes(max_dims=3), reduction=reductions, choice=st.integers(0, 2), seed=seeds)
def test_bce_matches_torch(shape, reduction, choice, seed):
    # soft targets in [0, 1]; PyTorch has no gradient for the target, so it stays a constant
    target = rand(shape, seed + 1, 0.0, 1.0)
    w_shape = weight_shape(shape, choice)
    weight = None if w_shape is None else rand(w_shape, seed + 2, 0.1, 2.0)

    def ours(p):
        w = None if weight is None else rg.tensor(weight, device=p.device)
        return F.binary_cross_entropy(p, rg.tensor(target, device=p.device), w, reduction=reduction)

    def theirs(p):
        w = None if weight is None else torch.tensor(weight)
        return TF.binary_cross_entropy(p, torch.tensor(target), w, reduction=reduction)

    # probabilities away from 0 and 1, where PyTorch's backward clamps x (1 - x) at 1e-12
    check(ours, shape, torch_fn=theirs, seed=seed, low=0.02, high=0.98)


@settings(max_examples=30)
@given(
    shape=shapes(max_dims=3),
    reduction=reductions,
    choice=st.integers(0, 2),
    pos_choice=st.integers(0, 2),
    seed=seeds,
)
def test_bce_with_logits_matches_torch(shape, reduction, choice, pos_choice, seed):
    w_shape, pos_shape = weight_shape(shape, choice), weight_shape(shape, pos_choice)
    weight = None if w_shape is None else rand(w_shape, seed + 2, 0.1, 2.0)
    pos_weight = None if pos_shape is None else rand(pos_shape, seed + 3, 0.1, 3.0)

    def call(lib, fn):
        def run(x, t):
            w = None if weight is None else lib.tensor(weight, device=x.device)
            pw = None if pos_weight is None else lib.tensor(pos_weight, device=x.device)
            return fn(x, t, w, reduction=reduction, pos_weight=pw)

        return run

    target = rand(shape, seed + 1, 0.0, 1.0)
    check(
        call(rg, F.binary_cross_entropy_with_logits),
        shape,
        target,
        torch_fn=call(torch, TF.binary_cross_entropy_with_logits),
        seed=seed,
        low=-4.0,
        high=4.0,
    )


def test_logits_gradient_at_zero():
    """At x = 0 the loss is smooth: d/dx = (1 - t) - l / 2, ties must not drop the half."""
    x = np.zeros(4)
    target = np.array([0.0, 1.0, 0.3, 1.0])
    pos_weight = np.array([1.0, 1.0, 2.0, 3.0])
    check(
        lambda x, t: F.binary_cross_entropy_with_logits(
            x, t, pos_weight=rg.tensor(pos_weight, device=x.device), reduction="none"
        ),
        x,
        target,
        torch_fn=lambda x, t: TF.binary_cross_entropy_with_logits(
            x, t, pos_weight=torch.tensor(pos_weight), reduction="none"
        ),
    )


def _quiet() -> tuple:
    """Every overflow, 0/0 or division by zero raises (underflow to 0 is fine and expected)."""
    catcher = warnings.catch_warnings()
    return catcher, np.errstate(over="raise", divide="raise", invalid="raise")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("reduction", ["mean", "none"])
def test_logits_stable_at_1000(dtype, reduction):
    logits = np.array([-1000.0, 1000.0, -1000.0, 1000.0, 0.0], dtype=dtype)
    target = np.array([0.0, 1.0, 1.0, 0.0, 1.0], dtype=dtype)
    x = rg.tensor(logits, requires_grad=True)
    catcher, errstate = _quiet()
    with catcher, errstate:
        warnings.simplefilter("error")
        loss = F.binary_cross_entropy_with_logits(x, rg.tensor(target), reduction=reduction)
        upstream = np.linspace(0.5, 1.5, 5).astype(dtype) if reduction == "none" else None
        loss.backward(None if upstream is None else rg.tensor(upstream))
    xt = torch.tensor(logits, requires_grad=True)
    expected = TF.binary_cross_entropy_with_logits(xt, torch.tensor(target), reduction=reduction)
    expected.backward(None if upstream is None else torch.tensor(upstream))
    assert loss.dtype == dtype
    assert np.isfinite(loss.array).all() and np.isfinite(x.grad.array).all()
    np.testing.assert_allclose(loss.array, expected.detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(x.grad.array, xt.grad.numpy(), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bce_at_exact_zero_and_one(dtype):
    """log(0) is floored at -100 like PyTorch: the loss is 100, and the gradient stays finite.
    (PyTorch's backward gives +-1e12 there; ours is 0 for a floored log, see the docstring.)"""
    p = np.array([0.0, 1.0, 0.0, 1.0, 0.5], dtype=dtype)
    target = np.array([1.0, 0.0, 0.0, 1.0, 1.0], dtype=dtype)
    x = rg.tensor(p, requires_grad=True)
    catcher, errstate = _quiet()
    with catcher, errstate:
        warnings.simplefilter("error")
        loss = F.binary_cross_entropy(x, rg.tensor(target), reduction="none")
        loss.sum().backward()
    expected = TF.binary_cross_entropy(torch.tensor(p), torch.tensor(target), reduction="none")
    np.testing.assert_allclose(loss.array, expected.numpy(), rtol=1e-6)
    np.testing.assert_allclose(loss.array[:4], [100.0, 100.0, 0.0, 0.0])
    assert np.isfinite(x.grad.array).all()
    assert x.grad.array[4] == pytest.approx(-2.0)


# ---------------------------------------------------------------------- modules
def test_bce_module_matches_torch_and_keeps_weight_buffer():
    weight = rand((3,), 5, 0.5, 1.5)
    target = rand((4, 3), 6, 0.0, 1.0)
    ours = nn.BCELoss(weight=rg.tensor(weight), reduction="sum")
    theirs = torch.nn.BCELoss(weight=torch.tensor(weight), reduction="sum")
    check(
        lambda p: ours(p, rg.tensor(target)),
        (4, 3),
        torch_fn=lambda p: theirs(p, torch.tensor(target)),
        low=0.05,
        high=0.95,
        device=False,  # the module's weight buffer stays on the CPU
    )
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight"]
    assert repr(ours) == "BCELoss(reduction='sum')"


def test_bce_with_logits_module_matches_torch():
    pos_weight = rand((3,), 5, 0.5, 3.0)
    ours = nn.BCEWithLogitsLoss(pos_weight=rg.tensor(pos_weight))
    theirs = torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor(pos_weight))
    check(ours, (4, 3), rand((4, 3), 9, 0.0, 1.0), torch_fn=theirs, device=False)  # CPU buffer
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["pos_weight"]
    assert repr(ours) == "BCEWithLogitsLoss()"


# ---------------------------------------------------------------------- errors
def test_bce_outside_unit_interval_suggests_logits():
    with pytest.raises(ValueError) as info:
        F.binary_cross_entropy(rg.tensor([-0.5, 0.2, 1.25]), rg.tensor([0.0, 1.0, 1.0]))
    message = str(info.value)
    assert "expects input probabilities in [0, 1], found values in [-0.5, 1.25]" in message
    assert "BCEWithLogitsLoss" in message
    with pytest.raises(ValueError, match=r"found NaN values.*BCEWithLogitsLoss"):
        nn.BCELoss()(rg.tensor([np.nan, 0.5]), rg.tensor([0.0, 1.0]))


@pytest.mark.parametrize("fn", [F.binary_cross_entropy, F.binary_cross_entropy_with_logits])
def test_bce_shape_mismatch(fn):
    with pytest.raises(
        ShapeError, match=r"target shape \(3, 1\) does not match input shape \(3,\)"
    ):
        fn(rg.tensor([0.1, 0.2, 0.3]), rg.tensor(np.zeros((3, 1))))


def test_weight_must_broadcast_to_input():
    with pytest.raises(
        ShapeError, match=r"weight of shape \(2,\) does not broadcast to the input shape \(4, 3\)"
    ):
        F.binary_cross_entropy(
            rg.tensor(np.full((4, 3), 0.5)), rg.tensor(np.zeros((4, 3))), rg.tensor([1.0, 2.0])
        )
    with pytest.raises(ShapeError, match=r"pos_weight of shape \(4, 3, 1\) does not broadcast"):
        F.binary_cross_entropy_with_logits(
            rg.tensor(np.zeros((4, 3))),
            rg.tensor(np.zeros((4, 3))),
            pos_weight=rg.tensor(np.ones((4, 3, 1))),
        )


def test_bad_reduction():
    with pytest.raises(
        ValueError, match="binary_cross_entropy: reduction must be .* got 'elementwise'"
    ):
        F.binary_cross_entropy(rg.tensor([0.5]), rg.tensor([1.0]), reduction="elementwise")
    with pytest.raises(ValueError, match="BCEWithLogitsLoss: reduction must be .* got 'avg'"):
        nn.BCEWithLogitsLoss(reduction="avg")
