"""`output-loss-mismatch`: an output layer, a loss and targets that do not go together.

The model's output is traced once (`Subject.output_kind`), then read on the data: a softmax in
front of CrossEntropyLoss, a sigmoid in front of BCEWithLogitsLoss, probabilities or targets out
of the loss's range, float class labels, one output unit for many classes.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from retrograd.autograd.grad_mode import no_grad
from retrograd.diagnostics.checks.subject import Subject, is_binary
from retrograd.diagnostics.report import Finding
from retrograd.tensor import Tensor

__all__ = ["check_output_loss"]

CODE = "output-loss-mismatch"
SAMPLES = 512


def check_output_loss(subject: Subject) -> list[Finding]:
    """Compare the output layer and the prediction values with the loss and the targets."""
    rows = subject.rows(SAMPLES, salt=3)
    model = subject.copy_model()
    with no_grad():
        out = model(subject.inputs(rows))
    if not isinstance(out, Tensor) or out.dtype.kind != "f":
        return []
    pred = np.asarray(out.array, dtype=np.float64)
    y = subject.y[rows]
    kind, loss = subject.output_kind, subject.loss_kind
    loss_name = type(subject.loss_fn).__name__
    evidence: dict[str, Any] = {
        "output": kind,
        "loss": loss_name,
        "output_shape": list(pred.shape),
        "target_shape": list(y.shape),
    }
    if pred.size and np.isfinite(pred).all():
        evidence["prediction_range"] = [float(pred.min()), float(pred.max())]
    if y.size and y.dtype.kind in "biuf":
        evidence["target_range"] = [float(y.min()), float(y.max())]
    found: list[Finding] = []

    def add(severity: str, message: str, fix: str) -> None:
        found.append(Finding(CODE, severity, message, fix, dict(evidence)))

    probabilities = _looks_like_probabilities(pred)
    if loss == "ce" and (kind == "softmax" or (kind == "unknown" and probabilities)):
        add(
            "error",
            "The model ends in a softmax and CrossEntropyLoss applies a second one: the loss "
            "sees probabilities as scores, its gradients shrink, and the network learns slowly "
            "or not at all.",
            "Remove the final Softmax layer and feed the raw scores (logits) to "
            "CrossEntropyLoss; apply softmax only when you need probabilities at prediction time.",
        )
    if loss == "nll" and (kind in ("softmax", "linear", "relu", "sigmoid") or pred.max() > 1e-6):
        add(
            "error",
            f"NLLLoss expects log-probabilities (values <= 0), but the model ends in "
            f"{_output_text(kind)}: the loss is not a likelihood and can fall without limit.",
            "End the model with LogSoftmax(dim=1), or drop the final activation and use "
            "CrossEntropyLoss, which applies log-softmax itself.",
        )
    if loss == "bce_logits" and (kind == "sigmoid" or (kind == "unknown" and probabilities)):
        add(
            "error",
            "The model ends in a sigmoid and BCEWithLogitsLoss applies a second one: the "
            "predicted probability can never leave (0.5, 0.73), so the loss cannot go to zero.",
            "Remove the final Sigmoid (BCEWithLogitsLoss takes logits), or keep it and use "
            "BCELoss.",
        )
    if loss == "bce" and pred.size and (pred.min() < 0 or pred.max() > 1):
        add(
            "error",
            f"BCELoss takes probabilities in [0, 1], but the model outputs values in "
            f"[{pred.min():.3g}, {pred.max():.3g}]: it is being fed logits.",
            "Use BCEWithLogitsLoss on the raw output (stable), or end the model with a Sigmoid.",
        )
    in_range = not y.size or y.dtype.kind not in "biuf" or (y.min() >= 0 and y.max() <= 1)
    if loss in ("bce", "bce_logits") and not in_range:
        add(
            "error",
            f"{loss_name} needs targets in [0, 1] (labels or probabilities), but the targets "
            f"lie in [{y.min():.3g}, {y.max():.3g}].",
            "Map the labels to 0/1 (e.g. y = (y > 0).astype(float)), or for more than two "
            "classes use CrossEntropyLoss with integer class indices.",
        )
    _check_ranges(subject, kind, y, add)
    _check_classes(subject, pred, y, add)
    return found


def _check_ranges(subject: Subject, kind: str, y: np.ndarray, add: Any) -> None:
    """Targets outside what the output activation can produce, and risky output layers."""
    if subject.loss_kind not in ("mse", "other") or y.dtype.kind not in "biuf" or not y.size:
        return
    low, high = float(y.min()), float(y.max())
    reach = {"sigmoid": (0.0, 1.0), "softmax": (0.0, 1.0), "tanh": (-1.0, 1.0)}
    if kind in reach and (low < reach[kind][0] or high > reach[kind][1]):
        a, b = reach[kind]
        add(
            "error",
            f"The model ends in a {kind}, whose output stays in [{a:g}, {b:g}], but the targets "
            f"lie in [{low:.3g}, {high:.3g}]: those targets can never be reached and the units "
            "saturate trying.",
            f"Drop the final {kind.capitalize()} for a linear output, or rescale the targets "
            f"into [{a:g}, {b:g}] (e.g. with MinMaxScaler).",
        )
    elif kind == "relu" and low < 0:
        add(
            "error",
            f"The model ends in a ReLU, whose output is never negative, but targets go down to "
            f"{low:.3g}.",
            "Remove the final ReLU so the output layer is linear.",
        )
    elif kind == "relu":
        add(
            "warning",
            "The model ends in a ReLU: an output unit whose input turns negative outputs 0 with "
            "zero gradient and stops learning for good.",
            "Remove the final ReLU (a linear output), or use Softplus if the output must be "
            "positive; for 0/1 targets use a Sigmoid output or BCEWithLogitsLoss.",
        )
    elif kind == "linear" and subject.loss_kind == "mse" and is_binary(y):
        add(
            "info",
            "The targets are 0/1 labels and the model has a linear output trained with MSE: it "
            "works, but the output is not a probability and far-off samples get large gradients.",
            "For labels, prefer BCEWithLogitsLoss on the linear output (or a Sigmoid output).",
        )


def _check_classes(subject: Subject, pred: np.ndarray, y: np.ndarray, add: Any) -> None:
    """Float class labels, and one output unit for a target with many classes."""
    loss = subject.loss_kind
    units = pred.shape[1] if pred.ndim >= 2 else 1
    integer_valued = y.dtype.kind in "iu" or (
        y.dtype.kind == "f" and y.size > 0 and np.isfinite(y).all() and np.all(y == np.round(y))
    )
    if loss in ("ce", "nll") and y.dtype.kind == "f" and y.shape != pred.shape and integer_valued:
        add(
            "error",
            f"{type(subject.loss_fn).__name__} takes class indices as integers, but the labels "
            f"are {y.dtype} (shape {y.shape}): they are read as class probabilities or rejected.",
            "Pass the labels as int64 class indices of shape (N,): y.astype(np.int64).reshape(-1) "
            "(or target.long()).",
        )
    n_values = np.unique(y).size if integer_valued and y.size else 0
    if loss in ("ce", "nll") and units == 1 and pred.ndim >= 2:
        add(
            "error",
            f"The model has one output unit but {type(subject.loss_fn).__name__} needs one score "
            "per class: the softmax over a single unit is always 1, so the loss is always 0 and "
            "nothing is learned.",
            f"Make the last layer output {max(n_values, 2)} units (one per class).",
        )
    elif (
        loss in ("mse", "bce", "bce_logits", "other")
        and units == 1
        and 2 < n_values <= 100
        and y.min() >= 0
        and y.max() == n_values - 1
    ):
        add(
            "warning",
            f"The targets look like {n_values} class labels (0 to {n_values - 1}) and the "
            "model has one output unit: it regresses the class number, as if class 3 were "
            "between classes 2 and 4.",
            f"Give the last layer {n_values} units and use CrossEntropyLoss with int64 "
            "class indices (or, if the targets really are numbers, ignore this).",
        )


def _looks_like_probabilities(pred: np.ndarray) -> bool:
    """Each row non-negative and summing to 1 (what a softmax gives)."""
    if pred.ndim != 2 or pred.shape[1] < 2 or not np.isfinite(pred).all():
        return False
    return bool(pred.min() >= 0 and np.allclose(pred.sum(axis=1), 1.0, atol=1e-4))


def _output_text(kind: str) -> str:
    return {
        "softmax": "a Softmax (probabilities, not their logarithms)",
        "sigmoid": "a Sigmoid",
        "relu": "a ReLU",
        "linear": "a linear layer (raw scores)",
    }.get(kind, "values above 0")
