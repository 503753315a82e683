"""Anomaly mode: stop at the first op whose result or gradient is NaN or Inf.

    with retrograd.detect_anomaly():
        loss = criterion(model(x), y)   # raises AnomalyError at the op that made a NaN,
        loss.backward()                 # or at the backward that made a non-finite gradient

The error names the op, the module it ran in and the line of your code that called it. Off, the
mode costs one attribute check per op and per backward node; on, every op records where it was
called from and every result is checked, which is several times slower.
"""

from __future__ import annotations

import functools
import linecache
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import FrameType, TracebackType
from typing import Any, TypeVar

import numpy as np

from retrograd.autograd.engine import anomaly_state
from retrograd.autograd.node import Node
from retrograd.errors import RetrogradError
from retrograd.tensor import Tensor

__all__ = ["AnomalyError", "CallSite", "detect_anomaly", "is_anomaly_enabled"]

F = TypeVar("F", bound=Callable[..., Any])

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))

# What usually makes each op give NaN or Inf, keyed by the op's name.
_FORWARD_HINTS = {
    "Log": "log of 0 is -inf and of a negative number NaN; clamp its input, e.g. x.clamp(min=1e-7)",
    "Log1p": "log1p(x) is -inf at x = -1 and NaN below; clamp its input",
    "Sqrt": "sqrt of a negative number is NaN; clamp its input to >= 0",
    "Div": "a division by zero (or 0/0); add a small epsilon to the denominator",
    "Exp": "exp overflows for inputs above about 88 (float32) or 709 (float64): inputs or "
    "weights have grown too large (lower the learning rate, normalise the inputs)",
    "Pow": "a power of a negative base with a fractional exponent is NaN; 0 to a negative power "
    "is inf",
    "PowScalar": "a power of a negative base with a fractional exponent is NaN; 0 to a negative "
    "power is inf",
    "MatMul": "the values grew too large for the dtype (exploding activations)",
    "Linear": "the values grew too large for the dtype (exploding activations or weights)",
}
_BACKWARD_HINTS = {
    "Sqrt": "the derivative of sqrt is infinite at 0; add a small epsilon inside the sqrt",
    "Log": "the derivative of log is infinite at 0; clamp the input away from 0",
    "Div": "the derivative of a/b grows like 1/b^2: a denominator near 0",
    "Pow": "the derivative of x**p for p < 1 is infinite at x = 0",
    "PowScalar": "the derivative of x**p for p < 1 is infinite at x = 0",
    "Abs": "abs has no derivative at 0 only in theory; check the gradient arriving here",
}


class AnomalyError(RetrogradError, RuntimeError):
    """An op gave NaN or Inf under `detect_anomaly()`; the message says which op, where."""

    def __init__(self, message: str, op: str, phase: str, site: CallSite | None) -> None:
        super().__init__(message)
        self.op = op
        self.phase = phase  # "forward" or "backward"
        self.site = site


@dataclass(frozen=True)
class CallSite:
    """A line of user code: the first frame outside the retrograd package."""

    filename: str
    lineno: int
    function: str
    line: str

    def __str__(self) -> str:
        text = f"{self.filename}:{self.lineno} in {self.function}"
        return f"{text}\n    {self.line}" if self.line else text


class detect_anomaly:
    """Raise `AnomalyError` at the first op whose output or gradient is not finite; a context
    manager and a decorator, as `torch.autograd.detect_anomaly`.

    Forward: an op fails when its result holds NaN, or Inf that none of its inputs held (so an
    explicit -inf mask passes). Backward: a node fails when a gradient it gets or returns holds
    NaN or Inf. Ops of custom `Function`s are checked through the ops inside them.
    """

    def __init__(self) -> None:
        self._previous: list[tuple[bool, list[Any]]] = []

    def __enter__(self) -> None:
        self._previous.append((anomaly_state.enabled, anomaly_state.modules))
        anomaly_state.check_forward = _check_forward
        anomaly_state.check_backward = _check_backward
        if not anomaly_state.enabled:
            anomaly_state.modules = []
        anomaly_state.enabled = True

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        anomaly_state.enabled, anomaly_state.modules = self._previous.pop()

    def __call__(self, fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with detect_anomaly():
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


class set_detect_anomaly:
    """`torch.autograd.set_detect_anomaly(mode)`: turn `detect_anomaly`'s checks on or off,
    from now on when called, or for a `with` block (the previous setting comes back after it).

    Args:
        mode: True to check every op's output and gradient, False to stop checking.
        check_nan: accepted for PyTorch's signature (the checks always look for NaN).
    """

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        self._previous = (anomaly_state.enabled, anomaly_state.modules)
        anomaly_state.check_forward = _check_forward
        anomaly_state.check_backward = _check_backward
        if mode and not anomaly_state.enabled:
            anomaly_state.modules = []
        anomaly_state.enabled = bool(mode)

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        anomaly_state.enabled, anomaly_state.modules = self._previous


def is_anomaly_enabled() -> bool:
    """True inside `detect_anomaly()`."""
    return anomaly_state.enabled


# ----------------------------------------------------------------------------- where an op ran
_inside_cache: dict[str, bool] = {}


def _inside_package(filename: str) -> bool:
    inside = _inside_cache.get(filename)
    if inside is None:
        path = os.path.realpath(filename)
        inside = path.startswith(_PACKAGE_DIR + os.sep)
        _inside_cache[filename] = inside
    return inside


def _call_site() -> CallSite | None:
    """The innermost frame on the stack whose code is not retrograd's own."""
    frame: FrameType | None = sys._getframe(1)
    while frame is not None and _inside_package(frame.f_code.co_filename):
        frame = frame.f_back
    if frame is None:
        return None
    filename, lineno = frame.f_code.co_filename, frame.f_lineno
    line = linecache.getline(filename, lineno).strip()
    return CallSite(filename, lineno, frame.f_code.co_name, line)


def _module_path(modules: Sequence[Any]) -> str:
    """`"2" (Linear) in Sequential` for the stack [Sequential, its child "2"]."""
    if not modules:
        return ""
    names = []
    for parent, child in zip(modules, modules[1:]):
        key = next((k for k, m in parent._modules.items() if m is child), None)
        names.append(key if key is not None else f"<{type(child).__name__}>")
    root, leaf = type(modules[0]).__name__, type(modules[-1]).__name__
    if not names:
        return f"module {root}"
    return f'module "{".".join(names)}" ({leaf}) of {root}'


def _where(site: CallSite | None, modules: Sequence[Any]) -> str:
    place = _module_path(modules)
    text = f" in {place}" if place else ""
    return f"{text}, called at {site}" if site is not None else text


# ----------------------------------------------------------------------------- the checks
def _bad_counts(array: np.ndarray) -> tuple[int, int]:
    """(number of NaNs, number of +-Infs) in a floating array."""
    return int(np.count_nonzero(np.isnan(array))), int(np.count_nonzero(np.isinf(array)))


def _has_inf(value: Any) -> bool:
    array = value.array if isinstance(value, Tensor) else value
    if isinstance(array, (float, np.floating)):
        return bool(np.isinf(array))
    if isinstance(array, np.ndarray) and array.dtype.kind in "fc":
        return bool(np.isinf(array).any())
    return False


def _describe_values(what: str, array: np.ndarray) -> str:
    nans, infs = _bad_counts(array)
    parts = []
    if nans:
        parts.append(f"{nans} NaN")
    if infs:
        parts.append(f"{infs} Inf")
    return f"{what} holds {' and '.join(parts)} of {array.size} values"


def _input_lines(inputs: Sequence[Tensor]) -> list[str]:
    lines = []
    for position, tensor in enumerate(inputs):
        data = tensor.array
        text = f"  input {position}: shape {tuple(data.shape)}, {data.dtype}"
        if data.dtype.kind in "fc" and data.size:
            finite = data[np.isfinite(data)]
            if finite.size:
                text += f", finite values in [{finite.min():.4g}, {finite.max():.4g}]"
            nans, infs = _bad_counts(data)
            if nans or infs:
                source = (
                    "a leaf tensor (a parameter? the last optimizer step may have made it "
                    "non-finite: try a lower learning rate)"
                    if tensor._ctx is None and tensor.requires_grad
                    else "data given to the model"
                    if tensor._ctx is None
                    else "the result of an op run outside detect_anomaly()"
                )
                text += f"; already holds {nans} NaN and {infs} Inf: it is {source}"
        lines.append(text)
    return lines


def _check_forward(op: Node, inputs: Sequence[Tensor], kwargs: dict[str, Any], out: Any) -> None:
    """After each op in anomaly mode: remember where a recorded op ran; fail on a bad result."""
    if out._ctx is op:
        op.anomaly_site = _call_site()
        op.anomaly_modules = tuple(anomaly_state.modules)
    data = out.array
    if data.dtype.kind not in "fc" or np.isfinite(data).all():
        return
    if not np.isnan(data).any() and (
        any(_has_inf(t) for t in inputs) or any(_has_inf(v) for v in kwargs.values())
    ):
        return  # an Inf carried through from an input (e.g. a -inf attention mask)
    site = getattr(op, "anomaly_site", None) or _call_site()
    lines = [
        f"anomaly in forward: {op.name} gave a non-finite result"
        f"{_where(site, anomaly_state.modules)}",
        f"  {_describe_values('its output', data)} (shape {tuple(data.shape)})",
        *_input_lines(inputs),
    ]
    hint = _FORWARD_HINTS.get(op.name)
    if hint:
        lines.append(f"  likely cause: {hint}")
    raise AnomalyError("\n".join(lines), op.name, "forward", site)


def _check_backward(node: Node, grad: np.ndarray, input_grads: Any) -> None:
    """After each backward in anomaly mode: fail when a gradient in or out is not finite."""
    if not isinstance(input_grads, tuple):
        input_grads = (input_grads,)
    site = getattr(node, "anomaly_site", None)
    where = _where(site, getattr(node, "anomaly_modules", ()))
    if site is None:
        where += " (its line was not recorded: made outside detect_anomaly() or by a Function)"
    grad = np.asarray(grad)
    if grad.dtype.kind in "fc" and not np.isfinite(grad).all():
        message = (
            f"anomaly in backward: the gradient arriving at {node.name}{where} is not finite\n"
            f"  {_describe_values('it', grad)}; it was passed to backward(gradient=...), "
            "returned by a hook, or summed from large gradients"
        )
        raise AnomalyError(message, node.name, "backward", site)
    for position, g in enumerate(input_grads):
        if g is None:
            continue
        g = np.asarray(g)
        if g.dtype.kind in "fc" and not np.isfinite(g).all():
            lines = [
                f"anomaly in backward: {node.name} returned a non-finite gradient for its "
                f"input {position}{where}",
                f"  {_describe_values('the gradient', g)} (shape {tuple(g.shape)}); the "
                "gradient it received was finite",
            ]
            hint = _BACKWARD_HINTS.get(node.name)
            if hint:
                lines.append(f"  likely cause: {hint}")
            raise AnomalyError("\n".join(lines), node.name, "backward", site)
