"""The general rule: a layer with no converter of its own is exported by tracing its forward.

`record` runs the layer's forward once on the example input (eval mode, no graph) with a small
tracer on retrograd's hook points (`retrograd.autograd.tracing.trace_state`): every primitive
op `apply` runs is kept as `(op, input tensors, keyword arguments, output tensor)`. Anything the
ONNX graph cannot hold makes the trace fail with its reason: a tensor value read into Python
(`item()`, `numpy()`, `bool()`, so Python control flow on values), an in-place change, a
recorded call (an optimizer, a gradient utility), `backward()`, module hooks, or a layer that
holds submodules or returns something other than one tensor.

`convert_traced` then writes one ONNX node (or a few) per recorded op from `PRIMITIVES`, the
table of primitive op classes it knows: the layer's input tensor is the `x` value, an op's
output is the value its node makes, and a tensor no recorded op produced (a parameter, a
buffer, a Python number the op met) is a constant, stored as an initializer. An op whose
inputs are all constants is folded: its recorded output is the constant. So a new activation
written from existing ops exports with no converter code at all.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import FrameType
from typing import Any

import numpy as np

from retrograd import ops
from retrograd.autograd.grad_mode import no_grad
from retrograd.autograd.node import Node
from retrograd.autograd.tracing import trace_state
from retrograd.onnx.converters.registry import Step
from retrograd.onnx.errors import ExportError
from retrograd.onnx.graph import GraphBuilder
from retrograd.ops import math_extra
from retrograd.ops.nograd import NoGrad
from retrograd.tensor import Tensor

__all__ = [
    "PRIMITIVES",
    "Recorded",
    "Trace",
    "TraceError",
    "convert_traced",
    "record",
    "supported_primitives",
]

_INT64_MAX = np.iinfo(np.int64).max
_INT64_MIN = np.iinfo(np.int64).min


class TraceError(ExportError):
    """A layer's forward could not be traced into ONNX nodes; `reason` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# ------------------------------------------------------------------------------ recording
@dataclass(frozen=True)
class Recorded:
    """One primitive op of a traced forward, as `apply` ran it."""

    op: Node
    inputs: tuple[Tensor, ...]
    kwargs: dict[str, Any]
    out: Tensor


@dataclass(frozen=True)
class Trace:
    """A layer's forward on the example input: the input tensor it got, the tensor it returned,
    the primitive ops in between, and the tensors it built without an op (constants)."""

    input: Tensor
    output: Tensor
    ops: tuple[Recorded, ...]
    made: tuple[Tensor, ...]


_RETROGRAD = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# the library's own plumbing: an escape is reported at the first frame outside these
_PLUMBING = tuple(
    os.path.join(_RETROGRAD, part) + os.sep for part in ("tensor", "autograd", "onnx", "backend")
) + (os.path.dirname(os.path.abspath(np.__file__)) + os.sep,)


def _location(frame: FrameType | None) -> str:
    """`file:line` of the first frame outside tensor plumbing and NumPy (the forward's line)."""
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(_PLUMBING):
        frame = frame.f_back
    if frame is None:
        return "inside retrograd"
    return f"{frame.f_code.co_filename}:{frame.f_lineno}"


class _Recorder:
    """The duck-typed tracer `trace_state.tracer` holds while a layer's forward runs once."""

    def __init__(self) -> None:
        self.ops: list[Recorded] = []
        self.made: list[Tensor] = []
        self.problem: str | None = None

    def fail(self, reason: str) -> None:
        if self.problem is None:
            self.problem = reason

    def record_op(self, op: Node, inputs: tuple[Tensor, ...], kwargs: dict, out: Tensor) -> None:
        self.ops.append(Recorded(op, tuple(inputs), dict(kwargs), out))

    def record_constant(self, tensor: Tensor) -> None:
        self.made.append(tensor)  # kept alive, so no id is reused during the trace

    def record_pure(self, tensor: Tensor) -> None:
        self.made.append(tensor)

    def record_backward(self, root: Tensor, grad: Any, retain_graph: bool) -> None:
        self.fail(f"it calls backward() at {_location(sys._getframe(1))}")

    def record_call(self, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        name = getattr(fn, "__qualname__", repr(fn))
        self.fail(
            f"it calls {name}, which changes state outside the ops, at "
            f"{_location(sys._getframe(1))}"
        )

    def record_call_result(self, tensor: Tensor) -> None:
        self.fail(f"it uses a tensor computed outside the ops at {_location(sys._getframe(1))}")

    def record_mutation(self, tensor: Tensor) -> None:
        self.fail(
            f"it changes a tensor of shape {tuple(tensor.shape)} in place, at "
            f"{_location(sys._getframe(1))}"
        )

    def record_escape(self, what: str) -> None:
        self.fail(
            f"{what} turns a tensor into a Python value at {_location(sys._getframe(1))}; an "
            "ONNX graph holds tensor ops only, not Python control flow on tensor values"
        )


def record(module: Any, x: np.ndarray) -> Trace:
    """Run `module`'s forward once on `x` in eval mode without a graph, recording its ops.

    Raises:
        TraceError: when the forward does something the ONNX graph cannot hold, returns
            anything but one tensor, or uses a primitive with no entry in `PRIMITIVES`.
    """
    children = [name for name, child in module._modules.items() if child is not None]
    if children:
        raise TraceError(
            f"it holds submodules ({', '.join(children)}); only Sequential containers are "
            "unrolled, and only leaf modules are traced"
        )
    modes = [(m, m.training) for m in module.modules()]
    module.eval()
    x_tensor = Tensor(x)
    recorder = _Recorder()
    previous = trace_state.tracer
    trace_state.tracer = recorder
    try:
        with no_grad():
            result = module(x_tensor)
    finally:
        trace_state.tracer = previous
        for m, training in modes:
            m.training = training
    if recorder.problem is not None:
        raise TraceError(recorder.problem)
    if not isinstance(result, Tensor):
        raise TraceError(
            f"it returns a {type(result).__name__}; the ONNX export handles layers that return "
            "one tensor"
        )
    for event in recorder.ops:
        _entry(event)  # fail now, before any node is written, on a primitive it cannot convert
    return Trace(x_tensor, result, tuple(recorder.ops), tuple(recorder.made))


# ------------------------------------------------------------------------------ emitting
class _Emitter:
    """Turns the ops of one trace into nodes of `g`: tensor identity -> ONNX value name."""

    def __init__(self, g: GraphBuilder, step: Step, trace: Trace, x: str) -> None:
        self.g = g
        self.where = step.where
        self.names: dict[int, str] = {id(trace.input): x}
        self.array_names: dict[int, str] = {id(trace.input.array): x}
        self.constant_names: dict[int, str] = {}
        # arrays that are constants for sure: parameters, buffers, tensors built in forward
        self.known: set[int] = {id(t.array) for t in trace.made}
        self.known.update(id(p.array) for p in step.module.parameters())
        self.known.update(id(b.array) for b in step.module.buffers() if b is not None)

    # values -----------------------------------------------------------------------------
    def traced(self, tensor: Tensor) -> str | None:
        """The value name of a tensor the forward computed from the input, else None."""
        name = self.names.get(id(tensor))
        return name if name is not None else self.array_names.get(id(tensor.array))

    def value(self, tensor: Tensor) -> str:
        """The value name of an op input: computed, or a constant initializer."""
        name = self.traced(tensor)
        return name if name is not None else self.constant(tensor.array)

    def constant(self, array: Any) -> str:
        key = id(array)
        name = self.constant_names.get(key)
        if name is None:
            name = self.g.initializer(np.asarray(array), f"{self.where}.const")
            self.constant_names[key] = name
        return name

    def array(self, array: Any, what: str) -> str:
        """The value name of an array keyword argument (a `where` condition, a clamp bound)."""
        name = self.array_names.get(id(array))
        if name is not None:
            return name
        if np.size(array) > 1 and id(array) not in self.known:
            raise TraceError(f"{what} is an array computed outside the ops (shape {array.shape})")
        return self.constant(array)

    def scalar(self, value: Any, dtype: Any) -> str:
        return self.g.scalar(value, dtype, f"{self.where}.const")

    def int64s(self, values: Sequence[int]) -> str:
        return self.g.int64s(list(values), f"{self.where}.shape")

    def node(self, op_type: str, inputs: Sequence[str], **attributes: Any) -> str:
        return self.g.node(op_type, inputs, self.where, **attributes)

    def cast(self, name: str, source: np.dtype, target: np.dtype) -> str:
        if np.dtype(source) == np.dtype(target):
            return name
        return self.node("Cast", [name], to=self.g.tensor_type(target))

    def inputs_as(self, event: Recorded, dtype: np.dtype) -> list[str]:
        """The op's inputs, each cast to `dtype` where NumPy would have promoted it."""
        return [self.cast(self.value(t), t.array.dtype, dtype) for t in event.inputs]

    # the walk ---------------------------------------------------------------------------
    def depends_on_input(self, event: Recorded) -> bool:
        if any(self.traced(t) is not None for t in event.inputs):
            return True
        return any(id(v) in self.array_names for v in _flat(event.kwargs.values()) if _is_array(v))

    def run(self, trace: Trace) -> str:
        for event in trace.ops:
            if not self.depends_on_input(event):
                continue  # constant folding: the recorded output is the value
            name = _entry(event)(self, event)
            self.names[id(event.out)] = name
            self.array_names[id(event.out.array)] = name
        return self.value(trace.output)


def _is_array(value: Any) -> bool:
    return isinstance(value, np.ndarray)


def _flat(values: Any) -> list[Any]:
    flat = []
    for value in values:
        if isinstance(value, (tuple, list)):
            flat.extend(_flat(value))
        else:
            flat.append(value)
    return flat


def convert_traced(g: GraphBuilder, step: Step, x: str) -> str:
    """The converter of a layer with none of its own: its traced forward, op by op.

    Uses the trace the export recorded in `step.trace`, or records one now.

    Raises:
        TraceError: when the forward cannot be traced or uses an op with no ONNX entry.
    """
    trace = step.trace if step.trace is not None else record(step.module, step.x)
    return _Emitter(g, step, trace, x).run(trace)


# ------------------------------------------------------------------------------ primitives
Emit = Callable[[_Emitter, Recorded], str]

#: primitive op class -> the function that writes its ONNX nodes
PRIMITIVES: dict[type[Node], Emit] = {}


def _primitive(*classes: type[Node]) -> Callable[[Emit], Emit]:
    def register(function: Emit) -> Emit:
        for cls in classes:
            PRIMITIVES[cls] = function
        return function

    return register


def supported_primitives() -> list[str]:
    """The names of the primitive ops a traced forward may use (NoGrad for the NumPy functions
    in `NOGRAD_FUNCTIONS`)."""
    return sorted(cls.__name__ for cls in PRIMITIVES)


def _entry(event: Recorded) -> Emit:
    """The emitter of `event`'s op, or a TraceError naming the op and what is supported."""
    emit = PRIMITIVES.get(type(event.op))
    if emit is None:
        raise TraceError(
            f"its forward uses the primitive op {type(event.op).__name__}, which has no ONNX "
            f"entry (traced primitives: {', '.join(supported_primitives())})"
        )
    if isinstance(event.op, NoGrad):
        fn = event.kwargs.get("fn")
        if _nograd_entry(fn) is None:
            name = getattr(fn, "__name__", repr(fn))
            raise TraceError(
                f"its forward uses NoGrad(fn={name}), which has no ONNX entry (NoGrad "
                f"functions: {', '.join(sorted(NOGRAD_FUNCTIONS))})"
            )
    return emit


_UNARY = {
    ops.Neg: "Neg",
    ops.Exp: "Exp",
    ops.Log: "Log",
    ops.Tanh: "Tanh",
    ops.Sigmoid: "Sigmoid",
    ops.Relu: "Relu",
    ops.Abs: "Abs",
    ops.Sqrt: "Sqrt",
    ops.Erf: "Erf",
    ops.Sign: "Sign",
    ops.Sin: "Sin",
    ops.Cos: "Cos",
    math_extra.Tan: "Tan",
    math_extra.Asin: "Asin",
    math_extra.Acos: "Acos",
    math_extra.Atan: "Atan",
    math_extra.Sinh: "Sinh",
    math_extra.Cosh: "Cosh",
    math_extra.Asinh: "Asinh",
    math_extra.Acosh: "Acosh",
    math_extra.Atanh: "Atanh",
}

_BINARY = {
    ops.Add: "Add",
    ops.Sub: "Sub",
    ops.Mul: "Mul",
    ops.Div: "Div",
    ops.Pow: "Pow",
    ops.Maximum: "Max",
    ops.Minimum: "Min",
    ops.MatMul: "MatMul",
}


@_primitive(*_UNARY)
def _unary(e: _Emitter, event: Recorded) -> str:
    (x,) = e.inputs_as(event, event.out.array.dtype)
    return e.node(_UNARY[type(event.op)], [x])


@_primitive(*_BINARY)
def _binary(e: _Emitter, event: Recorded) -> str:
    return e.node(_BINARY[type(event.op)], e.inputs_as(event, event.out.array.dtype))


@_primitive(ops.Log1p)
def _log1p(e: _Emitter, event: Recorded) -> str:
    dtype = event.out.array.dtype
    (x,) = e.inputs_as(event, dtype)
    return e.node("Log", [e.node("Add", [x, e.scalar(1, dtype)])])


@_primitive(ops.Expm1)
def _expm1(e: _Emitter, event: Recorded) -> str:
    dtype = event.out.array.dtype
    (x,) = e.inputs_as(event, dtype)
    return e.node("Sub", [e.node("Exp", [x]), e.scalar(1, dtype)])


@_primitive(math_extra.Exp2)
def _exp2(e: _Emitter, event: Recorded) -> str:
    dtype = event.out.array.dtype
    (x,) = e.inputs_as(event, dtype)
    return e.node("Pow", [e.scalar(2, dtype), x])


@_primitive(math_extra.LogBase)
def _log_base(e: _Emitter, event: Recorded) -> str:
    dtype = event.out.array.dtype
    (x,) = e.inputs_as(event, dtype)
    return e.node("Div", [e.node("Log", [x]), e.scalar(np.log(event.kwargs["base"]), dtype)])


@_primitive(ops.PowScalar)
def _pow_scalar(e: _Emitter, event: Recorded) -> str:
    dtype = event.out.array.dtype
    (x,) = e.inputs_as(event, dtype)
    exponent = event.kwargs["exponent"]
    if exponent == 2:  # what the op computes: x * x
        return e.node("Mul", [x, x])
    kind = dtype if dtype.kind == "f" else np.dtype(np.int64)
    return e.node("Pow", [x, e.scalar(exponent, kind)])


@_primitive(ops.Cast)
def _cast(e: _Emitter, event: Recorded) -> str:
    (x,) = event.inputs
    return e.node("Cast", [e.value(x)], to=e.g.tensor_type(event.out.array.dtype))


@_primitive(ops.Clamp)
def _clamp(e: _Emitter, event: Recorded) -> str:
    """np.clip(x, low, high): Clip with scalar bounds, else min(max(x, low), high)."""
    dtype = event.out.array.dtype
    (x,) = e.inputs_as(event, dtype)
    low, high = event.kwargs.get("low"), event.kwargs.get("high")
    if all(b is None or np.size(b) <= 1 for b in (low, high)):
        bounds = [
            "" if b is None else e.scalar(np.asarray(b).reshape(()), dtype) for b in (low, high)
        ]
        return e.node("Clip", [x, *bounds])
    out = x
    for bound, op_type, key in ((low, "Max", "low"), (high, "Min", "high")):
        if bound is not None:
            name = e.array(np.asarray(bound), f"clamp's {key}")
            out = e.node(op_type, [out, e.cast(name, np.asarray(bound).dtype, dtype)])
    return out


@_primitive(ops.Where)
def _where(e: _Emitter, event: Recorded) -> str:
    dtype = event.out.array.dtype
    condition = event.kwargs["condition"]
    mask = e.array(condition, "where's condition")
    if condition.dtype != np.bool_:
        mask = e.node("Cast", [mask], to=e.g.tensor_type(np.bool_))
    a, b = e.inputs_as(event, dtype)
    return e.node("Where", [mask, a, b])


@_primitive(ops.Softmax, ops.LogSoftmax)
def _softmax(e: _Emitter, event: Recorded) -> str:
    dtype = event.out.array.dtype
    (x,) = e.inputs_as(event, dtype)
    return e.node(type(event.op).__name__, [x], axis=int(event.kwargs["axis"]))


# ------------------------------------------------------------------------------ NoGrad
_COMPARISONS = {
    np.greater: "Greater",
    np.greater_equal: "GreaterOrEqual",
    np.less: "Less",
    np.less_equal: "LessOrEqual",
    np.equal: "Equal",
    np.not_equal: "Equal",  # then Not
}
_LOGICAL = {
    np.logical_and: "And",
    np.logical_or: "Or",
    np.logical_xor: "Xor",
    np.bitwise_and: "And",  # on bools only
    np.bitwise_or: "Or",
    np.bitwise_xor: "Xor",
}
_ROUNDING = {np.floor: "Floor", np.ceil: "Ceil", np.round: "Round", np.sign: "Sign"}
_PREDICATES = {np.logical_not, np.invert, np.isnan, np.isinf, np.isfinite, np.asarray}


def _nograd_entry(fn: Any) -> Callable[[_Emitter, Recorded], str] | None:
    if fn in _COMPARISONS:
        return _compare
    if fn in _LOGICAL:
        return _logical
    if fn in _ROUNDING:
        return _rounding
    if fn in _PREDICATES:
        return _predicate
    return None


#: the NumPy functions a traced NoGrad op may call
NOGRAD_FUNCTIONS = sorted(
    getattr(f, "__name__", repr(f)) for f in (*_COMPARISONS, *_LOGICAL, *_ROUNDING, *_PREDICATES)
)


def _operands(event: Recorded) -> list[Any]:
    """The tensors and then the constant `args` of a NoGrad op, in the call's order."""
    return [*event.inputs, *event.kwargs.get("args", ())]


def _extra_kwargs(event: Recorded, allowed: tuple[str, ...] = ()) -> None:
    extra = set(event.kwargs) - {"fn", "args", *allowed}
    if extra:
        name = getattr(event.kwargs["fn"], "__name__", "?")
        raise TraceError(f"NoGrad(fn={name}) with keyword arguments {sorted(extra)} is not traced")


def _named_operands(e: _Emitter, event: Recorded, dtype: np.dtype) -> list[str]:
    names = []
    for operand in _operands(event):
        if isinstance(operand, Tensor):
            names.append(e.cast(e.value(operand), operand.array.dtype, dtype))
        elif _is_array(operand):
            names.append(e.cast(e.constant(operand), operand.dtype, dtype))
        else:
            names.append(e.scalar(operand, dtype))
    return names


def _common_dtype(event: Recorded) -> np.dtype:
    parts = [o.array.dtype if isinstance(o, Tensor) else o for o in _operands(event)]
    return np.result_type(*parts)


def _compare(e: _Emitter, event: Recorded) -> str:
    _extra_kwargs(event)
    fn = event.kwargs["fn"]
    result = e.node(_COMPARISONS[fn], _named_operands(e, event, _common_dtype(event)))
    return e.node("Not", [result]) if fn is np.not_equal else result


def _logical(e: _Emitter, event: Recorded) -> str:
    _extra_kwargs(event)
    fn = event.kwargs["fn"]
    if fn in (np.bitwise_and, np.bitwise_or, np.bitwise_xor) and event.out.array.dtype != np.bool_:
        raise TraceError(f"{fn.__name__} on {event.out.array.dtype} tensors is not traced")
    return e.node(_LOGICAL[fn], _named_operands(e, event, np.dtype(np.bool_)))


def _rounding(e: _Emitter, event: Recorded) -> str:
    _extra_kwargs(event)
    fn, dtype = event.kwargs["fn"], event.out.array.dtype
    if dtype.kind != "f" and fn is not np.sign:
        raise TraceError(f"{fn.__name__} of a {dtype} tensor is not traced")
    (x,) = _named_operands(e, event, dtype)
    return e.node(_ROUNDING[fn], [x])


def _predicate(e: _Emitter, event: Recorded) -> str:
    fn = event.kwargs["fn"]
    if fn is np.asarray:  # Tensor.type to a non-float dtype: astype
        _extra_kwargs(event, ("dtype",))
        (x,) = event.inputs
        return e.node("Cast", [e.value(x)], to=e.g.tensor_type(event.out.array.dtype))
    _extra_kwargs(event)
    (x,) = event.inputs
    source = e.value(x)
    if fn in (np.logical_not, np.invert):
        if fn is np.invert and x.array.dtype != np.bool_:
            raise TraceError(f"invert (~) of a {x.array.dtype} tensor is not traced")
        return e.node("Not", [e.cast(source, x.array.dtype, np.dtype(np.bool_))])
    if x.array.dtype.kind != "f":
        raise TraceError(f"{fn.__name__} of a {x.array.dtype} tensor is not traced")
    if fn is np.isnan:
        return e.node("IsNaN", [source])
    if fn is np.isinf:
        return e.node("IsInf", [source])
    return e.node("Not", [e.node("Or", [e.node("IsNaN", [source]), e.node("IsInf", [source])])])


@_primitive(NoGrad)
def _nograd(e: _Emitter, event: Recorded) -> str:
    emit = _nograd_entry(event.kwargs.get("fn"))
    assert emit is not None  # `_entry` checked it when the trace was recorded
    return emit(e, event)


# ------------------------------------------------------------------------------ reductions
def _axes(axis: Any) -> list[int] | None:
    if axis is None:
        return None
    if isinstance(axis, (int, np.integer)):
        return [int(axis)]
    return [int(a) for a in axis]


def _reduce(
    e: _Emitter,
    op_type: str,
    x: str,
    axes: list[int] | None,
    keepdims: bool,
    axes_as_input_from: int,
) -> str:
    """A Reduce* node; `axes` moved from an attribute to an input at `axes_as_input_from`."""
    if axes is None:
        return e.node(op_type, [x], keepdims=int(keepdims))
    if e.g.opset >= axes_as_input_from:
        return e.node(op_type, [x, e.int64s(axes)], keepdims=int(keepdims))
    return e.node(op_type, [x], axes=axes, keepdims=int(keepdims))


@_primitive(ops.Sum)
def _sum(e: _Emitter, event: Recorded) -> str:
    (x,) = e.inputs_as(event, event.out.array.dtype)
    axes = _axes(event.kwargs.get("axis"))
    return _reduce(e, "ReduceSum", x, axes, bool(event.kwargs.get("keepdims", False)), 13)


@_primitive(ops.Prod)
def _prod(e: _Emitter, event: Recorded) -> str:
    (x,) = e.inputs_as(event, event.out.array.dtype)
    axes = _axes(event.kwargs.get("axis"))
    return _reduce(e, "ReduceProd", x, axes, bool(event.kwargs.get("keepdims", False)), 18)


@_primitive(ops.Extremum)
def _extremum(e: _Emitter, event: Recorded) -> str:
    (x,) = e.inputs_as(event, event.out.array.dtype)
    axes = _axes(event.kwargs.get("axis"))
    op_type = "ReduceMax" if event.kwargs.get("largest", True) else "ReduceMin"
    return _reduce(e, op_type, x, axes, bool(event.kwargs.get("keepdims", False)), 18)


# ------------------------------------------------------------------------------ movement
@_primitive(ops.Reshape)
def _reshape(e: _Emitter, event: Recorded) -> str:
    (x,) = event.inputs
    shape = [int(s) for s in event.kwargs["shape"]]
    if 0 in shape:
        raise TraceError(f"a reshape to the empty shape {tuple(shape)} is not traced")
    if shape and x.ndim and shape[0] == x.shape[0]:
        shape[0] = 0  # ONNX's "copy this dim": the batch axis stays free
    return e.node("Reshape", [e.value(x), e.int64s(shape)])


@_primitive(ops.Permute)
def _permute(e: _Emitter, event: Recorded) -> str:
    (x,) = event.inputs
    return e.node("Transpose", [e.value(x)], perm=[int(a) for a in event.kwargs["axes"]])


@_primitive(ops.Expand)
def _expand(e: _Emitter, event: Recorded) -> str:
    (x,) = event.inputs
    target = [int(s) for s in event.kwargs["shape"]]
    source = [1] * (len(target) - x.ndim) + list(x.shape)
    # 1 where the input has the size already (Expand broadcasts both ways): free batch axis
    shape = [1 if s == t else t for s, t in zip(source, target)]
    return e.node("Expand", [e.value(x), e.int64s(shape)])


@_primitive(ops.Concat)
def _concat(e: _Emitter, event: Recorded) -> str:
    dtype = event.out.array.dtype
    return e.node("Concat", e.inputs_as(event, dtype), axis=int(event.kwargs["axis"]))


@_primitive(ops.Flip)
def _flip(e: _Emitter, event: Recorded) -> str:
    (x,) = event.inputs
    axes = [int(a) for a in event.kwargs["axes"]]
    n = len(axes)
    return e.node(
        "Slice",
        [
            e.value(x),
            e.int64s([-1] * n),
            e.int64s([_INT64_MIN] * n),
            e.int64s(axes),
            e.int64s([-1] * n),
        ],
    )


@_primitive(ops.Pad)
def _pad(e: _Emitter, event: Recorded) -> str:
    dtype = event.out.array.dtype
    (x,) = e.inputs_as(event, dtype)
    widths = event.kwargs["widths"]
    pads = [int(before) for before, _ in widths] + [int(after) for _, after in widths]
    value = e.scalar(event.kwargs.get("value", 0), dtype)
    return e.node("Pad", [x, e.int64s(pads), value], mode="constant")


@_primitive(ops.GetItem)
def _getitem(e: _Emitter, event: Recorded) -> str:
    """Basic indexing (slices, integers, None, Ellipsis) as Slice, Gather and Unsqueeze, then
    one integer array on one axis (`x[..., idx]`, as padding modes index) as Gather."""
    (x,) = event.inputs
    index, advanced = event.kwargs["index"], event.kwargs.get("advanced")
    if advanced is None and _gather_axis(index, x.ndim) is not None:
        index, advanced = (), index
    value, ndim = _basic_index(e, e.value(x), x.shape, index)
    if advanced is not None:
        found = _gather_axis(advanced, ndim)
        if found is None:
            raise TraceError(
                "indexing with masks or several index arrays (advanced indexing) is not traced"
            )
        axis, indices = found
        name = e.array_names.get(id(indices))
        if name is None:
            name = e.g.initializer(indices.astype(np.int64), f"{e.where}.index")
        value = e.node("Gather", [value, name], axis=axis)
    if value == e.value(x):
        return e.node("Identity", [value])
    return value


def _gather_axis(index: Any, ndim: int) -> tuple[int, np.ndarray] | None:
    """(axis, indices) when `index` is one integer array among full slices and an Ellipsis."""
    items = list(index) if isinstance(index, tuple) else [index]
    arrays = [i for i, item in enumerate(items) if _is_array(item)]
    if len(arrays) != 1 or items[arrays[0]].dtype.kind not in "iu":
        return None
    if any(
        not (item is Ellipsis or (isinstance(item, slice) and item == slice(None)))
        for i, item in enumerate(items)
        if i != arrays[0]
    ):
        return None
    before = items[: arrays[0]]
    if Ellipsis in before:
        return ndim - (len(items) - arrays[0]), items[arrays[0]]
    return len(before), items[arrays[0]]


def _basic_index(e: _Emitter, value: str, shape: tuple[int, ...], index: Any) -> tuple[str, int]:
    """`value[index]` for a basic index, and the number of dims of the result."""
    items = list(index) if isinstance(index, tuple) else [index]
    if any(
        not (item is None or item is Ellipsis or isinstance(item, (slice, int, np.integer)))
        or isinstance(item, bool)
        for item in items
    ):
        raise TraceError(
            "indexing with masks or several index arrays (advanced indexing) is not traced"
        )
    consumed = sum(1 for item in items if item is not None and item is not Ellipsis)
    if Ellipsis in items:
        at = items.index(Ellipsis)
        items[at : at + 1] = [slice(None)] * (len(shape) - consumed)
    axis, dim = 0, 0  # axis: of the value so far; dim: of the input
    for item in items:
        if item is None:
            value = e.node("Unsqueeze", [value, e.int64s([axis])])
            axis += 1
        elif isinstance(item, slice):
            start, stop, step = _slice_bounds(item, shape[dim])
            if (start, stop, step) != (0, _INT64_MAX, 1):
                value = e.node(
                    "Slice",
                    [
                        value,
                        e.int64s([start]),
                        e.int64s([stop]),
                        e.int64s([axis]),
                        e.int64s([step]),
                    ],
                )
            axis += 1
            dim += 1
        else:
            position = e.g.initializer(np.asarray(int(item), dtype=np.int64), f"{e.where}.index")
            value = e.node("Gather", [value, position], axis=axis)  # a 0-d index drops the axis
            dim += 1
    return value, axis + len(shape) - dim


def _slice_bounds(item: slice, size: int) -> tuple[int, int, int]:
    """ONNX Slice's start, end and step for the Python slice `item` of an axis of `size`:
    an open end stays open (so a free batch axis stays free); other bounds as Python reads
    them."""
    step = 1 if item.step is None else int(item.step)
    start_n, stop_n, _ = item.indices(size)
    if step > 0:
        start = 0 if item.start is None else _bound(item.start, start_n, size)
        stop = _INT64_MAX if item.stop is None else _bound(item.stop, stop_n, size)
    else:
        start = _INT64_MAX if item.start is None else _bound(item.start, start_n, size)
        if item.stop is None or stop_n < 0:
            stop = _INT64_MIN  # runs past the first element
        else:
            stop = _bound(item.stop, stop_n, size)
    return start, stop, step


def _bound(raw: int, normalised: int, size: int) -> int:
    """A negative bound kept as it is when in range (it counts from the end in ONNX too)."""
    raw = int(raw)
    return raw if -size <= raw < 0 else normalised
