"""Reductions of a Tensor (sum, mean, var, max(dim), logsumexp, ...), as a mixin of `Tensor`."""

from __future__ import annotations

import builtins
from collections import namedtuple
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from retrograd import ops
from retrograd.backend.arrays import as_array
from retrograd.errors import DTypeError, InvalidArgumentError, ShapeError
from retrograd.ops.nograd import NoGrad
from retrograd.tensor.dispatch import (
    _normalize_axes,
    _normalize_dim,
    _pick_dim,
    _pick_keepdim,
    _wrap,
    apply,
    is_tensor,
)
from retrograd.tensor.numpy_names import accept_numpy_names

if TYPE_CHECKING:
    from retrograd.tensor.core import Tensor

#: what `max(dim)` / `min(dim)` return, as in PyTorch
MaxMin = namedtuple("MaxMin", ["values", "indices"])


def _extremum(
    tensor: Any, largest: bool, dim: Any, keepdim: bool, axis: Any, keepdims: bool | None
) -> Tensor:
    """amax/amin: the largest (smallest) values over `dim` (all by default)."""
    axes, keep = _reduction_args(tensor.ndim, dim, axis, keepdim, keepdims)
    tensor._check_nonempty("amax" if largest else "amin")
    return apply(ops.Extremum, tensor, axis=axes, keepdims=keep, largest=largest)


def _max_min(
    tensor: Any, largest: bool, dim: Any, keepdim: bool, axis: Any, keepdims: bool | None
) -> Any:
    """max/min: of all values (no `dim`), `MaxMin(values, indices)` along one `dim`, or the
    elementwise maximum (minimum) with a tensor."""
    if is_tensor(dim):
        return tensor.maximum(dim) if largest else tensor.minimum(dim)
    picked = _pick_dim(dim, axis)
    keep = _pick_keepdim(keepdim, keepdims)
    if picked is None:
        return _extremum(tensor, largest, None, False, None, None)
    tensor._check_nonempty("max" if largest else "min")
    axis_ = _normalize_dim(int(picked), tensor.ndim)
    if tensor.ndim == 0:
        return MaxMin(tensor, _wrap(np.zeros_like(tensor.array, dtype=np.int64)))
    pick = np.argmax if largest else np.argmin
    indices = np.expand_dims(pick(tensor.array, axis=axis_), axis_)
    values = apply(ops.Gather, tensor, indices=indices, axis=axis_)
    if not keep:
        values = values.squeeze(axis_)
        indices = np.squeeze(indices, axis_)
    return MaxMin(values, _wrap(indices.astype(np.int64)))


def _extreme_method(name: str, reduce: Callable[..., Any], largest: bool, doc: str) -> Any:
    """The method `name` (amax, amin, max or min): `reduce` of the largest (smallest) values,
    with PyTorch's and NumPy's arguments."""

    def method(
        self: Any,
        dim: Any = None,
        keepdim: bool = False,
        *,
        axis: Any = None,
        keepdims: bool | None = None,
    ) -> Any:
        return reduce(self, largest, dim, keepdim, axis, keepdims)

    method.__name__, method.__qualname__, method.__doc__ = name, f"ReductionMethods.{name}", doc
    return method


@accept_numpy_names
class ReductionMethods:
    """Reductions; `dim`/`axis` and `keepdim`/`keepdims` are both accepted."""

    __slots__ = ()

    def sum(
        self: Any,
        dim: Any = None,
        keepdim: builtins.bool = False,
        *,
        axis: Any = None,
        keepdims: builtins.bool | None = None,
        dtype: Any = None,
    ) -> Tensor:
        """The sum over `dim` (or all values)."""
        source = _accumulator(self, dtype)
        axes, keep = _reduction_args(self.ndim, dim, axis, keepdim, keepdims)
        return _as_requested(apply(ops.Sum, source, axis=axes, keepdims=keep), source, dtype)

    def mean(
        self: Any,
        dim: Any = None,
        keepdim: builtins.bool = False,
        *,
        axis: Any = None,
        keepdims: builtins.bool | None = None,
        dtype: Any = None,
    ) -> Tensor:
        """The mean over `dim` (or all values)."""
        source = self if dtype is None else self.type(dtype)
        if source.array.dtype.kind != "f":
            raise DTypeError(
                f"mean() needs a floating-point tensor, got {source.dtype}; call .float() first"
            )
        axes, keep = _reduction_args(self.ndim, dim, axis, keepdim, keepdims)
        return apply(ops.Sum, source, axis=axes, keepdims=keep) / _count(self.shape, axes)

    def prod(
        self: Any,
        dim: builtins.int | None = None,
        keepdim: builtins.bool = False,
        *,
        axis: Any = None,
        keepdims: builtins.bool | None = None,
        dtype: Any = None,
    ) -> Tensor:
        """The product over `dim` (or all values), computed in `dtype` when given."""
        source = _accumulator(self, dtype)
        axes, keep = _reduction_args(self.ndim, dim, axis, keepdim, keepdims, one_dim=True)
        return _as_requested(apply(ops.Prod, source, axis=axes, keepdims=keep), source, dtype)

    def var(
        self: Any,
        dim: Any = None,
        unbiased: builtins.bool | None = None,
        keepdim: builtins.bool = False,
        *,
        correction: builtins.float | None = None,
        axis: Any = None,
        keepdims: builtins.bool | None = None,
    ) -> Tensor:
        """Variance with PyTorch's default Bessel correction (divides by N - 1)."""
        dim, correction = _dof_args(dim, unbiased, correction)
        axes, keep = _reduction_args(self.ndim, dim, axis, keepdim, keepdims)
        centred = self - self.mean(axes, keepdim=True)
        squares = (centred * centred).sum(axes, keepdim=keep)
        return squares / max(_count(self.shape, axes) - correction, 0)

    def std(
        self: Any,
        dim: Any = None,
        unbiased: builtins.bool | None = None,
        keepdim: builtins.bool = False,
        *,
        correction: builtins.float | None = None,
        axis: Any = None,
        keepdims: builtins.bool | None = None,
    ) -> Tensor:
        """Standard deviation: the 2-norm of the deviations over sqrt(N - correction), so that
        the gradient on a constant input is 0 (PyTorch's), not the 0 * inf of sqrt(var)."""
        dim, correction = _dof_args(dim, unbiased, correction)
        axes, keep = _reduction_args(self.ndim, dim, axis, keepdim, keepdims)
        dof = _count(self.shape, axes) - correction
        if dof <= 0:  # no degrees of freedom: NaN, and NaN gradients, as in PyTorch
            return self.var(axes, keepdim=keep, correction=correction).sqrt()
        centred = self - self.mean(axes, keepdim=True)
        return centred.norm(2, axes, keepdim=keep) / builtins.float(np.sqrt(dof))

    amax = _extreme_method(
        "amax", _extremum, True, "The maximum over `dim` (ties share the gradient)."
    )
    amin = _extreme_method(
        "amin", _extremum, False, "The minimum over `dim` (ties share the gradient)."
    )
    max = _extreme_method(
        "max",
        _max_min,
        True,
        "max() -> the largest value; max(dim) -> (values, indices); max(tensor) -> maximum.",
    )
    min = _extreme_method(
        "min",
        _max_min,
        False,
        "min() -> the smallest value; min(dim) -> (values, indices); min(tensor) -> minimum.",
    )

    def argmax(
        self, dim: builtins.int | None = None, keepdim: builtins.bool = False, *, axis: Any = None
    ) -> Tensor:
        """The index of the maximum (over `dim`, or flattened)."""
        return self._arg_extreme(_pick_dim(dim, axis), keepdim, np.argmax)

    def argmin(
        self, dim: builtins.int | None = None, keepdim: builtins.bool = False, *, axis: Any = None
    ) -> Tensor:
        """The index of the minimum (over `dim`, or flattened)."""
        return self._arg_extreme(_pick_dim(dim, axis), keepdim, np.argmin)

    def _arg_extreme(
        self: Any, picked: Any, keep: builtins.bool, pick: Callable[..., Any]
    ) -> Tensor:
        self._check_nonempty("argmax/argmin")
        if picked is None:
            return apply(NoGrad, self, fn=_flat_arg_extreme, pick=pick, keepdim=keep)
        axis_ = _normalize_dim(int(picked), self.ndim)
        return apply(NoGrad, self, fn=_arg_extreme_along, pick=pick, axis=axis_, keepdim=keep)

    def _check_nonempty(self: Any, what: str) -> None:
        if self.array.size == 0:
            raise ShapeError(f"{what}() of an empty tensor (shape {self.shape}) has no value")

    def logsumexp(
        self: Any,
        dim: Any = None,
        keepdim: builtins.bool = False,
        *,
        axis: Any = None,
        keepdims: builtins.bool | None = None,
    ) -> Tensor:
        """log(sum(exp(x))), shifted by the (constant) max so it never overflows."""
        axes, keep = _reduction_args(self.ndim, dim, axis, keepdim, keepdims)
        source = self._floating()
        shift = (
            np.max(source.array, axis=axes, keepdims=True)
            if source.array.size
            else np.zeros_like(source.array, shape=(), dtype=np.float64)
        )
        shift = np.where(np.isfinite(shift), shift, 0).astype(source.dtype)
        total = (source - _wrap(shift)).exp().sum(axes, keepdim=True)
        out = total.log() + _wrap(shift)
        if not keep:
            out = out.reshape(_reduced_shape(self.shape, axes))
        return out

    def norm(
        self: Any,
        p: builtins.float | str = 2,
        dim: Any = None,
        keepdim: builtins.bool = False,
        *,
        axis: Any = None,
        keepdims: builtins.bool | None = None,
    ) -> Tensor:
        """The vector p-norm over `dim` (all elements by default); p may be inf, -inf or 0.
        The gradient at a zero vector is 0, as in PyTorch."""
        if p == "fro":
            p = 2
        if isinstance(p, str):
            raise InvalidArgumentError(f"norm: p must be a number or 'fro', got {p!r}")
        axes, keep = _reduction_args(self.ndim, dim, axis, keepdim, keepdims)
        return apply(ops.Norm, self._floating(), p=float(p), axis=axes, keepdims=keep)

    def cumsum(self: Any, dim: builtins.int, *, dtype: Any = None) -> Tensor:
        """Cumulative sum along `dim`, as a product with a triangular matrix (differentiable).

        Integer and bool tensors give int64 (as in PyTorch) unless `dtype` says otherwise.
        """
        source = _accumulator(self, dtype)
        axis_ = _normalize_dim(dim, self.ndim)
        if source.array.dtype.kind != "f":
            out = apply(NoGrad, source, fn=np.cumsum, axis=axis_ if source.ndim else None)
            return _as_requested(out.reshape(self.shape), source, dtype)
        if dtype is not None:
            return source.cumsum(dim)
        if self.ndim == 0:  # dims 0 and -1 of a 0-d tensor: the value itself, as in PyTorch
            return self.clone()
        n = self.shape[axis_]
        lower = _wrap(np.tril(np.ones_like(self.array, shape=(n, n))))
        moved = self.transpose(axis_, -1) if self.ndim > 1 else self
        return (moved @ lower.T).transpose(axis_, -1) if self.ndim > 1 else moved @ lower.T


def _reduction_args(
    ndim: int, dim: Any, axis: Any, keepdim: bool, keepdims: bool | None, one_dim: bool = False
) -> tuple[Any, bool]:
    """`(axes, keepdim)` of a reduction from PyTorch's spelling (`dim`, `keepdim`) or NumPy's
    (`axis`, `keepdims`): axes as `_normalize_axes` gives them (None: all), `one_dim` for the
    reductions whose `dim` is a single int (`prod`)."""
    dim = _pick_dim(dim, axis)
    if dim is not None:
        dim = _normalize_axes(int(dim) if one_dim else dim, ndim)
    return dim, bool(keepdim if keepdims is None else keepdims)


def _dof_args(dim: Any, unbiased: Any, correction: Any) -> tuple[Any, Any]:
    """`(dim, correction)` of var/std: `unbiased` (a bool) picks correction 1 or 0 unless
    `correction` is given (default 1, Bessel's); any other `unbiased` is `dim` given by position,
    as in `var(dim)`."""
    if isinstance(unbiased, bool):
        if correction is None:
            correction = 1 if unbiased else 0
    elif unbiased is not None:
        dim = unbiased
    return dim, 1 if correction is None else correction


def _accumulator(tensor: Tensor, dtype: Any) -> Tensor:
    """What a sum or product runs over: `dtype` when given, else int64 for bool and integer
    tensors (PyTorch's rule: integer sums and products do not overflow their input dtype)."""
    if dtype is not None:
        return tensor.type(dtype)
    if tensor.array.dtype.kind in "biu" and tensor.array.dtype != np.int64:
        return tensor.long()
    return tensor


def _as_requested(out: Tensor, source: Tensor, dtype: Any) -> Tensor:
    """`out` in the dtype asked for (NumPy widens small integer sums; PyTorch keeps `dtype`)."""
    if dtype is not None and out.array.dtype != source.array.dtype:
        return out.type(source.dtype)
    return out


def _count(shape: tuple[int, ...], axes: Any) -> int:
    if axes is None:
        return int(np.prod(shape))
    if isinstance(axes, int):
        return shape[axes]
    return int(np.prod([shape[a] for a in axes]))


def _reduced_shape(shape: tuple[int, ...], axes: Any) -> tuple[int, ...]:
    if axes is None:
        return ()
    dropped = {axes} if isinstance(axes, int) else set(axes)
    return tuple(s for i, s in enumerate(shape) if i not in dropped)


def _flat_arg_extreme(x: np.ndarray, pick: Callable[..., Any], keepdim: bool) -> np.ndarray:
    index = as_array(pick(x)).astype(np.int64, copy=False)
    return index.reshape((1,) * x.ndim) if keepdim else index


def _arg_extreme_along(
    x: np.ndarray, pick: Callable[..., Any], axis: int, keepdim: bool
) -> np.ndarray:
    return as_array(pick(x, axis=axis, keepdims=keepdim)).astype(np.int64, copy=False)
