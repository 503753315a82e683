"""`retrograd.distributions` against `torch.distributions`: log_prob, entropy, moments and KL
with their gradients; draws have the right shapes and statistics."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import retrograd as rg
from retrograd import distributions as D

RNG = np.random.default_rng(0)
LOC, SCALE = RNG.normal(size=(3,)), RNG.uniform(0.5, 2.0, size=(3,))
LOGITS = RNG.normal(size=(2, 4))
X = RNG.normal(size=(5, 3))


def grads(tensors: list, torch_tensors: list) -> None:
    for ours, theirs in zip(tensors, torch_tensors, strict=True):
        np.testing.assert_allclose(ours.grad.array, theirs.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_normal_matches_torch() -> None:
    loc, scale = rg.tensor(LOC, requires_grad=True), rg.tensor(SCALE, requires_grad=True)
    tloc, tscale = torch.tensor(LOC, requires_grad=True), torch.tensor(SCALE, requires_grad=True)
    ours, theirs = D.Normal(loc, scale), torch.distributions.Normal(tloc, tscale)
    lp, tlp = ours.log_prob(rg.tensor(X)), theirs.log_prob(torch.tensor(X))
    np.testing.assert_allclose(lp.array, tlp.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours.entropy().array, theirs.entropy().detach().numpy())
    np.testing.assert_allclose(ours.stddev.array, theirs.stddev.detach().numpy())
    (lp.sum() + ours.entropy().sum()).backward()
    (tlp.sum() + theirs.entropy().sum()).backward()
    grads([loc, scale], [tloc, tscale])


def test_normal_kl_and_rsample_gradient() -> None:
    p, tp = (
        D.Normal(rg.tensor(LOC), rg.tensor(SCALE)),
        torch.distributions.Normal(torch.tensor(LOC), torch.tensor(SCALE)),
    )
    q, tq = (
        D.Normal(rg.tensor(LOC[::-1].copy()), rg.tensor(SCALE * 2)),
        torch.distributions.Normal(torch.tensor(LOC[::-1].copy()), torch.tensor(SCALE * 2)),
    )
    np.testing.assert_allclose(
        D.kl_divergence(p, q).array, torch.distributions.kl_divergence(tp, tq).numpy(), rtol=1e-12
    )
    loc = rg.tensor(LOC, requires_grad=True)
    draw = D.Normal(loc, rg.tensor(SCALE)).rsample((7,))
    assert draw.shape == (7, 3)
    draw.sum().backward()
    np.testing.assert_allclose(loc.grad.array, np.full(3, 7.0))  # d(loc + eps * scale)/d loc
    assert not D.Normal(loc, rg.tensor(SCALE)).sample((2,)).requires_grad


def test_categorical_matches_torch() -> None:
    logits, tlogits = (
        rg.tensor(LOGITS, requires_grad=True),
        torch.tensor(LOGITS, requires_grad=True),
    )
    ours, theirs = D.Categorical(logits=logits), torch.distributions.Categorical(logits=tlogits)
    value = np.array([[3, 0], [1, 2], [0, 0]])
    lp, tlp = ours.log_prob(rg.tensor(value)), theirs.log_prob(torch.tensor(value))
    np.testing.assert_allclose(lp.array, tlp.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours.probs.array, theirs.probs.detach().numpy(), rtol=1e-12)
    (lp.sum() + ours.entropy().sum()).backward()
    (tlp.sum() + theirs.entropy().sum()).backward()
    grads([logits], [tlogits])
    probs = rg.tensor([0.2, 0.5, 0.3])
    from_probs = D.Categorical(probs=probs)
    np.testing.assert_allclose(from_probs.probs.array, [0.2, 0.5, 0.3], rtol=1e-6)
    draws = from_probs.sample((20000,))
    assert draws.shape == (20000,) and draws.dtype == "int64"
    np.testing.assert_allclose(
        np.bincount(draws.array, minlength=3) / 20000, [0.2, 0.5, 0.3], atol=0.02
    )


def test_bernoulli_matches_torch() -> None:
    logits, tlogits = rg.tensor(LOC, requires_grad=True), torch.tensor(LOC, requires_grad=True)
    ours, theirs = D.Bernoulli(logits=logits), torch.distributions.Bernoulli(logits=tlogits)
    value = np.array([1.0, 0.0, 1.0])
    lp, tlp = ours.log_prob(rg.tensor(value)), theirs.log_prob(torch.tensor(value))
    np.testing.assert_allclose(lp.array, tlp.detach().numpy(), rtol=1e-12)
    (lp.sum() + ours.entropy().sum()).backward()
    (tlp.sum() + theirs.entropy().sum()).backward()
    grads([logits], [tlogits])
    draws = D.Bernoulli(probs=rg.full((10000,), 0.3)).sample()
    assert set(np.unique(draws.array)) <= {0.0, 1.0} and abs(draws.array.mean() - 0.3) < 0.02


def test_bad_arguments_are_clear_errors() -> None:
    with pytest.raises(rg.InvalidArgumentError, match="exactly one"):
        D.Categorical()
    with pytest.raises(rg.InvalidArgumentError, match="scale must be positive"):
        D.Normal(0.0, -1.0)
    with pytest.raises(rg.UnsupportedError, match="rsample"):
        D.Categorical(logits=rg.zeros(3)).rsample()
