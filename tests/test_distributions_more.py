"""The distributions added beyond Normal / Categorical / Bernoulli, against
`torch.distributions` on the same float64 parameters: log_prob, entropy, moments, cdf / icdf
and their gradients; draws have torch's shapes and the right statistics; rsample gradients;
KL pairs; validation errors; the special functions (lgamma, digamma, polygamma)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import retrograd as rg
from retrograd import distributions as D
from retrograd.ops.special import standard_gamma_grad

TD = torch.distributions
RNG = np.random.default_rng(1)
POS = RNG.uniform(0.5, 3.0, size=(2, 3))
POS2 = RNG.uniform(0.5, 3.0, size=(2, 3))
REAL = RNG.normal(size=(2, 3))
UNIT = RNG.uniform(0.1, 0.9, size=(2, 3))
SIMPLEX_C = RNG.uniform(0.5, 3.0, size=(2, 4))


def _dirichlet_value() -> np.ndarray:
    v = RNG.uniform(0.1, 1.0, size=(5, 2, 4))
    return v / v.sum(-1, keepdims=True)


def _mvn_cov() -> np.ndarray:
    a = RNG.normal(size=(2, 3, 3))
    return a @ a.transpose(0, 2, 1) + 3 * np.eye(3)


COV = _mvn_cov()
LOC3 = RNG.normal(size=(2, 3))

# name -> (our class, torch class, keyword parameters (float arrays), value for log_prob)
CASES: dict[str, tuple[Any, Any, dict[str, Any], np.ndarray]] = {
    "Normal": (D.Normal, TD.Normal, {"loc": REAL, "scale": POS}, RNG.normal(size=(4, 2, 3))),
    "LogNormal": (D.LogNormal, TD.LogNormal, {"loc": REAL, "scale": POS}, POS2 + 0.1),
    "Laplace": (D.Laplace, TD.Laplace, {"loc": REAL, "scale": POS}, RNG.normal(size=(4, 2, 3))),
    "Cauchy": (D.Cauchy, TD.Cauchy, {"loc": REAL, "scale": POS}, RNG.normal(size=(4, 2, 3))),
    "Uniform": (D.Uniform, TD.Uniform, {"low": REAL, "high": REAL + POS}, REAL + 0.3 * POS),
    "Exponential": (D.Exponential, TD.Exponential, {"rate": POS}, POS2),
    "Gamma": (D.Gamma, TD.Gamma, {"concentration": POS, "rate": POS2}, POS2 * 0.7),
    "Beta": (D.Beta, TD.Beta, {"concentration1": POS, "concentration0": POS2}, UNIT),
    "StudentT": (
        D.StudentT,
        TD.StudentT,
        {"df": POS + 2, "loc": REAL, "scale": POS2},
        RNG.normal(size=(4, 2, 3)),
    ),
    "Dirichlet": (D.Dirichlet, TD.Dirichlet, {"concentration": SIMPLEX_C}, _dirichlet_value()),
    "Poisson": (D.Poisson, TD.Poisson, {"rate": POS}, np.array([[0, 1, 2], [5, 3, 0.0]])),
    "Binomial": (
        D.Binomial,
        TD.Binomial,
        {"total_count": 5.0, "probs": UNIT},
        np.array([[0, 1, 2], [5, 3, 4.0]]),
    ),
    "BinomialLogits": (
        D.Binomial,
        TD.Binomial,
        {"total_count": 6.0, "logits": REAL},
        np.array([[0, 1, 2], [6, 3, 4.0]]),
    ),
    "Geometric": (D.Geometric, TD.Geometric, {"probs": UNIT}, np.array([[0, 1, 2], [5, 3, 0.0]])),
    "GeometricLogits": (
        D.Geometric,
        TD.Geometric,
        {"logits": REAL},
        np.array([[0, 1, 2], [5, 3, 0.0]]),
    ),
    "BernoulliProbs": (D.Bernoulli, TD.Bernoulli, {"probs": UNIT}, np.array([[0, 1, 1.0]])),
    "CategoricalProbs": (
        D.Categorical,
        TD.Categorical,
        {"probs": SIMPLEX_C},
        np.array([[0, 3], [1, 2]]),
    ),
    "OneHotCategorical": (
        D.OneHotCategorical,
        TD.OneHotCategorical,
        {"logits": REAL},
        np.eye(3)[[[0, 2], [1, 1]]],
    ),
    "MVNCovariance": (
        D.MultivariateNormal,
        TD.MultivariateNormal,
        {"loc": LOC3, "covariance_matrix": COV},
        RNG.normal(size=(4, 2, 3)),
    ),
    "MVNPrecision": (
        D.MultivariateNormal,
        TD.MultivariateNormal,
        {"loc": LOC3, "precision_matrix": COV},
        RNG.normal(size=(4, 2, 3)),
    ),
    "MVNScaleTril": (
        D.MultivariateNormal,
        TD.MultivariateNormal,
        {"loc": LOC3, "scale_tril": np.linalg.cholesky(COV)},
        RNG.normal(size=(4, 2, 3)),
    ),
    "RelaxedBernoulli": (
        D.RelaxedBernoulli,
        TD.RelaxedBernoulli,
        {"temperature": POS, "logits": REAL},
        UNIT,
    ),
    "RelaxedOneHotCategorical": (
        D.RelaxedOneHotCategorical,
        TD.RelaxedOneHotCategorical,
        {"temperature": np.array(0.7), "logits": SIMPLEX_C},
        _dirichlet_value(),
    ),
}
NO_GRAD = {"total_count"}


def make(name: str) -> tuple[Any, Any, dict[str, Any], dict[str, Any]]:
    ours_cls, theirs_cls, params, _ = CASES[name]
    ours_p = {
        k: rg.tensor(np.asarray(v, dtype=np.float64), requires_grad=k not in NO_GRAD)
        for k, v in params.items()
    }
    theirs_p = {
        k: torch.tensor(np.asarray(v, dtype=np.float64), requires_grad=k not in NO_GRAD)
        for k, v in params.items()
    }
    return ours_cls(**ours_p), theirs_cls(**theirs_p), ours_p, theirs_p


def close(ours: Any, theirs: Any, rtol: float = 1e-9, atol: float = 1e-11) -> None:
    np.testing.assert_allclose(
        np.asarray(ours.array), theirs.detach().numpy(), rtol=rtol, atol=atol, equal_nan=True
    )


def check_grads(ours_p: dict, theirs_p: dict, rtol: float = 1e-8) -> None:
    for key, ours in ours_p.items():
        if key in NO_GRAD:
            continue
        theirs = theirs_p[key]
        if theirs.grad is None:
            assert ours.grad is None or not np.any(ours.grad.array), key
            continue
        assert ours.grad is not None, key
        np.testing.assert_allclose(
            ours.grad.array, theirs.grad.numpy(), rtol=rtol, atol=1e-10, err_msg=key
        )


@pytest.mark.parametrize("name", sorted(CASES))
def test_log_prob_and_gradient_match_torch(name: str) -> None:
    ours, theirs, ours_p, theirs_p = make(name)
    value = CASES[name][3]
    lp, tlp = ours.log_prob(rg.tensor(value)), theirs.log_prob(torch.tensor(value))
    close(lp, tlp)
    lp.sum().backward()
    tlp.sum().backward()
    check_grads(ours_p, theirs_p)


ENTROPY = sorted(set(CASES) - {"Poisson", "RelaxedBernoulli", "RelaxedOneHotCategorical"})


@pytest.mark.parametrize("name", ENTROPY)
def test_entropy_and_gradient_match_torch(name: str) -> None:
    ours, theirs, ours_p, theirs_p = make(name)
    h, th = ours.entropy(), theirs.entropy()
    close(h, th)
    h.sum().backward()
    th.sum().backward()
    check_grads(ours_p, theirs_p)


MOMENTS = sorted(set(CASES) - {"RelaxedBernoulli", "RelaxedOneHotCategorical"})


@pytest.mark.parametrize("name", MOMENTS)
def test_moments_and_shapes_match_torch(name: str) -> None:
    ours, theirs, _, _ = make(name)
    assert tuple(ours.batch_shape) == tuple(theirs.batch_shape)
    assert tuple(ours.event_shape) == tuple(theirs.event_shape)
    for attribute in ("mean", "mode", "variance", "stddev"):
        close(getattr(ours, attribute), getattr(theirs, attribute))
    assert ours.has_rsample == theirs.has_rsample
    new_shape = (4, *theirs.batch_shape)
    expanded, texpanded = ours.expand(new_shape), theirs.expand(new_shape)
    assert tuple(expanded.batch_shape) == tuple(texpanded.batch_shape)
    close(expanded.mean, texpanded.mean)
    rg.manual_seed(0)
    draw = ours.sample((3,))
    assert tuple(draw.shape) == tuple(theirs.sample((3,)).shape)
    assert not draw.requires_grad
    assert tuple(ours.sample().shape) == tuple(theirs.sample().shape)


CDF = ["Normal", "LogNormal", "Laplace", "Cauchy", "Uniform", "Exponential"]


@pytest.mark.parametrize("name", CDF)
def test_cdf_icdf_and_gradients_match_torch(name: str) -> None:
    ours, theirs, ours_p, theirs_p = make(name)
    value = CASES[name][3]
    c, tc = ours.cdf(rg.tensor(value)), theirs.cdf(torch.tensor(value))
    close(c, tc)
    q = UNIT
    i, ti = ours.icdf(rg.tensor(q)), theirs.icdf(torch.tensor(q))
    close(i, ti)
    (c.sum() + i.sum()).backward()
    (tc.sum() + ti.sum()).backward()
    check_grads(ours_p, theirs_p)


STATS = {
    "Normal": 0.03,
    "LogNormal": 0.08,
    "Laplace": 0.05,
    "Uniform": 0.03,
    "Exponential": 0.05,
    "Gamma": 0.05,
    "Beta": 0.03,
    "StudentT": 0.08,
    "Dirichlet": 0.03,
    "Poisson": 0.05,
    "Binomial": 0.05,
    "Geometric": 0.08,
    "BernoulliProbs": 0.03,
    "OneHotCategorical": 0.03,
    "MVNCovariance": 0.05,
}


@pytest.mark.parametrize("name", sorted(STATS))
def test_draws_have_the_right_moments(name: str) -> None:
    ours, _, _, _ = make(name)
    rg.manual_seed(123)
    draws = ours.sample((20000,)).array
    first = draws[:10].copy()
    rg.manual_seed(123)
    np.testing.assert_array_equal(ours.sample((20000,)).array[:10], first)  # reproducible
    mean, var = ours.mean.array, ours.variance.array
    scale = np.sqrt(var)
    tol = STATS[name]
    assert np.all(np.abs(draws.mean(0) - mean) < tol * (1 + scale) * 2), name
    if name not in ("StudentT", "LogNormal"):  # heavy tails
        np.testing.assert_allclose(draws.var(0), var, rtol=5 * tol, atol=1e-3)


def test_reparameterised_draws_pass_gradients() -> None:
    # Normal-like: d(mean of draws)/d loc is 1 each; d/d scale is the mean noise
    loc, scale = rg.tensor(REAL, requires_grad=True), rg.tensor(POS, requires_grad=True)
    for cls in (D.Normal, D.Laplace, D.Cauchy):
        loc.grad = scale.grad = None
        rg.manual_seed(5)
        draw = cls(loc, scale).rsample((7,))
        draw.sum().backward()
        np.testing.assert_allclose(loc.grad.array, np.full((2, 3), 7.0))
        eps = (draw.array - REAL) / POS
        np.testing.assert_allclose(scale.grad.array, eps.sum(0), rtol=1e-9)
    low, high = rg.tensor(REAL, requires_grad=True), rg.tensor(REAL + POS, requires_grad=True)
    D.Uniform(low, high).rsample((5,)).sum().backward()
    np.testing.assert_allclose(low.grad.array + high.grad.array, np.full((2, 3), 5.0))
    rate = rg.tensor(POS, requires_grad=True)
    draw = D.Exponential(rate).rsample((5,))
    draw.sum().backward()
    np.testing.assert_allclose(rate.grad.array, -(draw.array * POS).sum(0) / POS**2)
    # MultivariateNormal: d sum(loc + L eps) / d loc = number of draws
    mloc = rg.tensor(LOC3, requires_grad=True)
    D.MultivariateNormal(mloc, covariance_matrix=rg.tensor(COV)).rsample((4,)).sum().backward()
    np.testing.assert_allclose(mloc.grad.array, np.full((2, 3), 4.0))


def test_gamma_rsample_gradient_is_the_implicit_one() -> None:
    alpha = np.array([0.1, 0.5, 1.0, 2.0, 5.0, 20.0, 100.0, 3.0, 1.5])
    x = np.array([0.011, 0.0017, 0.55, 2.18, 7.03, 14.6, 100.1, 0.01, 8.0])
    ours = standard_gamma_grad(alpha, x)
    theirs = torch._standard_gamma_grad(torch.tensor(alpha), torch.tensor(x)).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=2e-4)  # torch's is an approximation
    # a finite difference of the quantile function, found by bisection on the cdf
    special = pytest.importorskip("scipy.special")

    def quantile(a: np.ndarray, target: np.ndarray) -> np.ndarray:
        lo, hi = np.zeros_like(a), np.full_like(a, 1000.0)
        for _ in range(200):
            mid = (lo + hi) / 2
            below = special.gammainc(a, mid) < target
            lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
        return (lo + hi) / 2

    u = special.gammainc(alpha, x)
    h = 1e-6 * alpha
    fd = (quantile(alpha + h, u) - quantile(alpha - h, u)) / (2 * h)
    np.testing.assert_allclose(ours, fd, rtol=1e-5)


def test_gamma_family_rsample_gradients_are_unbiased() -> None:
    # E[x] = c / rate for Gamma: the mean gradient of draws is 1 / rate and -c / rate^2
    c, rate = rg.tensor([0.7, 3.0], requires_grad=True), rg.tensor([2.0, 0.5], requires_grad=True)
    rg.manual_seed(0)
    draw = D.Gamma(c, rate).rsample((40000,))
    draw.mean(0).sum().backward()
    np.testing.assert_allclose(c.grad.array, [0.5, 2.0], rtol=0.03)
    np.testing.assert_allclose(rate.grad.array, [-0.7 / 4, -3.0 / 0.25], rtol=0.03)
    # Beta: d E[x] / d a = b / (a + b)^2
    a, b = rg.tensor(2.0, requires_grad=True), rg.tensor(3.0, requires_grad=True)
    D.Beta(a, b).rsample((40000,)).mean().backward()
    np.testing.assert_allclose(a.grad.array, 3 / 25, rtol=0.05)
    np.testing.assert_allclose(b.grad.array, -2 / 25, rtol=0.05)
    conc = rg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    draw = D.Dirichlet(conc).rsample((40000,))
    assert draw.shape == (40000, 3)
    draw[:, 0].mean().backward()  # E[x0] = 1 / 6: gradient (5, -1, -1) / 36
    np.testing.assert_allclose(conc.grad.array, np.array([5, -1, -1]) / 36, atol=0.006)
    df = rg.tensor(4.0, requires_grad=True)
    (D.StudentT(df).rsample((1000,)) ** 2).mean().backward()
    assert df.grad is not None and np.isfinite(df.grad.array)


def test_relaxed_draws_are_in_the_support_and_pass_gradients() -> None:
    logits = rg.tensor(REAL, requires_grad=True)
    draw = D.RelaxedBernoulli(rg.tensor(0.5), logits=logits).rsample((6,))
    assert draw.shape == (6, 2, 3) and np.all((draw.array > 0) & (draw.array < 1))
    draw.sum().backward()
    assert logits.grad is not None and np.all(logits.grad.array > 0)
    logits4 = rg.tensor(SIMPLEX_C, requires_grad=True)
    draw = D.RelaxedOneHotCategorical(rg.tensor(0.5), logits=logits4).rsample((6,))
    assert draw.shape == (6, 2, 4)
    np.testing.assert_allclose(draw.array.sum(-1), 1.0)
    (draw[..., 0]).sum().backward()
    assert logits4.grad is not None


def test_independent_matches_torch() -> None:
    ours = D.Independent(D.Normal(rg.tensor(REAL), rg.tensor(POS)), 1)
    theirs = TD.Independent(TD.Normal(torch.tensor(REAL), torch.tensor(POS)), 1)
    assert ours.batch_shape == tuple(theirs.batch_shape) == (2,)
    assert ours.event_shape == tuple(theirs.event_shape) == (3,)
    value = RNG.normal(size=(5, 2, 3))
    close(ours.log_prob(rg.tensor(value)), theirs.log_prob(torch.tensor(value)))
    close(ours.entropy(), theirs.entropy())
    assert ours.rsample((4,)).shape == (4, 2, 3) and ours.has_rsample
    assert ours.expand((6, 2)).batch_shape == (6, 2)
    other = D.Independent(D.Normal(rg.tensor(REAL + 1), rg.tensor(POS2)), 1)
    tother = TD.Independent(TD.Normal(torch.tensor(REAL + 1), torch.tensor(POS2)), 1)
    close(D.kl_divergence(ours, other), TD.kl_divergence(theirs, tother))


def _pair(name: str, shift: Callable[[np.ndarray], np.ndarray]) -> tuple:
    ours_cls, theirs_cls, params, _ = CASES[name]
    p = {k: np.asarray(v, dtype=np.float64) for k, v in params.items()}
    q = {k: (v if k in NO_GRAD else shift(v)) for k, v in p.items()}
    if "covariance_matrix" in q:
        q["covariance_matrix"] = p["covariance_matrix"] * 1.5 + np.eye(3)
    ours_p = {k: rg.tensor(v, requires_grad=k not in NO_GRAD) for k, v in p.items()}
    theirs_p = {k: torch.tensor(v, requires_grad=k not in NO_GRAD) for k, v in p.items()}
    return (
        ours_cls(**ours_p),
        ours_cls(**{k: rg.tensor(v) for k, v in q.items()}),
        theirs_cls(**theirs_p),
        theirs_cls(**{k: torch.tensor(v) for k, v in q.items()}),
        ours_p,
        theirs_p,
    )


KL = [
    "Normal",
    "LogNormal",
    "Laplace",
    "Cauchy",
    "Exponential",
    "Gamma",
    "Beta",
    "Dirichlet",
    "Poisson",
    "Binomial",
    "Geometric",
    "BernoulliProbs",
    "CategoricalProbs",
    "OneHotCategorical",
    "MVNCovariance",
]


@pytest.mark.parametrize("name", KL)
def test_kl_divergence_and_gradient_match_torch(name: str) -> None:
    def shift(v: np.ndarray) -> np.ndarray:
        return v * 0.8 + 0.05 if np.all((v > 0) & (v < 1)) else v[..., ::-1].copy() * 1.3

    p, q, tp, tq, ours_p, theirs_p = _pair(name, shift)
    kl, tkl = D.kl_divergence(p, q), TD.kl_divergence(tp, tq)
    close(kl, tkl)
    kl.sum().backward()
    tkl.sum().backward()
    check_grads(ours_p, theirs_p)


def test_uniform_kl_is_inf_outside_and_register_kl_adds_pairs() -> None:
    p = D.Uniform(rg.tensor(np.array([0.0, 0.0])), rg.tensor(np.array([1.0, 1.0])))
    q = D.Uniform(rg.tensor(np.array([-1.0, 0.5])), rg.tensor(np.array([2.0, 2.0])))
    f64 = torch.float64
    tp = TD.Uniform(torch.tensor([0.0, 0.0], dtype=f64), torch.tensor([1.0, 1.0], dtype=f64))
    tq = TD.Uniform(torch.tensor([-1.0, 0.5], dtype=f64), torch.tensor([2.0, 2.0], dtype=f64))
    close(D.kl_divergence(p, q), TD.kl_divergence(tp, tq))

    class MyNormal(D.Normal):
        pass

    with pytest.raises(rg.UnsupportedError, match="not implemented"):
        D.kl_divergence(D.Gamma(1.0, 1.0), D.Normal(0.0, 1.0))

    @D.register_kl(D.Gamma, D.Normal)
    def _kl(p: Any, q: Any) -> Any:
        return rg.tensor(42.0)

    assert D.kl_divergence(D.Gamma(1.0, 1.0), D.Normal(0.0, 1.0)).item() == 42.0
    # a subclass uses its parent's pair
    close(
        D.kl_divergence(MyNormal(0.0, 1.0), D.Normal(1.0, 2.0)),
        TD.kl_divergence(TD.Normal(0.0, 1.0), TD.Normal(1.0, 2.0)),
        rtol=1e-6,
    )
    with pytest.raises(rg.ArgumentTypeError):
        D.register_kl(int, D.Normal)


def test_validate_args_errors_are_clear() -> None:
    with pytest.raises(rg.InvalidArgumentError, match="scale must be positive"):
        D.Laplace(0.0, -1.0)
    with pytest.raises(rg.InvalidArgumentError, match="concentration"):
        D.Gamma(-1.0, 1.0)
    with pytest.raises(rg.InvalidArgumentError, match="low must be less than high"):
        D.Uniform(1.0, 0.0)
    with pytest.raises(rg.InvalidArgumentError, match="probs"):
        D.Binomial(3, probs=1.5)
    with pytest.raises(rg.InvalidArgumentError, match="exactly one"):
        D.Geometric()
    with pytest.raises(rg.InvalidArgumentError, match="exactly one"):
        D.MultivariateNormal(rg.zeros(2))
    with pytest.raises(rg.InvalidArgumentError, match="positive-definite"):
        D.MultivariateNormal(rg.zeros(2), covariance_matrix=rg.tensor([[1.0, 2.0], [2.0, 1.0]]))
    with pytest.raises(rg.ShapeError):
        D.MultivariateNormal(rg.zeros(3), covariance_matrix=rg.eye(2))
    with pytest.raises(rg.InvalidArgumentError, match="support"):
        D.Exponential(1.0).log_prob(rg.tensor(-1.0))
    with pytest.raises(rg.InvalidArgumentError, match="support"):
        D.Poisson(2.0).log_prob(rg.tensor(1.5))
    with pytest.raises(rg.InvalidArgumentError, match="support"):
        D.Beta(2.0, 2.0).log_prob(rg.tensor(1.5))
    with pytest.raises(rg.InvalidArgumentError):
        D.Independent(D.Normal(rg.zeros(3), rg.ones(3)), 2)
    with pytest.raises(rg.UnsupportedError, match="rsample"):
        D.Poisson(2.0).rsample()
    with pytest.raises(rg.UnsupportedError, match="entropy"):
        D.Poisson(2.0).entropy()
    # validate_args=False skips the checks
    assert D.Exponential(1.0, validate_args=False).log_prob(rg.tensor(-1.0)).item() == 1.0
    D.Laplace(0.0, -1.0, validate_args=False)


def test_enumerate_support_matches_torch() -> None:
    for ours, theirs in (
        (D.Bernoulli(rg.tensor(UNIT)), TD.Bernoulli(torch.tensor(UNIT))),
        (D.Categorical(rg.tensor(SIMPLEX_C)), TD.Categorical(torch.tensor(SIMPLEX_C))),
        (D.Binomial(4, rg.tensor(UNIT)), TD.Binomial(4, torch.tensor(UNIT))),
        (D.OneHotCategorical(rg.tensor(SIMPLEX_C)), TD.OneHotCategorical(torch.tensor(SIMPLEX_C))),
    ):
        np.testing.assert_array_equal(
            ours.enumerate_support().array, theirs.enumerate_support().numpy()
        )
        assert ours.enumerate_support(expand=False).shape == tuple(
            theirs.enumerate_support(expand=False).shape
        )


X = np.array([0.05, 0.3, 1.0, 2.5, 7.0, 31.0, -0.4, -2.7, 150.0])


@pytest.mark.parametrize(
    "ours,theirs",
    [
        (rg.lgamma, torch.lgamma),
        (rg.digamma, torch.digamma),
        (lambda x: rg.polygamma(1, x), lambda x: torch.polygamma(1, x)),
        (lambda x: rg.polygamma(3, x), lambda x: torch.polygamma(3, x)),
    ],
)
def test_special_functions_and_gradients_match_torch(ours: Any, theirs: Any) -> None:
    x, tx = rg.tensor(X, requires_grad=True), torch.tensor(X, requires_grad=True)
    y, ty = ours(x), theirs(tx)
    close(y, ty, rtol=1e-9)
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_allclose(x.grad.array, tx.grad.numpy(), rtol=2e-8)  # torch's trigamma
    poles = [0.0, -1.0]  # PyTorch's values at the poles
    np.testing.assert_array_equal(
        rg.lgamma(rg.tensor(poles)).array, torch.lgamma(torch.tensor(poles)).numpy()
    )
    np.testing.assert_array_equal(
        rg.digamma(rg.tensor(poles)).array, torch.digamma(torch.tensor(poles)).numpy()
    )
    assert rg.lgamma(rg.tensor([1, 2, 3])).dtype == rg.float32


def test_polygamma_rejects_a_negative_order() -> None:
    with pytest.raises(rg.InvalidArgumentError, match="non-negative"):
        rg.polygamma(-1, rg.tensor([1.0]))
    close(rg.polygamma(0, rg.tensor(X)), torch.digamma(torch.tensor(X)))
