"""`gradcheck`: compare analytic gradients with central finite differences, in float64.

    ok = retrograd.gradcheck(MyMSE.apply, (pred, target))

Every input that requires grad (and, when `fn` is a module, every parameter) is checked with two
upstream gradients `v`: all ones, then a seeded random normal one (an all-ones `v` can hide a
wrong backward). The numeric side is `d sum(v * fn(x)) / dx` by central differences, the analytic
side is what `backward(v)` leaves in `.grad`. A mismatch raises `GradcheckError` with a short
report naming the input, the worst element and, when it is one, the pattern of the error: the
sign flipped, a constant factor, or no gradient at all.

`check_gradients` does the work and returns a `GradcheckResult` for tools that want the details.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from retrograd.autograd.engine import topological_order
from retrograd.autograd.grad_mode import enable_grad, no_grad
from retrograd.errors import ArgumentTypeError, DTypeError, GradcheckError, InvalidArgumentError
from retrograd.function import _CustomNode
from retrograd.random import default_generator
from retrograd.tensor import Tensor

__all__ = ["GradcheckEntry", "GradcheckResult", "check_gradients", "gradcheck"]

_UPSTREAM_TEXT = {"ones": "upstream gradient of ones", "random": "a random upstream gradient"}


@dataclass(frozen=True)
class GradcheckEntry:
    """The check of one tensor (an input or a module parameter).

    `upstream` says which upstream gradient the numbers come from: the first one that failed,
    or, when both passed, the one with the larger error. `analytic` and `numeric` are the values
    at `worst_index`; `hint` names the pattern of a failure: "sign" (analytic = -numeric),
    "scale" (analytic = `factor` * numeric), "missing" (no gradient reached the tensor), "zero"
    (a gradient of zeros) or None.
    """

    name: str  # "input 0" or "parameter '0.weight'"
    shape: tuple[int, ...]
    upstream: str  # "ones" or "random"
    ok: bool
    max_abs_error: float
    worst_index: tuple[int, ...]
    analytic: float
    numeric: float
    rel_error: float
    hint: str | None = None
    factor: float | None = None
    functions: tuple[str, ...] = ()  # custom Functions between the output and this tensor
    analytic_grad: np.ndarray | None = field(default=None, repr=False, compare=False)
    numeric_grad: np.ndarray | None = field(default=None, repr=False, compare=False)

    def report(self) -> str:
        """A few lines saying what disagrees and, when a pattern fits, what to look at."""
        head = (
            f"Gradient check failed for {self.name} (shape {self.shape}) with "
            f"{_UPSTREAM_TEXT[self.upstream]}:"
        )
        where = _element_text(self.worst_index)
        if self.hint == "missing":
            lines = [
                head,
                f"  {self.name} got no gradient (its .grad stayed None), but the numeric gradient "
                f"is not zero ({where}: {self.numeric:.4g}).",
                "  Check that backward returns a gradient for it (not None) and that forward keeps "
                "it in the graph (no .data, .numpy() or detach()).",
            ]
        else:
            lines = [
                head,
                f"  worst {where}: analytic {self.analytic:.4g}, numeric {self.numeric:.4g}, "
                f"{_error_text(self)}",
            ]
            if self.hint == "zero":
                lines.append(
                    "  The analytic gradient is zero everywhere while the numeric one is not: "
                    "the backward formula drops this input."
                )
            elif self.hint == "sign":
                lines.append(
                    "  The analytic gradient is the numeric one with its sign flipped: check the "
                    "sign of the backward formula (e.g. 2*(pred - target), not 2*(target - pred))."
                )
            elif self.hint == "scale":
                lines.append(
                    f"  The analytic gradient is the numeric one scaled by {self.factor:.4g}: "
                    "look for a missing or extra constant factor (e.g. the 2 of a square, or the "
                    "division by n of a mean)."
                )
        if self.functions:
            names = ", ".join(self.functions)
            lines.append(f"  Hand-written backward on the way to {self.name}: {names}.")
        return "\n".join(lines)


@dataclass(frozen=True)
class GradcheckResult:
    """All entries of one check, the inputs first, then the parameters."""

    entries: tuple[GradcheckEntry, ...]
    notes: tuple[str, ...] = ()  # e.g. an output that is not float64

    @property
    def ok(self) -> bool:
        """Whether every entry passed (also the truth value of the result)."""
        return all(entry.ok for entry in self.entries)

    @property
    def failures(self) -> tuple[GradcheckEntry, ...]:
        """The entries that failed, in order (empty when all passed)."""
        return tuple(entry for entry in self.entries if not entry.ok)

    def report(self) -> str:
        """The reports of the failed entries (empty when all passed), then the notes."""
        if self.ok:
            return ""
        parts = [entry.report() for entry in self.failures]
        parts.extend(f"Note: {note}" for note in self.notes)
        return "\n".join(parts)

    def __bool__(self) -> bool:
        return self.ok


def gradcheck(
    fn: Callable[..., Any],
    inputs: Any,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """Check the gradients of `fn` at `inputs` against central finite differences, in float64.

    The caller's tensors and module are unchanged.

    Args:
        fn: a function of Tensors, a custom `Function`'s `apply`, or a module, whose parameters
            are checked too.
        inputs: a Tensor or a tuple; those that require grad are checked, anything else is
            passed through.
        eps: the finite-difference step. Default: 1e-6.
        atol: absolute tolerance: an element passes when
            |analytic - numeric| <= atol + rtol * |numeric|. Default: 1e-5.
        rtol: relative tolerance (see `atol`). Default: 1e-3.
        raise_exception: raise on a mismatch instead of returning False. Default: True.

    Returns:
        True when all gradients match; False otherwise, when `raise_exception=False`.

    Raises:
        GradcheckError: with the report, when a gradient does not match and `raise_exception`
            is True.
    """
    result = check_gradients(fn, inputs, eps=eps, atol=atol, rtol=rtol)
    if result.ok:
        return True
    if raise_exception:
        raise GradcheckError(result.report())
    return False


def check_gradients(
    fn: Callable[..., Any],
    inputs: Any,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    seed: int = 0,
) -> GradcheckResult:
    """Run the check of `gradcheck` and return every entry instead of raising.

    `seed` seeds the random upstream gradient. The global generator is reset to the same state
    before every call of `fn` (so dropout draws the same mask each time) and restored afterwards.
    """
    if eps <= 0:
        raise InvalidArgumentError(f"eps must be positive, got {eps}")
    args = _copy_inputs(inputs)
    call, named_params = _prepare_callable(fn)
    checked: list[tuple[str, Tensor]] = [
        (f"input {i}", a) for i, a in enumerate(args) if isinstance(a, Tensor) and a.requires_grad
    ]
    checked += [(f"parameter '{name}'", p) for name, p in named_params if p.requires_grad]
    if not checked:
        raise InvalidArgumentError(
            "gradcheck needs at least one input (or module parameter) with requires_grad=True"
        )

    generator = default_generator()
    rng_state = generator.bit_generator.state

    def run(record: bool) -> list[Tensor]:
        generator.bit_generator.state = rng_state
        if record:
            with enable_grad():
                return _outputs(call(*args))
        with no_grad():
            return _outputs(call(*args))

    try:
        outputs = run(record=True)
        rng = np.random.default_rng(seed)
        upstreams = {
            "ones": [np.ones(o.shape) for o in outputs],
            "random": [rng.standard_normal(o.shape) for o in outputs],
        }
        functions = _custom_functions(outputs, [t for _, t in checked])
        analytic = {kind: _analytic(run, checked, v) for kind, v in upstreams.items()}
        numeric = _numeric(run, checked, upstreams, eps)
    finally:
        generator.bit_generator.state = rng_state

    entries = []
    for position, (name, tensor) in enumerate(checked):
        candidates = [
            _compare(
                name,
                tensor.shape,
                kind,
                analytic[kind][position],
                numeric[kind][position],
                atol,
                rtol,
                functions[position],
            )
            for kind in upstreams
        ]
        failed = [c for c in candidates if not c.ok]
        entries.append(failed[0] if failed else max(candidates, key=lambda c: c.max_abs_error))
    notes = tuple(
        f"output {i} is {o.dtype}, not float64, so the finite differences are imprecise; keep "
        "the computation in float64"
        for i, o in enumerate(outputs)
        if o.dtype != np.float64
    )
    return GradcheckResult(tuple(entries), notes)


# ---------------------------------------------------------------------------- preparation
def _copy_inputs(inputs: Any) -> tuple[Any, ...]:
    """float64 copies of the floating Tensors (detached, requires_grad kept); others as given."""
    items = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    copies: list[Any] = []
    for item in items:
        if not isinstance(item, Tensor):
            copies.append(item)
            continue
        floating = item.dtype.kind == "f"
        # C order: the numeric pass perturbs a flat view, which a strided copy would not give
        data = np.array(
            item.array, dtype=np.float64 if floating else item.dtype, copy=True, order="C"
        )
        copies.append(Tensor(data, requires_grad=item.requires_grad and floating))
    return tuple(copies)


def _prepare_callable(fn: Callable[..., Any]) -> tuple[Callable[..., Any], list[tuple[str, Any]]]:
    """A module (anything with `named_parameters`) is deep-copied and made float64."""
    if not callable(fn):
        raise ArgumentTypeError(
            f"gradcheck expects a function or a module, got {type(fn).__name__}"
        )
    if not callable(getattr(fn, "named_parameters", None)):
        return fn, []
    module: Any = copy.deepcopy(fn)
    if callable(getattr(module, "double", None)):
        module.double()
    named = list(module.named_parameters())
    for _, param in named:
        # own, writeable float64 storage: the numeric pass perturbs it element by element
        param.array = np.array(param.array, dtype=np.float64, copy=True, order="C")
        param.grad = None
    return module, named


def _outputs(result: Any) -> list[Tensor]:
    """The floating Tensor outputs of `fn` (integer outputs have no gradient)."""
    items = result if isinstance(result, (tuple, list)) else (result,)
    if not all(isinstance(item, Tensor) for item in items):
        kinds = ", ".join(type(item).__name__ for item in items)
        raise ArgumentTypeError(
            f"gradcheck expects fn to return a Tensor or a tuple of Tensors, got {kinds}"
        )
    outputs = [item for item in items if item.dtype.kind == "f"]
    if not outputs:
        raise DTypeError("gradcheck expects fn to return at least one floating-point Tensor")
    return outputs


def _custom_functions(outputs: list[Tensor], targets: list[Tensor]) -> list[tuple[str, ...]]:
    """For each target, the custom Functions on a path from an output down to it."""
    order: list[Any] = []
    seen: set[int] = set()
    for out in outputs:
        if out._ctx is None or not out.requires_grad:
            continue
        for node in topological_order(out._ctx):
            if id(node) not in seen:
                seen.add(id(node))
                order.append(node)
    found = []
    for target in targets:
        reaches = {id(target)}  # ids of the target tensor and of the nodes fed by it
        names: list[str] = []
        for node in order:  # parents before the nodes computed from them
            fed = any(id(t) in reaches for t in node.inputs) or any(
                id(p) in reaches for p in node.parents if p is not None
            )
            if fed:
                reaches.add(id(node))
                if isinstance(node, _CustomNode) and node.name not in names:
                    names.append(node.name)
        found.append(tuple(reversed(names)))  # the one nearest the output first
    return found


# ---------------------------------------------------------------------------- the two sides
def _analytic(
    run: Callable[[bool], list[Tensor]], checked: list[tuple[str, Tensor]], v: list[np.ndarray]
) -> list[np.ndarray | None]:
    """The gradient `backward(v)` leaves on each checked tensor (None where none arrived)."""
    for _, tensor in checked:
        tensor.grad = None
    outputs = run(True)
    for out, grad in zip(outputs, v):
        if out.requires_grad:
            out.backward(grad, retain_graph=True)
    grads: list[np.ndarray | None] = []
    for _, tensor in checked:
        g = tensor.grad
        grads.append(None if g is None else np.array(g.array, dtype=np.float64))
        tensor.grad = None
    return grads


def _numeric(
    run: Callable[[bool], list[Tensor]],
    checked: list[tuple[str, Tensor]],
    upstreams: dict[str, list[np.ndarray]],
    eps: float,
) -> dict[str, list[np.ndarray]]:
    """d sum(v * fn) / dx by central differences, for every upstream `v` from the same calls."""
    numeric: dict[str, list[np.ndarray]] = {kind: [] for kind in upstreams}
    for _, tensor in checked:
        grads = {kind: np.zeros(tensor.shape) for kind in upstreams}
        if not tensor.array.flags.c_contiguous:  # own C-ordered storage, so `flat` is a view
            tensor.array = np.ascontiguousarray(tensor.array)
        flat = tensor.array.reshape(-1)  # a view: writing it perturbs the tensor
        for i in range(flat.size):
            original = flat[i]
            flat[i] = original + eps
            # copies: an output may be a view of the input (a reshape), which the next
            # perturbation would change under it
            plus = [np.array(o.array, copy=True) for o in run(False)]
            flat[i] = original - eps
            minus = [np.array(o.array, copy=True) for o in run(False)]
            flat[i] = original
            for kind, vs in upstreams.items():
                total = sum(float(np.sum(v * (p - m))) for v, p, m in zip(vs, plus, minus))
                grads[kind].reshape(-1)[i] = total / (2 * eps)
        for kind in upstreams:
            numeric[kind].append(grads[kind])
    return numeric


# ---------------------------------------------------------------------------- comparison
def _compare(
    name: str,
    shape: tuple[int, ...],
    upstream: str,
    analytic: np.ndarray | None,
    numeric: np.ndarray,
    atol: float,
    rtol: float,
    functions: tuple[str, ...],
) -> GradcheckEntry:
    a = np.zeros(shape) if analytic is None else analytic
    error = np.abs(a - numeric)
    allowed = atol + rtol * np.abs(numeric)
    ok = bool(np.all(error <= allowed))
    if numeric.size == 0:
        return GradcheckEntry(name, shape, upstream, True, 0.0, (), 0.0, 0.0, 0.0)
    worst_flat = int(np.argmax(error / allowed))
    worst = tuple(int(i) for i in np.unravel_index(worst_flat, shape))
    n_worst, a_worst = float(numeric[worst]), float(a[worst])
    rel = abs(a_worst - n_worst) / abs(n_worst) if n_worst != 0 else float("inf")
    hint, factor = (None, None) if ok else _pattern(analytic, numeric, atol, rtol)
    return GradcheckEntry(
        name=name,
        shape=tuple(shape),
        upstream=upstream,
        ok=ok,
        max_abs_error=float(error.max()),
        worst_index=worst,
        analytic=a_worst,
        numeric=n_worst,
        rel_error=rel,
        hint=hint,
        factor=factor,
        functions=() if ok else functions,
        analytic_grad=analytic,
        numeric_grad=numeric,
    )


def _pattern(
    analytic: np.ndarray | None, numeric: np.ndarray, atol: float, rtol: float
) -> tuple[str | None, float | None]:
    """Name the shape of a mismatch: no gradient, zeros, the sign flipped, or a constant factor."""
    if analytic is None:
        return "missing", None
    if np.all(np.abs(analytic) <= atol):
        return "zero", 0.0
    if _close(analytic, -numeric, atol, rtol):
        return "sign", -1.0
    significant = int(np.count_nonzero(np.abs(numeric) > atol))
    norm = float(np.sum(numeric * numeric))
    if significant >= 2 and norm > 0:  # with one element every mismatch is "a factor"
        k = float(np.sum(analytic * numeric)) / norm
        if not np.isclose(k, 1.0, rtol=rtol, atol=0) and _close(analytic, k * numeric, atol, rtol):
            return "scale", k
    return None, None


def _close(a: np.ndarray, b: np.ndarray, atol: float, rtol: float) -> bool:
    return bool(np.all(np.abs(a - b) <= atol + rtol * np.abs(b)))


def _element_text(index: Sequence[int]) -> str:
    return f"element {tuple(index)}" if len(index) else "element (the only one)"


def _error_text(entry: GradcheckEntry) -> str:
    if np.isfinite(entry.rel_error):
        return f"relative error {entry.rel_error:.4g}"
    return f"absolute error {abs(entry.analytic - entry.numeric):.4g}"
