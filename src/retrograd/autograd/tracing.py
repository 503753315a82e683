"""The hook points `retrograd.compile` listens on while it records one call of a step.

`trace_state.tracer` is None except during that recording, so each hook costs one attribute
read. The tracer is duck-typed (`record_op`, `record_constant`, `record_backward`,
`record_call`, `record_mutation`, `record_escape`); see `retrograd.compiler`.
"""

from __future__ import annotations

from typing import Any


class _TraceState:
    __slots__ = ("tracer",)

    def __init__(self) -> None:
        self.tracer: Any = None


trace_state = _TraceState()


def record_escape(what: str) -> None:
    """A tensor's value left the graph as a Python value (`item()`, `bool()`, ...)."""
    tracer = trace_state.tracer
    if tracer is not None:
        tracer.record_escape(what)
