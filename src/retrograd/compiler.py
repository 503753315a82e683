"""`retrograd.compile(step)`: record the primitive ops of one training step, then replay them.

The first call of each input signature runs `step` eagerly while a tracer records, in order:
every primitive op (its `Node` object, where its inputs come from, its keyword arguments),
every `backward()` (with the graph's node order, computed once), and every `zero_grad()` /
`step()` of an optimizer. Later calls replay that tape: the same `Node` objects run `forward`
on the new arrays and the graph walk runs over the order it already knows — no Tensors,
modules, hooks or graph building in between. The numbers are the eager ones, bit for bit.

A step cannot be captured (it runs eagerly, with one warning) when replaying it could differ
from running it: it draws random numbers (dropout), changes a tensor in place outside the
optimizer (BatchNorm's running statistics), turns a tensor into a Python value (`item()`,
`bool()` — control flow may depend on it), builds a multi-element constant inside the step
(NumPy work on `.data`), or uses hooks. A new input shape or dtype records a new tape.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from retrograd.autograd.engine import _accumulate, topological_order
from retrograd.autograd.grad_mode import grad_state
from retrograd.autograd.node import Node
from retrograd.autograd.tracing import trace_state
from retrograd.random import get_rng_state
from retrograd.tensor import Tensor, _wrap

__all__ = ["CompiledStep", "compile"]

_ARG, _SLOT, _EXTERNAL = 0, 1, 2  # where an op input comes from
_OP, _BACKWARD, _CALL = 0, 1, 2  # tape events
_MAX_SIGNATURES = 8


class CaptureError(Exception):
    """Why a step cannot be replayed safely (turned into a warning and eager execution)."""


class _Tracer:
    """Listens on the hook points while the step runs once, and builds the tape."""

    def __init__(self, args: tuple[Any, ...]) -> None:
        self.events: list[tuple[Any, ...]] = []
        self.sources: dict[int, tuple[int, Any]] = {}  # id(tensor) -> (kind, index or tensor)
        self.array_sources: dict[int, tuple[int, Any]] = {}  # id(array) -> (kind, index)
        self.keep_alive: list[Any] = []  # trace-time objects, so no id is reused meanwhile
        self.constants: set[int] = set()  # tensors built inside the step, not by an op
        self.n_slots = 0
        self.problem: str | None = None
        for index, arg in enumerate(args):
            if isinstance(arg, Tensor):
                self.sources[id(arg)] = (_ARG, index)
                self.array_sources[id(arg.data)] = (_ARG, index)

    def fail(self, reason: str) -> None:
        if self.problem is None:
            self.problem = reason

    # hook points ----------------------------------------------------------------------------
    def record_op(self, op: Node, inputs: tuple[Tensor, ...], kwargs: dict, out: Tensor) -> None:
        input_sources = tuple(self._source_of(t) for t in inputs)
        static_kwargs = {}
        dynamic_kwargs = []
        for name, value in kwargs.items():
            source = self._array_source(value)
            if source is None:
                static_kwargs[name] = value
            else:
                dynamic_kwargs.append((name, source))
        slot = self.n_slots
        self.n_slots += 1
        self.sources[id(out)] = (_SLOT, slot)
        self.array_sources[id(out.data)] = (_SLOT, slot)
        self.keep_alive.append(out)
        self.events.append((_OP, op, input_sources, static_kwargs, tuple(dynamic_kwargs), slot))

    def record_constant(self, tensor: Tensor) -> None:
        self.constants.add(id(tensor))
        self.keep_alive.append(tensor)

    def record_pure(self, tensor: Tensor) -> None:
        """A factory's tensor (zeros, ones, arange...): safe to replay as it is."""
        self.constants.discard(id(tensor))

    def record_backward(self, root: Tensor, grad: np.ndarray, retain_graph: bool) -> None:
        if root._ctx is None or id(root) not in self.sources:
            self.fail("backward() of a tensor that no op of the step produced")
            return
        # the eager walk's own order (decreasing creation number), so sums happen in the same
        # order and the replayed gradients are the same to the last bit
        order = sorted(topological_order(root._ctx), key=lambda node: -node.seq)
        for node in order:
            for tensor in node.inputs:
                if tensor._hooks or tensor._retains_grad:
                    self.fail("a tensor hook or retain_grad() inside the step")
            if node.output_ref is not None:
                self.fail("a tensor hook or retain_grad() inside the step")
        self.events.append((_BACKWARD, _BackwardPlan(order), grad.copy()))

    def record_call(self, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        self.events.append((_CALL, fn, args))

    def record_mutation(self, tensor: Tensor) -> None:
        self.fail(f"an in-place change of a tensor of shape {tensor.shape} outside the optimizer")

    def record_escape(self, what: str) -> None:
        self.fail(f"{what} turns a tensor into a Python value (control flow may depend on it)")

    # resolution -----------------------------------------------------------------------------
    def _source_of(self, tensor: Tensor) -> tuple[int, Any]:
        source = self.sources.get(id(tensor)) or self.array_sources.get(id(tensor.data))
        if source is not None:
            return source
        if id(tensor) in self.constants and tensor.data.size > 1:
            self.fail(f"a constant of shape {tensor.shape} built inside the step from NumPy data")
        self.keep_alive.append(tensor)
        return (_EXTERNAL, tensor)

    def _array_source(self, value: Any) -> tuple[int, Any] | None:
        if isinstance(value, np.ndarray):
            source = self.array_sources.get(id(value))
            if source is None and value.size > 1:
                self.fail("an array argument of an op computed outside the ops of the step")
            return source
        if isinstance(value, tuple) and any(
            isinstance(v, np.ndarray) and v.size > 1 for v in value
        ):
            self.fail("an index made of several arrays")
        return None


class _BackwardPlan:
    """The graph walk of one recorded backward, with every edge resolved to a list index.

    It visits the nodes in the eager walk's order and sums gradients exactly as it does
    (owned buffers added in place), so replayed gradients equal eager ones bit for bit.
    """

    def __init__(self, order: list[Node]) -> None:
        self.nodes = order
        index = {id(node): i for i, node in enumerate(order)}
        self.leaves: list[Tensor] = []
        leaf_index: dict[int, int] = {}
        self.edges: list[tuple[tuple[int, int], ...]] = []
        for node in order:
            edges = []
            for position, (parent, tensor, needed) in enumerate(
                zip(node.parents, node.inputs, node.needs_input_grad)
            ):
                if not needed:
                    continue
                if parent is None:
                    if id(tensor) not in leaf_index:
                        leaf_index[id(tensor)] = len(self.leaves)
                        self.leaves.append(tensor)
                    edges.append((position, -1 - leaf_index[id(tensor)]))
                else:
                    edges.append((position, index[id(parent)]))
            self.edges.append(tuple(edges))

    def run(self, grad: np.ndarray) -> None:
        n = len(self.nodes)
        grads: list[Any] = [None] * n
        leaf_grads: list[Any] = [None] * len(self.leaves)
        owned = [False] * n
        leaf_owned = [False] * len(self.leaves)
        grads[0] = grad
        for i, node in enumerate(self.nodes):
            g = grads[i]
            if g is None:
                continue
            grads[i] = None
            if node.scatters:
                self._scatter(node, g, self.edges[i], grads, owned, leaf_grads, leaf_owned)
                continue
            input_grads = node.backward(g)
            if type(input_grads) is not tuple:
                input_grads = (input_grads,)
            for position, target in self.edges[i]:
                tensor_grad = input_grads[position]
                if tensor_grad is None:
                    continue
                if target >= 0:
                    store, flags, key = grads, owned, target
                else:
                    store, flags, key = leaf_grads, leaf_owned, -1 - target
                previous = store[key]
                if previous is None:
                    store[key] = tensor_grad
                elif flags[key]:
                    np.add(previous, tensor_grad, out=previous)
                else:
                    store[key] = np.asarray(previous + tensor_grad)
                    flags[key] = True
        handed_out = {id(grad)}
        for leaf, g in zip(self.leaves, leaf_grads):
            if g is not None:
                _accumulate(leaf, g, _wrap, handed_out)

    def _scatter(
        self,
        node: Node,
        grad: np.ndarray,
        edges: tuple[tuple[int, int], ...],
        grads: list[Any],
        owned: list[bool],
        leaf_grads: list[Any],
        leaf_owned: list[bool],
    ) -> None:
        for _, target in edges:  # one input at most
            if target >= 0:
                store, flags, key = grads, owned, target
            else:
                store, flags, key = leaf_grads, leaf_owned, -1 - target
            buffer = store[key]
            if buffer is None or not flags[key]:
                tensor = node.inputs[0]
                fresh = np.zeros(tensor.shape, dtype=tensor.dtype)
                if buffer is not None:
                    fresh += buffer
                buffer = store[key] = fresh
                flags[key] = True
            node.scatter_add(buffer, grad)


class _Tape:
    """One recorded call: replayed by `run`."""

    def __init__(self, tracer: _Tracer, result: Any) -> None:
        self.events = tracer.events
        self.n_slots = tracer.n_slots
        self.keep_alive = tracer.keep_alive
        self.result = self._result_shape(tracer, result)

    @staticmethod
    def _result_shape(tracer: _Tracer, result: Any) -> Any:
        if result is None:
            return None
        if isinstance(result, Tensor):
            source = tracer.sources.get(id(result))
            if source is None or source[0] != _SLOT:
                tracer.fail("the step returns a tensor that no op of the step produced")
                return None
            return source[1]
        if isinstance(result, tuple):
            return tuple(_Tape._result_shape(tracer, item) for item in result)
        tracer.fail(f"the step returns a {type(result).__name__}, not Tensors")
        return None

    def run(self, args: tuple[Any, ...]) -> Any:
        values: list[Any] = [None] * self.n_slots
        arg_data = [a.data if isinstance(a, Tensor) else a for a in args]
        for event in self.events:
            kind = event[0]
            if kind == _OP:
                _, op, input_sources, static_kwargs, dynamic_kwargs, slot = event
                arrays = [
                    values[where]
                    if how == _SLOT
                    else arg_data[where]
                    if how == _ARG
                    else where.data
                    for how, where in input_sources
                ]
                if dynamic_kwargs:
                    kwargs = dict(static_kwargs)
                    for name, (how, where) in dynamic_kwargs:
                        kwargs[name] = values[where] if how == _SLOT else arg_data[where]
                else:
                    kwargs = static_kwargs
                values[slot] = op.forward(*arrays, **kwargs)
            elif kind == _BACKWARD:
                event[1].run(event[2])
            else:
                event[1](*event[2])
        return self._rebuild(self.result, values)

    def _rebuild(self, shape: Any, values: list[Any]) -> Any:
        if shape is None:
            return None
        if isinstance(shape, tuple):
            return tuple(self._rebuild(item, values) for item in shape)
        return _wrap(values[shape])


def _signature(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    parts: list[Any] = [grad_state.enabled]
    for arg in args:
        if isinstance(arg, Tensor):
            parts.append(("tensor", arg.shape, arg.dtype.str, arg.requires_grad))
        elif isinstance(arg, (int, float, str, bool, type(None))):
            parts.append(arg)
        else:
            return None  # arrays or objects: not captured
    if kwargs:
        return None
    return tuple(parts)


class CompiledStep:
    """A step function whose calls after the first replay a recorded tape of primitive ops."""

    def __init__(self, step: Callable[..., Any], warn: bool = True) -> None:
        self.step = step
        self.warn = warn
        self.tapes: dict[Any, _Tape] = {}
        self.eager_reason: str | None = None  # set once the step proved impossible to capture
        functools.update_wrapper(self, step)

    @property
    def captured(self) -> bool:
        """True once a tape exists and the step was not found unsafe to replay."""
        return bool(self.tapes) and self.eager_reason is None

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.eager_reason is not None:
            return self.step(*args, **kwargs)
        signature = _signature(args, kwargs)
        if signature is None:
            return self._give_up("arguments other than Tensors and Python scalars", args, kwargs)
        tape = self.tapes.get(signature)
        if tape is not None:
            return tape.run(args)
        if len(self.tapes) >= _MAX_SIGNATURES:
            return self._give_up(
                f"more than {_MAX_SIGNATURES} different input shapes", args, kwargs
            )
        if self.tapes and self.warn:
            warnings.warn(
                f"retrograd.compile: {getattr(self.step, '__name__', 'step')} got new input "
                "shapes or dtypes; recording it again for them",
                stacklevel=2,
            )
        return self._record(signature, args)

    def _record(self, signature: Any, args: tuple[Any, ...]) -> Any:
        if trace_state.tracer is not None:
            raise RuntimeError("retrograd.compile: steps cannot be recorded inside each other")
        tracer = _Tracer(args)
        rng_before = get_rng_state()
        trace_state.tracer = tracer
        try:
            result = self.step(*args)
        finally:
            trace_state.tracer = None
        if get_rng_state() != rng_before:  # the likeliest root cause of any other finding
            tracer.problem = "it draws random numbers (dropout, random init)"
        tape = _Tape(tracer, result)
        if tracer.problem is not None:
            self._stop_capturing(tracer.problem)
        else:
            self.tapes[signature] = tape
        return result

    def _give_up(self, reason: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        self._stop_capturing(reason)
        return self.step(*args, **kwargs)

    def _stop_capturing(self, reason: str) -> None:
        self.eager_reason = reason
        self.tapes.clear()
        if self.warn:
            warnings.warn(
                f"retrograd.compile: {getattr(self.step, '__name__', 'step')} runs eagerly "
                f"because {reason}",
                stacklevel=3,
            )


def compile(step: Callable[..., Any] | None = None, *, warn: bool = True) -> Any:  # noqa: A001
    """Capture `step(*tensors)` on its first call and replay it on later calls.

    **Arguments:** `step`, a function of Tensors (and Python scalars) that runs a training
    step — e.g. zero_grad, forward, loss, backward, optimizer step — and returns Tensors or
    None; `warn`: warn when the step cannot be captured or is recorded again.
    **Returns** a `CompiledStep` to call like `step`. Usable as `@retrograd.compile`.
    """
    if step is None:
        return functools.partial(compile, warn=warn)
    return CompiledStep(step, warn=warn)
