"""The tape of one recorded call and the straight-line Python function written from it.

While the step runs once, `Tracer` hears every primitive op (its `Node`, where its inputs come
from, its keyword arguments), every `backward()` (with the graph's node order, computed once)
and every call of an optimizer or gradient utility (`zero_grad`, `step`, `clip_grad_norm_`).
`Codegen` writes the replay: the same `Node` objects run `forward` on the new arrays, then
each node's `backward` in the eager walk's order with every gradient's destination resolved in
advance, and the recorded calls run as recorded. Anything a replay could not redo is a
`problem` (with the line that caused it), and the step runs eagerly instead.
"""

from __future__ import annotations

import builtins
import sys
from collections.abc import Callable
from typing import Any

import numpy as np

from retrograd.autograd.engine import _accumulate, scatter_grad, sum_grads, topological_order
from retrograd.autograd.node import FREED, Node
from retrograd.compiler.guards import Guards
from retrograd.compiler.watch import where as location_of
from retrograd.tensor import Tensor, _wrap

_ARG, _SLOT, _EXTERNAL = 0, 1, 2  # where an op input comes from
_OP, _BACKWARD, _CALL = 0, 1, 2  # tape events


class Tracer:
    """Listens on the hook points while the step runs once, and builds the tape."""

    def __init__(self, args: tuple[Any, ...], guards: Guards) -> None:
        self.guards = guards
        self.events: list[tuple[Any, ...]] = []
        self.sources: dict[int, tuple[int, Any]] = {}  # id(tensor) -> (kind, index or tensor)
        self.array_sources: dict[int, tuple[int, Any]] = {}  # id(array) -> (kind, index)
        self.keep_alive: list[Any] = []  # trace-time objects, so no id is reused meanwhile
        self.constants: set[int] = set()  # tensors built inside the step, not by an op
        self.call_results: set[int] = set()  # tensors returned by a recorded call
        self.backward_nodes: set[int] = set()  # nodes a recorded backward went through
        self.n_slots = 0
        self.problem: str | None = None
        for index, arg in enumerate(args):
            if isinstance(arg, Tensor):
                self.sources[id(arg)] = (_ARG, index)
                self.array_sources[id(arg.array)] = (_ARG, index)

    def fail(self, reason: str) -> None:
        if self.problem is None:
            self.problem = reason

    def escape(self, what: str, frame: Any = None) -> None:
        """A value left the graph for Python, or Python changed what the graph holds."""
        if self.problem is None:
            self.problem = f"{what} at {location_of(frame or sys._getframe(2))}"

    # hook points ----------------------------------------------------------------------------
    def record_op(self, op: Node, inputs: tuple[Tensor, ...], kwargs: dict, out: Tensor) -> None:
        input_sources = tuple(self._source_of(t) for t in inputs)
        static_kwargs = {}
        dynamic_kwargs = []
        for name, value in kwargs.items():
            source = self._array_source(value, f"{op.name}({name}=...)")
            if source is None:
                static_kwargs[name] = value
            else:
                dynamic_kwargs.append((name, source))
        slot = self.n_slots
        self.n_slots += 1
        self.sources[id(out)] = (_SLOT, slot)
        self.array_sources[id(out.array)] = (_SLOT, slot)
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
        self.backward_nodes.update(id(node) for node in order)
        for node in order:
            for tensor in node.inputs:
                if tensor._hooks or tensor._retains_grad:
                    self.fail("a tensor hook or retain_grad() inside the step")
            if node.output_ref is not None:
                self.fail("a tensor hook or retain_grad() inside the step")
        self.events.append((_BACKWARD, _BackwardPlan(order, retain_graph), grad.copy()))

    def record_call(self, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        self.events.append((_CALL, fn, args))
        name = getattr(fn, "__qualname__", "a recorded call")
        for i, arg in enumerate(args):
            self.guards.see_value(f"argument {i} of {name}", arg)

    def record_call_result(self, tensor: Tensor) -> None:
        """A tensor a recorded call computed in NumPy: its value is stale in a replay."""
        self.call_results.add(id(tensor))
        self.keep_alive.append(tensor)

    def record_mutation(self, tensor: Tensor) -> None:
        self.escape(
            f"an in-place change of a tensor of shape {tensor.shape} outside the optimizer",
            sys._getframe(2),
        )

    def record_escape(self, what: str) -> None:
        self.escape(
            f"{what} turns a tensor into a Python value (control flow may depend on it)",
            sys._getframe(2),
        )

    # resolution -----------------------------------------------------------------------------
    def _source_of(self, tensor: Tensor) -> tuple[int, Any]:
        source = self.sources.get(id(tensor)) or self.array_sources.get(id(tensor.array))
        if source is not None:
            return source
        if id(tensor) in self.call_results:
            self.fail("an op uses the tensor a gradient utility returned (clip_grad_norm_)")
        if id(tensor) in self.constants and tensor.array.size > 1:
            self.fail(f"a constant of shape {tensor.shape} built inside the step from NumPy data")
        self.keep_alive.append(tensor)
        if id(tensor) not in self.constants:  # a parameter or a tensor made before the step
            self.guards.see_object(tensor, f"tensor of shape {tensor.shape} used by the step", True)
        return (_EXTERNAL, tensor)

    def _array_source(self, value: Any, where: str) -> tuple[int, Any] | None:
        if isinstance(value, np.ndarray):
            source = self.array_sources.get(id(value))
            if source is None and value.size > 1:
                self.fail(
                    f"an array argument of an op computed outside the ops of the step: "
                    f"{where}, shape {value.shape}"
                )
            return source
        if isinstance(value, tuple) and any(
            isinstance(v, np.ndarray) and v.size > 1 for v in value
        ):
            self.fail(f"an index made of several arrays: {where}")
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
            "_sum": sum_grads,
            "_scatter": scatter_grad,
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
            self.emit(f"a{index} = args[{index}].array")
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
        code = builtins.compile(source, "<retrograd.compile replay>", "exec")
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
        return f"{self.constant(where, 'ext')}.array"  # read now: p.array may be replaced

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
        if joins:
            self.emit("owned = set()")  # arrays the sums made, as in the eager walk
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
                    self.emit(f"{t} = _scatter({name}, g{i}, {t}, owned)", 2)
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
                    self.emit(f"v = {value}", 2)
                    self.emit("if v is not None:", 2)
                    self.emit(f"{t} = v if {t} is None else _sum({t}, v, owned)", 3)
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


def _reaches_leaves(node: Node, done: set[int]) -> bool:
    """Whether a backward() from `node` could still reach a leaf that needs a gradient
    without passing through nodes a recorded backward already went through."""
    stack, seen = [node], set()
    while stack:
        current = stack.pop()
        if id(current) in done or id(current) in seen:
            continue
        seen.add(id(current))
        for parent, needed in zip(current.parents, current.needs_input_grad):
            if parent is None:
                if needed:
                    return True
            else:
                stack.append(parent)
    return False


def _slots_in(shape: Any) -> set[int]:
    if shape is None:
        return set()
    if isinstance(shape, tuple):
        return set().union(*(_slots_in(item) for item in shape))
    return {shape}


class Tape:
    """One recorded call, turned into a generated `replay(args)` function."""

    def __init__(self, tracer: Tracer, result: Any) -> None:
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
    def _result_shape(tracer: Tracer, result: Any) -> Any:
        if result is None:
            return None
        if isinstance(result, Tensor):
            source = tracer.sources.get(id(result))
            if source is None or source[0] != _SLOT:
                tracer.fail("the step returns a tensor that no op of the step produced")
                return None
            if result._ctx is not None and _reaches_leaves(result._ctx, tracer.backward_nodes):
                tracer.fail(
                    "the step returns a tensor whose graph a later backward() may need "
                    "(a replay returns values without a graph)"
                )
            return source[1]
        if isinstance(result, tuple):
            return tuple(Tape._result_shape(tracer, item) for item in result)
        tracer.fail(f"the step returns a {type(result).__name__}, not Tensors")
        return None
