"""`MultivariateNormal` from a covariance, a precision or a lower Cholesky factor."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from retrograd.distributions import constraints
from retrograd.distributions.distribution import (
    Distribution,
    _float,
    draws_like,
    lazy_property,
)
from retrograd.errors import InvalidArgumentError, ShapeError
from retrograd.ops.special import Cholesky, SolveTriangular
from retrograd.random import resolve_generator
from retrograd.tensor import Tensor, apply


def _batch_mv(matrix: Tensor, vector: Tensor) -> Tensor:
    return (matrix @ vector.unsqueeze(-1)).squeeze(-1)


def _solve_lower(low: Tensor, b: Tensor) -> Tensor:
    """`L^-1 b` for vectors `b` (`(..., n)`), batches broadcast."""
    batch = tuple(np.broadcast_shapes(tuple(low.shape[:-2]), tuple(b.shape[:-1])))
    n = low.shape[-1]
    low = low.expand((*batch, n, n))
    column = b.expand((*batch, n)).unsqueeze(-1)
    return apply(SolveTriangular, low, column).squeeze(-1)


def _half_log_det(scale_tril: Tensor) -> Tensor:
    return scale_tril.diagonal(dim1=-2, dim2=-1).log().sum(-1)


class MultivariateNormal(Distribution):
    """The multivariate normal with mean `loc`, given one of `covariance_matrix`,
    `precision_matrix` and `scale_tril` (its lower Cholesky factor).

    Args:
        loc: `(..., n)` means.
        covariance_matrix: `(..., n, n)` symmetric positive-definite covariances.
        precision_matrix: `(..., n, n)` inverse covariances.
        scale_tril: `(..., n, n)` lower-triangular factors with a positive diagonal.
        validate_args: check the parameters and values.
    """

    arg_constraints = {
        "loc": constraints.real_vector,
        "covariance_matrix": constraints.positive_definite,
        "precision_matrix": constraints.positive_definite,
        "scale_tril": constraints.lower_cholesky,
    }
    support = constraints.real_vector
    has_rsample = True
    _params = (
        ("loc", 1),
        ("covariance_matrix", 2),
        ("precision_matrix", 2),
        ("scale_tril", 2),
        ("_unbroadcasted_scale_tril", 2),
    )

    def __init__(
        self,
        loc: Any,
        covariance_matrix: Any = None,
        precision_matrix: Any = None,
        scale_tril: Any = None,
        validate_args: bool | None = None,
    ) -> None:
        given = [m is not None for m in (covariance_matrix, precision_matrix, scale_tril)]
        if sum(given) != 1:
            raise InvalidArgumentError(
                "MultivariateNormal: give exactly one of covariance_matrix, precision_matrix "
                "and scale_tril"
            )
        loc = _float(loc)
        if loc.ndim < 1:
            raise ShapeError("MultivariateNormal: loc must be at least one-dimensional")
        matrix = _float(
            next(m for m in (covariance_matrix, precision_matrix, scale_tril) if m is not None)
        )
        if matrix.ndim < 2 or matrix.shape[-1] != matrix.shape[-2]:
            raise ShapeError(
                "MultivariateNormal: the matrix must be at least two-dimensional and square, "
                f"got shape {tuple(matrix.shape)}"
            )
        if matrix.shape[-1] != loc.shape[-1]:
            raise ShapeError(
                f"MultivariateNormal: loc of shape {tuple(loc.shape)} does not fit a matrix "
                f"of shape {tuple(matrix.shape)}"
            )
        batch = tuple(np.broadcast_shapes(tuple(matrix.shape[:-2]), tuple(loc.shape[:-1])))
        n = loc.shape[-1]
        full = (*batch, n, n)
        if scale_tril is not None:
            self.scale_tril = matrix.expand(full)
            self._unbroadcasted_scale_tril = matrix
        elif covariance_matrix is not None:
            self.covariance_matrix = matrix.expand(full)
            self._unbroadcasted_scale_tril = self._cholesky(matrix)
        else:
            self.precision_matrix = matrix.expand(full)
            from retrograd.linalg import inv

            self._unbroadcasted_scale_tril = self._cholesky(inv(matrix))
        self.loc = loc.expand((*batch, n))
        super().__init__(batch, (n,), validate_args=validate_args)

    @staticmethod
    def _cholesky(matrix: Tensor) -> Tensor:
        try:
            return apply(Cholesky, matrix)
        except (np.linalg.LinAlgError, InvalidArgumentError) as error:
            raise InvalidArgumentError(
                "MultivariateNormal: the matrix is not positive-definite"
            ) from error

    @lazy_property
    def scale_tril(self) -> Tensor:
        """The lower Cholesky factor of the covariance."""
        n = self.event_shape[0]
        return self._unbroadcasted_scale_tril.expand((*self.batch_shape, n, n))

    @lazy_property
    def covariance_matrix(self) -> Tensor:
        """`scale_tril @ scale_tril^T`."""
        low = self._unbroadcasted_scale_tril
        n = self.event_shape[0]
        return (low @ low.transpose(-1, -2)).expand((*self.batch_shape, n, n))

    @lazy_property
    def precision_matrix(self) -> Tensor:
        """The inverse covariance."""
        from retrograd.linalg import inv

        return inv(self.covariance_matrix)

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
        """The diagonal of the covariance."""
        low = self._unbroadcasted_scale_tril
        return (low**2).sum(-1).expand(self.batch_shape + self.event_shape)

    def rsample(self, sample_shape: Any = (), generator: Any = None) -> Tensor:
        """`loc + scale_tril @ eps` with standard normal `eps` (reparameterised)."""
        shape = self._extended_shape(sample_shape)
        eps = resolve_generator(generator).standard_normal(shape).astype(self.loc.dtype)
        return self.loc + _batch_mv(self._unbroadcasted_scale_tril, draws_like(eps, self.loc))

    def log_prob(self, value: Any) -> Tensor:
        """`-(n log(2 pi) + |L^-1 (x - loc)|^2) / 2 - log det L`."""
        x = _float(self._validate_sample(value))
        diff = x - self.loc
        m = (_solve_lower(self._unbroadcasted_scale_tril, diff) ** 2).sum(-1)
        n = self.event_shape[0]
        half_log_det = _half_log_det(self._unbroadcasted_scale_tril)
        return -0.5 * (n * math.log(2 * math.pi) + m) - half_log_det

    def entropy(self) -> Tensor:
        """`n (1 + log(2 pi)) / 2 + log det L`."""
        n = self.event_shape[0]
        h = 0.5 * n * (1.0 + math.log(2 * math.pi)) + _half_log_det(self._unbroadcasted_scale_tril)
        return h.expand(self.batch_shape) if self.batch_shape else h


__all__ = ["MultivariateNormal"]
