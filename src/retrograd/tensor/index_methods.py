"""Sorting, triangles and diagonals, selection and scatter methods of a Tensor, as a mixin
(sort, argsort, topk, tril, triu, diagonal, diag, roll, unfold, repeat_interleave, narrow,
index_select, masked_select, nonzero, scatter, scatter_add, scatter_reduce, multinomial), and
`meshgrid`. Each is built on an indexing primitive, so gradients need no new rules except the
scatters' (see `retrograd.ops.scatter`)."""

from __future__ import annotations

import builtins
from collections import namedtuple
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from retrograd import ops
from retrograd.autograd.grad_mode import grad_state
from retrograd.backend.arrays import as_array, is_host, namespace, to_host, zeros
from retrograd.errors import DTypeError, IndexRangeError, InvalidArgumentError, ShapeError
from retrograd.ops.nograd import NoGrad
from retrograd.ops.scatter import Scatter, ScatterReduce
from retrograd.tensor.dispatch import _normalize_dim, _wrap, apply, is_tensor, to_tensor
from retrograd.tensor.numpy_names import accept_numpy_names

if TYPE_CHECKING:
    from retrograd.tensor.core import Tensor

#: what `sort` / `topk` return, as `torch.return_types.sort` and `.topk`
sort_result = namedtuple("sort", ["values", "indices"])  # type: ignore[name-match]
topk_result = namedtuple("topk", ["values", "indices"])  # type: ignore[name-match]

_SCATTER_REDUCTIONS = ("sum", "prod", "mean", "amax", "amin")


def _index_array(index: Any, what: str, like: Any) -> np.ndarray:
    """`index` as an int64 array on the device of the array `like` (a host index is copied to
    a GPU's)."""
    array = as_array(index.array if is_tensor(index) else index)
    if array.dtype.kind not in "iu":
        raise DTypeError(f"{what} expects an integer index tensor, got {array.dtype}")
    if type(like) is not np.ndarray and is_host(array):
        array = namespace(like).asarray(array)
    return array.astype(np.int64, copy=False)


def _sort_order(x: np.ndarray, axis: int, descending: bool) -> np.ndarray:
    """Stable argsort along `axis`; descending keeps tied elements in their original order
    and puts NaN first (PyTorch puts NaN above every number)."""
    if not descending:
        return np.argsort(x, axis=axis, kind="stable").astype(np.int64)
    if x.dtype.kind == "f":
        key = np.where(np.isnan(x), -np.inf, -x)
        order = np.argsort(key, axis=axis, kind="stable")
        # NaN and +inf share the key -inf: NaN goes first among them
        nan_first = np.argsort(~np.isnan(np.take_along_axis(x, order, axis)), axis, kind="stable")
        order = np.take_along_axis(order, nan_first, axis)
    else:
        order = np.argsort(np.invert(x), axis=axis, kind="stable")  # ~ reverses integer order
    return order.astype(np.int64)


def _triangle_mask(shape: tuple[int, ...], diagonal: int, lower: bool, like: Any) -> np.ndarray:
    """The triangle of a matrix of `shape[-2:]` as a bool mask, on the device of `like`."""
    xp = namespace(like)
    ones = xp.ones(shape[-2:], dtype=bool)
    return xp.tril(ones, diagonal) if lower else xp.triu(ones, diagonal)


@accept_numpy_names
class IndexMethods:
    """Sorting, triangles, selection and scatter; see the module docstring."""

    __slots__ = ()

    # ------------------------------------------------------------------ sorting
    def sort(
        self: Any,
        dim: builtins.int = -1,
        descending: builtins.bool = False,
        *,
        stable: builtins.bool = False,
    ) -> Any:
        """(values, indices) sorted along `dim`; the sort is always stable."""
        if self.ndim == 0:
            return sort_result(self.clone(), _wrap(zeros((), np.int64, like=self.array)))
        axis_ = _normalize_dim(dim, self.ndim)
        order = _sort_order(self.array, axis_, descending)
        return sort_result(apply(ops.Gather, self, indices=order, axis=axis_), _wrap(order))

    def argsort(
        self: Any,
        dim: builtins.int = -1,
        descending: builtins.bool = False,
        *,
        stable: builtins.bool = False,
    ) -> Tensor:
        """The indices that sort the tensor along `dim`."""
        return self.sort(dim, descending, stable=stable).indices

    def msort(self: Any) -> Tensor:
        """Sorted along dim 0."""
        return self.sort(0).values

    def topk(
        self: Any,
        k: builtins.int,
        dim: builtins.int = -1,
        largest: builtins.bool = True,
        sorted: builtins.bool = True,  # noqa: A002 - PyTorch's name
    ) -> Any:
        """(values, indices) of the k largest (or smallest) elements along `dim`."""
        axis_ = _normalize_dim(dim, self.ndim)
        length = self.shape[axis_] if self.ndim else 1
        if not 0 <= k <= length:
            raise IndexRangeError(f"topk: k={k} is out of range for dim {dim} of size {length}")
        if self.ndim == 0:
            return topk_result(self.clone(), _wrap(zeros((), np.int64, like=self.array)))
        order = _sort_order(self.array, axis_, descending=largest)
        order = np.take(order, namespace(order).arange(k), axis=axis_)
        return topk_result(apply(ops.Gather, self, indices=order, axis=axis_), _wrap(order))

    # ------------------------------------------------------------------ triangles, diagonals
    def tril(self: Any, diagonal: builtins.int = 0) -> Tensor:
        """The lower triangle of the last two dims (on and below `diagonal`), zeros elsewhere."""
        return self._triangle(diagonal, lower=True)

    def triu(self: Any, diagonal: builtins.int = 0) -> Tensor:
        """The upper triangle of the last two dims (on and above `diagonal`), zeros elsewhere."""
        return self._triangle(diagonal, lower=False)

    def _triangle(self: Any, diagonal: builtins.int, lower: builtins.bool) -> Tensor:
        from retrograd.tensor.core import where

        if self.ndim < 2:
            raise ShapeError(
                f"{'tril' if lower else 'triu'} needs a tensor with at least 2 dimensions, "
                f"got shape {self.shape}"
            )
        # a zero of self's own dtype: bool and integer tensors keep their dtype, as in PyTorch
        zero = _wrap(zeros((), self.array.dtype, like=self.array))
        mask = _triangle_mask(self.shape, diagonal, lower, like=self.array)
        return where(_wrap(mask), self, zero)

    def tril_(self: Any, diagonal: builtins.int = 0) -> Tensor:
        """In-place `tril`."""
        return self._inplace(lambda old: old.tril(diagonal))

    def triu_(self: Any, diagonal: builtins.int = 0) -> Tensor:
        """In-place `triu`."""
        return self._inplace(lambda old: old.triu(diagonal))

    def diagonal(
        self: Any, offset: builtins.int = 0, dim1: builtins.int = 0, dim2: builtins.int = 1
    ) -> Tensor:
        """The diagonal of the (dim1, dim2) planes, as a new last dim."""
        if self.ndim < 2:
            raise ShapeError(f"diagonal needs at least 2 dimensions, got shape {self.shape}")
        a, b = _normalize_dim(dim1, self.ndim), _normalize_dim(dim2, self.ndim)
        if a == b:
            raise InvalidArgumentError(f"diagonal: dim1 and dim2 are the same dim ({dim1})")
        rest = [d for d in range(self.ndim) if d not in (a, b)]
        moved = self.permute(*rest, a, b)
        row0, col0 = max(-offset, 0), max(offset, 0)
        n = max(min(moved.shape[-2] - row0, moved.shape[-1] - col0), 0)
        rows, cols = np.arange(n) + row0, np.arange(n) + col0
        return apply(ops.GetItem, moved, index=(Ellipsis, rows, cols))

    def diag(self: Any, diagonal: builtins.int = 0) -> Tensor:
        """A 1-d tensor -> the square matrix with it on `diagonal`; a 2-d one -> its diagonal."""
        if self.ndim == 2:
            return self.diagonal(diagonal)
        if self.ndim != 1:
            raise ShapeError(f"diag needs a 1-d or 2-d tensor, got shape {self.shape}")
        n = self.shape[0] + abs(diagonal)
        rows = np.arange(self.shape[0]) + max(-diagonal, 0)
        cols = np.arange(self.shape[0]) + max(diagonal, 0)
        square = _wrap(zeros((n, n), self.array.dtype, like=self.array))
        return apply(ops.IndexPut, square, self, index=(rows, cols))

    # ------------------------------------------------------------------ rearranging
    def roll(self: Any, shifts: Any, dims: Any = None) -> Tensor:
        """Shift elements along `dims` (of the flattened tensor when None), wrapping around."""
        if dims is None:
            return self.flatten().roll(shifts, 0).reshape(self.shape)
        shift_list = list(shifts) if isinstance(shifts, (tuple, list)) else [shifts]
        dim_list = list(dims) if isinstance(dims, (tuple, list)) else [dims]
        if len(shift_list) != len(dim_list):
            raise InvalidArgumentError(
                f"roll: shifts {shifts} and dims {dims} must have the same length"
            )
        out = self
        for shift, dim in zip(shift_list, dim_list):
            axis_ = _normalize_dim(dim, self.ndim)
            n = self.shape[axis_] if self.ndim else 1
            if n and int(shift) % n:
                order = (np.arange(n) - int(shift)) % n
                out = apply(ops.GetItem, out, index=(slice(None),) * axis_ + (order,))
        return out

    def unfold(
        self: Any, dimension: builtins.int, size: builtins.int, step: builtins.int
    ) -> Tensor:
        """All windows of `size` along `dimension`, `step` apart, as a new last dim."""
        axis_ = _normalize_dim(dimension, self.ndim)
        length = self.shape[axis_] if self.ndim else 1
        if size > length or step <= 0 or size < 0:
            raise ShapeError(
                f"unfold: size {size} (at most {length}) and step {step} (positive) do not fit "
                f"dim {dimension} of shape {self.shape}"
            )
        if self.ndim == 0:
            return self.reshape(1)
        count = (length - size) // step + 1
        windows = np.arange(count)[:, None] * step + np.arange(size)
        picked = apply(ops.GetItem, self, index=(slice(None),) * axis_ + (windows,))
        order = [d for d in range(picked.ndim) if d != axis_ + 1] + [axis_ + 1]
        return picked.permute(*order)

    def repeat_interleave(
        self: Any, repeats: Any, dim: builtins.int | None = None, *, output_size: Any = None
    ) -> Tensor:
        """Each element repeated `repeats` times (an int or one count per element) along
        `dim` (of the flattened tensor when None)."""
        source = self.flatten() if dim is None else self
        axis_ = 0 if dim is None else _normalize_dim(dim, self.ndim)
        counts = as_array(repeats.array if is_tensor(repeats) else repeats)
        order = np.repeat(namespace(counts).arange(source.shape[axis_]), counts)
        return source.index_select(axis_, order)

    def narrow(self: Any, dim: builtins.int, start: builtins.int, length: builtins.int) -> Tensor:
        """Elements start .. start + length - 1 along `dim`."""
        axis_ = _normalize_dim(dim, self.ndim)
        size = self.shape[axis_]
        begin = int(start) + size if int(start) < 0 else int(start)
        if not (0 <= begin <= size and 0 <= length and begin + length <= size):
            raise IndexRangeError(
                f"narrow: start {start} + length {length} exceeds dim {dim} of size {size}"
            )
        return self[(slice(None),) * axis_ + (slice(begin, begin + length),)]

    # ------------------------------------------------------------------ selection
    def index_select(self: Any, dim: builtins.int, index: Any) -> Tensor:
        """The entries `index` (1-d) along `dim`; repeated indices add their gradients."""
        axis_ = _normalize_dim(dim, self.ndim)
        order = _index_array(index, "index_select", like=self.array)
        if order.ndim > 1:
            raise ShapeError(f"index_select: index must be 1-d, got shape {order.shape}")
        size = self.shape[axis_] if self.ndim else 1
        if order.size and (order.min() < -size or order.max() >= size):
            raise IndexRangeError(f"index_select: index out of range for dim {dim} of size {size}")
        if self.ndim == 0:
            return self.reshape(1)[order.reshape(-1)].reshape(order.shape)
        return apply(ops.GetItem, self, index=(slice(None),) * axis_ + (order.reshape(-1),))

    def masked_select(self: Any, mask: Any) -> Tensor:
        """The elements where `mask` (broadcast with self) is True, as a 1-d tensor."""
        mask_array = as_array(mask.array if is_tensor(mask) else mask)
        if mask_array.dtype != np.bool_:
            raise DTypeError(f"masked_select expects a bool mask, got {mask_array.dtype}")
        shape = np.broadcast_shapes(self.shape, mask_array.shape)
        source = self.broadcast_to(shape)
        return apply(ops.GetItem, source, index=np.broadcast_to(mask_array, shape))

    def nonzero(self: Any, *, as_tuple: builtins.bool = False) -> Any:
        """Indices of the nonzero elements: (count, ndim) int64, or one 1-d tensor per dim."""
        found = apply(NoGrad, self, fn=np.argwhere)
        found = _wrap(found.array.astype(np.int64, copy=False))
        if not as_tuple:
            return found
        if self.ndim == 0:
            return (_wrap(np.flatnonzero(self.array).astype(np.int64)),)
        return tuple(found[:, d] for d in range(self.ndim))

    def argwhere(self: Any) -> Tensor:
        """The indices of the nonzero values, one row each."""
        return self.nonzero()

    def masked_fill_(self: Any, mask: Any, value: Any) -> Tensor:
        """In-place `masked_fill`."""
        return self._inplace(lambda old: old.masked_fill(mask, value), value)

    # ------------------------------------------------------------------ scatter
    def scatter(
        self: Any,
        dim: builtins.int,
        index: Any,
        src: Any = None,
        *,
        value: Any = None,
        reduce: str | None = None,
    ) -> Tensor:
        """A copy with `src[i][j]` written at `[index[i][j]][j]` (for dim 0; likewise for the
        other dims); `src` may be a scalar. `reduce="add"` or `"multiply"` combines instead."""
        axis_, order = self._scatter_args(dim, index, "scatter")
        source = self._scatter_source(src if src is not None else value, order)
        if reduce is None:
            return apply(Scatter, self, source, index=order, axis=axis_)
        if reduce not in ("add", "multiply"):
            raise InvalidArgumentError(
                f"scatter: reduce must be 'add' or 'multiply', got {reduce!r}"
            )
        kind = "sum" if reduce == "add" else "prod"
        return apply(ScatterReduce, self, source, index=order, axis=axis_, reduce=kind)

    def scatter_add(self: Any, dim: builtins.int, index: Any, src: Any) -> Tensor:
        """A copy with `src` added at `index` along `dim` (repeated indices add up)."""
        axis_, order = self._scatter_args(dim, index, "scatter_add")
        source = self._scatter_source(src, order)
        return apply(ScatterReduce, self, source, index=order, axis=axis_, reduce="sum")

    def scatter_reduce(
        self: Any,
        dim: builtins.int,
        index: Any,
        src: Any,
        reduce: str,
        *,
        include_self: builtins.bool = True,
    ) -> Tensor:
        """A copy with `src` reduced into it at `index` along `dim`: "sum", "prod", "mean",
        "amax" or "amin"; `include_self=False` leaves the old values of written places out."""
        if reduce not in _SCATTER_REDUCTIONS:
            raise InvalidArgumentError(
                f"scatter_reduce: reduce must be one of {_SCATTER_REDUCTIONS}, got {reduce!r}"
            )
        axis_, order = self._scatter_args(dim, index, "scatter_reduce")
        source = self._scatter_source(src, order)
        return apply(
            ScatterReduce,
            self,
            source,
            index=order,
            axis=axis_,
            reduce=reduce,
            include_self=include_self,
        )

    def scatter_(
        self: Any, dim: builtins.int, index: Any, src: Any = None, **kwargs: Any
    ) -> Tensor:
        """In-place `scatter`."""
        value = kwargs.get("value")
        return self._inplace(lambda old: old.scatter(dim, index, src, **kwargs), src, value)

    def scatter_add_(self: Any, dim: builtins.int, index: Any, src: Any) -> Tensor:
        """In-place `scatter_add`."""
        return self._inplace(lambda old: old.scatter_add(dim, index, src), src)

    def scatter_reduce_(
        self: Any, dim: builtins.int, index: Any, src: Any, reduce: str, **kwargs: Any
    ) -> Tensor:
        """In-place `scatter_reduce`."""
        return self._inplace(lambda old: old.scatter_reduce(dim, index, src, reduce, **kwargs), src)

    def _scatter_args(
        self: Any, dim: builtins.int, index: Any, what: str
    ) -> tuple[int, np.ndarray]:
        axis_ = _normalize_dim(dim, self.ndim)
        order = _index_array(index, what, like=self.array)
        if order.ndim != self.ndim or any(
            n > s for d, (n, s) in enumerate(zip(order.shape, self.shape)) if d != axis_
        ):
            raise ShapeError(
                f"{what}: index of shape {order.shape} does not fit self of shape {self.shape} "
                f"(same number of dims; index size <= self size outside dim {dim})"
            )
        size = self.shape[axis_] if self.ndim else 1
        if order.size and (order.min() < -size or order.max() >= size):
            raise IndexRangeError(f"{what}: index out of range for dim {dim} of size {size}")
        return axis_, np.where(order < 0, order + size, order)

    def _scatter_source(self: Any, src: Any, order: np.ndarray) -> Tensor:
        if src is None:
            raise InvalidArgumentError("scatter needs src or value")
        if not is_tensor(src):
            return _wrap(namespace(order).full(order.shape, src, dtype=self.array.dtype))
        if src.ndim != order.ndim or any(n > s for n, s in zip(order.shape, src.shape)):
            raise ShapeError(
                f"scatter: index of shape {order.shape} is larger than src of shape {src.shape}"
            )
        return src.type(self.dtype)

    def _inplace(self: Any, compute: Callable[[Any], Tensor], *others: Any) -> Tensor:
        """Run an out-of-place method and write its result into self (in the graph when self
        or a tensor argument requires grad)."""
        tracked = self.requires_grad or any(is_tensor(o) and o.requires_grad for o in others)
        if grad_state.enabled and tracked:
            return self._record_inplace(compute)
        result = compute(self)
        np.copyto(self._writable(), result.array, casting="unsafe")
        self._mark_modified()
        return self

    # ------------------------------------------------------------------ sampling
    def multinomial(
        self: Any,
        num_samples: builtins.int,
        replacement: builtins.bool = False,
        *,
        generator: Any = None,
    ) -> Tensor:
        """Indices drawn from the categorical distribution of each row's weights (int64)."""
        from retrograd.random import resolve_generator

        weights = to_host(self.array).astype(np.float64, copy=False)
        if weights.ndim not in (1, 2):
            raise ShapeError(f"multinomial needs a 1-d or 2-d tensor, got shape {self.shape}")
        rows = weights.reshape(-1, weights.shape[-1])
        if (rows < 0).any() or not np.isfinite(rows).all() or (rows.sum(axis=1) <= 0).any():
            raise InvalidArgumentError(
                "multinomial: weights must be finite, non-negative and have a positive sum"
            )
        if not replacement and num_samples > (rows > 0).sum(axis=1).min():
            raise InvalidArgumentError(
                f"multinomial: cannot draw {num_samples} samples without replacement from a row "
                f"with {(rows > 0).sum(axis=1).min()} categories of nonzero weight"
            )
        rng = resolve_generator(generator)
        drawn = np.stack(
            [
                rng.choice(row.size, size=num_samples, replace=replacement, p=row / row.sum())
                for row in rows
            ]
        ).astype(np.int64)
        drawn = drawn.reshape(weights.shape[:-1] + (num_samples,))
        if not is_host(self.array):  # drawn on the host, returned where the weights live
            drawn = namespace(self.array).asarray(drawn)
        return _wrap(drawn)


def meshgrid(*tensors: Any, indexing: str = "ij") -> tuple[Tensor, ...]:
    """Coordinate grids from 1-d tensors; "ij" (matrix, the default) or "xy" (Cartesian)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    items = [to_tensor(t).reshape(-1) for t in tensors]
    if indexing not in ("ij", "xy"):
        raise InvalidArgumentError(f"meshgrid: indexing must be 'ij' or 'xy', got {indexing!r}")
    swap = indexing == "xy" and len(items) >= 2
    if swap:
        items[0], items[1] = items[1], items[0]
    shape = tuple(t.shape[0] for t in items)
    grids = [
        t.reshape(tuple(-1 if d == i else 1 for d in range(len(items)))).expand(shape)
        for i, t in enumerate(items)
    ]
    if swap:
        grids[0], grids[1] = grids[1], grids[0]
    return tuple(grids)
