"""Shape and movement methods of a Tensor (reshape, permute, expand, ...) as a mixin, and the
free functions that join or cut tensors (cat, stack, split, chunk, pad)."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from retrograd import ops
from retrograd.backend.arrays import as_array
from retrograd.backend.dtypes import to_numpy_dtype
from retrograd.errors import DTypeError, InvalidArgumentError, ShapeError, UnsupportedError
from retrograd.ops.nograd import NoGrad
from retrograd.tensor.dispatch import (
    _normalize_dim,
    _promote,
    _shape_arg,
    apply,
    is_tensor,
    to_tensor,
)
from retrograd.tensor.numpy_names import accept_numpy_names

if TYPE_CHECKING:
    from retrograd.tensor.core import Tensor


@accept_numpy_names
class ShapeMethods:
    """Views and rearrangements; each is one primitive (or none when nothing changes)."""

    __slots__ = ()

    def reshape(self: Any, *shape: Any) -> Tensor:
        """The same values in `shape` (-1 inferred)."""
        target = _shape_arg(shape)
        try:
            resolved = (
                np.empty(self.shape, dtype=np.bool_).reshape(target).shape
                if -1 in target
                else target
            )
        except ValueError:
            resolved = target
        if int(np.prod(resolved)) != self.array.size or (-1 in target and target.count(-1) > 1):
            raise ShapeError(
                f"cannot reshape a tensor of shape {self.shape} ({self.array.size} elements) "
                f"into {target}"
            )
        if resolved == self.shape:
            return self
        return apply(ops.Reshape, self, shape=resolved)

    def view(self: Any, *shape: Any) -> Tensor:
        """`reshape` (retrograd's views need no layout); `view(dtype)` reinterprets the bytes."""
        if len(shape) == 1 and _is_dtype_arg(shape[0]):
            return _view_dtype(self, shape[0])
        return self.reshape(*shape)

    def view_as(self: Any, other: Tensor) -> Tensor:
        """`view` as `other`'s shape."""
        return self.reshape(other.shape)

    def reshape_as(self: Any, other: Tensor) -> Tensor:
        """`reshape` to `other`'s shape."""
        return self.reshape(other.shape)

    def flatten(self: Any, start_dim: builtins.int = 0, end_dim: builtins.int = -1) -> Tensor:
        """Dimensions `start_dim..end_dim` merged into one."""
        if self.ndim == 0:
            return self.reshape(1)
        start = _normalize_dim(start_dim, self.ndim)
        end = _normalize_dim(end_dim, self.ndim)
        if start > end:
            raise InvalidArgumentError(
                f"flatten: start_dim {start_dim} comes after end_dim {end_dim}"
            )
        shape = self.shape[:start] + (-1,) + self.shape[end + 1 :]
        merged = int(np.prod(self.shape[start : end + 1]))
        return self.reshape(tuple(merged if s == -1 else s for s in shape))

    def unflatten(self: Any, dim: builtins.int, sizes: Sequence[builtins.int]) -> Tensor:
        """Dimension `dim` split into `sizes`."""
        axis_ = _normalize_dim(dim, self.ndim)
        return self.reshape(self.shape[:axis_] + tuple(sizes) + self.shape[axis_ + 1 :])

    def permute(self: Any, *dims: Any) -> Tensor:
        """The dimensions reordered as `dims`."""
        axes = _shape_arg(dims)
        if len(axes) != self.ndim:
            raise ShapeError(
                f"permute got {len(axes)} dims {axes} for a tensor with {self.ndim} dimensions"
            )
        axes = tuple(_normalize_dim(d, self.ndim) for d in axes)
        if sorted(axes) != list(range(self.ndim)):
            raise InvalidArgumentError(f"permute: {dims} is not a permutation of the dimensions")
        if axes == tuple(range(self.ndim)):
            return self
        return apply(ops.Permute, self, axes=axes)

    def transpose(self: Any, dim0: builtins.int, dim1: builtins.int) -> Tensor:
        """Dimensions `dim0` and `dim1` swapped."""
        if self.ndim < 2:
            return self
        axes = list(range(self.ndim))
        a, b = _normalize_dim(dim0, self.ndim), _normalize_dim(dim1, self.ndim)
        axes[a], axes[b] = axes[b], axes[a]
        return self.permute(*axes)

    def swapaxes(self: Any, axis0: builtins.int, axis1: builtins.int) -> Tensor:
        """Two dimensions swapped."""
        return self.transpose(axis0, axis1)

    def t(self: Any) -> Tensor:
        """A 2-d tensor transposed."""
        if self.ndim > 2:
            raise ShapeError(f"t() expects a tensor with <= 2 dimensions, got shape {self.shape}")
        return self.transpose(0, 1)

    @property
    def T(self: Any) -> Tensor:  # noqa: N802 - PyTorch's name
        """The dimensions reversed (`permute` of all); a 0-d or 1-d tensor as it is."""
        return self.permute(*reversed(range(self.ndim))) if self.ndim > 1 else self

    @property
    def mT(self: Any) -> Tensor:  # noqa: N802 - PyTorch's name
        """The last two dimensions swapped (a batch of matrices, each transposed)."""
        return self.transpose(-2, -1)

    def squeeze(self: Any, dim: Any = None) -> Tensor:
        """Size-1 dimensions removed: all of them, or those among `dim` (an int or a tuple)."""
        if dim is None:
            return self.reshape(tuple(s for s in self.shape if s != 1))
        axes = {
            _normalize_dim(d, self.ndim)
            for d in (dim if isinstance(dim, (tuple, list)) else (dim,))
        }
        return self.reshape(
            tuple(s for i, s in enumerate(self.shape) if not (i in axes and s == 1))
        )

    def unsqueeze(self: Any, dim: builtins.int) -> Tensor:
        """A size-1 dimension inserted at `dim`."""
        axis_ = _normalize_dim(dim, self.ndim + 1)
        return self.reshape(self.shape[:axis_] + (1,) + self.shape[axis_:])

    def expand(self: Any, *sizes: Any) -> Tensor:
        """A view with size-1 dimensions repeated to `sizes` (-1 keeps one)."""
        target = _shape_arg(sizes)
        if len(target) < self.ndim:
            raise ShapeError(
                f"expand: the number of sizes {target} is less than the tensor's "
                f"dimensions {self.shape}"
            )
        lead = len(target) - self.ndim
        shape = tuple(
            self.shape[i - lead] if s == -1 and i >= lead else s for i, s in enumerate(target)
        )
        return self.broadcast_to(shape)

    def expand_as(self: Any, other: Tensor) -> Tensor:
        """`expand` to `other`'s shape."""
        return self.broadcast_to(other.shape)

    def broadcast_to(self: Any, *shape: Any) -> Tensor:
        """A view broadcast to `shape`."""
        target = _shape_arg(shape)
        if target == self.shape:
            return self
        try:
            broadcast: tuple[int, ...] | None = np.broadcast_shapes(self.shape, target)
        except ValueError:
            broadcast = None
        if len(target) < self.ndim or broadcast != target:
            raise ShapeError(f"cannot broadcast a tensor of shape {self.shape} to {target}")
        return apply(ops.Expand, self, shape=target)

    def repeat(self: Any, *sizes: Any) -> Tensor:
        """Tile the tensor `sizes[i]` times along dim i (PyTorch's repeat)."""
        reps = _shape_arg(sizes)
        if len(reps) < self.ndim:
            raise ShapeError(f"repeat needs at least {self.ndim} sizes, got {reps}")
        source = self.reshape((1,) * (len(reps) - self.ndim) + self.shape)
        interleaved = tuple(x for pair in zip(reps, source.shape) for x in (1, pair[1]))
        expanded = tuple(x for pair in zip(reps, source.shape) for x in pair)
        tiled = source.reshape(interleaved).broadcast_to(expanded)
        return tiled.reshape(tuple(r * s for r, s in zip(reps, source.shape)))

    def flip(self: Any, dims: Any) -> Tensor:
        """Values reversed along `dims`."""
        axes = tuple(
            _normalize_dim(d, self.ndim)
            for d in (dims if isinstance(dims, (tuple, list)) else (dims,))
        )
        if len(set(axes)) != len(axes):
            raise InvalidArgumentError(f"flip: a dim appears more than once in {tuple(dims)}")
        return apply(ops.Flip, self, axes=axes)

    def movedim(self: Any, source: Any, destination: Any) -> Tensor:
        """Dims `source` moved to positions `destination`, the others kept in order."""
        return movedim(self, source, destination)

    def moveaxis(self: Any, source: Any, destination: Any) -> Tensor:
        """`movedim` (NumPy's name)."""
        return movedim(self, source, destination)

    def split(self: Any, split_size_or_sections: Any, dim: builtins.int = 0) -> tuple[Tensor, ...]:
        """Pieces of `split_size` (or the given sizes) along `dim`."""
        return split(self, split_size_or_sections, dim)

    def chunk(self: Any, chunks: builtins.int, dim: builtins.int = 0) -> tuple[Tensor, ...]:
        """`chunks` nearly equal pieces along `dim`."""
        return chunk(self, chunks, dim)

    def gather(self: Any, dim: builtins.int, index: Tensor) -> Tensor:
        """Values picked along `dim` at `index`."""
        axis_ = _normalize_dim(dim, self.ndim)
        indices = as_array(index.array if is_tensor(index) else index)
        if indices.dtype.kind not in "iu":
            raise DTypeError(f"gather expects integer indices, got {indices.dtype}")
        if indices.ndim != self.ndim or any(
            n > s for d, (n, s) in enumerate(zip(indices.shape, self.shape)) if d != axis_
        ):
            raise ShapeError(
                f"gather: index of shape {indices.shape} does not fit input of shape {self.shape} "
                f"(same number of dims; index size <= input size outside dim {dim})"
            )
        source = self
        if any(n < s for d, (n, s) in enumerate(zip(indices.shape, self.shape)) if d != axis_):
            source = self[
                tuple(
                    slice(None) if d == axis_ else slice(0, n) for d, n in enumerate(indices.shape)
                )
            ]
        return apply(ops.Gather, source, indices=indices, axis=axis_)


def _is_dtype_arg(arg: Any) -> bool:
    if isinstance(arg, (int, np.integer, tuple, list)) or arg is None:
        return False
    try:
        to_numpy_dtype(arg)
    except (TypeError, DTypeError):
        return False
    return True


def _view_dtype(tensor: Tensor, dtype: Any) -> Tensor:
    """PyTorch's `view(dtype)`: the same bytes read as `dtype` (no gradient)."""
    target = to_numpy_dtype(dtype)
    source = tensor.array.dtype
    if target == source:
        return tensor
    if target.itemsize != source.itemsize:
        if tensor.ndim == 0:
            raise ShapeError(
                f"view({target}): a 0-dim tensor of {source} can only be viewed as a dtype "
                "of the same size"
            )
        last = tensor.shape[-1]
        if target.itemsize > source.itemsize and (last * source.itemsize) % target.itemsize:
            raise ShapeError(
                f"view({target}): the last dim ({last}) of {source} is not a whole number "
                f"of {target} elements"
            )
    # a C-ordered copy (np.array(a) would copy a device array to the host)
    return apply(NoGrad, tensor, fn=lambda a: a.copy(order="C").view(target))


def movedim(input: Tensor, source: Any, destination: Any) -> Tensor:  # noqa: A002
    """`input` with dims `source` moved to positions `destination`."""
    src = source if isinstance(source, (tuple, list)) else (source,)
    dst = destination if isinstance(destination, (tuple, list)) else (destination,)
    if len(src) != len(dst):
        raise InvalidArgumentError(
            f"movedim: source {tuple(src)} and destination {tuple(dst)} must have the same length"
        )
    src_ = [_normalize_dim(d, input.ndim) for d in src]
    dst_ = [_normalize_dim(d, input.ndim) for d in dst]
    if len(set(src_)) != len(src_) or len(set(dst_)) != len(dst_):
        raise InvalidArgumentError("movedim: repeated dim in source or destination")
    order = [d for d in range(input.ndim) if d not in src_]
    for d, s in sorted(zip(dst_, src_)):
        order.insert(d, s)
    return input.permute(*order)


def cat(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join tensors along an existing dimension."""
    items = [to_tensor(t) for t in tensors]
    if not items:
        raise InvalidArgumentError("cat() needs at least one tensor")
    ndim = items[0].ndim
    axis_ = _normalize_dim(dim, ndim)
    for i, t in enumerate(items):
        if (
            t.ndim != ndim
            or t.shape[:axis_] + t.shape[axis_ + 1 :]
            != items[0].shape[:axis_] + items[0].shape[axis_ + 1 :]
        ):
            raise ShapeError(
                f"cat: tensor {i} has shape {t.shape}, which does not match tensor 0's "
                f"shape {items[0].shape} outside dim {dim}"
            )
    dtype = items[0].dtype
    for t in items[1:]:
        dtype = _promote(dtype, t.dtype)
    return apply(ops.Concat, *[t.type(dtype) for t in items], axis=axis_)


concatenate = cat


def stack(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join same-shaped tensors along a new dimension."""
    items = [to_tensor(t) for t in tensors]
    if not items:
        raise InvalidArgumentError("stack() needs at least one tensor")
    for i, t in enumerate(items):
        if t.shape != items[0].shape:
            raise ShapeError(
                f"stack: tensor {i} has shape {t.shape}, tensor 0 has {items[0].shape}"
            )
    axis_ = _normalize_dim(dim, items[0].ndim + 1)
    return cat([t.unsqueeze(axis_) for t in items], axis_)


def split(tensor: Tensor, split_size_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
    """Pieces of `split_size` along `dim` (the last may be smaller), or of the listed sizes."""
    axis_ = _normalize_dim(dim, tensor.ndim)
    length = tensor.shape[axis_]
    if isinstance(split_size_or_sections, (int, np.integer)):
        size = int(split_size_or_sections)
        if size <= 0:
            raise InvalidArgumentError(f"split size must be positive, got {size}")
        sizes = [min(size, length - start) for start in range(0, length, size)] or [0]
    else:
        sizes = [int(s) for s in split_size_or_sections]
        if sum(sizes) != length:
            raise ShapeError(
                f"split sizes {sizes} do not add up to {length}, the size of dim {dim}"
            )
    pieces = []
    start = 0
    for size in sizes:
        index = (slice(None),) * axis_ + (slice(start, start + size),)
        pieces.append(tensor[index])
        start += size
    return tuple(pieces)


def chunk(tensor: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    """Split into `chunks` pieces of ceil(n / chunks) (PyTorch's rule; may give fewer)."""
    if chunks <= 0:
        raise InvalidArgumentError(f"chunks must be positive, got {chunks}")
    length = tensor.shape[_normalize_dim(dim, tensor.ndim)]
    return split(tensor, max(-(-length // chunks), 1), dim)


_PAD_MODES = ("constant", "reflect", "replicate", "circular")


def _pad_index(n: int, before: int, after: int, mode: str) -> np.ndarray:
    """Input positions read by the padded axis: reflect mirrors about the edge elements,
    replicate repeats them, circular wraps around; negative widths crop."""
    index = np.arange(-before, n + after)
    if mode == "reflect":
        if before >= n or after >= n:
            raise ShapeError(
                f"Padding size should be less than the corresponding input dimension, but got: "
                f"padding ({before}, {after}) at dimension of size {n}"
            )
        index = np.abs(index)
        return np.where(index > n - 1, 2 * (n - 1) - index, index)
    if mode == "replicate":
        return np.clip(index, 0, n - 1)
    # PyTorch crops the negative widths first and wraps around what is left
    start, kept = max(-before, 0), n - max(-before, 0) - max(-after, 0)
    if before > kept or after > kept:
        raise ShapeError("Padding value causes wrapping around more than once.")
    return start + np.arange(-max(before, 0), kept + max(after, 0)) % kept


def pad(input: Tensor, pad: Sequence[int], mode: str = "constant", value: float = 0.0) -> Tensor:  # noqa: A002
    """PyTorch's F.pad: `pad` lists (before, after) pairs starting from the LAST dimension.

    `mode` 'constant' fills with `value`; 'reflect', 'replicate' and 'circular' pad the last 1-3
    axes of a `(C, *spatial)` or `(N, C, *spatial)` input by reading input elements (an index
    per axis, so the gradient adds up every copy of an element)."""
    if mode not in _PAD_MODES:
        raise UnsupportedError(
            f"pad mode {mode!r} is not supported; use one of {', '.join(map(repr, _PAD_MODES))}"
        )
    if mode != "constant":
        return _pad_by_index(input, pad, mode)
    if len(pad) % 2 or len(pad) // 2 > input.ndim:
        raise ShapeError(
            f"pad {tuple(pad)} must hold (before, after) pairs for at most {input.ndim} dims"
        )
    widths = [(0, 0)] * input.ndim
    for i in range(len(pad) // 2):
        widths[input.ndim - 1 - i] = (int(pad[2 * i]), int(pad[2 * i + 1]))
    grow = tuple((max(b, 0), max(a, 0)) for b, a in widths)
    out = apply(ops.Pad, input, widths=grow, value=value) if any(b or a for b, a in grow) else input
    if any(b < 0 or a < 0 for b, a in widths):  # negative padding crops
        crop = tuple(
            slice(-b if b < 0 else 0, (n + a) if a < 0 else None)
            for (b, a), n in zip(widths, out.shape)
        )
        out = out[crop]
    return out


def _pad_by_index(input: Tensor, pad: Sequence[int], mode: str) -> Tensor:  # noqa: A002
    axes = len(pad) // 2
    if len(pad) % 2 or axes not in (1, 2, 3):
        raise UnsupportedError(
            f"Only 2D, 3D, 4D, 5D padding with non-constant padding are supported for now; "
            f"got pad {tuple(pad)}"
        )
    if input.ndim not in (axes + 1, axes + 2):
        raise ShapeError(
            f"{mode} padding of {axes} axes expects a {axes + 1}-d or {axes + 2}-d input, "
            f"got shape {input.shape}"
        )
    out = input
    for i in range(axes):
        axis = input.ndim - 1 - i
        before, after = int(pad[2 * i]), int(pad[2 * i + 1])
        if before == 0 and after == 0:
            continue
        index = _pad_index(input.shape[axis], before, after, mode)
        out = out[(slice(None),) * axis + (index,)]
    return out
