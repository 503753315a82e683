"""What `retrograd.compile` observes while it records: every Python call, and every read or
write of a tensor's `.data`, `.array` and `.grad` from the user's code.

Only active during a recording (one eager call of the step), so none of it costs anything
when a step replays. Two mechanisms, both undone when the recording ends:

- a profile function (`sys.setprofile`) sees each Python call: methods of modules and
  optimizers make those objects guarded, and user code makes its globals, closures and the
  attributes it names guarded (`Guards.see_code`); a call of `print` is a side effect a
  replay would skip.
- `Tensor.data`, `Tensor.array` and `Tensor.grad` are swapped for properties that report a read
  or write from code outside retrograd: the value leaves the graph (`x / x.data.max()`,
  `p.grad.data *= 0.5`,
  `if x.numpy().mean() > 0`) and a replay could not redo what Python did with it.
"""

from __future__ import annotations

import builtins
import gc
import linecache
import sys
import types
from types import FrameType
from typing import Any

from retrograd.compiler.guards import Guards, is_library_file
from retrograd.nn.module import Module
from retrograd.optim.optimizer import Optimizer
from retrograd.tensor import Tensor


def where(frame: FrameType | None) -> str:
    """`file:line (code)` of the first frame outside retrograd, NumPy and the stdlib."""
    while frame is not None and is_library_file(frame.f_code.co_filename):
        frame = frame.f_back
    if frame is None:
        return "inside retrograd"
    filename, line = frame.f_code.co_filename, frame.f_lineno
    text = linecache.getline(filename, line).strip()
    return f"{filename}:{line}" + (f" ({text})" if text else "")


class Recording:
    """Context manager: install the watchers for one recording, take them away after."""

    def __init__(self, tracer: Any, guards: Guards) -> None:
        self.tracer = tracer
        self.guards = guards
        self._previous_profile: Any = None
        self._slots: dict[str, Any] = {}
        self._functions: dict[int, bool] = {}

    def __enter__(self) -> Recording:
        for name in ("array", "data", "grad"):
            slot = Tensor.__dict__[name]
            self._slots[name] = slot
            setattr(Tensor, name, self._watched(name, slot))
        self._previous_profile = sys.getprofile()
        sys.setprofile(self._profile)
        return self

    def __exit__(self, *exc: object) -> None:
        sys.setprofile(self._previous_profile)
        for name, slot in self._slots.items():
            setattr(Tensor, name, slot)

    def _watched(self, name: str, slot: Any) -> property:
        tracer = self.tracer

        def get(tensor: Tensor) -> Any:
            frame = sys._getframe(1)
            if not is_library_file(frame.f_code.co_filename):
                tracer.escape(f"reading .{name} of a tensor", frame)
            return slot.__get__(tensor)

        def set_(tensor: Tensor, value: Any) -> None:
            frame = sys._getframe(1)
            if not is_library_file(frame.f_code.co_filename):
                tracer.escape(f"assigning .{name} of a tensor", frame)
            slot.__set__(tensor, value)

        return property(get, set_)

    def _profile(self, frame: FrameType, event: str, arg: Any) -> None:
        if self._previous_profile is not None:
            self._previous_profile(frame, event, arg)
        if event == "c_call":
            if arg is builtins.print:
                self.tracer.escape("print() inside the step (a replay would not print)", frame)
            return
        if event != "call":
            return
        code = frame.f_code
        library = is_library_file(code.co_filename)
        if code.co_argcount and code.co_varnames[0] == "self":
            owner = frame.f_locals.get("self")
            if isinstance(owner, (Module, Optimizer)) or not library:
                label = f"{type(owner).__name__} object (self of {code.co_name})"
                self.guards.see_object(owner, label, user=not library)
        if library:
            return
        self.guards.see_code(code, frame.f_globals)
        if code.co_freevars and id(code) not in self._functions:
            self._functions[id(code)] = True
            for fn in _functions_of(code, frame):
                self.guards.see_callable(fn, fn.__qualname__)


def _functions_of(code: types.CodeType, frame: FrameType) -> list[types.FunctionType]:
    """The function object running in `frame` (to reach its closure cells): among those
    made from `code`, the ones whose cells hold what the frame sees."""
    values = frame.f_locals
    found = []
    for fn in gc.get_referrers(code):
        if not isinstance(fn, types.FunctionType) or fn.__code__ is not code:
            continue
        try:
            cells = [cell.cell_contents for cell in fn.__closure__ or ()]
        except ValueError:
            continue
        if all(values.get(n, cells[i]) is cells[i] for i, n in enumerate(code.co_freevars)):
            found.append(fn)
    return found
