"""How ops reach Tensors: `wrap` (the fast constructor), `apply` (run a primitive and record
it), and the argument helpers every Tensor method shares (dims, shapes, dtype promotion)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from retrograd.autograd.engine import anomaly_state
from retrograd.autograd.grad_mode import grad_state
from retrograd.autograd.node import Node, next_seq
from retrograd.autograd.tracing import trace_state
from retrograd.backend.arrays import as_array, is_device_array, is_host, namespace
from retrograd.backend.dtypes import default_float_dtype
from retrograd.errors import InvalidArgumentError, RetrogradError, ShapeError, UnsupportedError

if TYPE_CHECKING:
    from retrograd.tensor.core import Tensor

_tensor_class: Any = None  # set by retrograd.tensor.core once Tensor exists
# index parts that make an index more than basic slicing (the Tensor class joins at registration)
_ADVANCED_TYPES: tuple[type, ...] = (np.ndarray, list, tuple, range, bool, np.bool_)

# `object.__new__` bound once: read through `object` on every call, it costs a third as much
# again as the allocation itself
_new_object = object.__new__


def register_tensor_class(cls: type) -> None:
    """Tell the dispatcher which class to build (done once, by `retrograd.tensor.core`)."""
    global _tensor_class, _ADVANCED_TYPES
    _tensor_class = cls
    _ADVANCED_TYPES = (np.ndarray, list, tuple, range, bool, np.bool_, cls)


def _wrap(data: np.ndarray, requires_grad: bool = False) -> Tensor:
    """Fast constructor used by every op: no checks, no copies."""
    t = _new_object(_tensor_class)
    t.array = data
    t.grad = None
    t._requires_grad = requires_grad
    t._ctx = None
    t._version = 0
    t._hooks = None
    t._retains_grad = False
    if trace_state.tracer is not None:
        trace_state.tracer.record_constant(t)
    return t


def apply(op_type: type[Node], *inputs: Tensor, **kwargs: Any) -> Tensor:
    """Run primitive `op_type` on `inputs`; record it for backward when a gradient is needed."""
    op = op_type()
    op.saved = None
    # The hot path of every op: the output is built inline rather than through `_wrap`, and
    # ops of one to three inputs (nearly all) build their tuples without a loop.
    out = _new_object(_tensor_class)
    out.grad = None
    out._version = 0
    out._hooks = None
    out._retains_grad = False
    out._requires_grad = False
    out._ctx = None
    n = len(inputs)
    record = False
    if grad_state.enabled and op_type.differentiable:
        if n == 1:
            a = inputs[0]
            if a._requires_grad:
                record = True
                op.needs_input_grad = (True,)
                op.parents = (a._ctx,)
                op.versions = (a._version,)
        elif n == 2:
            a, b = inputs
            if a._requires_grad or b._requires_grad:
                record = True
                op.needs_input_grad = (a._requires_grad, b._requires_grad)
                op.parents = (a._ctx, b._ctx)
                op.versions = (a._version, b._version)
        elif n == 3:  # a layer's x, weight, bias
            a, b, c = inputs
            if a._requires_grad or b._requires_grad or c._requires_grad:
                record = True
                op.needs_input_grad = (a._requires_grad, b._requires_grad, c._requires_grad)
                op.parents = (a._ctx, b._ctx, c._ctx)
                op.versions = (a._version, b._version, c._version)
        else:
            needs = tuple([t._requires_grad for t in inputs])
            if True in needs:
                record = True
                op.needs_input_grad = needs
                op.parents = tuple([t._ctx for t in inputs])
                op.versions = tuple([t._version for t in inputs])
    # A plain call when there are no keywords: CPython runs it without a C-level call
    # (`**{}` would force one), which is most of what a one-op forward costs on tiny arrays.
    try:
        if kwargs:
            if n == 2:
                out.array = op.forward(inputs[0].array, inputs[1].array, **kwargs)
            else:
                out.array = op.forward(*[t.array for t in inputs], **kwargs)
        elif n == 1:
            out.array = op.forward(inputs[0].array)
        elif n == 2:
            out.array = op.forward(inputs[0].array, inputs[1].array)
        elif n == 3:
            out.array = op.forward(inputs[0].array, inputs[1].array, inputs[2].array)
        else:
            out.array = op.forward(*[t.array for t in inputs])
    except ValueError as error:  # NumPy's, not one of ours: name the op and the shapes
        if isinstance(error, RetrogradError):
            raise
        raise forward_error(op, inputs, error) from None
    except TypeError as error:  # a GPU array met a host array: name both devices
        mixed = device_error(op, inputs)
        if mixed is None:
            raise
        raise mixed from error
    if record:
        out._requires_grad = True
        out._ctx = op
        op.inputs = inputs
        op.seq = next_seq()
    if trace_state.tracer is not None:
        trace_state.tracer.record_op(op, inputs, kwargs, out)
    if anomaly_state.enabled:
        anomaly_state.check_forward(op, inputs, kwargs, out)
    return out


def _promote(a: np.dtype, b: np.dtype, a_ndim: int = 1, b_ndim: int = 1) -> np.dtype:
    """PyTorch's promotion between two tensors: a float side wins over an integer side, and a
    0-d tensor of the same kind does not widen a dimensioned one (it acts like a scalar)."""
    if a == b:
        return a
    if a.kind == "f" and b.kind != "f":
        return a
    if b.kind == "f" and a.kind != "f":
        return b
    same_kind = (a.kind == "f") == (b.kind == "f") and "b" not in (a.kind, b.kind)
    if same_kind and (a_ndim == 0) != (b_ndim == 0):
        return b if a_ndim == 0 else a
    return np.promote_types(a, b)


def _normalize_dim(dim: int, ndim: int, what: str = "dim") -> int:
    size = max(ndim, 1)
    if not -size <= dim < size:
        raise IndexError(f"{what} {dim} is out of range for a tensor with {ndim} dimensions")
    return dim % size


def _normalize_axes(dim: Any, ndim: int) -> Any:
    """None, an int or a sequence of ints -> None, a non-negative int, or a sorted tuple."""
    if dim is None:
        return None
    if isinstance(dim, (int, np.integer)):
        axis = _normalize_dim(int(dim), ndim)
        return None if ndim == 0 else axis  # a 0-d tensor has only "all" to reduce over
    axes = tuple(sorted({_normalize_dim(int(d), ndim) for d in dim}))
    return axes if axes and ndim else None


def _pick_dim(dim: Any, axis: Any) -> Any:
    if axis is not None:
        if dim is not None:
            raise TypeError("give either dim or axis, not both")
        return axis
    return dim


def _pick_keepdim(keepdim: bool, keepdims: bool | None) -> bool:
    return bool(keepdim if keepdims is None else keepdims)


def _shape_arg(shape: Sequence[Any]) -> tuple[int, ...]:
    """Accept f(2, 3) and f((2, 3)) alike."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    return tuple(int(s) for s in shape)


def _index_of(index: Any, ndim: int) -> tuple[Any, tuple[Any, ...] | None]:
    """A user's index as `(basic, advanced)`, applied as `x[basic][advanced]` (PyTorch's rule).

    PyTorch applies integers, slices, None and Ellipsis first (an integer selects, so its dim is
    gone) and only then the tensor indices, on the dims that remain: whether the advanced dims
    are adjacent is decided there. NumPy counts an integer as an advanced index when it sits
    among arrays, so `x[0, :, idx]` of a (2, 3, 4) array is (2, 3) in NumPy and (3, 2) in PyTorch.
    `advanced` is None when NumPy's rule gives PyTorch's result for `x[basic]` alone.
    """
    items = index if isinstance(index, tuple) else (index,)
    if not any(isinstance(item, _ADVANCED_TYPES) for item in items):
        return index, None  # basic indexing: NumPy's rule is PyTorch's
    items = tuple(_index_item(item) for item in items)
    if sum(item is Ellipsis for item in items) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    consumed = sum(_dims_consumed(item) for item in items)
    if consumed > ndim:
        raise IndexError(f"too many indices for a tensor of dimension {ndim}")
    if not any(isinstance(item, int) for item in items):  # bools are ints too
        # without integers the two rules agree: one NumPy index (a lone array stays itself)
        return (items[0] if len(items) == 1 else items), None
    basic: list[Any] = []
    advanced: list[tuple[int, Any, int]] = []  # (dim of the basic result, index, dims it spans)
    dim = 0
    for item in items:
        if item is Ellipsis:
            basic.append(item)
            dim += ndim - consumed
        elif item is None:
            basic.append(None)
            dim += 1
        elif isinstance(item, bool):  # a new dim of size 1, indexed by [0] (True) or [] (False)
            basic.append(None)
            advanced.append((dim, np.zeros(int(item), dtype=np.int64), 1))
            dim += 1
        elif isinstance(item, int):
            basic.append(item)
        elif isinstance(item, slice):
            basic.append(item)
            dim += 1
        else:  # an integer array or a bool mask
            span = item.ndim if item.dtype == np.bool_ else 1
            basic.extend([slice(None)] * span)
            advanced.append((dim, item, span))
            dim += span
    if not advanced:
        return tuple(basic), None
    second: list[Any] = []
    for position, item, span in advanced:
        second.extend([slice(None)] * (position - len(second)))
        second.append(item)
        second.extend([_SPANNED] * (span - 1))
    return tuple(basic), tuple(item for item in second if item is not _SPANNED)


_SPANNED = object()  # a dim that a multi-dim bool mask covers along with the one before it


def _index_item(item: Any) -> Any:
    """One part of an index, as PyTorch reads it: tensors, lists and tuples become arrays, a 0-d
    integer tensor is an integer, a 0-d bool tensor a bool, a uint8 tensor a mask, a `range` a
    list of its integers."""
    if isinstance(item, _tensor_class):
        item = as_array(item.array)  # a 0-d result of arithmetic can hold a NumPy scalar
    elif isinstance(item, (list, tuple, range)):
        item = np.asarray([_index_item(i) for i in item])
        if item.size == 0:
            item = item.astype(np.int64)
    elif isinstance(item, np.bool_):
        return bool(item)
    elif isinstance(item, np.integer):
        return int(item)
    if not isinstance(item, np.ndarray) and not is_device_array(item):
        if item is None or item is Ellipsis or isinstance(item, (bool, int, slice)):
            return item
        raise IndexError(
            f"only integers, slices, None, Ellipsis, and integer or bool tensors are valid "
            f"indices, got {type(item).__name__}"
        )
    if item.dtype == np.uint8:
        item = item.astype(np.bool_)
    if item.dtype.kind not in "iub":
        raise IndexError(f"tensors used as indices must be integer or bool, got {item.dtype}")
    if item.ndim == 0:
        return bool(item) if item.dtype == np.bool_ else int(item)
    return item


def _dims_consumed(item: Any) -> int:
    if item is None or item is Ellipsis or isinstance(item, bool):
        return 0
    if (isinstance(item, np.ndarray) or is_device_array(item)) and item.dtype == np.bool_:
        return item.ndim
    return 1


def constant(array: Any, like: Tensor) -> Tensor:
    """A constant tensor of `array` (made on the host: a mask, weights, indices) on the device
    of `like`, so that it can meet `like` in an op."""
    if type(like.array) is not np.ndarray and not is_host(like.array):
        array = namespace(like.array).asarray(array)
    return _wrap(array)


def as_tensor_like(value: Any, like: Tensor) -> Tensor:
    """`value` as a Tensor; a Python scalar takes `like`'s dtype (floats make ints float)."""
    if isinstance(value, _tensor_class):
        return value
    if isinstance(value, (bool, int, float, np.number)) and not isinstance(value, np.ndarray):
        dtype = like.array.dtype
        if isinstance(value, (float, np.floating)) and dtype.kind != "f":
            dtype = default_float_dtype()
        elif (
            isinstance(value, (int, np.integer))
            and dtype.kind == "b"
            and not isinstance(value, bool)
        ):
            dtype = np.dtype(np.int64)
        if isinstance(value, int) and not isinstance(value, bool):
            scalar = _python_int(value, dtype)
        else:
            scalar = np.asarray(value, dtype=dtype)
        if type(like.array) is not np.ndarray and not is_host(like.array):
            scalar = namespace(like.array).asarray(scalar)  # the scalar joins a GPU tensor there
        return _wrap(scalar)
    return _tensor_class._of(value)


def _python_int(value: int, dtype: np.dtype) -> np.ndarray:
    """A Python int as a 0-d array of `dtype`, PyTorch's way: any int that fits 64 bits is
    accepted and, for an integer dtype it does not fit, wraps around (two's complement, as
    `int32_tensor | 0xFFFFFFFF` does in PyTorch); a wider int is an OverflowError."""
    if not -(2**63) <= value < 2**64:
        raise OverflowError(
            f"the Python int {value} does not fit in 64 bits, so it cannot be a tensor operand"
        )
    if dtype.kind in "iu":
        limits = np.iinfo(dtype)
        if not limits.min <= value <= limits.max:
            return np.asarray(value % 2**64, dtype=np.uint64).astype(dtype)
    return np.asarray(value, dtype=dtype)


def is_tensor(value: Any) -> bool:
    """True for a retrograd Tensor (usable where importing the class would be circular)."""
    return isinstance(value, _tensor_class)


def to_tensor(value: Any) -> Tensor:
    """`value` itself when it is a Tensor, else a new Tensor made from it."""
    return value if isinstance(value, _tensor_class) else _tensor_class._of(value)


def device_error(op: Node, inputs: Sequence[Tensor]) -> Exception | None:
    """PyTorch's error for an op on tensors of different devices, or a clear one for an op that
    runs on the CPU only given GPU tensors (None when neither is the case)."""
    from retrograd.backend.arrays import device_of

    devices = list(dict.fromkeys(str(device_of(t.array)) for t in inputs))
    if op.cpu_only and devices != ["cpu"]:
        return UnsupportedError(
            f"{op.name} runs on the CPU only ({op.cpu_only}); move its inputs with .cpu() first"
        )
    if len(devices) < 2:
        return None
    return InvalidArgumentError(
        f"{op.name}: Expected all tensors to be on the same device, but found at least two "
        f"devices, {devices[0]} and {devices[1]}! (move them with .to(device))"
    )


def forward_error(op: Node, inputs: Sequence[Tensor], error: ValueError) -> Exception:
    """A clear error for a NumPy ValueError inside an op's forward: PyTorch's message when the
    inputs' shapes do not broadcast, else NumPy's words with the op and the shapes."""
    shapes = [tuple(t.array.shape) for t in inputs]
    if "broadcast" in str(error):
        if len(shapes) == 2:
            a, b = shapes
            for k in range(1, min(len(a), len(b)) + 1):
                if a[-k] != b[-k] and 1 not in (a[-k], b[-k]):
                    return ShapeError(
                        f"{op.name}: the size of tensor a ({a[-k]}) must match the size of "
                        f"tensor b ({b[-k]}) at non-singleton dimension {max(len(a), len(b)) - k}"
                        f" (shapes {a} and {b})"
                    )
        return ShapeError(f"{op.name}: shapes {' and '.join(map(str, shapes))} do not broadcast")
    return InvalidArgumentError(f"{op.name} on shapes {shapes}: {error}")
