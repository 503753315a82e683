"""`check_backprop`: a hand-written NumPy backward pass, checked against autograd and finite
differences, with each parameter's gradient named correct or wrong and how.

The calling convention (the shape of most NumPy tutorials' networks):

```
forward(params, inputs, targets) -> loss            # a scalar
backward(params, inputs, targets) -> {name: grad}   # one gradient per parameter
```

`params` is a dict of arrays (`{"W1": ..., "b1": ...}`, ordered from the input to the output).
`forward` is run three ways: on retrograd Tensors (NumPy's functions dispatch to retrograd ops,
so `.backward()` gives autograd's gradients), and on plain float64 arrays for central finite
differences. `backward` gets plain float64 arrays; its dict may name a gradient `name` or
`"d" + name` (`dW1`). Each gradient is compared with autograd's; a wrong one is named: sign
flipped, scaled by k, transposed, missing a sum over the batch, wrong shape, missing, or wrong
(not a multiple: a term is missing or wrong). The pattern across parameters then says where the
fault starts: every gradient wrong the same way points at the output-layer delta (the loss
derivative); correct gradients near the output and wrong ones nearer the input point at the
step between them (an activation derivative).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from retrograd.errors import GraphError, InvalidArgumentError, InvalidKeyError, ShapeError
from retrograd.tensor import Tensor

__all__ = ["BackpropReport", "ParameterCheck", "check_backprop"]

Forward = Callable[[dict[str, Any], Any, Any], Any]
Backward = Callable[[dict[str, np.ndarray], Any, Any], Mapping[str, Any]]

# verdicts that say something about one parameter's own formula, not the delta reaching it
_LOCAL = ("transposed", "missing a sum over the batch", "wrong shape", "missing")


@dataclass(frozen=True)
class ParameterCheck:
    """The verdict on one parameter's hand-written gradient.

    `verdict` is "correct", "sign flipped", "scaled", "transposed", "missing a sum over the
    batch", "wrong shape", "missing", or "wrong"; `factor` is k for "scaled"; `worst_index` and
    the three values name the element where yours is furthest from autograd's.
    """

    name: str
    shape: tuple[int, ...]
    verdict: str
    detail: str = ""
    factor: float | None = None
    worst_index: tuple[int, ...] | None = None
    yours: float | None = None
    autograd: float | None = None
    numeric: float | None = None

    @property
    def ok(self) -> bool:
        """Whether the verdict is "correct"."""
        return self.verdict == "correct"

    def __str__(self) -> str:
        label = f"scaled by {self.factor:.4g}" if self.verdict == "scaled" else self.verdict
        line = f"{self.name} {self.shape}: {label}"
        if self.detail:
            line += f" ({self.detail})"
        if self.worst_index is not None and not self.ok:
            where = f"element {self.worst_index}" if self.worst_index else "the only element"
            line += (
                f"\n    worst {where}: yours {self.yours:.6g}, autograd {self.autograd:.6g}, "
                f"finite differences {self.numeric:.6g}"
            )
        return line


@dataclass(frozen=True)
class BackpropReport:
    """What `check_backprop` found: one `ParameterCheck` per parameter (input side first), the
    loss, whether autograd agrees with finite differences, and a diagnosis across parameters."""

    parameters: tuple[ParameterCheck, ...]
    loss: float
    diagnosis: str
    autograd_matches_numeric: bool = True

    @property
    def ok(self) -> bool:
        """Whether every parameter's gradient is correct."""
        return all(check.ok for check in self.parameters)

    def __getitem__(self, name: str) -> ParameterCheck:
        for check in self.parameters:
            if check.name == name:
                return check
        known = ", ".join(check.name for check in self.parameters)
        raise InvalidKeyError(f"no parameter {name!r} in this report (it has {known})")

    def __str__(self) -> str:
        wrong = sum(not check.ok for check in self.parameters)
        total = len(self.parameters)
        head = (
            f"check_backprop: all {total} gradients correct"
            if not wrong
            else f"check_backprop: {wrong} of {total} gradients wrong"
        )
        lines = [f"{head} (loss {self.loss:.6g})"]
        lines += [f"  {check}" for check in self.parameters]
        if not self.autograd_matches_numeric:
            lines.append(
                "  Note: autograd and finite differences disagree: the loss is not smooth at "
                "these parameters (a kink of np.maximum or np.abs?); the verdicts use autograd."
            )
        lines.append(f"Diagnosis: {self.diagnosis}")
        return "\n".join(lines)


def check_backprop(
    forward: Forward,
    backward: Backward,
    params: Mapping[str, Any],
    inputs: Any,
    targets: Any,
    *,
    rtol: float = 1e-5,
    atol: float = 1e-8,
    eps: float = 1e-6,
) -> BackpropReport:
    """Check `backward`, a hand-written gradient of `forward`'s loss, parameter by parameter.

    Everything runs in float64 on copies; `params` is left untouched.

    Args:
        forward: `forward(params, inputs, targets) -> loss` (see the module docstring).
        backward: `backward(params, inputs, targets) -> {name: gradient}` (see the module
            docstring).
        params: name -> array, from the input to the output.
        inputs: the inputs passed to `forward` and `backward`.
        targets: the targets passed to `forward` and `backward`.
        rtol: relative tolerance for "correct". Default: 1e-5.
        atol: absolute tolerance for "correct". Default: 1e-8.
        eps: the step of the central differences. Default: 1e-6.

    Returns:
        A `BackpropReport`; `print(report)` says which gradients are wrong and how.
    """
    if not params:
        raise InvalidArgumentError("check_backprop: params is empty; pass a dict name -> array")
    arrays = {name: np.array(value, dtype=np.float64) for name, value in params.items()}
    x = _float64(inputs)
    y = _float64(targets)
    auto, loss = _autograd(forward, arrays, x, y)
    numeric = {name: _numeric(forward, arrays, x, y, name, eps) for name in arrays}
    agree = all(
        _close(auto[name], numeric[name], 1e-6 + 1e-4 * _scale(numeric[name]), 1e-4)
        for name in arrays
    )
    given = backward({name: a.copy() for name, a in arrays.items()}, x, y)
    if not isinstance(given, Mapping):
        raise InvalidArgumentError(
            f"check_backprop: backward must return a dict name -> gradient, got "
            f"{type(given).__name__}"
        )
    checks = tuple(
        _judge(
            name, arrays[name].shape, _lookup(given, name), auto[name], numeric[name], rtol, atol
        )
        for name in arrays
    )
    return BackpropReport(checks, loss, _diagnose(checks), agree)


def _float64(value: Any) -> Any:
    if isinstance(value, Tensor):
        value = value.detach().numpy()
    if isinstance(value, (np.ndarray, list, tuple, int, float)):
        return np.array(value, dtype=np.float64)
    return value  # anything else (a dict of arrays...) goes to forward as it is


def _autograd(
    forward: Forward, arrays: dict[str, np.ndarray], x: Any, y: Any
) -> tuple[dict[str, np.ndarray], float]:
    tensors = {name: Tensor(a.copy(), requires_grad=True) for name, a in arrays.items()}
    try:
        loss = forward(tensors, x, y)
    except GraphError as error:
        raise GraphError(f"check_backprop: forward could not run on Tensors: {error}") from error
    if not isinstance(loss, Tensor):
        raise GraphError(
            f"check_backprop: forward returned {type(loss).__name__}, not a Tensor in the graph; "
            "it must compute the loss from params with NumPy functions (np.dot, np.exp, "
            "np.mean...) or operators, without converting them to arrays"
        )
    if loss.array.size != 1:
        raise ShapeError(f"check_backprop: forward must return a scalar loss, got {loss.shape}")
    loss.backward()
    grads = {
        name: np.zeros_like(a) if t.grad is None else t.grad.array.astype(np.float64)
        for (name, t), a in zip(tensors.items(), arrays.values())
    }
    return grads, float(loss.array.reshape(()))


def _numeric(
    forward: Forward, arrays: dict[str, np.ndarray], x: Any, y: Any, name: str, eps: float
) -> np.ndarray:
    """Central differences of the loss, forward run on plain float64 arrays."""
    values = {key: a.copy() for key, a in arrays.items()}
    target = values[name]
    grad = np.zeros_like(target)
    for index in np.ndindex(target.shape):
        old = target[index]
        target[index] = old + eps
        up = float(np.asarray(forward(values, x, y)).reshape(()))
        target[index] = old - eps
        down = float(np.asarray(forward(values, x, y)).reshape(()))
        target[index] = old
        grad[index] = (up - down) / (2 * eps)
    return grad


def _lookup(given: Mapping[str, Any], name: str) -> np.ndarray | None:
    for key in (name, "d" + name, "grad_" + name):
        if key in given and given[key] is not None:
            value = given[key]
            return np.array(value.array if isinstance(value, Tensor) else value, dtype=np.float64)
    return None


def _judge(
    name: str,
    shape: tuple[int, ...],
    yours: np.ndarray | None,
    auto: np.ndarray,
    numeric: np.ndarray,
    rtol: float,
    atol: float,
) -> ParameterCheck:
    if yours is None:
        return ParameterCheck(name, shape, "missing", f"backward returned no gradient for {name}")
    tol = atol + rtol * _scale(auto)
    if yours.shape != shape:
        return _judge_shape(name, shape, yours, auto, tol, rtol)

    def verdict(kind: str, detail: str = "", factor: float | None = None) -> ParameterCheck:
        index = np.unravel_index(int(np.argmax(np.abs(yours - auto))), shape) if shape else ()
        return ParameterCheck(
            name,
            shape,
            kind,
            detail,
            factor,
            tuple(int(i) for i in index),
            float(yours[index]),
            float(auto[index]),
            float(numeric[index]),
        )

    if _close(yours, auto, tol, rtol):
        return ParameterCheck(name, shape, "correct")
    if _scale(auto) <= atol:
        return verdict("wrong", "autograd's gradient is zero here and yours is not")
    if _close(yours, -auto, tol, rtol):
        return verdict("sign flipped")
    if len(shape) == 2 and shape[0] == shape[1] and _close(yours.T, auto, tol, rtol):
        return verdict("transposed", "yours is the transpose of the right gradient")
    factor = float(np.sum(yours * auto) / np.sum(auto * auto))
    # with one element every error is "a factor": only a whole number (or 1 / one) counts
    several = np.count_nonzero(np.abs(auto) > tol) >= 2
    if (several or _round(factor)) and _close(yours, factor * auto, tol, rtol):
        return verdict("scaled", "a constant factor is missing or extra", factor)
    if _scale(yours) <= atol:
        return verdict("wrong", "yours is zero everywhere")
    return verdict(
        "wrong",
        "not a multiple of the right gradient: a term is missing or wrong "
        "(an activation's derivative?)",
    )


def _judge_shape(
    name: str, shape: tuple[int, ...], yours: np.ndarray, auto: np.ndarray, tol: float, rtol: float
) -> ParameterCheck:
    """A gradient of another shape: transposed, or one row per example not summed."""
    if yours.T.shape == shape and _close(yours.T, auto, tol, rtol):
        return ParameterCheck(
            name,
            shape,
            "transposed",
            f"yours has shape {yours.shape}, the transpose of the right one",
        )
    if yours.ndim >= 1 and yours.shape[0] > 1:
        summed = yours.sum(axis=0)
        if summed.size == auto.size and _close(summed.reshape(shape), auto, tol, rtol):
            return ParameterCheck(
                name,
                shape,
                "missing a sum over the batch",
                f"yours has shape {yours.shape}, one row per example; summed over axis 0 "
                "(np.sum(delta, axis=0)) it is right",
            )
    return ParameterCheck(
        name, shape, "wrong shape", f"yours has shape {yours.shape}, the parameter {shape}"
    )


def _diagnose(checks: tuple[ParameterCheck, ...]) -> str:
    """Where the fault starts, from the pattern across parameters (input side first)."""
    wrong = [c for c in checks if not c.ok]
    if not wrong:
        return "your backward pass matches autograd and finite differences."
    names = ", ".join(c.name for c in wrong)
    if len(wrong) == len(checks) and len(checks) > 1:
        kinds = {c.verdict for c in wrong}
        factors = [c.factor for c in wrong if c.factor is not None]
        if kinds == {"sign flipped"}:
            return (
                "every gradient has its sign flipped, so the fault is where backpropagation "
                "starts: the output-layer delta (the derivative of the loss) has its sign "
                "flipped; for MSE it is 2 * (prediction - target) / n, not target - prediction."
            )
        if kinds == {"scaled"} and np.allclose(factors, factors[0], rtol=1e-4):
            return (
                f"every gradient is scaled by {factors[0]:.4g}, so the output-layer delta (the "
                "derivative of the loss) has a wrong constant factor: the 2 of the square or "
                "the 1/n of the mean."
            )
        if not kinds & set(_LOCAL):
            return (
                "every gradient is wrong, so the fault is in the output-layer delta, where "
                "backpropagation starts: the derivative of the loss times the derivative of the "
                "output activation (is the activation's derivative missing?)."
            )
    if all(c.verdict in _LOCAL for c in wrong):
        return (
            f"the formula of {names} itself is wrong (see above); the deltas reaching it are right."
        )
    wrong_at = [i for i, c in enumerate(checks) if not c.ok]
    right_at = [i for i, c in enumerate(checks) if c.ok]
    if right_at and max(wrong_at) < min(right_at):
        right = ", ".join(c.name for c in checks if c.ok)
        return (
            f"{right} (nearer the output) are right and {names} (nearer the input) are wrong, "
            "so the delta goes wrong as it is carried back between them: look at the derivative "
            "of the hidden activation and the product with the next layer's weights."
        )
    return f"{names} are wrong while the others are right: look at their own formulas."


def _round(factor: float) -> bool:
    """A whole number or its reciprocal (2, 1/6): the factors a forgotten constant makes."""
    if factor == 0:
        return False
    return any(abs(k - round(k)) <= 1e-6 * abs(k) for k in (factor, 1 / factor))


def _scale(a: np.ndarray) -> float:
    return float(np.max(np.abs(a))) if a.size else 0.0


def _close(a: np.ndarray, b: np.ndarray, atol: float, rtol: float) -> bool:
    return a.shape == b.shape and bool(np.all(np.abs(a - b) <= atol + rtol * np.abs(b)))
