"""`gradient-mismatch`: analytic gradients of the loss against finite differences.

The loss of a float64 copy of the model, on a few samples, is a function of every parameter;
`gradcheck.check_gradients` compares its backward with central differences. When they disagree,
the loss and then each leaf module are checked alone (on the inputs they saw) to name the one
whose backward is wrong, and the pattern of the error ("sign flipped", "scaled by k") is read
from the gradcheck entries.

Everything runs on a float64 copy of the model, the loss and the data (the caller's model is
untouched), with a step size scaled to the parameters and a tolerance that grows with the loss
(finite differences of a loss of 1e9 carry rounding errors of about 1e9 * 1e-16 / step). An
element that still disagrees is then looked at from both sides: when the one-sided differences
disagree with each other, the loss has a kink there (a ReLU at 0, a max with a tie) and the
element is "not differentiable here" (`not-differentiable`, a note), not a wrong backward.

The whole-model check costs two forward passes of the model per parameter element, so larger
models skip it and check the loss and each leaf module alone (each costs a pass of that module
only). By the chain rule the model's gradient is right when every piece is; what this misses is
arithmetic written directly in a custom `forward` between modules.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from retrograd.autograd.grad_mode import no_grad
from retrograd.diagnostics.checks.subject import Subject
from retrograd.diagnostics.checks.wiring import float64_copy
from retrograd.diagnostics.report import Finding
from retrograd.gradcheck import GradcheckEntry, check_gradients
from retrograd.nn.module import Module
from retrograd.tensor import Tensor

__all__ = ["check_gradient_mismatch"]

SAMPLES = 4
WHOLE_LIMIT = 600  # parameter elements up to which the whole model is checked at once
MODULE_LIMIT = 20_000  # elements (parameters and inputs) of one module checked alone
EPS = 1e-6  # the finite-difference step, times the parameters' RMS when that is above 1
ROUNDING = 1e-14  # about 100 float64 ulps: the relative error of one evaluation of the loss
KINK_ELEMENTS = 8  # failing elements per parameter looked at from both sides
KINK_RTOL = 1e-2


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


class _Copied:
    """`module` whose output is a fresh array, never a view of the input: finite differences
    perturb the input in place, which would move a view's values too."""

    def __init__(self, module: Module) -> None:
        self.module = module

    def __call__(self, *args: Any) -> Any:
        out = self.module(*args)
        return out * 1.0 if isinstance(out, Tensor) and out.dtype.kind == "f" else out


def check_gradient_mismatch(subject: Subject) -> list[Finding]:
    elements = sum(p.numel() for p in subject.model.parameters() if p.requires_grad)
    if elements == 0:
        return []
    rows = subject.rows(SAMPLES, salt=1)
    x, y = _float64(subject.inputs(rows)), _float64(subject.targets(rows))
    failures: tuple[GradcheckEntry, ...] = ()
    checked = 0
    kinks: list[dict[str, Any]] = []
    if elements <= WHOLE_LIMIT:
        model, loss_fn = float64_copy(subject)
        wrapper = _LossOfParameters(model, loss_fn, x, y)
        eps = EPS * max(1.0, _parameter_rms(wrapper))
        subject.reseed(1)
        with no_grad():
            scale = abs(float(wrapper().item()))
        atol = _atol(scale, eps)
        subject.reseed(1)
        whole = check_gradients(wrapper, (), eps=eps, atol=atol, seed=subject.seed)
        if whole.ok:
            return []
        failures, checked = whole.failures, len(whole.entries)
        real, kinks = _split_kinks(subject, wrapper, (), failures, eps, atol)
        if not real:
            return [_not_differentiable(kinks, len(rows))] if kinks else []
        failures = real
    culprits = _localise(subject, x, y)
    kinks += subject.notes.pop("kinks", [])
    if not failures and not culprits:
        return [_not_differentiable(kinks, len(rows))] if kinks else []
    params = {_param_name(entry.name): _entry_evidence(entry) for entry in failures}
    for place, found in culprits:
        params.setdefault(f"{place}: {found.name}", _entry_evidence(found))
    evidence: dict[str, Any] = {
        "samples": len(rows),
        "mode": "whole model" if checked else "module by module",
        "parameters": params,
        "kinks": kinks[:10],
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
        pred_input = Tensor(np.ascontiguousarray(pred.array, dtype=np.float64), requires_grad=True)
        loss_name = f"the loss {type(subject.loss_fn).__name__}"
        entry = _first_failure(subject, subject.loss_fn, (pred_input, y))
        if entry is not None:
            found.append((loss_name, entry))
    for name, module, args in reversed(seen):
        # contiguous copies: finite differences perturb a flat view of each input
        inputs = tuple(
            Tensor(np.ascontiguousarray(a.array, dtype=np.float64), requires_grad=True)
            if isinstance(a, Tensor) and a.dtype.kind == "f"
            else a
            for a in args
        )
        fn: Any = module
        if not any(True for _ in module.parameters()):
            fn = _Copied(module)  # its output may be a view of the input (Flatten, reshape)
        entry = _first_failure(subject, fn, inputs)
        if entry is not None:
            found.append((subject.describe(name), entry))
    return found


def _first_failure(subject: Subject, fn: Any, inputs: tuple[Any, ...]) -> GradcheckEntry | None:
    params = [p for p in getattr(fn, "parameters", lambda: [])() if p.requires_grad]
    grad_inputs = [a for a in inputs if isinstance(a, Tensor) and a.requires_grad]
    if not params and not grad_inputs:
        return None
    if sum(t.numel() for t in params + grad_inputs) > MODULE_LIMIT:
        kind = type(getattr(fn, "module", fn)).__name__
        subject.notes["skipped"] = (
            f"gradient check of a module with over {MODULE_LIMIT} elements ({kind})"
        )
        return None
    subject.reseed(1)
    try:
        with no_grad():
            out = fn(*inputs)
        scale = float(np.sum(np.abs(out.array))) if isinstance(out, Tensor) else 0.0
        subject.reseed(1)
        atol = _atol(scale if math.isfinite(scale) else 0.0, EPS)
        result = check_gradients(fn, inputs, eps=EPS, atol=atol, seed=subject.seed)
    except Exception:  # a module that cannot run alone (e.g. needs keyword arguments)
        return None
    if result.ok:
        return None
    wrong, kinks = _split_kinks(subject, fn, inputs, result.failures, EPS, atol)
    subject.notes.setdefault("kinks", []).extend(kinks)
    failures = [e for e in wrong if e.hint is not None] or list(wrong)
    return failures[0] if failures else None


def _atol(scale: float, eps: float) -> float:
    """The absolute tolerance: gradcheck's 1e-5, or the rounding noise of finite differences of
    a value of size `scale` with step `eps`, whichever is larger."""
    return max(1e-5, ROUNDING * scale / eps)


def _parameter_rms(module: Module) -> float:
    values = [np.asarray(p.array, dtype=np.float64).reshape(-1) for p in module.parameters()]
    joined = np.concatenate(values) if values else np.zeros(1)
    return float(np.sqrt(np.mean(joined**2))) if joined.size else 0.0


def _split_kinks(
    subject: Subject,
    fn: Any,
    inputs: tuple[Any, ...],
    failures: tuple[GradcheckEntry, ...],
    eps: float,
    atol: float,
) -> tuple[tuple[GradcheckEntry, ...], list[dict[str, Any]]]:
    """The failures that are wrong backwards, and the elements that sit on a kink.

    Each failing element is looked at from both sides, on `g = sum(v * fn(*inputs))` with the
    upstream gradient `v` gradcheck used: when the forward and backward one-sided differences
    disagree, the function bends there and its central difference is no derivative (a kink);
    when they agree with each other but not with the analytic gradient, the backward is wrong.
    """
    params = dict(fn.named_parameters()) if isinstance(fn, Module) else {}

    def outputs() -> list[Tensor]:
        subject.reseed(1)
        with no_grad():
            out = fn(*inputs)
        return [
            o for o in (out if isinstance(out, (tuple, list)) else (out,)) if isinstance(o, Tensor)
        ]

    first = outputs()
    rng = np.random.default_rng(subject.seed)  # gradcheck's random upstream gradient
    upstreams = {"ones": [np.ones(o.shape) for o in first]}
    upstreams["random"] = [rng.standard_normal(o.shape) for o in first]
    wrong: list[GradcheckEntry] = []
    kinks: list[dict[str, Any]] = []
    for entry in failures:
        tensor = _checked_tensor(entry.name, inputs, params)
        if tensor is None or entry.analytic_grad is None or entry.numeric_grad is None:
            wrong.append(entry)  # no gradient arrived at all: no kink explains that
            continue
        v = upstreams[entry.upstream]

        def g(v: list[np.ndarray] = v) -> float:
            return sum(float(np.sum(w * o.array)) for w, o in zip(v, outputs()))

        analytic = np.reshape(entry.analytic_grad, -1)
        numeric = np.reshape(entry.numeric_grad, -1)
        error = np.abs(analytic - numeric)
        failing = np.nonzero(error > atol + 1e-3 * np.abs(numeric))[0]
        worst = failing[np.argsort(-error[failing])][:KINK_ELEMENTS]
        flat = tensor.array.reshape(-1)
        if not np.shares_memory(flat, tensor.array):
            wrong.append(entry)
            continue
        centre = g()
        any_wrong = worst.size == 0
        for index in worst:
            original = flat[index]
            try:
                flat[index] = original + eps
                up = g()
                flat[index] = original - eps
                down = g()
            finally:
                flat[index] = original
            right, left = (up - centre) / eps, (centre - down) / eps
            tolerance = atol + KINK_RTOL * max(abs(right), abs(left))
            if abs(right - left) > tolerance:
                kinks.append(
                    {
                        "where": _param_name(entry.name),
                        "element": int(index),
                        "left": left,
                        "right": right,
                        "analytic": float(analytic[index]),
                    }
                )
            elif abs(analytic[index] - (up - down) / (2 * eps)) > tolerance:
                any_wrong = True
        if any_wrong:
            wrong.append(entry)
    return tuple(wrong), kinks


def _checked_tensor(name: str, inputs: tuple[Any, ...], params: dict[str, Any]) -> Any:
    """The tensor a gradcheck entry named: "input 0" or "parameter 'model.0.weight'"."""
    if name.startswith("input "):
        index = int(name.split()[1])
        return inputs[index] if index < len(inputs) else None
    return params.get(name.split("'")[1]) if "'" in name else None


def _not_differentiable(kinks: list[dict[str, Any]], samples: int) -> Finding:
    names = sorted({k["where"] for k in kinks})
    return Finding(
        "not-differentiable",
        "info",
        f"The gradient check is inconclusive at {len(kinks)} elements of "
        f"{', '.join(names[:6])}: the loss is not differentiable there (a ReLU input at 0, a "
        "max with a tie), so its left and right slopes differ and finite differences straddle "
        "the kink. The backward is not wrong; elsewhere the gradients match.",
        "Nothing to fix. To check the backward at a smooth point, run retrograd.gradcheck on "
        "other inputs, or with a smooth activation (Softplus, GELU) in place of the ReLU.",
        {"kinks": kinks[:10], "samples": samples},
    )


def _float64(t: Tensor) -> Tensor:
    data = t.array.astype(np.float64) if t.dtype.kind == "f" else t.array
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
