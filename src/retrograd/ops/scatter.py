"""Scatter primitives: write `src` into a copy of `x` at `index` along one axis (PyTorch's
`scatter`, `scatter_add`, `scatter_reduce`). `index` may be smaller than `src` and `x` in every
axis; only `src[:index.shape]` is read."""

from __future__ import annotations

from typing import Any

import numpy as np

from retrograd.autograd.node import Node
from retrograd.backend.arrays import is_host, namespace

_IDENTITY = {"sum": 0, "mean": 0, "prod": 1}


def scatter_grid(index: np.ndarray, axis: int) -> tuple[np.ndarray, ...]:
    """The NumPy index that addresses out[..., index[i, j, ...], ...] for every entry of index
    (on index's device)."""
    xp = namespace(index)
    grid = list(xp.ix_(*[xp.arange(n) for n in index.shape])) if index.ndim else []
    if grid:
        grid[axis] = index
    return tuple(grid)


def _on_device_of(x: np.ndarray, index: np.ndarray) -> np.ndarray:
    """`index` on the device of `x` (a host index array is copied to a GPU's)."""
    if type(x) is not np.ndarray and is_host(index):
        return namespace(x).asarray(index)
    return index


def _multiply_at(out: np.ndarray, grid: tuple[np.ndarray, ...], values: Any, axis: int) -> None:
    """`np.multiply.at(out, grid, values)`. CuPy has no `multiply.at`: on a device array the
    products run as a loop along `axis`, whose places are distinct within each step, in the
    order NumPy takes them (so the result is the CPU's bit for bit)."""
    if type(out) is np.ndarray:
        np.multiply.at(out, grid, values)
        return
    if not grid:  # a 0-d index: the one place
        out[...] = out[...] * values
        return
    places = np.broadcast_arrays(*grid)
    values = np.broadcast_to(values, places[axis].shape)
    head = (slice(None),) * axis
    for k in range(places[axis].shape[axis]):
        step = (*head, slice(k, k + 1))
        place = tuple(p[step] for p in places)
        out[place] = out[place] * values[step]


def _src_part(src: np.ndarray, index: np.ndarray) -> np.ndarray:
    return src[tuple(slice(0, n) for n in index.shape)]


def _src_grad(part: np.ndarray, src_shape: tuple[int, ...]) -> np.ndarray:
    out = np.zeros_like(part, shape=src_shape)
    out[tuple(slice(0, n) for n in part.shape)] = part
    return out


class Scatter(Node):
    """out = x; out[index] = src. Where an index repeats, one of the writes wins (PyTorch
    leaves that unspecified too). d/dx is zero at written places; d/dsrc gathers the gradient."""

    __slots__ = ("axis",)
    saves_inputs = False

    def forward(
        self, x: np.ndarray, src: np.ndarray, *, index: np.ndarray, axis: int
    ) -> np.ndarray:
        grid = scatter_grid(_on_device_of(x, index), axis)
        out = x.copy()
        out[grid] = _src_part(src, index)
        self.saved = (grid, src.shape)
        self.axis = axis
        return out

    def backward(self, grad: np.ndarray) -> tuple[Any, Any]:
        grid, src_shape = self.saved
        grad_x = None
        if self.needs_input_grad[0]:
            grad_x = grad.copy()
            grad_x[grid] = 0
        grad_src = _src_grad(grad[grid], src_shape) if self.needs_input_grad[1] else None
        return grad_x, grad_src


class ScatterReduce(Node):
    """out = x with src reduced into it at index: "sum", "prod", "mean", "amax" or "amin";
    `include_self=False` leaves x's value out of the places that are written.

    Gradients follow PyTorch: amax/amin share the gradient evenly among the values equal to
    the result; prod sends the product of the other factors (exact with zeros); mean divides
    by the number of values averaged."""

    __slots__ = ("axis", "reduce", "include_self")

    def forward(
        self,
        x: np.ndarray,
        src: np.ndarray,
        *,
        index: np.ndarray,
        axis: int,
        reduce: str,
        include_self: bool = True,
    ) -> np.ndarray:
        grid = scatter_grid(_on_device_of(x, index), axis)
        part = _src_part(src, index)
        written = np.zeros_like(x, dtype=bool)
        written[grid] = True
        out = x.copy()
        if not include_self:
            out[written] = _identity(reduce, x.dtype)
        if reduce in ("sum", "mean"):
            np.add.at(out, grid, part)
        elif reduce == "prod":
            _multiply_at(out, grid, part, axis)
        elif reduce == "amax":
            np.maximum.at(out, grid, part)
        else:
            np.minimum.at(out, grid, part)
        count = None
        if reduce == "mean":
            count = (include_self | ~written).astype(np.int64)
            np.add.at(count, grid, 1)
            count = np.maximum(count, 1)
            out = out // count if out.dtype.kind in "iu" else (out / count).astype(out.dtype)
        self.saved = (x, part, src.shape, grid, written, out, count)
        self.axis, self.reduce, self.include_self = axis, reduce, include_self
        return out

    def backward(self, grad: np.ndarray) -> tuple[Any, Any]:
        x, part, src_shape, grid, written, out, count = self.saved
        keeps_self = self.include_self | ~written
        if self.reduce == "sum":
            grad_x, grad_part = grad * keeps_self, grad[grid]
        elif self.reduce == "mean":
            share = grad / count
            grad_x, grad_part = share * keeps_self, share[grid]
        elif self.reduce in ("amax", "amin"):
            hits_self = keeps_self & (x == out)
            hits_src = part == out[grid]
            ties = hits_self.astype(grad.dtype)
            np.add.at(ties, grid, hits_src)
            share = grad / np.maximum(ties, 1)
            grad_x, grad_part = share * hits_self, share[grid] * hits_src
        else:
            grad_x, grad_part = self._prod_grads(grad)
        grad_x = grad_x.astype(grad.dtype, copy=False) if self.needs_input_grad[0] else None
        grad_src = None
        if self.needs_input_grad[1]:
            grad_src = _src_grad(grad_part.astype(grad.dtype, copy=False), src_shape)
        return grad_x, grad_src

    def _prod_grads(self, grad: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The product of the other factors of each place: out / value where value != 0; for
        the only zero of a place, the product of its nonzero factors; else 0."""
        x, part, _, grid, written, out, _ = self.saved
        keeps_self = self.include_self | ~written
        nonzero_product = np.where(keeps_self & (x != 0), x, 1).astype(x.dtype)
        _multiply_at(nonzero_product, grid, np.where(part != 0, part, 1), self.axis)
        zeros = (keeps_self & (x == 0)).astype(np.int64)
        np.add.at(zeros, grid, part == 0)

        def others(value: np.ndarray, place_out: np.ndarray, place: Any) -> np.ndarray:
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = place_out / value
            alone = np.where(zeros[place] == 1, nonzero_product[place], 0)
            return np.where(value != 0, ratio, alone)

        everything = (slice(None),) * x.ndim
        grad_x = grad * others(x, out, everything) * keeps_self
        grad_part = grad[grid] * others(part, out[grid], grid)
        return grad_x, grad_part


def _identity(reduce: str, dtype: np.dtype) -> Any:
    if reduce in _IDENTITY:
        return _IDENTITY[reduce]
    if dtype.kind == "f":
        return -np.inf if reduce == "amax" else np.inf
    if dtype.kind == "b":
        return reduce != "amax"
    info = np.iinfo(dtype)
    return info.min if reduce == "amax" else info.max
