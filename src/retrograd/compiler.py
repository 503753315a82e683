"""`retrograd.compile(step)`: record the primitive ops of one training step, then replay them.

The first call of each input signature runs `step` eagerly while a tracer records, in order:
every primitive op (its `Node` object, where its inputs come from, its keyword arguments),
every `backward()` (with the graph's node order, computed once), and every `zero_grad()` /
`step()` of an optimizer. From that tape it writes one straight-line Python function (see
`CompiledStep.source`): the same `Node` objects run `forward` on the new arrays, then each
node's `backward` in the eager walk's order with every gradient's destination resolved in
advance — no Tensors, modules, hooks, graph building or lookups in between. The numbers are
the eager ones, bit for bit, and saved values are freed after the replayed backward.

A step cannot be captured (it runs eagerly, with one warning) when replaying it could differ
from running it: it draws random numbers (dropout), changes a tensor in place outside the
optimizer (BatchNorm's running statistics), turns a tensor into a Python value (`item()`,
`bool()` — control flow may depend on it), builds a multi-element constant inside the step
(NumPy work on `.data`), or uses hooks. A new input shape or dtype records a new tape.
"""

from __future__ import annotations

import builtins
import functools
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from retrograd.autograd.engine import _accumulate, topological_order
from retrograd.autograd.grad_mode import grad_state
from retrograd.autograd.node import FREED, Node
from retrograd.autograd.tracing import trace_state
from retrograd.random import get_rng_state
from retrograd.tensor import Tensor, _wrap

__all__ = ["CompiledStep", "compile"]

_ARG, _SLOT, _EXTERNAL = 0, 1, 2  # where an op input comes from
_OP, _BACKWARD, _CALL = 0, 1, 2  # tape events
_MAX_SIGNATURES = 8
builtins_compile = builtins.compile  # `compile` below is retrograd.compile


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
        self.events.append((_BACKWARD, _BackwardPlan(order, retain_graph), grad.copy()))

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

    def __init__(self, order: list[Node], retain_graph: bool) -> None:
        self.nodes = order
        self.retain_graph = retain_graph
        index = {id(node): i for i, node in enumerate(order)}
        self.leaves: list[Tensor] = []
        leaf_index: dict[int, int] = {}
        #: per node, (input position, target): target >= 0 is a node index, < 0 a leaf's
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


def _join(total: Any, owned: bool, grad: Any) -> tuple[Any, bool]:
    """Add `grad` to the running sum `total` as the eager walk does: the first gradient is
    kept as it is, the second makes a new (owned) array, later ones add into it in place."""
    if grad is None:
        return total, owned
    if total is None:
        return grad, False
    if owned:
        np.add(total, grad, out=total)
        return total, True
    return np.asarray(total + grad), True


def _scatter_into(node: Node, grad: np.ndarray, total: Any, owned: bool) -> tuple[Any, bool]:
    """An indexing node adds its gradient into its input's owned buffer (made on first use)."""
    if total is None or not owned:
        tensor = node.inputs[0]
        fresh = np.zeros(tensor.shape, dtype=tensor.dtype)
        if total is not None:
            fresh += total
        total = fresh
    node.scatter_add(total, grad)
    return total, True


class _Codegen:
    """Writes the replay of a tape as one straight-line Python function.

    Each op becomes one call of its `forward` on local variables, each recorded backward one
    call of each node's `backward` in the eager walk's order with the gradient routing
    resolved at generation time; optimizer calls are called as recorded. Nothing is looked up
    or interpreted while the function runs, so a replay costs the NumPy work plus one Python
    call per op. `source` keeps the text (see `CompiledStep.source`).
    """

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.namespace: dict[str, Any] = {
            "_join": _join,
            "_scatter_into": _scatter_into,
            "_accumulate": _accumulate,
            "_wrap": _wrap,
            "_FREED": FREED,
        }
        self.counter = 0

    def constant(self, value: Any, prefix: str) -> str:
        name = f"{prefix}{self.counter}"
        self.counter += 1
        self.namespace[name] = value
        return name

    def emit(self, line: str, indent: int = 1) -> None:
        self.lines.append("    " * indent + line)

    def build(self, tape_events: list[tuple[Any, ...]], args_used: list[int], result: Any) -> Any:
        self.emit("def replay(args):", 0)
        for index in args_used:
            self.emit(f"a{index} = args[{index}].data")
        last_use = self._last_uses(tape_events)
        for position, event in enumerate(tape_events):
            kind = event[0]
            if kind == _OP:
                self._op(event)
            elif kind == _BACKWARD:
                self._backward(event[1], event[2])
            else:
                fn = self.constant(event[1], "call")
                call_args = self.constant(event[2], "call_args")
                self.emit(f"{fn}(*{call_args})")
            dead = [slot for slot, last in last_use.items() if last == position]
            if dead and not _slots_in(result) & set(dead):
                self.emit("del " + ", ".join(f"s{slot}" for slot in sorted(dead)))
        self.emit(f"return {self._result(result)}")
        source = "\n".join(self.lines) + "\n"
        code = builtins_compile(source, "<retrograd.compile replay>", "exec")
        exec(code, self.namespace)  # noqa: S102 - our own generated text, no user input
        return self.namespace["replay"], source

    @staticmethod
    def _last_uses(events: list[tuple[Any, ...]]) -> dict[int, int]:
        last: dict[int, int] = {}
        for position, event in enumerate(events):
            if event[0] != _OP:
                continue
            _, _, input_sources, _, dynamic_kwargs, slot = event
            last.setdefault(slot, position)
            for how, where in (*input_sources, *(source for _, source in dynamic_kwargs)):
                if how == _SLOT:
                    last[where] = position
        return last

    def _value(self, how: int, where: Any) -> str:
        if how == _SLOT:
            return f"s{where}"
        if how == _ARG:
            return f"a{where}"
        return f"{self.constant(where, 'ext')}.data"  # read now: p.data may be replaced

    def _op(self, event: tuple[Any, ...]) -> None:
        _, op, input_sources, static_kwargs, dynamic_kwargs, slot = event
        parts = [self._value(how, where) for how, where in input_sources]
        if static_kwargs:
            parts.append(f"**{self.constant(static_kwargs, 'kw')}")
        parts.extend(f"{name}={self._value(*source)}" for name, source in dynamic_kwargs)
        forward = self.constant(op.forward, "forward")
        self.emit(f"s{slot} = {forward}({', '.join(parts)})")

    def _backward(self, plan: _BackwardPlan, grad: np.ndarray) -> None:
        arrivals: dict[int, int] = {}
        scattered: set[int] = set()
        for node, edges in zip(plan.nodes, plan.edges):
            for _, target in edges:
                arrivals[target] = arrivals.get(target, 0) + 1
                if node.scatters:
                    scattered.add(target)
        joins = {t for t, n in arrivals.items() if n > 1 or t in scattered}

        def var(target: int) -> str:
            return f"g{target}" if target >= 0 else f"l{-1 - target}"

        names = [var(t) for t in sorted(arrivals) if t != 0]
        if names:
            self.emit(" = ".join(names) + " = None")
        for target in sorted(joins):
            self.emit(f"o_{var(target)} = False")
        seed = self.constant(grad, "seed")
        self.emit(f"g0 = {seed}")
        for i, (node, edges) in enumerate(zip(plan.nodes, plan.edges)):
            if i and i not in arrivals:
                continue  # no gradient ever reaches it
            name = self.constant(node, "node")
            self.emit(f"if g{i} is not None:")
            if node.scatters:
                for _, target in edges:
                    t = var(target)
                    self.emit(f"{t}, o_{t} = _scatter_into({name}, g{i}, {t}, o_{t})", 2)
                if not plan.retain_graph:
                    self.emit(f"{name}.saved = _FREED", 2)
                continue
            self.emit(f"r = {self.constant(node.backward, 'backward')}(g{i})", 2)
            if not plan.retain_graph:
                self.emit(f"{name}.saved = _FREED", 2)
            single = len(node.inputs) == 1
            if single:
                self.emit("r = r[0] if type(r) is tuple else r", 2)
            for position, target in edges:
                value = "r" if single else f"r[{position}]"
                t = var(target)
                if target in joins:
                    self.emit(f"{t}, o_{t} = _join({t}, o_{t}, {value})", 2)
                else:
                    self.emit(f"{t} = {value}", 2)
            self.emit(f"g{i} = None", 2)  # as the eager walk, drop it once used
        self.emit(f"handed_out = {{id({seed})}}")
        for j, leaf in enumerate(plan.leaves):
            if -1 - j not in arrivals:
                continue
            self.emit(f"if l{j} is not None:")
            self.emit(f"_accumulate({self.constant(leaf, 'leaf')}, l{j}, _wrap, handed_out)", 2)

    def _result(self, shape: Any) -> str:
        if shape is None:
            return "None"
        if isinstance(shape, tuple):
            return "(" + "".join(f"{self._result(item)}, " for item in shape) + ")"
        return f"_wrap(s{shape})"


def _slots_in(shape: Any) -> set[int]:
    if shape is None:
        return set()
    if isinstance(shape, tuple):
        return set().union(*(_slots_in(item) for item in shape))
    return {shape}


class _Tape:
    """One recorded call, turned into a generated `replay(args)` function."""

    def __init__(self, tracer: _Tracer, result: Any) -> None:
        self.keep_alive = tracer.keep_alive
        self.result = self._result_shape(tracer, result)
        self.replay: Callable[[tuple[Any, ...]], Any] | None = None
        self.source = ""
        if tracer.problem is None:
            used = sorted(
                {
                    where
                    for event in tracer.events
                    if event[0] == _OP
                    for how, where in (*event[2], *(source for _, source in event[4]))
                    if how == _ARG
                }
            )
            self.replay, self.source = _Codegen().build(tracer.events, used, self.result)

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


def _signature(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    parts: list[Any] = [grad_state.enabled]
    for arg in args:
        if isinstance(arg, Tensor):
            data = arg.data
            parts.append((data.shape, data.dtype, arg.requires_grad))
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

    @property
    def source(self) -> str:
        """The generated Python of each recorded input signature's replay (for debugging)."""
        return "\n".join(tape.source for tape in self.tapes.values())

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.eager_reason is not None:
            return self.step(*args, **kwargs)
        signature = _signature(args, kwargs)
        if signature is None:
            return self._give_up("arguments other than Tensors and Python scalars", args, kwargs)
        tape = self.tapes.get(signature)
        if tape is not None:
            return tape.replay(args)  # type: ignore[misc]
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
