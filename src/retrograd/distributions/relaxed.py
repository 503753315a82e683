"""Continuous relaxations of discrete draws (Concrete / Gumbel-softmax): `RelaxedBernoulli`
and `RelaxedOneHotCategorical`, reparameterised so gradients reach the logits."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from retrograd.distributions import constraints
from retrograd.distributions.discrete import Categorical, _softplus
from retrograd.distributions.distribution import (
    Distribution,
    _float,
    broadcast_all,
    lazy_property,
    probs_to_logits,
    uniform,
)
from retrograd.errors import InvalidArgumentError
from retrograd.tensor import Tensor


class RelaxedBernoulli(Distribution):
    """`sigmoid((logits + logistic noise) / temperature)`: values in (0, 1).

    Args:
        temperature: the relaxation temperature (positive).
        probs: the probability of a 1.
        logits: the log-odds of a 1 (give exactly one of probs and logits).
        validate_args: check the parameters and values.
    """

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.unit_interval
    has_rsample = True
    _params = (("temperature", 0), ("probs", 0), ("logits", 0))

    def __init__(
        self,
        temperature: Any,
        probs: Any = None,
        logits: Any = None,
        validate_args: bool | None = None,
    ) -> None:
        if (probs is None) == (logits is None):
            raise InvalidArgumentError("RelaxedBernoulli: give exactly one of probs and logits")
        if probs is not None:
            self.probs, self.temperature = broadcast_all(probs, temperature)
            shape = self.probs.shape
        else:
            self.logits, self.temperature = broadcast_all(logits, temperature)
            shape = self.logits.shape
        super().__init__(tuple(shape), validate_args=validate_args)

    @lazy_property
    def probs(self) -> Tensor:
        """The probability of a 1."""
        return self.logits.sigmoid()

    @lazy_property
    def logits(self) -> Tensor:
        """The log-odds of a 1."""
        return probs_to_logits(self.probs, is_binary=True)

    def rsample(self, sample_shape: Any = (), generator: Any = None) -> Tensor:
        """`sigmoid((logits + log u - log(1 - u)) / temperature)` for uniform `u`."""
        shape = self._extended_shape(sample_shape)
        info = np.finfo(self.logits.dtype)
        u = uniform(shape, self.logits.dtype, generator, float(info.tiny), self.logits).clamp(
            max=1 - float(info.eps)
        )
        return ((self.logits + u.log() - (-u).log1p()) / self.temperature).sigmoid()

    def log_prob(self, value: Any) -> Tensor:
        """The density of the relaxed value (logistic density over the sigmoid's Jacobian)."""
        x = _float(self._validate_sample(value))
        info = np.finfo(x.dtype)
        x = x.clamp(float(info.tiny), 1 - float(info.eps))
        y = x.log() - (-x).log1p()
        diff = self.logits - y * self.temperature
        logistic = self.temperature.log() + diff - 2 * _softplus(diff)
        return logistic + _softplus(-y) + _softplus(y)


class RelaxedOneHotCategorical(Distribution):
    """`softmax((logits + Gumbel noise) / temperature)`: points of the simplex.

    Args:
        temperature: the relaxation temperature (positive).
        probs: `(..., K)` class weights.
        logits: `(..., K)` unnormalised log-probabilities (give exactly one).
        validate_args: check the parameters and values.
    """

    arg_constraints = {"temperature": constraints.positive}
    support = constraints.simplex
    has_rsample = True

    def __init__(
        self,
        temperature: Any,
        probs: Any = None,
        logits: Any = None,
        validate_args: bool | None = None,
    ) -> None:
        self._categorical = Categorical(probs, logits, validate_args=validate_args)
        self.temperature = _float(temperature)
        super().__init__(
            self._categorical.batch_shape,
            (self._categorical._num_events,),
            validate_args=validate_args,
        )

    @property
    def probs(self) -> Tensor:
        """The class probabilities."""
        return self._categorical.probs

    @property
    def logits(self) -> Tensor:
        """The normalised log-probabilities."""
        return self._categorical.logits

    def rsample(self, sample_shape: Any = (), generator: Any = None) -> Tensor:
        """`softmax((logits + g) / temperature)` with standard Gumbel `g`."""
        shape = self._extended_shape(sample_shape)
        info = np.finfo(self.logits.dtype)
        u = uniform(shape, self.logits.dtype, generator, float(info.tiny), self.logits).clamp(
            max=1 - float(info.eps)
        )
        gumbels = -((-(u.log())).log())
        scores = (self.logits + gumbels) / self.temperature
        return (scores - scores.logsumexp(-1, keepdim=True)).exp()

    def log_prob(self, value: Any) -> Tensor:
        """The Concrete density of a point of the simplex."""
        y = _float(self._validate_sample(value)).log()
        k = self.event_shape[0]
        log_scale = math.lgamma(k) + (k - 1) * self.temperature.log()
        score = self.logits - y * self.temperature
        score = (score - score.logsumexp(-1, keepdim=True)).sum(-1)
        return score + log_scale - y.sum(-1)


__all__ = ["RelaxedBernoulli", "RelaxedOneHotCategorical"]
