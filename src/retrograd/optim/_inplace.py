"""In-place NumPy versions of the PyTorch tensor ops the optimizer updates are written with.

Each keeps the operand order of PyTorch's CPU kernel (``self + value * t1 / t2`` for addcdiv),
so the update functions read line for line like PyTorch's and round the same way. Scalars must
be Python floats: NumPy 2 treats them as weak, so float32 arrays stay float32. Intermediates
go into scratch arrays (`tmp`, `out`) from a `Workspace`, so an update allocates nothing; None
in their place (what the workspace gives for tiny arrays) makes the ufunc return a new array.
Outputs are passed to the ufuncs positionally: on small arrays, parsing an `out=` keyword (or
going through `+=`) costs as much as the arithmetic.
"""

from __future__ import annotations

from typing import Any

import numpy as np

#: bytes per scratch array: a large parameter is updated in chunks this size, so the
#: intermediates stay in the L2 cache instead of making extra passes over main memory
CHUNK_BYTES = 1 << 18
#: arrays up to this size (but not 0-d) get no scratch (None): NumPy serves such blocks from a
#: cache of its own, which costs less than looking the scratch up
SMALL_BYTES = 1024

Piece = tuple[Any, ...]


class Workspace:
    """Scratch arrays for an optimizer's updates, allocated once and reused every step.

    `pieces(arrays, n_scratch)` cuts same-shape arrays into matching pieces, each followed by
    `n_scratch` scratch arrays of its shape: one piece (the arrays themselves) when they fit in
    `CHUNK_BYTES`, else consecutive flat chunks of them; up to `SMALL_BYTES` the scratch is
    None. Scratch contents live only until the next piece; nothing a workspace holds is ever
    handed out.
    """

    def __init__(self) -> None:
        self._buffers: dict[np.dtype, np.ndarray] = {}  # dtype -> (n_scratch, chunk) array
        # scratch of small arrays, by shape (the last dtype and count asked for that shape)
        self._views: dict[tuple[int, ...], tuple[np.ndarray, ...]] = {}

    def _buffer(self, dtype: np.dtype, n_scratch: int) -> np.ndarray:
        buffer = self._buffers.get(dtype)
        if buffer is None or buffer.shape[0] < n_scratch:
            # pages are touched only where used, so unused slots cost no memory
            buffer = np.empty((n_scratch, CHUNK_BYTES // dtype.itemsize), dtype=dtype)
            self._buffers[dtype] = buffer
            self._views.clear()
        return buffer

    def pieces(self, arrays: tuple[np.ndarray | None, ...], n_scratch: int) -> list[Piece]:
        """`arrays` (the first sets shape and dtype; None entries stay None) cut into pieces,
        each with `n_scratch` scratch arrays appended."""
        first = arrays[0]
        assert first is not None
        if type(first) is not np.ndarray:  # a GPU array: the ufuncs make their temporaries there
            return [arrays + (None,) * n_scratch]
        if first.nbytes <= SMALL_BYTES and first.ndim:  # (ufuncs return 0-d results as scalars)
            return [arrays + (None,) * n_scratch]
        scratch = self._views.get(first.shape)
        if scratch is not None and len(scratch) == n_scratch and scratch[0].dtype is first.dtype:
            return [arrays + scratch]  # a small array: one piece
        size, dtype = first.size, first.dtype
        chunk = CHUNK_BYTES // dtype.itemsize
        if size <= chunk:
            buffer = self._buffer(dtype, n_scratch)
            scratch = tuple(buffer[i, :size].reshape(first.shape) for i in range(n_scratch))
            self._views[first.shape] = scratch
            return [arrays + scratch]
        if not all(
            a is None or (a.shape == first.shape and a.flags.c_contiguous) for a in arrays
        ):  # flat chunks would be copies: the whole arrays, with fresh temporaries
            return [arrays + (None,) * n_scratch]
        rows = list(self._buffer(dtype, n_scratch)[:n_scratch])
        flat = [None if a is None else a.reshape(-1) for a in arrays]
        pieces = []
        for start in range(0, size, chunk):
            piece = [None if a is None else a[start : start + chunk] for a in flat]
            left = size - start
            piece += rows if left >= chunk else [row[:left] for row in rows]
            pieces.append(tuple(piece))
        return pieces


def add_scaled(
    array: np.ndarray, other: np.ndarray, alpha: float, out: Any, tmp: Any
) -> np.ndarray:
    """``out = array + alpha * other`` (``torch.add(array, other, alpha=alpha)``); `out` may be
    `array` (then it is ``array.add_(other, alpha=alpha)``), `tmp` must be neither."""
    tmp = np.multiply(other, alpha, tmp)
    return np.add(array, tmp, out)


def addcmul(
    array: np.ndarray, t1: np.ndarray, t2: np.ndarray, value: float, out: Any, tmp: Any
) -> np.ndarray:
    """``out = array + value * t1 * t2`` (``torch.addcmul``); `out` may be `array` (then it is
    ``array.addcmul_(t1, t2, value=value)``), `tmp` must be none of the arrays."""
    tmp = np.multiply(t1, value, tmp)
    np.multiply(tmp, t2, tmp)
    return np.add(array, tmp, out)


def addcdiv_(array: np.ndarray, t1: np.ndarray, t2: np.ndarray, value: float, tmp: Any) -> None:
    """``array += value * t1 / t2`` in place (``array.addcdiv_(t1, t2, value=value)``)."""
    tmp = np.multiply(t1, value, tmp)
    np.divide(tmp, t2, tmp)
    np.add(array, tmp, array)


def lerp_(start: np.ndarray, end: np.ndarray, weight: float, tmp: Any) -> None:
    """``start += weight * (end - start)`` in place (``start.lerp_(end, weight)``).

    Like PyTorch, a weight of 0.5 or more is computed from the `end` side, which is exact at 1.
    """
    tmp = np.subtract(end, start, tmp)
    if abs(weight) < 0.5:
        np.multiply(tmp, weight, tmp)
        np.add(start, tmp, start)
    else:
        np.multiply(tmp, 1 - weight, tmp)
        np.subtract(end, tmp, start)


def decayed_grad(
    g: np.ndarray,
    p: np.ndarray,
    maximize: bool,
    weight_decay: float,
    work: Any,
    tmp: Any,
    decoupled_lr: float | None = None,
) -> np.ndarray:
    """The gradient an update uses (PyTorch's preamble): `g` negated when maximizing, then
    weight decay, added to it (``grad.add(param, alpha=weight_decay)``) or, given
    `decoupled_lr`, applied to the parameter in place (``param.mul_(1 - lr * weight_decay)``).

    A changed gradient goes into `work` (`tmp` is scratch); `g` itself never changes.
    """
    if maximize:
        g = np.negative(g, work)
    if weight_decay != 0:
        if decoupled_lr is not None:
            np.multiply(p, 1 - decoupled_lr * weight_decay, p)
        else:
            g = add_scaled(g, p, weight_decay, work, tmp)
    return g
