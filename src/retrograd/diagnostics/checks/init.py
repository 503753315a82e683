"""`loss-at-init`: the loss before training, compared with what a neutral network scores.

A freshly initialised classifier should be unsure: cross entropy near log K for K classes,
binary cross entropy near log 2. A regression network should start near the loss of predicting
the mean, Var(y). Much higher means over-confident or badly scaled outputs, which the first steps
spend undoing (and which saturate sigmoid/softmax outputs). A trained model scores lower, which
is never flagged.
"""

from __future__ import annotations

import math

import numpy as np

from retrograd.diagnostics.checks.subject import Subject
from retrograd.diagnostics.report import Finding

__all__ = ["check_loss_at_init", "expected_initial_loss"]

SAMPLES = 1024
CLASS_FACTOR = 2.0  # cross entropy above 2 log K: the scores are far too confident
MSE_FACTOR = 4.0  # MSE above 4 Var(y): the outputs start far from the targets


def expected_initial_loss(subject: Subject, rows: np.ndarray) -> tuple[float, str] | None:
    """The loss of a neutral network and how it is computed, or None for unknown losses."""
    y = subject.y[rows]
    if subject.class_targets:
        k = subject.n_classes or 2
        return math.log(k), f"log K for K={k} classes"
    if subject.loss_kind in ("ce", "nll") and y.ndim >= 2 and y.dtype.kind == "f":
        return math.log(y.shape[1]), f"log K for K={y.shape[1]} classes"
    if subject.loss_kind in ("bce", "bce_logits") and y.dtype.kind == "f":
        return math.log(2), "log 2 (a prediction of 0.5)"
    if (
        subject.loss_kind == "mse"
        and y.dtype.kind == "f"
        and type(subject.loss_fn).__name__ == "MSELoss"
    ):
        variance = float(np.mean((y - y.mean(axis=0)) ** 2))
        if variance <= 1e-12:
            return None
        return variance, "Var(y), the loss of predicting the mean"
    return None


def check_loss_at_init(subject: Subject) -> list[Finding]:
    rows = subject.rows(SAMPLES, salt=5)
    model = subject.copy_model()
    subject.reseed(5)
    loss = subject.loss_value(model, rows)
    subject.notes["initial_loss"] = loss
    expected = expected_initial_loss(subject, rows)
    evidence: dict[str, float | str] = {"loss": loss}
    if not math.isfinite(loss):
        return [
            Finding(
                "loss-at-init",
                "error",
                f"The loss of the untouched model is {loss}: something in the forward pass "
                "overflows or takes the log of zero before any training.",
                "Look for exp/log on unbounded values (use CrossEntropyLoss or BCEWithLogitsLoss "
                "on logits instead of log(softmax) by hand) and for non-finite weights or data.",
                evidence,
            )
        ]
    if expected is None:
        return []
    value, how = expected
    factor = MSE_FACTOR if subject.loss_kind == "mse" else CLASS_FACTOR
    evidence |= {"expected": value, "expected_from": how, "ratio": loss / value}
    if loss <= factor * value:
        return []
    if subject.loss_kind == "mse":
        why = (
            "the outputs start far from the targets (targets with a large mean or scale, or "
            "large output weights)"
        )
        fix = (
            "Standardise the targets (subtract the mean, divide by the std) or set the output "
            "layer's bias to the targets' mean; initialise the output layer with smaller weights "
            "(e.g. multiply them by 0.1)."
        )
    else:
        why = "the network starts over-confident: its output scores (logits) are too large"
        fix = (
            "Initialise the last layer with small weights (multiply them by 0.01, or zero them) "
            "and a zero bias, and check that the inputs are scaled; for imbalanced classes set "
            "the output bias to the log class frequencies."
        )
    return [
        Finding(
            "loss-at-init",
            "warning",
            f"The initial loss is {loss:.4g}, {loss / value:.3g} times the {value:.4g} expected "
            f"of a neutral network ({how}): {why}.",
            fix,
            evidence,
        )
    ]
