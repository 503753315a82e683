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
from retrograd.backend.dtypes import default_float_dtype

if TYPE_CHECKING:
    from retrograd.tensor.core import Tensor

_tensor_class: Any = None  # set by retrograd.tensor.core once Tensor exists

# `object.__new__` bound once: read through `object` on every call, it costs a third as much
# again as the allocation itself
_new_object = object.__new__


def register_tensor_class(cls: type) -> None:
    """Tell the dispatcher which class to build (done once, by `retrograd.tensor.core`)."""
    global _tensor_class
    _tensor_class = cls


def _wrap(data: np.ndarray, requires_grad: bool = False) -> Tensor:
    """Fast constructor used by every op: no checks, no copies."""
    t = _new_object(_tensor_class)
    t.data = data
    t.grad = None
    t.requires_grad = requires_grad
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
    out.requires_grad = False
    out._ctx = None
    n = len(inputs)
    record = False
    if grad_state.enabled and op_type.differentiable:
        if n == 1:
            a = inputs[0]
            if a.requires_grad:
                record = True
                op.needs_input_grad = (True,)
                op.parents = (a._ctx,)
                op.versions = (a._version,)
        elif n == 2:
            a, b = inputs
            if a.requires_grad or b.requires_grad:
                record = True
                op.needs_input_grad = (a.requires_grad, b.requires_grad)
                op.parents = (a._ctx, b._ctx)
                op.versions = (a._version, b._version)
        elif n == 3:  # a layer's x, weight, bias
            a, b, c = inputs
            if a.requires_grad or b.requires_grad or c.requires_grad:
                record = True
                op.needs_input_grad = (a.requires_grad, b.requires_grad, c.requires_grad)
                op.parents = (a._ctx, b._ctx, c._ctx)
                op.versions = (a._version, b._version, c._version)
        else:
            needs = tuple([t.requires_grad for t in inputs])
            if True in needs:
                record = True
                op.needs_input_grad = needs
                op.parents = tuple([t._ctx for t in inputs])
                op.versions = tuple([t._version for t in inputs])
    # A plain call when there are no keywords: CPython runs it without a C-level call
    # (`**{}` would force one), which is most of what a one-op forward costs on tiny arrays.
    if kwargs:
        if n == 2:
            out.data = op.forward(inputs[0].data, inputs[1].data, **kwargs)
        else:
            out.data = op.forward(*[t.data for t in inputs], **kwargs)
    elif n == 1:
        out.data = op.forward(inputs[0].data)
    elif n == 2:
        out.data = op.forward(inputs[0].data, inputs[1].data)
    elif n == 3:
        out.data = op.forward(inputs[0].data, inputs[1].data, inputs[2].data)
    else:
        out.data = op.forward(*[t.data for t in inputs])
    if record:
        out.requires_grad = True
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


def _index_of(index: Any) -> Any:
    """Tensors inside an index become arrays; lists become arrays (advanced indexing)."""
    if isinstance(index, _tensor_class):
        return index.data
    if isinstance(index, list):
        return np.asarray([_index_of(i) for i in index])
    if isinstance(index, tuple):
        return tuple(_index_of(i) for i in index)
    return index


def as_tensor_like(value: Any, like: Tensor) -> Tensor:
    """`value` as a Tensor; a Python scalar takes `like`'s dtype (floats make ints float)."""
    if isinstance(value, _tensor_class):
        return value
    if isinstance(value, (bool, int, float, np.number)) and not isinstance(value, np.ndarray):
        dtype = like.data.dtype
        if isinstance(value, (float, np.floating)) and dtype.kind != "f":
            dtype = default_float_dtype()
        elif (
            isinstance(value, (int, np.integer))
            and dtype.kind == "b"
            and not isinstance(value, bool)
        ):
            dtype = np.dtype(np.int64)
        return _wrap(np.asarray(value, dtype=dtype))
    return _tensor_class(value)


def is_tensor(value: Any) -> bool:
    """True for a retrograd Tensor (usable where importing the class would be circular)."""
    return isinstance(value, _tensor_class)


def to_tensor(value: Any) -> Tensor:
    """`value` itself when it is a Tensor, else a new Tensor made from it."""
    return value if isinstance(value, _tensor_class) else _tensor_class(value)
