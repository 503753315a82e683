"""The hook points `retrograd.compile` listens on while it records one call of a step.

`trace_state.tracer` is None except during that recording, so each hook costs one attribute
read. The tracer is duck-typed (`record_op`, `record_constant`, `record_backward`,
`record_call`, `record_call_result`, `record_mutation`, `record_escape`, `fail`); see
`retrograd.compiler`.
"""

from __future__ import annotations

from typing import Any


class _TraceState:
    __slots__ = ("tracer",)

    def __init__(self) -> None:
        self.tracer: Any = None


trace_state = _TraceState()


class _HookIds:
    """Keys of every hook, on tensors and modules, and of `retain_grad`; `issued` counts them,
    so `retrograd.compile`'s guards tell in one comparison that no hook was added since a
    recording."""

    __slots__ = ("issued",)

    def __init__(self) -> None:
        self.issued = 0

    def __next__(self) -> int:
        self.issued += 1
        return self.issued


hook_ids = _HookIds()


def record_escape(what: str) -> None:
    """A tensor's value left the graph as a Python value (`item()`, `bool()`, ...)."""
    tracer = trace_state.tracer
    if tracer is not None:
        tracer.record_escape(what)


def record_call(fn: Any, args: tuple[Any, ...]) -> None:
    """`fn(*args)` is about to change state outside the ops (an optimizer update, gradient
    clipping, zeroing gradients): a replay calls it again, as recorded."""
    tracer = trace_state.tracer
    if tracer is not None:
        tracer.record_call(fn, args)


def record_call_result(tensor: Any) -> None:
    """`tensor` was computed in NumPy by a recorded call: an op that uses it cannot replay."""
    tracer = trace_state.tracer
    if tracer is not None:
        tracer.record_call_result(tensor)
