"""`Independent`: reinterpret batch dims of a distribution as event dims."""

from __future__ import annotations

from typing import Any

from retrograd.distributions import constraints
from retrograd.distributions.distribution import Distribution
from retrograd.errors import InvalidArgumentError
from retrograd.tensor import Tensor


def _sum_rightmost(value: Tensor, dims: int) -> Tensor:
    return value.reshape((*value.shape[: value.ndim - dims], -1)).sum(-1) if dims else value


class Independent(Distribution):
    """`base_distribution` with its rightmost `reinterpreted_batch_ndims` batch dims made
    event dims: `log_prob` and `entropy` sum over them.

    Args:
        base_distribution: the distribution to wrap.
        reinterpreted_batch_ndims: how many batch dims become event dims.
        validate_args: check values given to `log_prob`.
    """

    arg_constraints: dict[str, constraints.Constraint] = {}

    def __init__(
        self,
        base_distribution: Distribution,
        reinterpreted_batch_ndims: int,
        validate_args: bool | None = None,
    ) -> None:
        batch = base_distribution.batch_shape
        n = int(reinterpreted_batch_ndims)
        if not 0 <= n <= len(batch):
            raise InvalidArgumentError(
                f"Independent: reinterpreted_batch_ndims must be in [0, {len(batch)}] for a "
                f"batch shape {batch}, got {reinterpreted_batch_ndims}"
            )
        self.base_dist = base_distribution
        self.reinterpreted_batch_ndims = n
        cut = len(batch) - n
        super().__init__(
            batch[:cut], batch[cut:] + base_distribution.event_shape, validate_args=validate_args
        )

    @property
    def has_rsample(self) -> bool:  # type: ignore[override]
        """Whether the base distribution has `rsample`."""
        return self.base_dist.has_rsample

    @property
    def has_enumerate_support(self) -> bool:  # type: ignore[override]
        """False when dims are reinterpreted."""
        return self.reinterpreted_batch_ndims == 0 and self.base_dist.has_enumerate_support

    @property
    def support(self) -> Any:
        """The base support over whole events."""
        base = self.base_dist.support
        return (
            None if base is None else constraints.independent(base, self.reinterpreted_batch_ndims)
        )

    def expand(self, batch_shape: Any, _instance: Any = None) -> Independent:
        """The distribution broadcast to a new batch shape."""
        batch_shape = tuple(batch_shape)
        tail = self.event_shape[: self.reinterpreted_batch_ndims]
        base = self.base_dist.expand(batch_shape + tail)
        return Independent(base, self.reinterpreted_batch_ndims, validate_args=False)

    @property
    def mean(self) -> Tensor:
        """The base mean."""
        return self.base_dist.mean

    @property
    def mode(self) -> Tensor:
        """The base mode."""
        return self.base_dist.mode

    @property
    def variance(self) -> Tensor:
        """The base variance."""
        return self.base_dist.variance

    def sample(self, sample_shape: Any = (), generator: Any = None) -> Tensor:
        """A base draw."""
        return self.base_dist.sample(sample_shape, generator=generator)

    def rsample(self, sample_shape: Any = (), generator: Any = None) -> Tensor:
        """A reparameterised base draw."""
        return self.base_dist.rsample(sample_shape, generator=generator)

    def log_prob(self, value: Any) -> Tensor:
        """The base log_prob summed over the reinterpreted dims."""
        return _sum_rightmost(self.base_dist.log_prob(value), self.reinterpreted_batch_ndims)

    def entropy(self) -> Tensor:
        """The base entropy summed over the reinterpreted dims."""
        return _sum_rightmost(self.base_dist.entropy(), self.reinterpreted_batch_ndims)

    def enumerate_support(self, expand: bool = True) -> Tensor:
        """The base support (only without reinterpreted dims)."""
        if self.reinterpreted_batch_ndims:
            raise self._unsupported("enumerate_support over reinterpreted dims")
        return self.base_dist.enumerate_support(expand=expand)

    def __repr__(self) -> str:
        return f"Independent({self.base_dist!r}, {self.reinterpreted_batch_ndims})"


__all__ = ["Independent"]
