"""`kl_divergence(p, q)` and `register_kl`: KL divergences looked up by the pair of types
(the most specific registered pair along both classes' method resolution orders)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from retrograd.distributions.discrete import (
    Bernoulli,
    Binomial,
    Categorical,
    Geometric,
    OneHotCategorical,
    Poisson,
)
from retrograd.distributions.distribution import Distribution
from retrograd.distributions.gamma import Beta, Dirichlet, Gamma
from retrograd.distributions.independent import Independent, _sum_rightmost
from retrograd.distributions.multivariate_normal import MultivariateNormal, _half_log_det
from retrograd.distributions.normal import Cauchy, Laplace, LogNormal, Normal
from retrograd.distributions.uniform import Exponential, Uniform
from retrograd.errors import ArgumentTypeError, InvalidArgumentError, UnsupportedError
from retrograd.ops.special import SolveTriangular
from retrograd.tensor import Tensor, apply, where
from retrograd.tensor.dispatch import _wrap
from retrograd.tensor.special import digamma, lgamma

_KL_REGISTRY: dict[tuple[type, type], Callable[[Any, Any], Tensor]] = {}


def register_kl(type_p: type, type_q: type) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A decorator registering `fn(p, q)` as KL(p || q) for `type_p` and `type_q`.

    Args:
        type_p: a subclass of `Distribution`.
        type_q: a subclass of `Distribution`.

    Returns:
        The decorator (it returns the function unchanged).
    """
    for kind in (type_p, type_q):
        if not (isinstance(kind, type) and issubclass(kind, Distribution)):
            raise ArgumentTypeError(f"register_kl expects Distribution subclasses, got {kind!r}")

    def decorator(fn: Callable[..., Any]) -> Callable[..., Any]:
        _KL_REGISTRY[type_p, type_q] = fn
        return fn

    return decorator


def kl_divergence(p: Distribution, q: Distribution) -> Tensor:
    """KL(p || q) between two distributions of a registered pair of types.

    Args:
        p: the first distribution.
        q: the second distribution.

    Returns:
        A Tensor of the batch shape (with gradients to both distributions' parameters).

    Raises:
        UnsupportedError: no KL divergence is registered for the pair.
    """
    best: tuple[int, Callable[[Any, Any], Tensor]] | None = None
    for i, type_p in enumerate(type(p).__mro__):
        for j, type_q in enumerate(type(q).__mro__):
            fn = _KL_REGISTRY.get((type_p, type_q))
            if fn is not None and (best is None or i + j < best[0]):
                best = (i + j, fn)
    if best is None:
        raise UnsupportedError(
            f"kl_divergence of {type(p).__name__} and {type(q).__name__} is not implemented"
        )
    return best[1](p, q)


def _inf_where(t: Tensor, mask: np.ndarray, value: float = np.inf) -> Tensor:
    mask = np.broadcast_to(mask, t.shape)
    if not mask.any():
        return t
    return where(_wrap(mask), _wrap(np.full_like(t.array, value, shape=())), t)


@register_kl(Normal, Normal)
def _kl_normal_normal(p: Normal, q: Normal) -> Tensor:
    var_ratio = (p.scale / q.scale) ** 2
    t1 = ((p.loc - q.loc) / q.scale) ** 2
    return 0.5 * (var_ratio + t1 - 1 - var_ratio.log())


@register_kl(LogNormal, LogNormal)
def _kl_lognormal_lognormal(p: LogNormal, q: LogNormal) -> Tensor:
    return _kl_normal_normal(p.base_dist, q.base_dist)


@register_kl(Uniform, Uniform)
def _kl_uniform_uniform(p: Uniform, q: Uniform) -> Tensor:
    result = ((q.high - q.low) / (p.high - p.low)).log()
    outside = (q.low.array > p.low.array) | (q.high.array < p.high.array)
    return _inf_where(result, outside)


@register_kl(Exponential, Exponential)
def _kl_exponential_exponential(p: Exponential, q: Exponential) -> Tensor:
    rate_ratio = q.rate / p.rate
    return -(rate_ratio.log()) + rate_ratio - 1


@register_kl(Gamma, Gamma)
def _kl_gamma_gamma(p: Gamma, q: Gamma) -> Tensor:
    t1 = q.concentration * (p.rate / q.rate).log()
    t2 = lgamma(q.concentration) - lgamma(p.concentration)
    t3 = (p.concentration - q.concentration) * digamma(p.concentration)
    t4 = (q.rate - p.rate) * (p.concentration / p.rate)
    return t1 + t2 + t3 + t4


@register_kl(Beta, Beta)
def _kl_beta_beta(p: Beta, q: Beta) -> Tensor:
    sum_p = p.concentration1 + p.concentration0
    sum_q = q.concentration1 + q.concentration0
    t1 = lgamma(q.concentration1) + lgamma(q.concentration0) + lgamma(sum_p)
    t2 = lgamma(p.concentration1) + lgamma(p.concentration0) + lgamma(sum_q)
    t3 = (p.concentration1 - q.concentration1) * digamma(p.concentration1)
    t4 = (p.concentration0 - q.concentration0) * digamma(p.concentration0)
    t5 = (sum_q - sum_p) * digamma(sum_p)
    return t1 - t2 + t3 + t4 + t5


@register_kl(Dirichlet, Dirichlet)
def _kl_dirichlet_dirichlet(p: Dirichlet, q: Dirichlet) -> Tensor:
    sum_p = p.concentration.sum(-1)
    sum_q = q.concentration.sum(-1)
    t1 = lgamma(sum_p) - lgamma(sum_q)
    t2 = (lgamma(p.concentration) - lgamma(q.concentration)).sum(-1)
    t3 = p.concentration - q.concentration
    t4 = digamma(p.concentration) - digamma(sum_p).unsqueeze(-1)
    return t1 - t2 + (t3 * t4).sum(-1)


@register_kl(MultivariateNormal, MultivariateNormal)
def _kl_mvn_mvn(p: MultivariateNormal, q: MultivariateNormal) -> Tensor:
    if p.event_shape != q.event_shape:
        raise InvalidArgumentError(
            "kl_divergence: multivariate normals of different event shapes "
            f"{p.event_shape} and {q.event_shape}"
        )
    n = p.event_shape[0]
    half_term1 = _half_log_det(q._unbroadcasted_scale_tril) - _half_log_det(
        p._unbroadcasted_scale_tril
    )
    batch = tuple(np.broadcast_shapes(p.batch_shape, q.batch_shape))
    q_low = q._unbroadcasted_scale_tril.expand((*batch, n, n))
    p_low = p._unbroadcasted_scale_tril.expand((*batch, n, n))
    term2 = (apply(SolveTriangular, q_low, p_low) ** 2).sum((-2, -1))
    diff = (q.loc - p.loc).expand((*batch, n)).unsqueeze(-1)
    term3 = (apply(SolveTriangular, q_low, diff) ** 2).sum((-2, -1))
    return half_term1 + 0.5 * (term2 + term3 - n)


@register_kl(Categorical, Categorical)
def _kl_categorical_categorical(p: Categorical, q: Categorical) -> Tensor:
    t = p.probs * (p.logits - q.logits)
    t = _inf_where(t, q.probs.array == 0)
    t = _inf_where(t, p.probs.array == 0, 0.0)
    return t.sum(-1)


@register_kl(OneHotCategorical, OneHotCategorical)
def _kl_onehot_onehot(p: OneHotCategorical, q: OneHotCategorical) -> Tensor:
    return _kl_categorical_categorical(p._categorical, q._categorical)


def _softplus(x: Tensor) -> Tensor:
    return x.clamp(min=0) + (-(x.abs())).exp().log1p()


@register_kl(Bernoulli, Bernoulli)
def _kl_bernoulli_bernoulli(p: Bernoulli, q: Bernoulli) -> Tensor:
    t1 = p.probs * (_softplus(-q.logits) - _softplus(-p.logits))
    t1 = _inf_where(t1, q.probs.array == 0)
    t1 = _inf_where(t1, p.probs.array == 0, 0.0)
    t2 = (1 - p.probs) * (_softplus(q.logits) - _softplus(p.logits))
    t2 = _inf_where(t2, q.probs.array == 1)
    t2 = _inf_where(t2, p.probs.array == 1, 0.0)
    return t1 + t2


@register_kl(Binomial, Binomial)
def _kl_binomial_binomial(p: Binomial, q: Binomial) -> Tensor:
    if np.any(p.total_count.array != q.total_count.array):
        raise UnsupportedError("kl_divergence of Binomials with different total_count")
    kl = p.total_count * (p.probs * (p.logits - q.logits) + (-p.probs).log1p() - (-q.probs).log1p())
    return _inf_where(kl, p.total_count.array > q.total_count.array)


@register_kl(Geometric, Geometric)
def _kl_geometric_geometric(p: Geometric, q: Geometric) -> Tensor:
    return -p.entropy() - (-q.probs).log1p() / p.probs - q.logits


@register_kl(Poisson, Poisson)
def _kl_poisson_poisson(p: Poisson, q: Poisson) -> Tensor:
    return p.rate * (p.rate.log() - q.rate.log()) - (p.rate - q.rate)


@register_kl(Laplace, Laplace)
def _kl_laplace_laplace(p: Laplace, q: Laplace) -> Tensor:
    scale_ratio = p.scale / q.scale
    loc_abs_diff = (p.loc - q.loc).abs()
    t1 = -(scale_ratio.log())
    t2 = loc_abs_diff / q.scale
    t3 = scale_ratio * (-loc_abs_diff / p.scale).exp()
    return t1 + t2 + t3 - 1


@register_kl(Cauchy, Cauchy)
def _kl_cauchy_cauchy(p: Cauchy, q: Cauchy) -> Tensor:
    t1 = ((p.scale + q.scale) ** 2 + (p.loc - q.loc) ** 2).log()
    t2 = (4 * p.scale * q.scale).log()
    return t1 - t2


@register_kl(Independent, Independent)
def _kl_independent_independent(p: Independent, q: Independent) -> Tensor:
    if p.reinterpreted_batch_ndims != q.reinterpreted_batch_ndims:
        raise UnsupportedError(
            "kl_divergence of Independent distributions with different reinterpreted_batch_ndims"
        )
    result = kl_divergence(p.base_dist, q.base_dist)
    return _sum_rightmost(result, p.reinterpreted_batch_ndims)


__all__ = ["kl_divergence", "register_kl"]
