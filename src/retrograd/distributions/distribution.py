"""`Distribution`: the base class with PyTorch's shapes (`batch_shape`, `event_shape`),
argument validation, `sample` / `rsample`, `expand`, and the helpers the distributions share."""

from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np

from retrograd.autograd.grad_mode import no_grad
from retrograd.backend.arrays import namespace
from retrograd.distributions import constraints
from retrograd.errors import InvalidArgumentError, ShapeError, UnsupportedError
from retrograd.random import resolve_generator
from retrograd.tensor import Tensor
from retrograd.tensor.dispatch import _wrap, to_tensor

_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)


def _float(value: Any) -> Tensor:
    tensor = to_tensor(value)
    return tensor if tensor.dtype.kind == "f" else tensor.float()


def _shape(sample_shape: Any) -> tuple[int, ...]:
    return (int(sample_shape),) if isinstance(sample_shape, int) else tuple(sample_shape)


def broadcast_all(*values: Any) -> list[Tensor]:
    """The values as float Tensors broadcast (with gradients) to one shape; plain numbers
    take the dtype of the first Tensor given."""
    tensors = [v for v in values if isinstance(v, Tensor)]
    dtype = next((t.dtype for t in tensors if t.dtype.kind == "f"), None)
    # plain numbers go to the device of the first Tensor
    like = tensors[0].array if tensors and type(tensors[0].array) is not np.ndarray else None
    out = []
    for value in values:
        if isinstance(value, Tensor):
            out.append(_float(value))
        else:
            array = np.asarray(value, dtype=dtype if dtype is not None else None)
            if like is not None:
                array = namespace(like).asarray(array)
            out.append(_float(_wrap(array) if array.dtype.kind == "f" else array))
    try:
        shape = tuple(np.broadcast_shapes(*[t.shape for t in out]))
    except ValueError as error:
        shapes = ", ".join(str(tuple(t.shape)) for t in out)
        raise ShapeError(f"parameters of shapes {shapes} do not broadcast") from error
    return [t if tuple(t.shape) == shape else t.expand(shape) for t in out]


def draws_like(draws: np.ndarray, like: Tensor) -> Tensor:
    """Host `draws` (from retrograd's generator) as a Tensor on the device of `like`."""
    array = like.array
    return _wrap(draws if type(array) is np.ndarray else namespace(array).asarray(draws))


def uniform(
    shape: tuple[int, ...], dtype: Any, generator: Any, low: float = 0.0, like: Any = None
) -> Tensor:
    """Uniform draws in `[low, 1)` (outside the graph), on the device of the Tensor `like`."""
    rng = resolve_generator(generator)
    draws = rng.uniform(low, 1.0, shape).astype(dtype)
    return _wrap(draws) if like is None else draws_like(draws, like)


def probs_to_logits(probs: Tensor, is_binary: bool = False) -> Tensor:
    """Logits of probabilities (clamped away from 0 and 1, as PyTorch)."""
    eps = float(np.finfo(probs.dtype).eps)
    clamped = probs.clamp(eps, 1 - eps)
    return clamped.log() - (-clamped).log1p() if is_binary else clamped.log()


class lazy_property:  # noqa: N801 - PyTorch's name
    """A property computed on first use and then stored on the instance (so a parameter
    given to the constructor and one derived from it share one name)."""

    def __init__(self, function: Any) -> None:
        self.function = function
        self.__doc__ = function.__doc__
        self.name = function.__name__

    def __get__(self, instance: Any, owner: Any = None) -> Any:
        if instance is None:
            return self
        value = self.function(instance)
        instance.__dict__[self.name] = value
        return value


class Distribution:
    """Base class: `batch_shape`, `event_shape`, validation and the methods of every
    distribution. Methods a distribution lacks raise `UnsupportedError`."""

    has_rsample = False
    has_enumerate_support = False
    arg_constraints: dict[str, constraints.Constraint] = {}
    support: Any = None
    _validate_default = True
    #: the parameters `expand` broadcasts (with the number of event dims each keeps)
    _params: tuple[tuple[str, int], ...] = ()

    @staticmethod
    def set_default_validate_args(value: bool) -> None:
        """Turn argument validation on or off for distributions made afterwards."""
        if value not in (True, False):
            raise InvalidArgumentError("set_default_validate_args expects a bool")
        Distribution._validate_default = value

    def __init__(
        self,
        batch_shape: Any = (),
        event_shape: Any = (),
        validate_args: bool | None = None,
    ) -> None:
        self._batch_shape = tuple(batch_shape)
        self._event_shape = tuple(event_shape)
        self._validate_args = (
            Distribution._validate_default if validate_args is None else bool(validate_args)
        )
        if self._validate_args:
            for name, constraint in self.arg_constraints.items():
                value = self.__dict__.get(name)  # a parameter given (not one derived)
                if value is None or isinstance(constraint, constraints._Dependent):
                    continue
                if not np.all(constraint.check(value)):
                    raise InvalidArgumentError(
                        f"Expected parameter {name} ({type(value).__name__} of shape "
                        f"{tuple(np.shape(getattr(value, 'array', value)))}) of distribution "
                        f"{self!r} to satisfy the constraint {constraint}, but found invalid "
                        f"values ({name} must be {constraint.description})"
                    )

    @property
    def batch_shape(self) -> tuple[int, ...]:
        """The shape over which parameters are batched."""
        return self._batch_shape

    @property
    def event_shape(self) -> tuple[int, ...]:
        """The shape of a single draw (`()` for univariate distributions)."""
        return self._event_shape

    def _extended_shape(self, sample_shape: Any = ()) -> tuple[int, ...]:
        return _shape(sample_shape) + self._batch_shape + self._event_shape

    def expand(self, batch_shape: Any, _instance: Any = None) -> Distribution:
        """The same distribution with its parameters broadcast to a new `batch_shape`.

        Args:
            batch_shape: the new batch shape (the old one must broadcast to it).

        Returns:
            A new distribution of the same type.
        """
        batch_shape = _shape(batch_shape)
        new = copy.copy(self)
        for name, event_dims in self._params:
            value = self.__dict__.get(name)
            if isinstance(value, Tensor):
                tail = tuple(value.shape[value.ndim - event_dims :]) if event_dims else ()
                try:
                    new.__dict__[name] = value.expand(batch_shape + tail)
                except Exception as error:  # a shape the parameter cannot broadcast to
                    raise ShapeError(
                        f"{type(self).__name__}.expand: batch shape {self._batch_shape} does "
                        f"not broadcast to {batch_shape}"
                    ) from error
        new._batch_shape = batch_shape
        return new

    def sample(self, sample_shape: Any = (), generator: Any = None) -> Tensor:
        """A draw of shape `sample_shape + batch_shape + event_shape`, outside the graph."""
        with no_grad():
            return self.rsample(sample_shape, generator=generator).detach()

    def rsample(self, sample_shape: Any = (), generator: Any = None) -> Tensor:
        """A draw that keeps the graph (only where `has_rsample`)."""
        raise UnsupportedError(
            f"{type(self).__name__} has no rsample (it is not reparameterisable); use sample()"
        )

    def sample_n(self, n: int) -> Tensor:
        """`sample((n,))`."""
        return self.sample((n,))

    def _unsupported(self, what: str) -> UnsupportedError:
        return UnsupportedError(f"{type(self).__name__} has no {what}")

    def log_prob(self, value: Any) -> Tensor:
        """The log density (or log mass) of `value`."""
        raise self._unsupported("log_prob")

    def cdf(self, value: Any) -> Tensor:
        """The cumulative distribution function at `value`."""
        raise self._unsupported("cdf")

    def icdf(self, value: Any) -> Tensor:
        """The inverse of the cumulative distribution function."""
        raise self._unsupported("icdf")

    def entropy(self) -> Tensor:
        """The entropy of each distribution of the batch."""
        raise self._unsupported("entropy")

    def enumerate_support(self, expand: bool = True) -> Tensor:
        """Every value of a discrete support, along a new leading dim."""
        raise self._unsupported("enumerate_support")

    def perplexity(self) -> Tensor:
        """`exp(entropy)`."""
        return self.entropy().exp()

    @property
    def mean(self) -> Tensor:
        """The mean."""
        raise self._unsupported("mean")

    @property
    def mode(self) -> Tensor:
        """The mode."""
        raise self._unsupported("mode")

    @property
    def variance(self) -> Tensor:
        """The variance."""
        raise self._unsupported("variance")

    @property
    def stddev(self) -> Tensor:
        """The standard deviation."""
        return self.variance.sqrt()

    def _validate_sample(self, value: Any) -> Tensor:
        value = to_tensor(value)
        if not self._validate_args:
            return value
        event = self._event_shape
        if event and tuple(value.shape[value.ndim - len(event) :]) != event:
            raise ShapeError(
                f"{type(self).__name__}: the value's rightmost dims {tuple(value.shape)} must "
                f"be the event shape {event}"
            )
        try:
            np.broadcast_shapes(tuple(value.shape), self._batch_shape + event)
        except ValueError as error:
            raise ShapeError(
                f"{type(self).__name__}: a value of shape {tuple(value.shape)} does not "
                f"broadcast to the batch and event shape {self._batch_shape + event}"
            ) from error
        support = self.support
        if support is not None and not np.all(support.check(value)):
            raise InvalidArgumentError(
                f"Expected value argument ({type(value).__name__} of shape "
                f"{tuple(value.shape)}) to be within the support ({support}) of the "
                f"distribution {self!r}, but found invalid values (values must be "
                f"{support.description})"
            )
        return value

    def __repr__(self) -> str:
        parts = []
        for name in self.arg_constraints:
            value = self.__dict__.get(name)
            if isinstance(value, Tensor):
                parts.append(f"{name}: {tuple(value.shape) if value.ndim else value.item()}")
        return f"{type(self).__name__}({', '.join(parts)})"


__all__ = ["Distribution"]
