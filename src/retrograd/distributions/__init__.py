"""`torch.distributions`: `Normal`, `Categorical` and `Bernoulli` with PyTorch's names
(`sample`, `rsample`, `log_prob`, `entropy`, `mean`, `stddev`, `variance`) and
`kl_divergence` between two of the same kind. Every draw comes from retrograd's seeded
generator; `rsample` keeps the graph (the reparameterisation trick), `sample` does not.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from retrograd.autograd.grad_mode import no_grad
from retrograd.errors import InvalidArgumentError, UnsupportedError
from retrograd.random import resolve_generator
from retrograd.tensor import Tensor
from retrograd.tensor.dispatch import _wrap, to_tensor

_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)


def _float(value: Any) -> Tensor:
    tensor = to_tensor(value)
    return tensor if tensor.dtype.kind == "f" else tensor.float()


def _shape(sample_shape: Any) -> tuple[int, ...]:
    return (int(sample_shape),) if isinstance(sample_shape, int) else tuple(sample_shape)


class Distribution:
    """Base class: `batch_shape` and the methods every distribution has."""

    batch_shape: tuple[int, ...] = ()

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """A draw of shape `sample_shape + batch_shape`, outside the graph."""
        with no_grad():
            return self.rsample(sample_shape).detach()

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """A draw that keeps the graph (only where the distribution allows it)."""
        raise UnsupportedError(
            f"{type(self).__name__} has no rsample (it is not reparameterisable)"
        )

    def log_prob(self, value: Any) -> Tensor:
        """The log density (or log mass) of `value`."""
        raise NotImplementedError

    def entropy(self) -> Tensor:
        """The entropy of each distribution of the batch."""
        raise NotImplementedError

    @property
    def stddev(self) -> Tensor:
        """The standard deviation."""
        return self.variance.sqrt()

    @property
    def variance(self) -> Tensor:
        """The variance."""
        raise NotImplementedError


class Normal(Distribution):
    """The normal distribution with mean `loc` and standard deviation `scale` (broadcast)."""

    def __init__(self, loc: Any, scale: Any, validate_args: bool | None = None) -> None:
        self.loc, self.scale = _float(loc), _float(scale)
        if validate_args is not False and (np.asarray(self.scale.array) <= 0).any():
            raise InvalidArgumentError("Normal: scale must be positive")
        self.batch_shape = tuple(np.broadcast_shapes(self.loc.shape, self.scale.shape))

    @property
    def mean(self) -> Tensor:
        """The mean, `loc` (broadcast to the batch shape)."""
        return self.loc.expand(self.batch_shape)

    @property
    def variance(self) -> Tensor:
        """`scale ** 2`."""
        return self.scale.expand(self.batch_shape) ** 2

    def rsample(self, sample_shape: Any = (), generator: Any = None) -> Tensor:
        """`loc + scale * eps` with standard normal `eps`: the gradient reaches loc and scale."""
        shape = _shape(sample_shape) + self.batch_shape
        eps = resolve_generator(generator).standard_normal(shape).astype(self.loc.dtype)
        return self.loc + _wrap(eps) * self.scale

    def log_prob(self, value: Any) -> Tensor:
        """`-((x - loc)^2) / (2 scale^2) - log(scale) - log(sqrt(2 pi))`."""
        x = _float(value)
        return -((x - self.loc) ** 2) / (2 * self.scale**2) - self.scale.log() - _LOG_SQRT_2PI

    def entropy(self) -> Tensor:
        """`0.5 + log(sqrt(2 pi)) + log(scale)`."""
        return (self.scale.log() + (0.5 + _LOG_SQRT_2PI)).expand(self.batch_shape)


class Categorical(Distribution):
    """Draws of class indices from `probs` or `logits` over the last dim."""

    def __init__(self, probs: Any = None, logits: Any = None, validate_args: bool | None = None):
        if (probs is None) == (logits is None):
            raise InvalidArgumentError("Categorical: give exactly one of probs and logits")
        if probs is not None:
            p = _float(probs)
            self.logits = (p / p.sum(-1, keepdim=True)).log()
        else:
            raw = _float(logits)
            self.logits = raw - raw.logsumexp(-1, keepdim=True)
        self.batch_shape = tuple(self.logits.shape[:-1])

    @property
    def probs(self) -> Tensor:
        """The class probabilities."""
        return self.logits.exp()

    def sample(self, sample_shape: Any = (), generator: Any = None) -> Tensor:
        """Class indices (int64) of shape `sample_shape + batch_shape`."""
        probs = np.asarray(self.probs.array, dtype=np.float64)
        flat = probs.reshape(-1, probs.shape[-1])
        count = int(np.prod(_shape(sample_shape), dtype=np.int64))
        rng = resolve_generator(generator)
        cumulative = np.cumsum(flat, axis=-1)
        cumulative /= cumulative[:, -1:]
        draws = rng.random((count, flat.shape[0], 1))
        index = (draws > cumulative[None]).sum(-1).clip(max=flat.shape[1] - 1)
        return _wrap(index.reshape(_shape(sample_shape) + self.batch_shape).astype(np.int64))

    def log_prob(self, value: Any) -> Tensor:
        """The log probability of each class index in `value`."""
        index = to_tensor(value).long()
        logits = self.logits.expand(tuple(index.shape) + self.logits.shape[-1:])
        return logits.gather(-1, index.unsqueeze(-1)).squeeze(-1)

    def entropy(self) -> Tensor:
        """`-sum(p log p)` over the classes."""
        return -(self.probs * self.logits).sum(-1)


class Bernoulli(Distribution):
    """0/1 draws with probability `probs` (or `sigmoid(logits)`) of a 1."""

    def __init__(self, probs: Any = None, logits: Any = None, validate_args: bool | None = None):
        if (probs is None) == (logits is None):
            raise InvalidArgumentError("Bernoulli: give exactly one of probs and logits")
        self.logits: Tensor | None = _float(logits) if logits is not None else None
        self._probs: Tensor | None = _float(probs) if probs is not None else None
        given = self.logits if self.logits is not None else self._probs
        assert given is not None
        self.batch_shape = tuple(given.shape)

    @property
    def probs(self) -> Tensor:
        """The probability of a 1."""
        if self._probs is not None:
            return self._probs
        assert self.logits is not None
        return self.logits.sigmoid()

    @property
    def mean(self) -> Tensor:
        """The mean, `probs`."""
        return self.probs

    @property
    def variance(self) -> Tensor:
        """`probs * (1 - probs)`."""
        p = self.probs
        return p * (1 - p)

    def sample(self, sample_shape: Any = (), generator: Any = None) -> Tensor:
        """0/1 draws of shape `sample_shape + batch_shape` (in the probabilities' dtype)."""
        p = np.asarray(self.probs.array)
        shape = _shape(sample_shape) + self.batch_shape
        draws = resolve_generator(generator).random(shape) < p
        return _wrap(draws.astype(p.dtype))

    def log_prob(self, value: Any) -> Tensor:
        """`x log p + (1 - x) log(1 - p)`, computed from logits where given (stable)."""
        x = _float(value)
        if self.logits is not None:
            z = self.logits
            return x * z - (z.clamp(min=0) + (-(z.abs())).exp().log1p())
        p = self.probs
        return x * p.log() + (1 - x) * (1 - p).log()

    def entropy(self) -> Tensor:
        """`-(p log p + (1 - p) log(1 - p))`."""
        p = self.probs
        return -(p * p.log() + (1 - p) * (1 - p).log())


def kl_divergence(p: Distribution, q: Distribution) -> Tensor:
    """KL(p || q) for two Normals, two Categoricals or two Bernoullis."""
    if isinstance(p, Normal) and isinstance(q, Normal):
        var_ratio = (p.scale / q.scale) ** 2
        t1 = ((p.loc - q.loc) / q.scale) ** 2
        return 0.5 * (var_ratio + t1 - 1 - var_ratio.log())
    if isinstance(p, Categorical) and isinstance(q, Categorical):
        return (p.probs * (p.logits - q.logits)).sum(-1)
    if isinstance(p, Bernoulli) and isinstance(q, Bernoulli):
        a, b = p.probs, q.probs
        return a * (a.log() - b.log()) + (1 - a) * ((1 - a).log() - (1 - b).log())
    raise UnsupportedError(
        f"kl_divergence of {type(p).__name__} and {type(q).__name__} is not implemented"
    )


__all__ = ["Bernoulli", "Categorical", "Distribution", "Normal", "kl_divergence"]
