"""Discrete distributions: `Bernoulli`, `Binomial`, `Geometric`, `Poisson`, `Categorical` and
`OneHotCategorical`. Draws come from retrograd's seeded generator and never carry a gradient
(`rsample` is unavailable); log-probabilities and entropies do."""

from __future__ import annotations

from typing import Any

import numpy as np

from retrograd.backend.arrays import to_host
from retrograd.distributions import constraints
from retrograd.distributions.distribution import (
    Distribution,
    _float,
    _shape,
    broadcast_all,
    draws_like,
    lazy_property,
    probs_to_logits,
)
from retrograd.errors import InvalidArgumentError
from retrograd.random import resolve_generator
from retrograd.tensor import Tensor, where
from retrograd.tensor.dispatch import _wrap, to_tensor
from retrograd.tensor.special import lgamma


def _one_of(name: str, probs: Any, logits: Any) -> None:
    if (probs is None) == (logits is None):
        raise InvalidArgumentError(f"{name}: give exactly one of probs and logits")


def _probs_or_logits(
    dist: Any, name: str, probs: Any, logits: Any, *others: Any
) -> tuple[Tensor, list[Tensor]]:
    """Set `dist.probs` or `dist.logits` (exactly one given), broadcast with `others`; returns
    it and the broadcast `others`."""
    _one_of(name, probs, logits)
    key, value = ("probs", probs) if probs is not None else ("logits", logits)
    *rest, given = broadcast_all(*others, value)
    setattr(dist, key, given)
    return given, rest


def _softplus(x: Tensor) -> Tensor:
    return x.clamp(min=0) + (-(x.abs())).exp().log1p()


def _full(like: Tensor, value: float) -> Tensor:
    return _wrap(np.full(like.shape, value, dtype=like.dtype))


class Bernoulli(Distribution):
    """0/1 draws with probability `probs` (or `sigmoid(logits)`) of a 1.

    Args:
        probs: the probability of a 1 (in [0, 1]).
        logits: the log-odds of a 1 (give exactly one of probs and logits).
        validate_args: check the parameters and values.
    """

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.boolean
    has_enumerate_support = True
    _params = (("probs", 0), ("logits", 0))

    def __init__(
        self, probs: Any = None, logits: Any = None, validate_args: bool | None = None
    ) -> None:
        given, _ = _probs_or_logits(self, "Bernoulli", probs, logits)
        super().__init__(tuple(given.shape), validate_args=validate_args)

    @lazy_property
    def probs(self) -> Tensor:
        """The probability of a 1."""
        return self.logits.sigmoid()

    @lazy_property
    def logits(self) -> Tensor:
        """The log-odds of a 1."""
        return probs_to_logits(self.probs, is_binary=True)

    @property
    def mean(self) -> Tensor:
        """`probs`."""
        return self.probs

    @property
    def mode(self) -> Tensor:
        """1 where `probs > 0.5`, 0 below, nan at 0.5."""
        p = self.probs.array
        return _wrap(np.where(p == 0.5, np.nan, (p > 0.5).astype(p.dtype)).astype(p.dtype))

    @property
    def variance(self) -> Tensor:
        """`probs * (1 - probs)`."""
        p = self.probs
        return p * (1 - p)

    def sample(self, sample_shape: Any = (), generator: Any = None) -> Tensor:
        """0/1 draws of shape `sample_shape + batch_shape` (in the probabilities' dtype)."""
        p = to_host(self.probs.array)
        shape = self._extended_shape(sample_shape)
        draws = resolve_generator(generator).random(shape) < p
        return draws_like(draws.astype(p.dtype), self.probs)

    def log_prob(self, value: Any) -> Tensor:
        """`x logits - softplus(logits)` (stable, as PyTorch's)."""
        x = _float(self._validate_sample(value))
        z = self.logits
        return x * z - _softplus(z)

    def entropy(self) -> Tensor:
        """`softplus(logits) - probs * logits`."""
        return _softplus(self.logits) - self.probs * self.logits

    def enumerate_support(self, expand: bool = True) -> Tensor:
        """`[0, 1]` along a new leading dim (expanded over the batch)."""
        values = _wrap(
            np.arange(2, dtype=self.probs.dtype).reshape((2,) + (1,) * len(self.batch_shape))
        )
        return values.expand((2, *self.batch_shape)) if expand else values


class Binomial(Distribution):
    """The number of successes in `total_count` Bernoulli trials.

    Args:
        total_count: the number of trials (a non-negative integer, or a Tensor of them).
        probs: the success probability.
        logits: the success log-odds (give exactly one of probs and logits).
        validate_args: check the parameters and values.
    """

    arg_constraints = {
        "total_count": constraints.nonnegative_integer,
        "probs": constraints.unit_interval,
        "logits": constraints.real,
    }
    has_enumerate_support = True
    _params = (("total_count", 0), ("probs", 0), ("logits", 0))

    def __init__(
        self,
        total_count: Any = 1,
        probs: Any = None,
        logits: Any = None,
        validate_args: bool | None = None,
    ) -> None:
        given, (count,) = _probs_or_logits(self, "Binomial", probs, logits, total_count)
        self.total_count = count.type(given.dtype)
        super().__init__(tuple(given.shape), validate_args=validate_args)

    @property
    def support(self) -> Any:
        """The integers 0 .. total_count."""
        return constraints.integer_interval(0, self.total_count.array)

    @lazy_property
    def probs(self) -> Tensor:
        """The success probability."""
        return self.logits.sigmoid()

    @lazy_property
    def logits(self) -> Tensor:
        """The success log-odds."""
        return probs_to_logits(self.probs, is_binary=True)

    @property
    def mean(self) -> Tensor:
        """`total_count * probs`."""
        return self.total_count * self.probs

    @property
    def mode(self) -> Tensor:
        """`floor((total_count + 1) probs)`, at most total_count."""
        n = self.total_count.array
        return _wrap(np.minimum(np.floor((n + 1) * self.probs.array), n))

    @property
    def variance(self) -> Tensor:
        """`total_count probs (1 - probs)`."""
        return self.total_count * self.probs * (1 - self.probs)

    def sample(self, sample_shape: Any = (), generator: Any = None) -> Tensor:
        """Success counts (in the probabilities' dtype)."""
        shape = self._extended_shape(sample_shape)
        n = np.broadcast_to(to_host(self.total_count.array).astype(np.int64), shape)
        p = np.broadcast_to(to_host(self.probs.array), shape)
        draws = resolve_generator(generator).binomial(n, p)
        return draws_like(draws.astype(self.probs.dtype), self.probs)

    def log_prob(self, value: Any) -> Tensor:
        """`log C(n, k) + k logits - n softplus(logits)`."""
        k = _float(self._validate_sample(value))
        n = self.total_count
        log_choose = lgamma(n + 1) - lgamma(k + 1) - lgamma(n - k + 1)
        return log_choose + k * self.logits - n * _softplus(self.logits)

    def entropy(self) -> Tensor:
        """`-sum p(k) log p(k)` over the support (one total_count for the whole batch)."""
        support = self.enumerate_support(expand=False)
        log_prob = self.log_prob(support)
        return -(log_prob.exp() * log_prob).sum(0)

    def enumerate_support(self, expand: bool = True) -> Tensor:
        """0 .. total_count along a new leading dim (total_count must be one number)."""
        counts = np.unique(self.total_count.array)
        if counts.size != 1:
            from retrograd.errors import UnsupportedError

            raise UnsupportedError("Binomial: enumerate_support needs one total_count")
        n = int(counts[0])
        values = np.arange(n + 1, dtype=self.probs.dtype).reshape(
            (n + 1,) + (1,) * len(self.batch_shape)
        )
        out = _wrap(values)
        return out.expand((n + 1, *self.batch_shape)) if expand else out


class Geometric(Distribution):
    """The number of failures before the first success of Bernoulli(probs) trials.

    Args:
        probs: the success probability (in (0, 1]).
        logits: the success log-odds (give exactly one of probs and logits).
        validate_args: check the parameters and values.
    """

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.nonnegative_integer
    _params = (("probs", 0), ("logits", 0))

    def __init__(
        self, probs: Any = None, logits: Any = None, validate_args: bool | None = None
    ) -> None:
        given, _ = _probs_or_logits(self, "Geometric", probs, logits)
        super().__init__(tuple(given.shape), validate_args=validate_args)
        if self._validate_args and probs is not None and np.any(self.probs.array <= 0):
            raise InvalidArgumentError(
                "Expected parameter probs of distribution Geometric to be in (0, 1], but "
                "found invalid values (probs must be positive)"
            )

    @lazy_property
    def probs(self) -> Tensor:
        """The success probability."""
        return self.logits.sigmoid()

    @lazy_property
    def logits(self) -> Tensor:
        """The success log-odds."""
        return probs_to_logits(self.probs, is_binary=True)

    @property
    def mean(self) -> Tensor:
        """`1 / probs - 1`."""
        return 1.0 / self.probs - 1.0

    @property
    def mode(self) -> Tensor:
        """0."""
        return _full(self.probs, 0.0)

    @property
    def variance(self) -> Tensor:
        """`(1 / probs - 1) / probs`."""
        return (1.0 / self.probs - 1.0) / self.probs

    def sample(self, sample_shape: Any = (), generator: Any = None) -> Tensor:
        """Failure counts (in the probabilities' dtype)."""
        shape = self._extended_shape(sample_shape)
        p = np.broadcast_to(to_host(self.probs.array), shape)
        draws = resolve_generator(generator).geometric(p) - 1
        return draws_like(draws.astype(self.probs.dtype), self.probs)

    def log_prob(self, value: Any) -> Tensor:
        """`x log(1 - p) + log(p)`."""
        x = _float(self._validate_sample(value))
        p = self.probs
        return x * (-p).log1p() + p.log()

    def entropy(self) -> Tensor:
        """`(softplus(logits) - probs logits) / probs` (the Bernoulli entropy over probs)."""
        return (_softplus(self.logits) - self.probs * self.logits) / self.probs


class Poisson(Distribution):
    """The Poisson distribution of counts with mean `rate`.

    Args:
        rate: the mean (non-negative).
        validate_args: check the parameters and values.
    """

    arg_constraints = {"rate": constraints.nonnegative}
    support = constraints.nonnegative_integer
    _params = (("rate", 0),)

    def __init__(self, rate: Any, validate_args: bool | None = None) -> None:
        (self.rate,) = broadcast_all(rate)
        super().__init__(tuple(self.rate.shape), validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        """`rate`."""
        return self.rate

    @property
    def mode(self) -> Tensor:
        """`floor(rate)`."""
        return _wrap(np.floor(self.rate.array))

    @property
    def variance(self) -> Tensor:
        """`rate`."""
        return self.rate

    def sample(self, sample_shape: Any = (), generator: Any = None) -> Tensor:
        """Counts (in the rate's dtype)."""
        shape = self._extended_shape(sample_shape)
        lam = np.broadcast_to(to_host(self.rate.array), shape)
        draws = resolve_generator(generator).poisson(lam).astype(self.rate.dtype)
        return draws_like(draws, self.rate)

    def log_prob(self, value: Any) -> Tensor:
        """`x log(rate) - rate - lgamma(x + 1)` (0 log 0 is 0)."""
        x = _float(self._validate_sample(value))
        rate = self.rate
        if np.any(rate.array == 0):
            safe = where(_wrap(rate.array == 0), _full(rate, 1.0), rate)
            x_log_rate = where(_wrap(x.array == 0), _full(x * safe, 0.0), x * safe.log())
            x_log_rate = where(
                _wrap((rate.array == 0) & (x.array != 0)), _full(x_log_rate, -np.inf), x_log_rate
            )
        else:
            x_log_rate = x * rate.log()
        return x_log_rate - rate - lgamma(x + 1)


class Categorical(Distribution):
    """Draws of class indices from `probs` or `logits` over the last dim.

    Args:
        probs: `(..., K)` non-negative weights (normalised over the last dim).
        logits: `(..., K)` unnormalised log-probabilities (give exactly one).
        validate_args: check the parameters and values.
    """

    arg_constraints = {
        "probs": constraints.independent(constraints.nonnegative, 1),
        "logits": constraints.independent(constraints.real, 1),
    }
    has_enumerate_support = True
    _params = (("probs", 1), ("logits", 1))

    def __init__(
        self, probs: Any = None, logits: Any = None, validate_args: bool | None = None
    ) -> None:
        _one_of("Categorical", probs, logits)
        given = _float(probs if probs is not None else logits)
        if given.ndim < 1:
            from retrograd.errors import ShapeError

            raise ShapeError("Categorical: probs or logits must have at least one dim")
        if probs is not None:
            self.probs = given / given.sum(-1, keepdim=True)
        else:
            self.logits = given - given.logsumexp(-1, keepdim=True)
        self._num_events = given.shape[-1]
        super().__init__(tuple(given.shape[:-1]), validate_args=validate_args)
        if self._validate_args and probs is not None and np.any(given.array < 0):
            raise InvalidArgumentError("Categorical: probs must be non-negative")

    @lazy_property
    def probs(self) -> Tensor:
        """The class probabilities."""
        return self.logits.softmax(-1)

    @lazy_property
    def logits(self) -> Tensor:
        """The normalised log-probabilities."""
        return probs_to_logits(self.probs)

    @property
    def param_shape(self) -> tuple[int, ...]:
        """`batch_shape + (K,)`."""
        return (*self.batch_shape, self._num_events)

    @property
    def support(self) -> Any:
        """The integers 0 .. K - 1."""
        return constraints.integer_interval(0, self._num_events - 1)

    @property
    def mean(self) -> Tensor:
        """nan (class indices have no mean)."""
        return _wrap(np.full(self.batch_shape, np.nan, dtype=self.probs.dtype))

    @property
    def mode(self) -> Tensor:
        """The most probable class."""
        return _wrap(np.argmax(self.probs.array, axis=-1).astype(np.int64))

    @property
    def variance(self) -> Tensor:
        """nan."""
        return self.mean

    def sample(self, sample_shape: Any = (), generator: Any = None) -> Tensor:
        """Class indices (int64) of shape `sample_shape + batch_shape`."""
        probs = to_host(self.probs.array).astype(np.float64)
        flat = probs.reshape(-1, probs.shape[-1])
        count = int(np.prod(_shape(sample_shape), dtype=np.int64))
        rng = resolve_generator(generator)
        cumulative = np.cumsum(flat, axis=-1)
        cumulative /= cumulative[:, -1:]
        draws = rng.random((count, flat.shape[0], 1))
        index = (draws > cumulative[None]).sum(-1).clip(max=flat.shape[1] - 1)
        index = index.reshape(_shape(sample_shape) + self.batch_shape).astype(np.int64)
        return draws_like(index, self.probs)

    def log_prob(self, value: Any) -> Tensor:
        """The log probability of each class index in `value`."""
        index = to_tensor(self._validate_sample(value)).long()
        shape = tuple(np.broadcast_shapes(tuple(index.shape), self.batch_shape))
        logits = self.logits.expand(shape + (self._num_events,))
        return logits.gather(-1, index.expand(shape).unsqueeze(-1)).squeeze(-1)

    def entropy(self) -> Tensor:
        """`-sum(p log p)` over the classes (0 log 0 is 0)."""
        info = np.finfo(self.logits.dtype)
        logits = self.logits.clamp(min=float(info.min))
        return -(self.probs * logits).sum(-1)

    def enumerate_support(self, expand: bool = True) -> Tensor:
        """0 .. K - 1 along a new leading dim."""
        n = self._num_events
        values = _wrap(np.arange(n, dtype=np.int64).reshape((n,) + (1,) * len(self.batch_shape)))
        return values.expand((n, *self.batch_shape)) if expand else values


class OneHotCategorical(Distribution):
    """One-hot vectors of `Categorical` draws (event shape `(K,)`).

    Args:
        probs: `(..., K)` non-negative weights.
        logits: `(..., K)` unnormalised log-probabilities (give exactly one).
        validate_args: check the parameters and values.
    """

    arg_constraints = Categorical.arg_constraints
    support = constraints.independent(constraints.boolean, 1)
    has_enumerate_support = True

    def __init__(
        self, probs: Any = None, logits: Any = None, validate_args: bool | None = None
    ) -> None:
        self._categorical = Categorical(probs, logits, validate_args=validate_args)
        super().__init__(
            self._categorical.batch_shape,
            (self._categorical._num_events,),
            validate_args=False,
        )
        self._validate_args = self._categorical._validate_args

    def expand(self, batch_shape: Any, _instance: Any = None) -> OneHotCategorical:
        """The distribution broadcast to a new batch shape."""
        new = super().expand(batch_shape)
        assert isinstance(new, OneHotCategorical)
        new._categorical = self._categorical.expand(batch_shape)  # type: ignore[assignment]
        return new

    @property
    def probs(self) -> Tensor:
        """The class probabilities."""
        return self._categorical.probs

    @property
    def logits(self) -> Tensor:
        """The normalised log-probabilities."""
        return self._categorical.logits

    @property
    def mean(self) -> Tensor:
        """`probs`."""
        return self.probs

    @property
    def mode(self) -> Tensor:
        """The one-hot vector of the most probable class."""
        p = self.probs.array
        return _wrap(np.eye(p.shape[-1], dtype=p.dtype)[np.argmax(p, axis=-1)])

    @property
    def variance(self) -> Tensor:
        """`probs (1 - probs)`."""
        return self.probs * (1 - self.probs)

    def sample(self, sample_shape: Any = (), generator: Any = None) -> Tensor:
        """One-hot vectors (in the probabilities' dtype)."""
        index = to_host(self._categorical.sample(sample_shape, generator=generator).array)
        p = self.probs
        return draws_like(np.eye(self.event_shape[0], dtype=p.dtype)[index], p)

    def log_prob(self, value: Any) -> Tensor:
        """The categorical log probability of the hot index."""
        x = self._validate_sample(value)
        return self._categorical.log_prob(_wrap(np.argmax(x.array, axis=-1)))

    def entropy(self) -> Tensor:
        """The categorical entropy."""
        return self._categorical.entropy()

    def enumerate_support(self, expand: bool = True) -> Tensor:
        """The K one-hot vectors along a new leading dim."""
        n = self.event_shape[0]
        values = np.eye(n, dtype=self.probs.dtype).reshape(
            (n,) + (1,) * len(self.batch_shape) + (n,)
        )
        out = _wrap(values)
        return out.expand((n, *self.batch_shape, n)) if expand else out


__all__ = [
    "Bernoulli",
    "Binomial",
    "Categorical",
    "Geometric",
    "OneHotCategorical",
    "Poisson",
]
