"""PReLU, kl_div / KLDivLoss, cosine_similarity / CosineSimilarity and pairwise_distance /
PairwiseDistance as functions and layers, forward and backward against PyTorch and finite
differences."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given
from hypothesis import strategies as st

import retrograd as rg
import retrograd.nn.functional as F
from helpers import assert_close, check, distinct, rand, seeds, shapes

from .torch_modules import compare_modules


def _lib(x):
    return TF if isinstance(x, torch.Tensor) else F


# ---------------------------------------------------------------------- prelu
@given(shapes(min_dims=1, max_dims=4), seeds, st.booleans())
def test_prelu(shape, seed, per_channel):
    channels = shape[1] if per_channel and len(shape) > 1 else 1
    x = distinct(shape, seed, gap=0.3)  # no element at the kink
    check(lambda a, w: _lib(a).prelu(a, w), x, rand((channels,), seed + 1))


def test_prelu_layer():
    ours, theirs = rg.nn.PReLU(3, init=0.1), torch.nn.PReLU(3, init=0.1)
    assert repr(ours) == repr(theirs)
    assert ours.weight.tolist() == pytest.approx(theirs.weight.tolist())
    compare_modules(ours.double(), theirs.double(), distinct((2, 3, 4), 0), seed=1)
    shared = rg.nn.PReLU(dtype="float64")
    compare_modules(shared, torch.nn.PReLU().double(), distinct((5,), 2), seed=3)


def test_prelu_worked_example():
    out = F.prelu(rg.tensor([[-2.0, 3.0], [4.0, -1.0]]), rg.tensor([0.5, 0.1]))
    np.testing.assert_allclose(out.array, [[-1.0, 3.0], [4.0, -0.1]])


# ---------------------------------------------------------------------- kl_div
@pytest.mark.filterwarnings("ignore:reduction. 'mean' divides")
@pytest.mark.parametrize("reduction", ["mean", "sum", "none", "batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
@given(shapes(min_dims=1, max_dims=3), seeds)
def test_kl_div(reduction, log_target, shape, seed):
    log_probs = rand(shape, seed, -3.0, 0.0)
    target = rand(shape, seed + 1, -3.0, 0.0) if log_target else rand(shape, seed + 1, 0.05, 1.0)
    check(
        lambda a, t: _lib(a).kl_div(a, t, reduction=reduction, log_target=log_target),
        log_probs,
        target,
    )


def test_kl_div_zero_target_gives_zero_not_nan():
    target = np.array([[0.0, 0.3, 0.7]])
    log_probs = np.log(np.array([[0.2, 0.3, 0.5]]))
    ours = rg.tensor(log_probs, requires_grad=True)
    theirs = torch.tensor(log_probs, requires_grad=True)
    F.kl_div(ours, rg.tensor(target), reduction="sum").backward()
    TF.kl_div(theirs, torch.tensor(target), reduction="sum").backward()
    assert np.isfinite(ours.grad.array).all()
    assert_close(ours.grad, theirs.grad)


@pytest.mark.parametrize("reduction", ["batchmean", "sum", "none"])
def test_kl_div_layer(reduction):
    ours = rg.nn.KLDivLoss(reduction=reduction, log_target=True)
    theirs = torch.nn.KLDivLoss(reduction=reduction, log_target=True)
    a, t = rand((4, 3), 0, -2.0, 0.0), rand((4, 3), 1, -2.0, 0.0)
    assert_close(ours(rg.tensor(a), rg.tensor(t)), theirs(torch.tensor(a), torch.tensor(t)))


def test_kl_div_mean_warns_as_pytorch_does():
    with pytest.warns(UserWarning, match="'batchmean' divides only by the batch size"):
        F.kl_div(rg.zeros(2, 3), rg.ones(2, 3))


def test_kl_div_worked_example():
    # batchmean: sum of t * (log t - x) over 2 rows, divided by 2
    x, t = np.log([[0.5, 0.5], [0.9, 0.1]]), np.array([[0.25, 0.75], [0.5, 0.5]])
    expected = (t * (np.log(t) - x)).sum() / 2
    out = F.kl_div(rg.tensor(x), rg.tensor(t), reduction="batchmean")
    np.testing.assert_allclose(out.item(), expected)


# ---------------------------------------------------------------------- distances
@given(shapes(min_dims=1, max_dims=3), seeds, st.data())
def test_cosine_similarity(shape, seed, data):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    check(lambda a, b: _lib(a).cosine_similarity(a, b, dim=dim), shape, shape, seed=seed)


def test_cosine_similarity_broadcasts_and_layer():
    check(lambda a, b: _lib(a).cosine_similarity(a, b, dim=-1), (3, 4), (4,))
    ours, theirs = rg.nn.CosineSimilarity(dim=0, eps=1e-6), torch.nn.CosineSimilarity(0, 1e-6)
    check(ours, (3, 2), (3, 2), torch_fn=theirs)
    assert repr(ours) == repr(theirs)


@pytest.mark.parametrize("p", [1.0, 2.0, 3.0])
@given(st.integers(1, 4), st.integers(1, 5), seeds, st.booleans())
def test_pairwise_distance(p, n, d, seed, keepdim):
    check(
        lambda a, b: _lib(a).pairwise_distance(a, b, p=p, keepdim=keepdim),
        (n, d),
        (n, d),
        seed=seed,
    )


def test_pairwise_distance_layer_and_broadcast():
    ours, theirs = rg.nn.PairwiseDistance(p=1.5, eps=1e-3), torch.nn.PairwiseDistance(1.5, 1e-3)
    check(ours, (3, 4), (4,), torch_fn=theirs)
    assert repr(ours) == repr(theirs)
