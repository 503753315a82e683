"""Short training runs on copies: can the model overfit a small batch, does the caller's
learning rate suit it, and does the model use its inputs at all.

`cannot-overfit`: a few hundred Adam steps on 8-32 distinct samples should drive the loss near
zero; how the loss moved (rose, stayed flat, still falling, levelled off) points at a bug, the
learning rate or the capacity. `lr-too-high` / `lr-too-low`: a short run with (a copy of) the
caller's optimizer, and when it misbehaves an LR range test (one step per learning rate, rising
exponentially) that suggests where the loss falls fastest. `input-independent`: the same short fit
on the real inputs and on zeros; a model that does no better with its inputs ignores them.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from retrograd.autograd.grad_mode import enable_grad
from retrograd.diagnostics.checks.subject import Subject
from retrograd.diagnostics.report import Finding
from retrograd.nn.module import Module
from retrograd.optim import Adam
from retrograd.optim.optimizer import Optimizer

__all__ = ["check_input_dependence", "check_learning_rate", "check_overfit", "fit_curve"]

OVERFIT_SAMPLES = 16
OVERFIT_STEPS = 300
OVERFIT_LR = 1e-2
NEAR_ZERO = 0.05  # "near zero": this fraction of the loss of the best constant prediction
PROBE_SAMPLES = 64
PROBE_STEPS = 30
RANGE_LRS = np.geomspace(1e-6, 10.0, 57)  # 8 per decade
INPUT_STEPS = 100
INPUT_MARGIN = 0.9  # real inputs must reach below 90% of the zero-input loss


def fit_curve(
    subject: Subject,
    model: Module,
    optimizer: Optimizer,
    rows: np.ndarray,
    steps: int,
    stop_below: float = -math.inf,
    X: Any = None,
) -> list[float]:
    """The loss before each of `steps` optimizer steps (stops early below `stop_below` or at a
    non-finite loss)."""
    losses: list[float] = []
    with enable_grad():
        for _ in range(steps):
            optimizer.zero_grad()
            value = subject.loss(model, rows, X)
            loss = float(value.item())
            losses.append(loss)
            if not math.isfinite(loss) or loss < stop_below or not value.requires_grad:
                break  # (no parameter reaches the loss: the curve stays flat)
            value.backward()
            optimizer.step()
    return losses


def _distinct_rows(subject: Subject, limit: int, salt: int) -> np.ndarray:
    """Up to `limit` samples with distinct inputs (so conflicting duplicates can't block a fit)."""
    flat = subject.X.reshape(subject.n_samples, -1)
    _, first = np.unique(flat, axis=0, return_index=True)
    first = np.sort(first)
    if first.size <= limit:
        return first
    return np.sort(subject.rng(salt).choice(first, size=limit, replace=False))


def _reference(subject: Subject, rows: np.ndarray, initial: float) -> float:
    baseline = subject.baseline_loss(rows)
    return baseline if baseline is not None and baseline > 0 else abs(initial)


# ---------------------------------------------------------------------------- overfit
def check_overfit(subject: Subject) -> list[Finding]:
    rows = _distinct_rows(subject, OVERFIT_SAMPLES, salt=10)
    if rows.size == 0:
        return []
    runs: dict[float, list[float]] = {}
    lr = OVERFIT_LR
    for attempt in range(2):
        model = subject.copy_model()
        subject.reseed(10)
        optimizer = Adam([p for p in model.parameters() if p.requires_grad] or [_dummy()], lr=lr)
        first = subject.loss_value(model, rows)
        reference = _reference(subject, rows, first)
        curve = fit_curve(subject, model, optimizer, rows, OVERFIT_STEPS, NEAR_ZERO * reference)
        runs[lr] = curve
        if curve and curve[-1] < NEAR_ZERO * reference:
            return []
        shape = _shape(curve, reference)
        if attempt == 0:
            lr = OVERFIT_LR / 10 if shape in ("diverged", "rose") else OVERFIT_LR * 3
    # both runs failed: describe the better one
    best_lr = min(runs, key=lambda k: _final(runs[k]))
    curve = runs[best_lr]
    shape = _shape(curve, reference)
    evidence = {
        "samples": int(rows.size),
        "steps": OVERFIT_STEPS,
        "optimizer": "Adam",
        "runs": {
            f"lr={k:g}": {"initial": v[0], "final": v[-1], "lowest": min(v), "curve": _sample(v)}
            for k, v in runs.items()
        },
        "near_zero": NEAR_ZERO * reference,
        "pattern": shape,
    }
    start, end, low = curve[0], curve[-1], min(curve)
    head = (
        f"The model cannot overfit {rows.size} samples: after {OVERFIT_STEPS} Adam steps (lr "
        f"{', '.join(f'{k:g}' for k in runs)}) the loss went from {start:.4g} to {end:.4g}, "
        f"not near zero (below {NEAR_ZERO * reference:.3g})."
    )
    mismatch = (
        " The gradient check failed too, so start there."
        if subject.notes.get("gradient_mismatch")
        else ""
    )
    if shape in ("diverged", "rose"):
        return [
            Finding(
                "cannot-overfit",
                "error",
                f"{head} The loss rose instead of falling even with a small learning rate: the "
                f"gradients point the wrong way, which is a bug (a backward with the wrong sign, "
                f"or a loss that is maximised).{mismatch}",
                "Check the loss and any hand-written backward with retrograd.gradcheck, and that "
                "the optimizer is not set to maximize.",
                evidence,
            )
        ]
    if shape == "flat":
        return [
            Finding(
                "cannot-overfit",
                "error",
                f"{head} The loss hardly moved (lowest {low:.4g}): the gradients do not reach "
                "the parameters or are zero, which points at a bug rather than capacity."
                f"{mismatch}",
                "Check that the parameters require grad and are all given to the optimizer, that "
                "forward keeps them in the graph (no .data, .numpy() or detach()), and look at "
                "the dead-relu and saturation findings.",
                evidence,
            )
        ]
    if shape == "falling":
        return [
            Finding(
                "cannot-overfit",
                "warning",
                f"{head} It was still falling at the end, slowly: the evidence points at the "
                f"learning rate or optimisation speed rather than a bug.{mismatch}",
                "Raise the learning rate, train longer, standardise inputs and targets, and check "
                "the loss-at-init and saturation findings.",
                evidence,
            )
        ]
    return [
        Finding(
            "cannot-overfit",
            "warning",
            f"{head} The loss levelled off at {end:.4g}: the evidence points at capacity (the "
            f"model is too small or too constrained to fit even these samples).{mismatch}",
            "Make the model wider or deeper, remove bottlenecks (a tiny hidden layer, heavy "
            "dropout or weight decay), and check that the output layer can express the targets.",
            evidence,
        )
    ]


def _dummy() -> Any:
    from retrograd.nn.parameter import Parameter

    return Parameter(np.zeros(1, dtype=np.float32))


def _final(curve: list[float]) -> float:
    return curve[-1] if curve and math.isfinite(curve[-1]) else math.inf


def _shape(curve: list[float], reference: float) -> str:
    """ "diverged", "rose", "flat", "falling" (still going down at the end) or "levelled"."""
    if not curve or not all(math.isfinite(v) for v in curve):
        return "diverged"
    start, end, low = curve[0], curve[-1], min(curve)
    if end > 1.1 * start and end - start > 0.01 * reference:
        return "rose"
    if start - low < 0.05 * max(start, reference):
        return "flat"
    third = curve[-max(len(curve) // 3, 2)]
    if third - end > 0.1 * max(third, 1e-12):
        return "falling"
    return "levelled"


def _sample(curve: list[float], n: int = 11) -> list[float]:
    if len(curve) <= n:
        return list(curve)
    return [curve[int(i)] for i in np.linspace(0, len(curve) - 1, n)]


# ---------------------------------------------------------------------------- learning rate
def check_learning_rate(subject: Subject) -> list[Finding]:
    if subject.optimizer is None:
        return []
    rows = subject.rows(PROBE_SAMPLES, salt=11)
    model, optimizer = subject.copy_pair()
    assert optimizer is not None
    lr = optimizer.param_groups[0].get("lr")
    subject.reseed(11)
    curve = fit_curve(subject, model, optimizer, rows, PROBE_STEPS)
    if not curve:
        return []
    start = curve[0]
    reference = _reference(subject, rows, start)
    finite = all(math.isfinite(v) for v in curve)
    too_high = not finite or (curve[-1] > 1.5 * start and curve[-1] - start > 0.05 * reference)
    fitted = start < NEAR_ZERO * reference
    too_low = (
        finite and not fitted and not too_high and (start - min(curve)) < 0.01 * max(start, 1e-12)
    )
    if not (too_high or too_low):
        return []
    suggestion = lr_range_test(subject, rows)
    evidence: dict[str, Any] = {
        "optimizer": type(optimizer).__name__,
        "lr": lr,
        "steps": PROBE_STEPS,
        "initial": start,
        "final": curve[-1],
        "curve": _sample(curve),
        "range_test": suggestion,
    }
    steepest = suggestion.get("steepest_lr") if suggestion else None
    name = type(optimizer).__name__
    if too_high:
        if steepest is not None:
            advice = (
                f"Lower the learning rate: an LR range test with {name} found the loss falling "
                f"fastest at lr ~ {steepest:.2g}; try {suggestion['low']:.2g} to "
                f"{suggestion['high']:.2g}."
            )
        else:
            advice = "Lower the learning rate tenfold until the loss falls steadily."
        return [
            Finding(
                "lr-too-high",
                "warning",
                f"With {name} at lr={lr:g} the loss diverges: {start:.4g} -> {curve[-1]:.4g} in "
                f"{len(curve)} steps on a copy of the model.",
                advice,
                evidence,
            )
        ]
    if steepest is None or lr is None or steepest < 3 * lr:
        return []  # no larger rate helps either: not the learning rate (see cannot-overfit)
    return [
        Finding(
            "lr-too-low",
            "warning",
            f"With {name} at lr={lr:g} the loss barely moves: {start:.4g} -> {curve[-1]:.4g} in "
            f"{len(curve)} steps on a copy of the model, while larger rates make it fall.",
            f"Raise the learning rate: an LR range test with {name} found the loss falling "
            f"fastest at lr ~ {steepest:.2g}; try {suggestion['low']:.2g} to "
            f"{suggestion['high']:.2g}.",
            evidence,
        )
    ]


def lr_range_test(subject: Subject, rows: np.ndarray) -> dict[str, Any]:
    """One step per learning rate, rising exponentially from 1e-6 to 10, on a fresh copy of the
    model and optimizer; returns the rate where the smoothed loss fell fastest and a range around
    it (empty when the loss never fell)."""
    model, optimizer = subject.copy_pair()
    assert optimizer is not None
    optimizer.state.clear()
    subject.reseed(12)
    losses: list[float] = []
    rates: list[float] = []
    smooth = None
    with enable_grad():
        for lr in RANGE_LRS:
            for group in optimizer.param_groups:
                group["lr"] = float(lr)
            optimizer.zero_grad()
            value = subject.loss(model, rows)
            loss = float(value.item())
            if not math.isfinite(loss):
                break
            smooth = loss if smooth is None else 0.7 * smooth + 0.3 * loss
            losses.append(smooth)
            rates.append(float(lr))
            if smooth > 4 * min(losses):
                break
            value.backward()
            optimizer.step()
    if len(losses) < 3:
        return {}
    slopes = np.diff(np.array(losses))  # per step = per 1/8 decade
    best = int(np.argmin(slopes))
    if slopes[best] >= 0:
        return {}
    steepest = rates[best]
    return {
        "steepest_lr": steepest,
        "low": steepest / 3,
        "high": min(steepest * 3, rates[int(np.argmin(losses))]),
        "lrs": rates[:: max(len(rates) // 12, 1)],
        "losses": losses[:: max(len(losses) // 12, 1)],
    }


# ---------------------------------------------------------------------------- input use
def check_input_dependence(subject: Subject) -> list[Finding]:
    rows = subject.rows(PROBE_SAMPLES, salt=13)
    if subject.X.dtype.kind != "f" or rows.size < 2:
        return []
    results = {}
    for label, X in (("real", None), ("zeros", np.zeros_like(subject.X[rows]))):
        model = subject.copy_model()
        subject.reseed(13)
        optimizer = Adam(
            [p for p in model.parameters() if p.requires_grad] or [_dummy()], lr=OVERFIT_LR
        )
        curve = fit_curve(subject, model, optimizer, rows, INPUT_STEPS, X=X)
        results[label] = _final(curve)
    real, zeros = results["real"], results["zeros"]
    reference = _reference(subject, rows, zeros)
    evidence = {"loss_real_inputs": real, "loss_zero_inputs": zeros, "steps": INPUT_STEPS}
    if not (math.isfinite(real) and math.isfinite(zeros)) or zeros < NEAR_ZERO * reference:
        return []  # nothing to explain beyond the mean, or a run that failed (see other checks)
    if real < INPUT_MARGIN * zeros:
        return []
    return [
        Finding(
            "input-independent",
            "warning",
            f"After {INPUT_STEPS} Adam steps the model does no better on the real inputs (loss "
            f"{real:.4g}) than on inputs replaced by zeros (loss {zeros:.4g}): it does not use "
            "its inputs.",
            "Check that forward uses its argument (not a stored tensor, not x * 0 or x.detach() "
            "of the wrong thing), that X and y are aligned (not shuffled separately), and that "
            "the features carry information about the target.",
            evidence,
        )
    ]
