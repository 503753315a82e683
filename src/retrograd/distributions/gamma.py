"""The gamma family: `Gamma`, `Beta`, `Dirichlet` and `StudentT`.

Their `rsample` is reparameterised implicitly: a standard gamma draw `x` of concentration
`alpha` is held at its quantile, and `dx/dalpha = -(dF/dalpha) / (dF/dx)` (`F` the
regularised incomplete gamma) is its gradient, computed in `ops/special.py`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from retrograd.backend.arrays import to_host
from retrograd.distributions import constraints
from retrograd.distributions.distribution import Distribution, _float, broadcast_all, draws_like
from retrograd.ops.special import StandardGamma
from retrograd.random import resolve_generator
from retrograd.tensor import Tensor, apply, stack
from retrograd.tensor.dispatch import _wrap
from retrograd.tensor.special import digamma, lgamma


def standard_gamma(concentration: Tensor, shape: tuple[int, ...], generator: Any) -> Tensor:
    """Standard gamma draws of `shape` with the implicit gradient to `concentration`."""
    rng = resolve_generator(generator)
    alpha = np.broadcast_to(to_host(concentration.array), shape)  # the generator is NumPy's
    draws = rng.standard_gamma(alpha).astype(concentration.dtype)
    tiny = np.finfo(concentration.dtype).tiny
    return apply(StandardGamma, concentration, draws_like(np.maximum(draws, tiny), concentration))


class Gamma(Distribution):
    """The gamma distribution with shape `concentration` and inverse scale `rate`.

    Args:
        concentration: the shape (positive).
        rate: the rate, 1 / scale (positive).
        validate_args: check the parameters and values.
    """

    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True
    _params = (("concentration", 0), ("rate", 0))

    def __init__(self, concentration: Any, rate: Any, validate_args: bool | None = None) -> None:
        self.concentration, self.rate = broadcast_all(concentration, rate)
        super().__init__(tuple(self.rate.shape), validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        """`concentration / rate`."""
        return self.concentration / self.rate

    @property
    def mode(self) -> Tensor:
        """`(concentration - 1) / rate`, at least 0."""
        return ((self.concentration - 1) / self.rate).clamp(min=0)

    @property
    def variance(self) -> Tensor:
        """`concentration / rate^2`."""
        return self.concentration / self.rate**2

    def rsample(self, sample_shape: Any = (), generator: Any = None) -> Tensor:
        """A standard gamma draw over `rate`; the gradient reaches both parameters."""
        shape = self._extended_shape(sample_shape)
        draw = standard_gamma(self.concentration, shape, generator) / self.rate
        return draw.clamp(min=float(np.finfo(draw.dtype).tiny))

    def log_prob(self, value: Any) -> Tensor:
        """`c log(rate) + (c - 1) log(x) - rate x - lgamma(c)`."""
        x = _float(self._validate_sample(value))
        c = self.concentration
        return c * self.rate.log() + (c - 1) * x.log() - self.rate * x - lgamma(c)

    def entropy(self) -> Tensor:
        """`c - log(rate) + lgamma(c) + (1 - c) digamma(c)`."""
        c = self.concentration
        return c - self.rate.log() + lgamma(c) + (1.0 - c) * digamma(c)


class Dirichlet(Distribution):
    """The Dirichlet distribution over the simplex of the last dim.

    Args:
        concentration: `(..., K)` positive concentrations.
        validate_args: check the parameters and values.
    """

    arg_constraints = {"concentration": constraints.independent(constraints.positive, 1)}
    support = constraints.simplex
    has_rsample = True
    _params = (("concentration", 1),)

    def __init__(self, concentration: Any, validate_args: bool | None = None) -> None:
        self.concentration = _float(concentration)
        if self.concentration.ndim < 1:
            from retrograd.errors import ShapeError

            raise ShapeError("Dirichlet: concentration must have at least one dim")
        shape = tuple(self.concentration.shape)
        super().__init__(shape[:-1], shape[-1:], validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        """`concentration / concentration.sum(-1)`."""
        return self.concentration / self.concentration.sum(-1, keepdim=True)

    @property
    def mode(self) -> Tensor:
        """`(c - 1) / sum(c - 1)` (clamped at 0); a vertex where every `c < 1`."""
        shifted = (self.concentration - 1).clamp(min=0)
        mode = shifted / shifted.sum(-1, keepdim=True)
        c = self.concentration.array
        corner = np.all(c < 1, axis=-1)
        if corner.any():
            vertex = np.eye(c.shape[-1], dtype=c.dtype)[np.argmax(c, axis=-1)]
            mode = _wrap(np.where(corner[..., None], vertex, mode.array))
        return mode

    @property
    def variance(self) -> Tensor:
        """`c (c0 - c) / (c0^2 (c0 + 1))` with `c0 = c.sum(-1)`."""
        c = self.concentration
        c0 = c.sum(-1, keepdim=True)
        return c * (c0 - c) / (c0**2 * (c0 + 1))

    def rsample(self, sample_shape: Any = (), generator: Any = None) -> Tensor:
        """Normalised standard gamma draws (reparameterised through the gammas)."""
        shape = self._extended_shape(sample_shape)
        gammas = standard_gamma(self.concentration, shape, generator)
        draw = gammas / gammas.sum(-1, keepdim=True)
        info = np.finfo(draw.dtype)
        return draw.clamp(float(info.tiny), 1 - float(info.eps))

    def log_prob(self, value: Any) -> Tensor:
        """`sum((c - 1) log x) + lgamma(sum c) - sum lgamma(c)`."""
        x = _float(self._validate_sample(value))
        c = self.concentration
        return ((c - 1) * x.log()).sum(-1) + lgamma(c.sum(-1)) - lgamma(c).sum(-1)

    def entropy(self) -> Tensor:
        """The Dirichlet entropy."""
        c = self.concentration
        k = c.shape[-1]
        c0 = c.sum(-1)
        return (
            lgamma(c).sum(-1) - lgamma(c0) - (k - c0) * digamma(c0) - ((c - 1) * digamma(c)).sum(-1)
        )


class Beta(Distribution):
    """The beta distribution on (0, 1).

    Args:
        concentration1: alpha, the first concentration (positive).
        concentration0: beta, the second concentration (positive).
        validate_args: check the parameters and values.
    """

    arg_constraints = {
        "concentration1": constraints.positive,
        "concentration0": constraints.positive,
    }
    support = constraints.unit_interval
    has_rsample = True
    _params = (("concentration1", 0), ("concentration0", 0))

    def __init__(
        self, concentration1: Any, concentration0: Any, validate_args: bool | None = None
    ) -> None:
        self.concentration1, self.concentration0 = broadcast_all(concentration1, concentration0)
        super().__init__(tuple(self.concentration1.shape), validate_args=validate_args)

    @property
    def _dirichlet(self) -> Dirichlet:
        both = stack([self.concentration1, self.concentration0], -1)
        return Dirichlet(both, validate_args=False)

    @property
    def mean(self) -> Tensor:
        """`alpha / (alpha + beta)`."""
        return self.concentration1 / (self.concentration1 + self.concentration0)

    @property
    def mode(self) -> Tensor:
        """The first coordinate of the Dirichlet mode."""
        return self._dirichlet.mode[..., 0]

    @property
    def variance(self) -> Tensor:
        """`alpha beta / ((alpha + beta)^2 (alpha + beta + 1))`."""
        total = self.concentration1 + self.concentration0
        return self.concentration1 * self.concentration0 / (total**2 * (total + 1))

    def rsample(self, sample_shape: Any = (), generator: Any = None) -> Tensor:
        """`g1 / (g1 + g0)` for standard gamma draws (reparameterised)."""
        return self._dirichlet.rsample(sample_shape, generator=generator)[..., 0]

    def log_prob(self, value: Any) -> Tensor:
        """The Dirichlet log density of `(x, 1 - x)`."""
        x = _float(self._validate_sample(value))
        both = stack([x, 1.0 - x], -1)
        return self._dirichlet.log_prob(both)

    def entropy(self) -> Tensor:
        """The Dirichlet entropy of `(alpha, beta)`."""
        return self._dirichlet.entropy()


class StudentT(Distribution):
    """Student's t distribution with `df` degrees of freedom, location and scale.

    Args:
        df: the degrees of freedom (positive).
        loc: the location.
        scale: the scale (positive).
        validate_args: check the parameters and values.
    """

    arg_constraints = {
        "df": constraints.positive,
        "loc": constraints.real,
        "scale": constraints.positive,
    }
    support = constraints.real
    has_rsample = True
    _params = (("df", 0), ("loc", 0), ("scale", 0))

    def __init__(
        self, df: Any, loc: Any = 0.0, scale: Any = 1.0, validate_args: bool | None = None
    ) -> None:
        self.df, self.loc, self.scale = broadcast_all(df, loc, scale)
        super().__init__(tuple(self.df.shape), validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        """`loc` where `df > 1`, else nan."""
        m = self.loc * 1
        return m if np.all(self.df.array > 1) else _nan_where(m, self.df.array <= 1)

    @property
    def mode(self) -> Tensor:
        """`loc`."""
        return self.loc

    @property
    def variance(self) -> Tensor:
        """`scale^2 df / (df - 2)` for df > 2, inf for 1 < df <= 2, nan for df <= 1."""
        df = self.df.array
        with np.errstate(divide="ignore", invalid="ignore"):
            var = self.scale**2 * self.df / (self.df - 2)
        var = _fill_where(var, (df <= 2) & (df > 1), np.inf)
        return _fill_where(var, df <= 1, np.nan)

    def rsample(self, sample_shape: Any = (), generator: Any = None) -> Tensor:
        """`loc + scale X / sqrt(Z / df)` with standard normal X and chi-squared Z."""
        shape = self._extended_shape(sample_shape)
        rng = resolve_generator(generator)
        x = draws_like(rng.standard_normal(shape).astype(self.df.dtype), self.df)
        chi2 = standard_gamma(0.5 * self.df, shape, rng) * 2
        return self.loc + self.scale * x * (chi2 / self.df).rsqrt()

    def log_prob(self, value: Any) -> Tensor:
        """The Student t log density."""
        x = _float(self._validate_sample(value))
        y = (x - self.loc) / self.scale
        z = (
            self.scale.log()
            + 0.5 * self.df.log()
            + 0.5 * math.log(math.pi)
            + lgamma(0.5 * self.df)
            - lgamma(0.5 * (self.df + 1.0))
        )
        return -0.5 * (self.df + 1.0) * (y**2 / self.df).log1p() - z

    def entropy(self) -> Tensor:
        """The Student t entropy."""
        half = 0.5 * self.df
        lbeta = lgamma(half) + math.lgamma(0.5) - lgamma(half + 0.5)
        return (
            self.scale.log()
            + (half + 0.5) * (digamma(half + 0.5) - digamma(half))
            + 0.5 * self.df.log()
            + lbeta
        )


def _fill_where(t: Tensor, mask: np.ndarray, value: float) -> Tensor:
    if not mask.any():
        return t
    from retrograd.tensor import where

    return where(_wrap(mask), _wrap(np.full_like(t.array, value, shape=())), t)


def _nan_where(t: Tensor, mask: np.ndarray) -> Tensor:
    return _fill_where(t, mask, np.nan)


__all__ = ["Beta", "Dirichlet", "Gamma", "StudentT"]
