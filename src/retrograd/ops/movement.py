"""Movement primitives: reshape, permute, expand, indexing, concatenation, padding, gather."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from retrograd.autograd.node import Node
from retrograd.autograd.unbroadcast import unbroadcast
from retrograd.backend.arrays import (
    as_array,
    device_of,
    is_device_array,
    is_host,
    namespace,
    to_device,
    zeros,
)


class Transfer(Node):
    """A copy on another device (`Tensor.to("cuda")`); the gradient goes back to the source."""

    saves_inputs = False

    def forward(self, x: Any, *, target: Any) -> Any:
        self.saved = (device_of(x),)
        return to_device(x, target)

    def backward(self, grad: Any) -> Any:
        return to_device(grad, self.saved[0])


class Reshape(Node):
    saves_inputs = False

    def forward(self, x: np.ndarray, *, shape: tuple[int, ...]) -> np.ndarray:
        self.saved = (x.shape,)
        return x.reshape(shape)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return grad.reshape(self.saved[0])


class Permute(Node):
    saves_inputs = False

    def forward(self, x: np.ndarray, *, axes: tuple[int, ...]) -> np.ndarray:
        # the inverse permutation as a tuple: np.argsort costs more, and a NumPy array of axes
        # cannot go to a device array's transpose
        self.saved = (tuple(sorted(range(len(axes)), key=axes.__getitem__)),)
        return x.transpose(axes)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return grad.transpose(self.saved[0])


class Expand(Node):
    """broadcast_to: a read-only view forward; backward sums through the one `unbroadcast`."""

    saves_inputs = False

    def forward(self, x: np.ndarray, *, shape: tuple[int, ...]) -> np.ndarray:
        self.saved = (x.shape,)
        return np.broadcast_to(x, shape)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return unbroadcast(grad, self.saved[0])


class GetItem(Node):
    """x[index], or x[index][advanced] when integers and arrays mix: then `index` holds the
    integers, slices, None and Ellipsis and `advanced` the integer arrays and masks applied to
    what remains (PyTorch's order, see `tensor.dispatch._index_of`). Integer-array indices may
    repeat; their gradients add up.

    Its gradient is scattered into the input's buffer by the graph walk (`scatters`), so many
    slices of one tensor (a time loop over a sequence) never build full-size zero arrays each."""

    saves_inputs = False
    scatters = True

    def forward(self, x: np.ndarray, *, index: Any, advanced: Any = None) -> np.ndarray:
        self.saved = (x.shape, x.dtype, index, advanced)
        if advanced is None:
            return as_array(x[index])
        return as_array(x[index][advanced])

    def backward(self, grad: np.ndarray) -> np.ndarray:
        shape, dtype, _, _ = self.saved
        out = zeros(shape, dtype, like=grad)
        self.scatter_add(out, grad)
        return out

    def scatter_add(self, buffer: np.ndarray, grad: np.ndarray) -> None:
        index, advanced = self.saved[2], self.saved[3]
        if type(buffer) is not np.ndarray:  # np.add.at takes device index arrays only there
            index, advanced = on_device_of(buffer, index), on_device_of(buffer, advanced)
        if advanced is not None:  # basic indexing gives a view, so the adds land in `buffer`
            np.add.at(buffer[index], advanced, grad)
        elif _is_advanced(index):  # repeated indices must add up, not overwrite
            np.add.at(buffer, index, grad)
        else:
            buffer[index] += grad


def _is_advanced(index: Any) -> bool:
    items = index if isinstance(index, tuple) else (index,)
    return any(isinstance(item, np.ndarray) or is_device_array(item) for item in items)


def on_device_of(array: Any, index: Any) -> Any:
    """`index` (an index, or a tuple of parts) with its host arrays copied to the device of
    `array`; as it is when `array` is a host array or nothing needs to move."""
    if is_host(array):
        return index
    if isinstance(index, np.ndarray):
        return namespace(array).asarray(index)
    if type(index) is tuple and any(isinstance(item, np.ndarray) for item in index):
        xp = namespace(array)
        return tuple(xp.asarray(i) if isinstance(i, np.ndarray) else i for i in index)
    return index


class Gather(Node):
    """take_along_axis(x, indices, axis): PyTorch's gather; repeated indices accumulate."""

    __slots__ = ("axis",)
    saves_inputs = False

    def forward(self, x: np.ndarray, *, indices: np.ndarray, axis: int) -> np.ndarray:
        if type(x) is not np.ndarray:  # host indices (a CPU index tensor) go to the device
            indices = on_device_of(x, indices)
        self.saved = (x.shape, x.dtype, indices)
        self.axis = axis
        return np.take_along_axis(x, indices, axis=axis)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        shape, dtype, indices = self.saved
        out = zeros(shape, dtype, like=grad)
        xp = namespace(grad)
        grid = list(xp.ix_(*[xp.arange(n) for n in indices.shape]))
        grid[self.axis] = on_device_of(grad, indices)
        np.add.at(out, tuple(grid), grad)
        return out


class Concat(Node):
    __slots__ = ("axis",)
    saves_inputs = False

    def forward(self, *arrays: np.ndarray, axis: int) -> np.ndarray:
        ends = list(itertools.accumulate(a.shape[axis] for a in arrays))
        self.saved = (ends[:-1],)  # a list: np.split of a device array takes no NumPy array
        self.axis = axis
        return np.concatenate(arrays, axis=axis)

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray, ...]:
        return tuple(np.split(grad, self.saved[0], axis=self.axis))


class Pad(Node):
    """Constant padding; `widths` is NumPy's ((before, after), ...) per axis, each >= 0."""

    saves_inputs = False

    def forward(
        self, x: np.ndarray, *, widths: tuple[tuple[int, int], ...], value: float
    ) -> np.ndarray:
        self.saved = (tuple(slice(before, before + n) for (before, _), n in zip(widths, x.shape)),)
        return np.pad(x, widths, mode="constant", constant_values=value)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return grad[self.saved[0]]


class Flip(Node):
    saves_inputs = False

    def forward(self, x: np.ndarray, *, axes: tuple[int, ...]) -> np.ndarray:
        self.saved = (axes,)
        return np.flip(x, axis=axes)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return np.flip(grad, axis=self.saved[0])


class IndexPut(Node):
    """out = x with out[index][advanced] = value (what `x[index] = value` records in the graph)."""

    saves_inputs = False

    def forward(
        self, x: np.ndarray, value: np.ndarray, *, index: Any, advanced: Any = None
    ) -> np.ndarray:
        out = x.copy()
        put(out, value, index, advanced)
        self.saved = (index, advanced, value.shape)
        return out

    def backward(self, grad: np.ndarray) -> tuple[Any, Any]:
        index, advanced, value_shape = self.saved
        grad_x = grad.copy()
        put(grad_x, grad.dtype.type(0), index, advanced)  # a scalar goes to any device
        picked = grad[index] if advanced is None else grad[index][advanced]
        return grad_x, unbroadcast(as_array(picked), value_shape)


def put(array: np.ndarray, value: Any, index: Any, advanced: Any) -> None:
    """array[index][advanced] = value, in place (basic indexing gives a view to write through)."""
    if advanced is None:
        array[index] = value
    else:
        array[index][advanced] = value
