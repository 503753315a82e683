"""`retrograd.compile(step)`: record the primitive ops of one training step, then replay them
for as long as nothing the step depends on has changed.

The contract: a call either replays a recording and gives, bit for bit, what running `step`
would give, or it runs `step` itself. There is no third outcome.

- **Recording.** The first call of each input signature runs `step` eagerly while a tracer
  records it (`retrograd.compiler.tape`) and the guards note the Python state it depends on
  (`retrograd.compiler.guards`): modules (every attribute, `training`, hooks, parameters'
  `requires_grad`), optimizers' parameter lists, closure cells, globals and the attributes of
  objects the step's code names. The signature holds the input shapes and dtypes, Python
  scalar arguments by type and value, grad mode and the default dtype.
- **Replay.** A later call with the same signature checks the guards (one generated `and`
  chain) and runs the generated replay when they hold; when one fails the step is recorded
  again (up to `_MAX_RECORDINGS` recordings, then eagerly with a warning naming the guard).
- **Eager for good**, with one warning naming the reason and the line: the step reads a
  tensor's value into Python (`item()`, `.data`, `.numpy()`, `np.asarray`, `bool()`,
  `float()`, `print`), writes through `.data` or `.grad`, changes a tensor in place outside
  the optimizer, draws random numbers, uses hooks or a custom `Function`, or changes on
  every call Python state it reads (a counter, an `lr` it sets, a list it appends to).

`CompiledStep.explain()` lists the recordings, their guards and every fallback.
"""

from __future__ import annotations

import functools
import random as py_random
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from retrograd.autograd.engine import anomaly_state
from retrograd.autograd.grad_mode import grad_state
from retrograd.autograd.tracing import trace_state
from retrograd.backend.dtypes import default_float_dtype
from retrograd.compiler.guards import GuardCheck, Guards
from retrograd.compiler.tape import Tape, Tracer
from retrograd.compiler.watch import Recording
from retrograd.random import draw_watch, get_rng_state
from retrograd.tensor import Tensor

__all__ = ["CompiledStep", "compile"]

_MAX_RECORDINGS = 8  # recordings (new signatures and failed guards) before giving up
_SCALAR_TYPES = (bool, int, float, str, type(None))


class _Recorded:
    """One replayable recording: its tape and the guards it is valid under."""

    __slots__ = ("tape", "guard", "check", "replay")

    def __init__(self, tape: Tape, guard: GuardCheck) -> None:
        self.tape = tape
        self.guard = guard
        self.check = guard.check  # the generated function itself: no wrapper on the hot path
        self.replay = tape.replay


def _signature(args: tuple[Any, ...]) -> Any:
    """What must match exactly for a recording to apply: None when an argument is not a
    Tensor or a Python scalar. Scalars keep their type: `1`, `1.0` and `True` differ."""
    parts: list[Any] = [grad_state.enabled, default_float_dtype()]
    for arg in args:
        kind = type(arg)
        if kind is Tensor or isinstance(arg, Tensor):
            data = arg.array
            parts.append((kind, data.shape, data.dtype, arg._requires_grad))  # the slot
        elif kind in _SCALAR_TYPES:
            parts.append((kind, arg))
        else:
            return None
    return tuple(parts)


class CompiledStep:
    """A step function whose calls replay a recording of it while its guards hold."""

    def __init__(self, step: Callable[..., Any], warn: bool = True) -> None:
        self.step = step
        self.warn = warn
        self.recordings: dict[Any, list[_Recorded]] = {}
        self.n_recordings = 0
        self.eager_reason: str | None = None  # set once the step proved impossible to replay
        self.log: list[str] = []  # why each recording after the first was made
        self._changing: set[str] = set()  # state the last recording changed as it ran
        functools.update_wrapper(self, step)

    @property
    def captured(self) -> bool:
        """True while a replayable recording exists and the step was not found unsafe."""
        return bool(self.recordings) and self.eager_reason is None

    @property
    def tapes(self) -> dict[Any, Tape]:
        """The latest tape of each input signature."""
        return {sig: recs[0].tape for sig, recs in self.recordings.items() if recs}

    @property
    def source(self) -> str:
        """The generated Python of each recorded signature's replay (for debugging)."""
        return "\n".join(tape.source for tape in self.tapes.values())

    def explain(self) -> str:
        """What is recorded, under which guards, and why the step runs eagerly if it does."""
        name = getattr(self.step, "__qualname__", "step")
        lines = [f"retrograd.compile of {name}:"]
        if self.eager_reason is not None:
            lines.append(f"  runs eagerly because {self.eager_reason}")
        lines.append(f"  {self.n_recordings} recording(s) made, at most {_MAX_RECORDINGS}")
        lines.extend(f"  re-recorded: {entry}" for entry in self.log)
        for signature, recorded in self.recordings.items():
            for rec in recorded:
                lines.append(f"  signature {signature}: {rec.guard.count} guards")
                lines.extend(f"    - {label}" for label in rec.guard.labels)
        return "\n".join(lines)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if (
            self.eager_reason is not None
            or anomaly_state.enabled
            or trace_state.tracer is not None  # inside another recording: it records our ops
        ):
            return self.step(*args, **kwargs)
        signature = None if kwargs else _signature(args)
        if signature is None:
            return self._give_up("arguments other than Tensors and Python scalars", args, kwargs)
        recorded = self.recordings.get(signature)
        if recorded:
            for rec in recorded:
                try:
                    valid = rec.check()
                except Exception:  # noqa: BLE001 - an attribute gone, an empty cell: changed
                    valid = False
                if valid:
                    return rec.replay(args)  # type: ignore[misc]
            failed = recorded[0].guard.failures()
            why = f"guard failed: {', '.join(failed[:3]) or 'unknown'}"
        elif self.recordings:
            why = "new input shapes, dtypes or Python arguments"
            if self.warn:
                warnings.warn(
                    f"retrograd.compile: {self._name()} got new input shapes, dtypes or Python "
                    "arguments; recording it again for them",
                    stacklevel=2,
                )
        else:
            why = ""
        if self.n_recordings >= _MAX_RECORDINGS:
            return self._give_up(f"it was recorded {_MAX_RECORDINGS} times ({why})", args, kwargs)
        if why:
            self.log.append(why)
        return self._record(signature, args)

    def _name(self) -> str:
        return getattr(self.step, "__name__", "step")

    def _record(self, signature: Any, args: tuple[Any, ...]) -> Any:
        guards = Guards()
        guards.see_callable(self.step, self._name())
        tracer = Tracer(args, guards)
        rng_before = get_rng_state()
        numpy_rng_before = np.random.get_state(legacy=False)
        python_rng_before = py_random.getstate()
        self.n_recordings += 1
        draws: list[bool] = []
        trace_state.tracer = tracer
        draw_watch.on_draw = lambda: draws.append(True)
        try:
            with Recording(tracer, guards):
                result = self.step(*args)
        finally:
            trace_state.tracer = None
            draw_watch.on_draw = None
        if draws or get_rng_state() != rng_before:  # the likeliest root cause of any other
            tracer.problem = "it draws random numbers (dropout, random init, a generator=)"
        elif not _same_numpy_state(numpy_rng_before, np.random.get_state(legacy=False)):
            tracer.problem = "it draws random numbers from numpy.random"
        elif py_random.getstate() != python_rng_before:
            tracer.problem = "it draws random numbers from Python's random module"
        tape = Tape(tracer, result)
        if tracer.problem is not None:
            self._stop_capturing(tracer.problem)
            return result
        items = guards.items()
        changed = guards.changed(items)
        if changed:
            repeated = self._changing & set(changed)
            if repeated:
                self._stop_capturing(
                    f"it changes {sorted(repeated)[0]} every time it runs (a Python side "
                    "effect a replay would not repeat)"
                )
            else:  # maybe a one-time cache: record once more before trusting it
                self._changing = set(changed)
                self.log.append(f"the step changed {changed[0]} while recording")
            return result
        self._changing = set()
        recorded = self.recordings.setdefault(signature, [])
        recorded.insert(0, _Recorded(tape, GuardCheck(guards, items)))
        del recorded[4:]
        return result

    def _give_up(self, reason: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        self._stop_capturing(reason)
        return self.step(*args, **kwargs)

    def _stop_capturing(self, reason: str) -> None:
        self.eager_reason = reason
        self.recordings.clear()
        if self.warn:
            warnings.warn(
                f"retrograd.compile: {self._name()} runs eagerly because {reason}",
                stacklevel=4,
            )


def _same_numpy_state(a: Any, b: Any) -> bool:
    """Whether NumPy's legacy global generator drew nothing between the two states."""
    before, after = a["state"], b["state"]
    return (
        before.get("pos") == after.get("pos")
        and np.array_equal(before.get("key"), after.get("key"))
        and a.get("has_gauss") == b.get("has_gauss")
    )


def compile(step: Callable[..., Any] | None = None, *, warn: bool = True) -> Any:  # noqa: A001
    """Record `step(*tensors)` on its first call and replay the recording on later calls.

    A replay gives bit for bit what calling `step` gives, or `step` runs itself: see
    the contract in `retrograd.compiler.step` and `CompiledStep.explain()`.

    Args:
        step: a function of Tensors (and Python scalars) that runs a training step — e.g.
            zero_grad, forward, loss, backward, clip_grad_norm_, optimizer step — and returns
            Tensors or None.
        warn: warn when the step cannot be replayed or is recorded again for new input shapes.
            Default: True.

    Returns:
        A `CompiledStep` to call like `step`. Usable as `@retrograd.compile`.
    """
    if step is None:
        return functools.partial(compile, warn=warn)
    return CompiledStep(step, warn=warn)
