"""`Uniform` on `[low, high)` and `Exponential` with rate `rate`."""

from __future__ import annotations

from typing import Any

import numpy as np

from retrograd.distributions import constraints
from retrograd.distributions.distribution import (
    Distribution,
    _float,
    broadcast_all,
    draws_like,
    uniform,
)
from retrograd.random import resolve_generator
from retrograd.tensor import Tensor, where
from retrograd.tensor.dispatch import _wrap


class Uniform(Distribution):
    """The continuous uniform distribution on `[low, high)`.

    Args:
        low: the lower bound (inclusive).
        high: the upper bound (exclusive; above `low`).
        validate_args: check the parameters and values.
    """

    arg_constraints = {"low": constraints.dependent, "high": constraints.dependent}
    has_rsample = True
    _params = (("low", 0), ("high", 0))

    def __init__(self, low: Any, high: Any, validate_args: bool | None = None) -> None:
        self.low, self.high = broadcast_all(low, high)
        super().__init__(tuple(self.low.shape), validate_args=validate_args)
        if self._validate_args and not np.all(self.low.array < self.high.array):
            from retrograd.errors import InvalidArgumentError

            raise InvalidArgumentError(
                "Expected parameter low of distribution Uniform to be below high, but found "
                "invalid values (low must be less than high)"
            )

    @property
    def support(self) -> Any:
        """`[low, high)`."""
        return constraints.half_open_interval(self.low.array, self.high.array)

    @property
    def mean(self) -> Tensor:
        """`(low + high) / 2`."""
        return (self.high + self.low) / 2

    @property
    def mode(self) -> Tensor:
        """nan (every point is a mode)."""
        return _wrap(np.full_like(self.low.array, np.nan, shape=self._batch_shape))

    @property
    def variance(self) -> Tensor:
        """`(high - low)^2 / 12`."""
        return (self.high - self.low) ** 2 / 12

    @property
    def stddev(self) -> Tensor:
        """`(high - low) / sqrt(12)`."""
        return (self.high - self.low) / 12**0.5

    def rsample(self, sample_shape: Any = (), generator: Any = None) -> Tensor:
        """`low + u (high - low)` for standard uniform `u` (reparameterised)."""
        u = uniform(self._extended_shape(sample_shape), self.low.dtype, generator, like=self.low)
        return self.low + u * (self.high - self.low)

    def log_prob(self, value: Any) -> Tensor:
        """`-log(high - low)` inside the support, -inf outside."""
        x = _float(self._validate_sample(value))
        inside = (self.low.array <= x.array) & (x.array < self.high.array)
        density = -(self.high - self.low).log()
        return where(_wrap(inside), density, _wrap(np.full_like(x.array, -np.inf, shape=())))

    def cdf(self, value: Any) -> Tensor:
        """`(x - low) / (high - low)`, clamped to [0, 1]."""
        x = _float(self._validate_sample(value))
        return ((x - self.low) / (self.high - self.low)).clamp(0, 1)

    def icdf(self, value: Any) -> Tensor:
        """`low + p (high - low)`."""
        return _float(value) * (self.high - self.low) + self.low

    def entropy(self) -> Tensor:
        """`log(high - low)`."""
        return (self.high - self.low).log()


class Exponential(Distribution):
    """The exponential distribution with density `rate exp(-rate x)` on x >= 0.

    Args:
        rate: the rate (positive; the mean is `1 / rate`).
        validate_args: check the parameters and values.
    """

    arg_constraints = {"rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True
    _params = (("rate", 0),)

    def __init__(self, rate: Any, validate_args: bool | None = None) -> None:
        (self.rate,) = broadcast_all(rate)
        super().__init__(tuple(self.rate.shape), validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        """`1 / rate`."""
        return self.rate.reciprocal()

    @property
    def mode(self) -> Tensor:
        """0."""
        return self.rate * 0

    @property
    def stddev(self) -> Tensor:
        """`1 / rate`."""
        return self.rate.reciprocal()

    @property
    def variance(self) -> Tensor:
        """`rate ** -2`."""
        return self.rate**-2

    def rsample(self, sample_shape: Any = (), generator: Any = None) -> Tensor:
        """`e / rate` for a standard exponential draw `e` (reparameterised)."""
        shape = self._extended_shape(sample_shape)
        e = resolve_generator(generator).standard_exponential(shape).astype(self.rate.dtype)
        return draws_like(e, self.rate) / self.rate

    def log_prob(self, value: Any) -> Tensor:
        """`log(rate) - rate x`."""
        x = _float(self._validate_sample(value))
        return self.rate.log() - self.rate * x

    def cdf(self, value: Any) -> Tensor:
        """`1 - exp(-rate x)`."""
        x = _float(self._validate_sample(value))
        return 1 - (-self.rate * x).exp()

    def icdf(self, value: Any) -> Tensor:
        """`-log(1 - p) / rate`."""
        return -((-_float(value)).log1p()) / self.rate

    def entropy(self) -> Tensor:
        """`1 - log(rate)`."""
        return 1.0 - self.rate.log()


__all__ = ["Exponential", "Uniform"]
