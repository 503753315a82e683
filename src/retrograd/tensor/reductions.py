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
        axes = _normalize_axes(_pick_dim(dim, axis), self.ndim)
        out = apply(ops.Sum, source, axis=axes, keepdims=_pick_keepdim(keepdim, keepdims))
        return _as_requested(out, source, dtype)

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
        axes = _normalize_axes(_pick_dim(dim, axis), self.ndim)
        total = apply(ops.Sum, source, axis=axes, keepdims=_pick_keepdim(keepdim, keepdims))
        return total / _count(self.shape, axes)

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
        picked = _pick_dim(dim, axis)
        axes = None if picked is None else _normalize_axes(int(picked), self.ndim)
        out = apply(ops.Prod, source, axis=axes, keepdims=_pick_keepdim(keepdim, keepdims))
        return _as_requested(out, source, dtype)

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
        if isinstance(unbiased, bool) and correction is None:
            correction = 1 if unbiased else 0
        elif unbiased is not None and not isinstance(unbiased, bool):  # var(dim) passed by position
            dim, unbiased = unbiased, None
        if correction is None:
            correction = 1
        axes = _normalize_axes(_pick_dim(dim, axis), self.ndim)
        keep = _pick_keepdim(keepdim, keepdims)
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
        if isinstance(unbiased, bool) and correction is None:
            correction = 1 if unbiased else 0
        elif unbiased is not None and not isinstance(unbiased, bool):  # std(dim) by position
            dim, unbiased = unbiased, None
        if correction is None:
            correction = 1
        axes = _normalize_axes(_pick_dim(dim, axis), self.ndim)
        keep = _pick_keepdim(keepdim, keepdims)
        dof = _count(self.shape, axes) - correction
        if dof <= 0:  # no degrees of freedom: NaN, and NaN gradients, as in PyTorch
            return self.var(axes, keepdim=keep, correction=correction).sqrt()
        centred = self - self.mean(axes, keepdim=True)
        return centred.norm(2, axes, keepdim=keep) / builtins.float(np.sqrt(dof))

    def amax(
        self: Any,
        dim: Any = None,
        keepdim: builtins.bool = False,
        *,
        axis: Any = None,
        keepdims: builtins.bool | None = None,
    ) -> Tensor:
        """The maximum over `dim` (ties share the gradient)."""
        axes = _normalize_axes(_pick_dim(dim, axis), self.ndim)
        self._check_nonempty("amax")
        return apply(
            ops.Extremum, self, axis=axes, keepdims=_pick_keepdim(keepdim, keepdims), largest=True
        )

    def amin(
        self: Any,
        dim: Any = None,
        keepdim: builtins.bool = False,
        *,
        axis: Any = None,
        keepdims: builtins.bool | None = None,
    ) -> Tensor:
        """The minimum over `dim` (ties share the gradient)."""
        axes = _normalize_axes(_pick_dim(dim, axis), self.ndim)
        self._check_nonempty("amin")
        return apply(
            ops.Extremum, self, axis=axes, keepdims=_pick_keepdim(keepdim, keepdims), largest=False
        )

    def max(
        self: Any,
        dim: Any = None,
        keepdim: builtins.bool = False,
        *,
        axis: Any = None,
        keepdims: builtins.bool | None = None,
    ) -> Any:
        """max() -> the largest value; max(dim) -> (values, indices); max(tensor) -> maximum."""
        return self._extreme(dim, keepdim, axis, keepdims, largest=True)

    def min(
        self: Any,
        dim: Any = None,
        keepdim: builtins.bool = False,
        *,
        axis: Any = None,
        keepdims: builtins.bool | None = None,
    ) -> Any:
        """min() -> the smallest value; min(dim) -> (values, indices); min(tensor) -> minimum."""
        return self._extreme(dim, keepdim, axis, keepdims, largest=False)

    def _extreme(
        self: Any,
        dim: Any,
        keepdim: builtins.bool,
        axis: Any,
        keepdims: builtins.bool | None,
        largest: builtins.bool,
    ) -> Any:
        if is_tensor(dim):
            return self.maximum(dim) if largest else self.minimum(dim)
        picked = _pick_dim(dim, axis)
        keep = _pick_keepdim(keepdim, keepdims)
        if picked is None:
            return self.amax() if largest else self.amin()
        self._check_nonempty("max" if largest else "min")
        axis_ = _normalize_dim(int(picked), self.ndim)
        pick = np.argmax if largest else np.argmin
        indices = (
            np.expand_dims(pick(self.array, axis=axis_), axis_)
            if self.ndim
            else np.zeros_like(self.array, dtype=np.int64)
        )
        if self.ndim == 0:
            return MaxMin(self, _wrap(indices))
        values = apply(ops.Gather, self, indices=indices, axis=axis_)
        if not keep:
            values = values.squeeze(axis_)
            indices = np.squeeze(indices, axis_)
        return MaxMin(values, _wrap(indices.astype(np.int64)))

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
        self: Any, dim: Any, keepdim: builtins.bool, pick: Callable[..., Any]
    ) -> Tensor:
        self._check_nonempty("argmax/argmin")
        if dim is None:
            return apply(NoGrad, self, fn=_flat_arg_extreme, pick=pick, keepdim=keepdim)
        axis_ = _normalize_dim(int(dim), self.ndim)
        return apply(NoGrad, self, fn=_arg_extreme_along, pick=pick, axis=axis_, keepdim=keepdim)

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
        axes = _normalize_axes(_pick_dim(dim, axis), self.ndim)
        keep = _pick_keepdim(keepdim, keepdims)
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
        axes = _normalize_axes(_pick_dim(dim, axis), self.ndim)
        return apply(
            ops.Norm,
            self._floating(),
            p=float(p),
            axis=axes,
            keepdims=_pick_keepdim(keepdim, keepdims),
        )

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
