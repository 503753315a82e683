"""`doctor`: tell a user why a network does not learn.

    report = retrograd.doctor(model, nn.MSELoss(), X, y, optimizer)
    print(report)

Each check (see `CHECKS`) looks at one way training goes wrong: the weights themselves (NaN or
infinite weights are the root cause, and the checks that run the model are then skipped), the
data and the targets, how the model, optimizer and loss are wired together, the output layer
and the loss, gradients against finite differences, activations, gradient flow, short training
runs. Findings that another finding explains are then linked to it (`causes.link_causes`), so
the report leads with the root cause.
Everything runs on copies: the caller's model, optimizer and random generator are as they were.
NumPy warnings raised by the probes (overflow in a diverging run) are caught and kept as
evidence of the findings of the check that raised them.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections import Counter
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

import retrograd.random as global_random
from retrograd.autograd.grad_mode import no_grad
from retrograd.diagnostics.causes import link_causes
from retrograd.diagnostics.checks import (
    activations,
    data,
    gradients,
    gradients_flow,
    init,
    output_loss,
    setup,
    targets,
    train_step,
    training,
    weights,
    wiring,
)
from retrograd.diagnostics.checks.subject import Subject, as_array
from retrograd.diagnostics.report import DoctorReport, Finding
from retrograd.errors import ArgumentTypeError, ShapeError
from retrograd.nn.module import Module
from retrograd.optim.optimizer import Optimizer
from retrograd.random import default_generator, get_rng_state

__all__ = ["CHECKS", "Check", "doctor"]


class Check(NamedTuple):
    """One check: its name, the function, whether `quick=True` skips it, and what it needs."""

    name: str
    run: Callable[[Subject], list[Finding]]
    slow: bool = False
    needs_loss: bool = True  # skipped when the loss cannot be computed
    needs_gradients: bool = False  # skipped when the gradients are wrong: its results would be too
    needs_model: bool = True  # skipped when the weights are not finite: it runs the model


CHECKS: tuple[Check, ...] = (
    Check("weights-finite", weights.check_finite_weights, needs_loss=False, needs_model=False),
    Check("data-finite", data.check_finite, needs_loss=False, needs_model=False),
    Check("feature-scales", data.check_scales, needs_loss=False, needs_model=False),
    Check("constant-features", data.check_constant_features, needs_loss=False, needs_model=False),
    Check("duplicates", data.check_duplicates, needs_loss=False, needs_model=False),
    Check("class-balance", data.check_class_balance, needs_loss=False, needs_model=False),
    Check("sample-count", data.check_sample_count, needs_loss=False, needs_model=False),
    Check("target-scale", targets.check_unscaled_targets, needs_loss=False, needs_model=False),
    Check("label-leakage", targets.check_label_leakage, needs_loss=False, needs_model=False),
    Check("split-overlap", targets.check_split_overlap, needs_loss=False, needs_model=False),
    Check("optimizer-params", setup.check_optimizer_params, needs_loss=False, needs_model=False),
    Check("settings", setup.check_settings, needs_loss=False, needs_model=False),
    Check("symmetry", setup.check_symmetric_init, needs_loss=False),
    Check("output-and-loss", output_loss.check_output_loss, needs_loss=False),
    Check("loss-broadcast", wiring.check_loss_broadcast),
    Check("loss-at-init", init.check_loss_at_init),
    Check("graph-cut", wiring.check_graph_cut),
    Check("gradient-check", gradients.check_gradient_mismatch),
    Check("dead-relu", activations.check_dead_relu),
    Check("saturation", activations.check_saturation),
    Check("gradient-flow", gradients_flow.check_gradient_flow),
    Check("update-ratio", gradients_flow.check_update_ratio),
    Check("train-step", train_step.check_grad_not_zeroed),
    Check("overfit-small-batch", training.check_overfit, slow=True),
    Check("learning-rate", training.check_learning_rate, slow=True, needs_gradients=True),
    Check("input-dependence", training.check_input_dependence, slow=True, needs_gradients=True),
    Check("signal", targets.check_no_signal, slow=True, needs_gradients=True),
)


def doctor(
    model: Module,
    loss_fn: Callable[..., Any],
    X: Any,
    y: Any,
    optimizer: Optimizer | None = None,
    train_step: Callable[..., Any] | None = None,
    *,
    seed: int = 0,
    quick: bool = False,
    validation_data: tuple[Any, Any] | None = None,
) -> DoctorReport:
    """Examine a model, its loss and its data, and report what would stop it learning.

    Args:
        model: the network (an `nn.Module`).
        loss_fn: called as `loss_fn(model(X), y)`.
        X: `(n_samples, ...)`, the training inputs (a NumPy array or a Tensor).
        y: the training targets (a NumPy array or a Tensor); class indices for
            CrossEntropyLoss/NLLLoss as integers.
        optimizer: the optimizer you train with; enables the learning-rate and update checks.
        train_step: your `train_step(model, optimizer, loss_fn, X, y)`; enables the check that
            it clears gradients.
        seed: seeds every draw of the checks (subsets, dropout masks), so reports repeat.
            Default: 0.
        quick: skip the slow checks (training runs: overfitting a batch, the learning-rate probe,
            the input-dependence and signal fits). Default: False.
        validation_data: `(X_val, y_val)`, when you have a validation split: enables the check
            for rows shared between the splits.

    Returns:
        A `DoctorReport`: `print(report)` to read it, `report.headline` (the root cause),
            `report.root_causes`, `report.ok`, `report.codes`, `report.to_json()`. The model,
            the optimizer and the global random generator are unchanged.
    """
    if not isinstance(model, Module):
        raise ArgumentTypeError(f"doctor expects an nn.Module as model, got {type(model).__name__}")
    if not callable(loss_fn):
        raise ArgumentTypeError(f"doctor expects a callable loss_fn, got {type(loss_fn).__name__}")
    if optimizer is not None and not isinstance(optimizer, Optimizer):
        raise ArgumentTypeError(f"doctor expects an Optimizer, got {type(optimizer).__name__}")
    X_array, y_array = as_array(X), as_array(y)
    if X_array.ndim == 0 or X_array.shape[0] == 0:
        raise ShapeError(f"doctor needs at least one sample, got X of shape {X_array.shape}")
    if y_array.ndim == 0 or y_array.shape[0] != X_array.shape[0]:
        raise ShapeError(
            f"X has {X_array.shape[0]} samples but y has shape {y_array.shape}: give one target "
            "row per sample"
        )
    validation = None
    if validation_data is not None:
        X_val, y_val = (as_array(part) for part in validation_data)
        if X_val.ndim == 0 or y_val.ndim == 0 or X_val.shape[0] != y_val.shape[0]:
            raise ShapeError(
                f"validation_data needs as many target rows as samples, got X_val "
                f"{X_val.shape} and y_val {y_val.shape}"
            )
        validation = (X_val, y_val)
    generator = default_generator()
    saved_state = get_rng_state()
    try:
        subject = Subject(
            model, loss_fn, X_array, y_array, optimizer, train_step, seed, quick, validation
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # anything a check does not catch itself
            return _examine(subject)
    finally:
        # a train_step may have called manual_seed, which replaces the generator object
        global_random._state["rng"] = generator
        generator.bit_generator.state = saved_state


def _examine(subject: Subject) -> DoctorReport:
    findings: list[Finding] = []
    ran: list[str] = []
    skipped: list[str] = []
    loss_problem = _loss_problem(subject)
    blocking = False
    for check in CHECKS:
        if check.needs_model and subject.notes.get("weights_nonfinite"):
            skipped.append(f"{check.name} (the model's weights are not finite)")
            continue
        if check.slow and subject.quick:
            skipped.append(f"{check.name} (quick)")
            continue
        if check.needs_loss and loss_problem is not None:
            skipped.append(f"{check.name} (the loss cannot be computed)")
            continue
        if check.needs_loss and blocking:
            skipped.append(f"{check.name} (non-finite data)")
            continue
        if check.needs_gradients and subject.notes.get("gradient_mismatch"):
            skipped.append(f"{check.name} (the gradients are wrong; fix that first)")
            continue
        subject.reseed(0)
        found = _run(check, subject)
        ran.append(check.name)
        findings.extend(found)
        if check.name == "data-finite" and found:
            blocking = True
        if check.name == "weights-finite" and found:
            subject.notes["weights_nonfinite"] = True
        if check.name == "gradient-check" and any(f.code == "gradient-mismatch" for f in found):
            subject.notes["gradient_mismatch"] = True
        if "skipped" in subject.notes:
            skipped.append(subject.notes.pop("skipped"))
    if loss_problem is not None and not any(f.severity == "error" for f in findings):
        findings.append(loss_problem)
    return DoctorReport(tuple(link_causes(findings)), tuple(ran), tuple(skipped))


def _run(check: Check, subject: Subject) -> list[Finding]:
    """Run one check with NumPy's floating-point warnings caught; they become evidence."""
    with warnings.catch_warnings(record=True) as caught, np.errstate(all="warn"):
        warnings.simplefilter("always")
        try:
            found = check.run(subject)
        except Exception as exc:  # one failing check must not hide the others' findings
            found = [_crashed(check.name, exc)]
    if not caught:
        return found
    counts = Counter(f"{w.category.__name__}: {w.message}" for w in caught)
    seen = {text: count for text, count in sorted(counts.items())}
    return [dataclasses.replace(f, evidence={**f.evidence, "numpy_warnings": seen}) for f in found]


def _loss_problem(subject: Subject) -> Finding | None:
    """A `loss-failed` finding when forward or the loss raises on the data, else None."""
    rows = subject.rows(8)
    try:
        model = subject.copy_model()
        subject.reseed(0)
        with no_grad():
            value = subject.loss(model, rows)
        float(value.item())
    except Exception as exc:
        return Finding(
            "loss-failed",
            "error",
            f"The model and loss cannot run on the data: {type(exc).__name__}: "
            f"{' '.join(str(exc).split())}",
            "Fix the shapes and dtypes named in the message (model(X) must fit loss_fn's input "
            "and y its target), then run the doctor again.",
            {"exception": type(exc).__name__},
        )
    return None  # a non-finite loss is reported by loss-at-init


def _crashed(name: str, exc: Exception) -> Finding:
    return Finding(
        "check-failed",
        "info",
        f"The {name} check could not run: {type(exc).__name__}: {' '.join(str(exc).split())}",
        "Nothing to change for this; the other checks are unaffected. If the model's forward "
        "needs more than one argument, the doctor cannot drive it.",
        {"check": name, "exception": type(exc).__name__},
    )
