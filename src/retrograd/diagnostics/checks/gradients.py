"""`gradient-mismatch`: analytic gradients of the loss against finite differences.

The loss of a float64 copy of the model, on a few samples, is a function of every parameter;
`gradcheck.check_gradients` compares its backward with central differences. When they disagree,
the loss and then each leaf module are checked alone (on the inputs they saw) to name the one
whose backward is wrong, and the pattern of the error ("sign flipped", "scaled by k") is read
from the gradcheck entries.

The whole-model check costs two forward passes of the model per parameter element, so larger
models skip it and check the loss and each leaf module alone (each costs a pass of that module
only). By the chain rule the model's gradient is right when every piece is; what this misses is
arithmetic written directly in a custom `forward` between modules.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from retrograd.autograd.grad_mode import no_grad
from retrograd.diagnostics.checks.subject import Subject
from retrograd.diagnostics.report import Finding
from retrograd.gradcheck import GradcheckEntry, check_gradients
from retrograd.nn.module import Module
from retrograd.tensor import Tensor

__all__ = ["check_gradient_mismatch"]

SAMPLES = 4
WHOLE_LIMIT = 600  # parameter elements up to which the whole model is checked at once
MODULE_LIMIT = 20_000  # elements (parameters and inputs) of one module checked alone


class _LossOfParameters(Module):
    """The loss of `model` on fixed data, as a module whose parameters are the model's."""

    def __init__(self, model: Module, loss_fn: Any, x: Tensor, y: Tensor) -> None:
        super().__init__()
        self.model = model
        self.loss_fn = loss_fn
        object.__setattr__(self, "data", (x, y))  # plain attribute: not a buffer

    def forward(self) -> Tensor:
        x, y = self.data
        return self.loss_fn(self.model(x), y)


def check_gradient_mismatch(subject: Subject) -> list[Finding]:
    elements = sum(p.numel() for p in subject.model.parameters() if p.requires_grad)
    if elements == 0:
        return []
    rows = subject.rows(SAMPLES, salt=1)
    x, y = _float64(subject.inputs(rows)), _float64(subject.targets(rows))
    failures: tuple[GradcheckEntry, ...] = ()
    checked = 0
    if elements <= WHOLE_LIMIT:
        subject.reseed(1)
        whole = check_gradients(
            _LossOfParameters(subject.copy_model(), subject.loss_fn, x, y), (), seed=subject.seed
        )
        if whole.ok:
            return []
        failures, checked = whole.failures, len(whole.entries)
    culprits = _localise(subject, x, y)
    if not failures and not culprits:
        return []
    params = {_param_name(entry.name): _entry_evidence(entry) for entry in failures}
    for place, found in culprits:
        params.setdefault(f"{place}: {found.name}", _entry_evidence(found))
    evidence: dict[str, Any] = {
        "samples": len(rows),
        "mode": "whole model" if checked else "module by module",
        "parameters": params,
        "culprits": [
            {"where": w, "hint": e.hint, "factor": e.factor, "functions": list(e.functions)}
            for w, e in culprits
        ],
    }
    where: str | None
    if culprits:
        where, entry = culprits[0]
        functions = entry.functions or _functions_of(failures)
    else:
        where, entry = None, failures[0]
        functions = _functions_of(failures)
    pattern = _pattern_text(entry)
    if functions:
        owner = f" (used by {where})" if where else ""
        subject_text = f"the backward of {functions[0]}{owner}"
        fix_target = f"{functions[0]}.backward"
    elif where:
        subject_text = f"the backward of {where}"
        fix_target = f"the backward of {where}"
    else:
        subject_text = "the backward pass"
        fix_target = "the hand-written backward on the path to those parameters"
    if checked:
        names = sorted(_param_name(e.name) for e in failures)
        wrong = ", ".join(names[:6]) + (", ..." if len(names) > 6 else "")
        scope = f" for {len(names)} of {checked} parameters ({wrong})"
    else:
        scope = ""
    message = (
        f"The gradients of the loss do not match finite differences{scope}: {subject_text} is "
        f"wrong{pattern}. Training follows these gradients, so the network cannot learn."
    )
    fix = f"Fix {fix_target}: {_fix_text(entry)}"
    if functions:
        fix += f" Check it alone with retrograd.gradcheck({functions[0]}.apply, inputs)."
    return [Finding("gradient-mismatch", "error", message, fix, evidence)]


def _localise(subject: Subject, x: Tensor, y: Tensor) -> list[tuple[str, GradcheckEntry]]:
    """The loss and the leaf modules whose own backward fails, nearest the output first."""
    model = subject.copy_model().double()
    seen: list[tuple[str, Module, tuple[Any, ...]]] = []
    handles = []
    for layer in subject.layers:
        module = model.get_submodule(layer.name) if layer.name else model

        def hook(mod: Module, args: Any, out: Any, name: str = layer.name) -> None:
            seen.append((name, mod, args))

        handles.append(module.register_forward_hook(hook))
    subject.reseed(1)
    try:
        with no_grad():
            pred = model(x)
    finally:
        for handle in handles:
            handle.remove()
    found: list[tuple[str, GradcheckEntry]] = []
    if isinstance(pred, Tensor) and pred.dtype.kind == "f":
        pred_input = Tensor(np.array(pred.data, dtype=np.float64), requires_grad=True)
        loss_name = f"the loss {type(subject.loss_fn).__name__}"
        entry = _first_failure(subject, subject.loss_fn, (pred_input, y))
        if entry is not None:
            found.append((loss_name, entry))
    for name, module, args in reversed(seen):
        inputs = tuple(
            Tensor(np.array(a.data, dtype=np.float64), requires_grad=True)
            if isinstance(a, Tensor) and a.dtype.kind == "f"
            else a
            for a in args
        )
        entry = _first_failure(subject, module, inputs)
        if entry is not None:
            found.append((subject.describe(name), entry))
    return found


def _first_failure(subject: Subject, fn: Any, inputs: tuple[Any, ...]) -> GradcheckEntry | None:
    params = [p for p in getattr(fn, "parameters", lambda: [])() if p.requires_grad]
    grad_inputs = [a for a in inputs if isinstance(a, Tensor) and a.requires_grad]
    if not params and not grad_inputs:
        return None
    if sum(t.numel() for t in params + grad_inputs) > MODULE_LIMIT:
        subject.notes["skipped"] = (
            f"gradient check of a module with over {MODULE_LIMIT} elements ({type(fn).__name__})"
        )
        return None
    subject.reseed(1)
    try:
        result = check_gradients(fn, inputs, seed=subject.seed)
    except Exception:  # a module that cannot run alone (e.g. needs keyword arguments)
        return None
    failures = [e for e in result.failures if e.hint is not None] or list(result.failures)
    return failures[0] if failures else None


def _float64(t: Tensor) -> Tensor:
    data = t.data.astype(np.float64) if t.dtype.kind == "f" else t.data
    return Tensor(data)


def _param_name(name: str) -> str:
    """ "parameter 'model.0.weight'" -> "0.weight"."""
    inner = name.split("'")[1] if "'" in name else name
    return inner.removeprefix("model.")


def _entry_evidence(entry: GradcheckEntry) -> dict[str, Any]:
    return {
        "hint": entry.hint,
        "factor": entry.factor,
        "max_abs_error": entry.max_abs_error,
        "analytic": entry.analytic,
        "numeric": entry.numeric,
        "functions": list(entry.functions),
    }


def _functions_of(entries: tuple[GradcheckEntry, ...]) -> tuple[str, ...]:
    """Custom Functions on the path to every failing parameter (the likely culprits)."""
    common: list[str] | None = None
    for entry in entries:
        names = list(entry.functions)
        common = names if common is None else [n for n in common if n in names]
    return tuple(common or ())


def _pattern_text(entry: GradcheckEntry) -> str:
    if entry.hint == "sign":
        return ", with its sign flipped: the analytic gradient is minus the true one"
    if entry.hint == "scale" and entry.factor is not None:
        return (
            f", scaled by {entry.factor:.4g}: the analytic gradient is {entry.factor:.4g} times "
            "the true one"
        )
    if entry.hint == "zero":
        return ": it returns zeros"
    if entry.hint == "missing":
        return ": no gradient reaches the parameters"
    return f" (worst element: analytic {entry.analytic:.4g}, numeric {entry.numeric:.4g})"


def _fix_text(entry: GradcheckEntry) -> str:
    if entry.hint == "sign":
        return (
            "flip the sign of the returned gradient, e.g. 2 * (pred - target) / n for a mean "
            "squared error, not 2 * (target - pred) / n."
        )
    if entry.hint == "scale" and entry.factor is not None:
        return (
            f"remove the constant factor {entry.factor:.4g}: look for a missing or extra 2 (the "
            "derivative of a square) or a missing division by n (the mean)."
        )
    if entry.hint in ("zero", "missing"):
        return (
            "return a gradient for every input that needs one, and keep forward in the graph "
            "(no .data, .numpy() or detach())."
        )
    return "derive it again and compare with retrograd.gradcheck on small inputs."
