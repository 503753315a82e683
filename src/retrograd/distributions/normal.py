"""Location-scale distributions on the real line: `Normal`, `LogNormal`, `Laplace`, `Cauchy`."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from retrograd.distributions import constraints
from retrograd.distributions.distribution import (
    _LOG_SQRT_2PI,
    Distribution,
    _float,
    broadcast_all,
    draws_like,
    uniform,
)
from retrograd.ops.elementwise import Expm1
from retrograd.ops.special import Erfinv
from retrograd.random import resolve_generator
from retrograd.tensor import Tensor, apply
from retrograd.tensor.dispatch import _wrap


class _LocScale(Distribution):
    """Shared constructor of the location-scale families."""

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support: Any = constraints.real
    has_rsample = True
    _params = (("loc", 0), ("scale", 0))

    def __init__(self, loc: Any, scale: Any, validate_args: bool | None = None) -> None:
        self.loc, self.scale = broadcast_all(loc, scale)
        super().__init__(tuple(self.loc.shape), validate_args=validate_args)

    def log_prob(self, value: Any) -> Tensor:
        """The log density of `value`."""
        return self._log_prob(_float(self._validate_sample(value)))

    def _log_prob(self, x: Tensor) -> Tensor:
        raise NotImplementedError


class Normal(_LocScale):
    """The normal distribution with mean `loc` and standard deviation `scale` (broadcast).

    Args:
        loc: the mean.
        scale: the standard deviation (positive).
        validate_args: check the parameters (and values given to `log_prob`).
    """

    @property
    def mean(self) -> Tensor:
        """`loc`."""
        return self.loc

    @property
    def mode(self) -> Tensor:
        """`loc`."""
        return self.loc

    @property
    def stddev(self) -> Tensor:
        """`scale`."""
        return self.scale

    @property
    def variance(self) -> Tensor:
        """`scale ** 2`."""
        return self.scale**2

    def rsample(self, sample_shape: Any = (), generator: Any = None) -> Tensor:
        """`loc + scale * eps` with standard normal `eps`: the gradient reaches loc and scale."""
        shape = self._extended_shape(sample_shape)
        eps = resolve_generator(generator).standard_normal(shape).astype(self.loc.dtype)
        return self.loc + draws_like(eps, self.loc) * self.scale

    def _log_prob(self, x: Tensor) -> Tensor:
        return -((x - self.loc) ** 2) / (2 * self.scale**2) - self.scale.log() - _LOG_SQRT_2PI

    def cdf(self, value: Any) -> Tensor:
        """`0.5 (1 + erf((x - loc) / (scale sqrt 2)))`."""
        x = _float(self._validate_sample(value))
        return 0.5 * (1 + ((x - self.loc) / (self.scale * math.sqrt(2))).erf())

    def icdf(self, value: Any) -> Tensor:
        """`loc + scale sqrt(2) erfinv(2p - 1)`."""
        p = _float(value)
        return self.loc + self.scale * apply(Erfinv, 2 * p - 1) * math.sqrt(2)

    def entropy(self) -> Tensor:
        """`0.5 + log(sqrt(2 pi)) + log(scale)`."""
        return self.scale.log() + (0.5 + _LOG_SQRT_2PI)


class LogNormal(_LocScale):
    """`exp(X)` for `X ~ Normal(loc, scale)`.

    Args:
        loc: the mean of the log.
        scale: the standard deviation of the log (positive).
        validate_args: check the parameters and values.
    """

    support = constraints.positive

    @property
    def base_dist(self) -> Normal:
        """The normal distribution of the log."""
        return Normal(self.loc, self.scale, validate_args=False)

    @property
    def mean(self) -> Tensor:
        """`exp(loc + scale^2 / 2)`."""
        return (self.loc + self.scale**2 / 2).exp()

    @property
    def mode(self) -> Tensor:
        """`exp(loc - scale^2)`."""
        return (self.loc - self.scale**2).exp()

    @property
    def variance(self) -> Tensor:
        """`(exp(scale^2) - 1) exp(2 loc + scale^2)`."""
        s2 = self.scale**2
        return apply(Expm1, s2) * (2 * self.loc + s2).exp()

    def rsample(self, sample_shape: Any = (), generator: Any = None) -> Tensor:
        """`exp` of a normal draw (reparameterised)."""
        return self.base_dist.rsample(sample_shape, generator=generator).exp()

    def _log_prob(self, x: Tensor) -> Tensor:
        y = x.log()
        return self.base_dist._log_prob(y) - y

    def cdf(self, value: Any) -> Tensor:
        """The normal cdf of `log(value)`."""
        return self.base_dist.cdf(_float(self._validate_sample(value)).log())

    def icdf(self, value: Any) -> Tensor:
        """`exp` of the normal icdf."""
        return self.base_dist.icdf(value).exp()

    def entropy(self) -> Tensor:
        """The normal entropy plus `loc`."""
        return self.base_dist.entropy() + self.loc


class Laplace(_LocScale):
    """The Laplace (double exponential) distribution.

    Args:
        loc: the location (mean).
        scale: the scale (positive).
        validate_args: check the parameters and values.
    """

    @property
    def mean(self) -> Tensor:
        """`loc`."""
        return self.loc

    @property
    def mode(self) -> Tensor:
        """`loc`."""
        return self.loc

    @property
    def variance(self) -> Tensor:
        """`2 scale^2`."""
        return 2 * self.scale**2

    @property
    def stddev(self) -> Tensor:
        """`sqrt(2) scale`."""
        return math.sqrt(2) * self.scale

    def rsample(self, sample_shape: Any = (), generator: Any = None) -> Tensor:
        """`loc - scale sign(u) log(1 - |u|)` for uniform `u` in (-1, 1) (reparameterised)."""
        shape = self._extended_shape(sample_shape)
        eps = float(np.finfo(self.loc.dtype).eps)
        u = uniform(shape, self.loc.dtype, generator, low=eps, like=self.loc) * 2 - 1
        return self.loc - self.scale * u.sign() * (-(u.abs())).log1p()

    def _log_prob(self, x: Tensor) -> Tensor:
        return -(2 * self.scale).log() - (x - self.loc).abs() / self.scale

    def cdf(self, value: Any) -> Tensor:
        """`0.5 - 0.5 sign(x - loc) expm1(-|x - loc| / scale)`."""
        d = _float(self._validate_sample(value)) - self.loc
        return 0.5 - 0.5 * d.sign() * apply(Expm1, -(d.abs()) / self.scale)

    def icdf(self, value: Any) -> Tensor:
        """`loc - scale sign(p - 0.5) log1p(-2 |p - 0.5|)`."""
        term = _float(value) - 0.5
        return self.loc - self.scale * term.sign() * (-2 * term.abs()).log1p()

    def entropy(self) -> Tensor:
        """`1 + log(2 scale)`."""
        return 1 + (2 * self.scale).log()


class Cauchy(_LocScale):
    """The Cauchy distribution (no mean or variance: they are nan and inf, as PyTorch).

    Args:
        loc: the median.
        scale: the half width at half maximum (positive).
        validate_args: check the parameters and values.
    """

    @property
    def mean(self) -> Tensor:
        """nan (undefined)."""
        return _wrap(np.full_like(self.loc.array, np.nan, shape=self._batch_shape))

    @property
    def mode(self) -> Tensor:
        """`loc`."""
        return self.loc

    @property
    def variance(self) -> Tensor:
        """inf (undefined)."""
        return _wrap(np.full_like(self.loc.array, np.inf, shape=self._batch_shape))

    def rsample(self, sample_shape: Any = (), generator: Any = None) -> Tensor:
        """`loc + scale * eps` with standard Cauchy `eps` (reparameterised)."""
        shape = self._extended_shape(sample_shape)
        eps = resolve_generator(generator).standard_cauchy(shape).astype(self.loc.dtype)
        return self.loc + draws_like(eps, self.loc) * self.scale

    def _log_prob(self, x: Tensor) -> Tensor:
        z = (x - self.loc) / self.scale
        return -math.log(math.pi) - self.scale.log() - (z**2).log1p()

    def cdf(self, value: Any) -> Tensor:
        """`atan((x - loc) / scale) / pi + 0.5`."""
        x = _float(self._validate_sample(value))
        return ((x - self.loc) / self.scale).atan() / math.pi + 0.5

    def icdf(self, value: Any) -> Tensor:
        """`loc + scale tan(pi (p - 0.5))`."""
        return (math.pi * (_float(value) - 0.5)).tan() * self.scale + self.loc

    def entropy(self) -> Tensor:
        """`log(4 pi) + log(scale)`."""
        return math.log(4 * math.pi) + self.scale.log()


__all__ = ["Cauchy", "Laplace", "LogNormal", "Normal"]
