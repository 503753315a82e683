"""How gradients and updates are spread over the layers.

`vanishing-gradient` / `exploding-gradient`: the RMS gradient of each layer's weights, from one
backward pass on a copy, spanning orders of magnitude (or blowing up next to the weights).
`update-ratio`: one step of (a copy of) the caller's optimizer, as |update| / |weight| per layer;
around 1e-3 is the usual healthy value.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from retrograd.diagnostics.checks.subject import Subject
from retrograd.diagnostics.report import Finding
from retrograd.nn.module import Module

__all__ = ["check_gradient_flow", "check_update_ratio", "layer_weights"]

SAMPLES = 128
SPREAD = 1e3  # three orders of magnitude between layers
EXPLODING_RATIO = 100.0  # RMS gradient 100 times the RMS weight
FITTED = 1e-3  # a loss this fraction of the baseline: the model already fits, gradients are noise
UPDATE_INFO = (1e-5, 0.5)  # wide: small networks train well at ratios near 0.1
UPDATE_WARN = (1e-7, 1.0)  # an update as large as the weight itself


def layer_weights(subject: Subject, model: Module) -> list[tuple[str, Any]]:
    """(layer name, weight Parameter) for each leaf layer with a weight matrix, in call order."""
    found = []
    for layer in subject.layers:
        module = model.get_submodule(layer.name) if layer.name else model
        weight = module._parameters.get("weight")
        if weight is not None and weight.ndim >= 2 and weight.requires_grad:
            found.append((layer.name, weight))
    return found


def _rms(a: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(a, dtype=np.float64)))) if a.size else 0.0


def check_gradient_flow(subject: Subject) -> list[Finding]:
    model = subject.copy_model()
    rows = subject.rows(SAMPLES, salt=8)
    subject.reseed(8)
    loss = subject.gradients(model, rows)
    weights = layer_weights(subject, model)
    if len(weights) < 2 or not math.isfinite(loss):
        return []
    baseline = subject.baseline_loss(rows)
    if baseline is not None and loss < FITTED * baseline:
        return []
    stats = []
    for name, w in weights:
        g = np.zeros(w.shape) if w.grad is None else np.asarray(w.grad.array, dtype=np.float64)
        stats.append((name, _rms(g), _rms(np.asarray(w.array)), bool(np.isfinite(g).all())))
    evidence = {
        "layers": {
            (name or "(model)"): {"grad_rms": g, "weight_rms": w} for name, g, w, _ in stats
        },
        "loss": loss,
    }
    found = []
    blown = [name for name, g, w, ok in stats if not ok or (w > 0 and g > EXPLODING_RATIO * w)]
    grads = np.array([g for _, g, _, _ in stats])
    positive = grads > 0
    if blown:
        found.append(_exploding(subject, blown, evidence, "large"))
    elif positive.sum() >= 2:
        lo = int(np.argmin(np.where(positive, grads, np.inf)))
        hi = int(np.argmax(grads))
        spread = grads[hi] / grads[lo]
        evidence["spread"] = float(spread)
        if spread > SPREAD and lo < hi:
            found.append(
                Finding(
                    "vanishing-gradient",
                    "warning",
                    f"Gradients shrink on their way back to the input: the RMS gradient of "
                    f"{subject.describe(stats[lo][0])} is {grads[lo]:.3g}, {spread:.3g} times "
                    f"smaller than that of {subject.describe(stats[hi][0])} ({grads[hi]:.3g}), so "
                    "the early layers barely learn.",
                    "Use ReLU-family activations in deep stacks instead of sigmoid/tanh, "
                    "initialise with kaiming_normal_/xavier_normal_, add normalisation "
                    "(BatchNorm1d/LayerNorm) or residual connections, or use fewer layers.",
                    evidence,
                )
            )
        elif spread > SPREAD:
            found.append(_exploding(subject, [stats[lo][0]], evidence, "growing"))
    return found


def _exploding(subject: Subject, names: list[str], evidence: dict[str, Any], how: str) -> Finding:
    where = ", ".join(subject.describe(n) for n in names[:4])
    if how == "large":
        what = (
            f"Gradients are huge next to the weights (RMS gradient over {EXPLODING_RATIO:g} "
            f"times the RMS weight, or not finite) in {where}"
        )
    else:
        what = f"Gradients grow by orders of magnitude on their way back to the input ({where})"
    return Finding(
        "exploding-gradient",
        "warning",
        f"{what}: one step throws the weights far from where they were and training diverges.",
        "Initialise with smaller weights (xavier_normal_/kaiming_normal_ rather than large "
        "constants), standardise inputs and targets, lower the learning rate, or clip gradients "
        "(retrograd.nn.utils.clip_grad_norm_(model.parameters(), 1.0)).",
        evidence,
    )


def check_update_ratio(subject: Subject) -> list[Finding]:
    if subject.optimizer is None:
        return []
    model, optimizer = subject.copy_pair()
    assert optimizer is not None
    rows = subject.rows(SAMPLES, salt=9)
    weights = layer_weights(subject, model)
    if not weights:
        return []
    before = [np.array(w.array, dtype=np.float64) for _, w in weights]
    subject.reseed(9)
    optimizer.zero_grad()
    loss = subject.gradients(model, rows)
    if not math.isfinite(loss):
        return []
    optimizer.step()
    ratios = {}
    for (name, w), old in zip(weights, before):
        norm = float(np.linalg.norm(old))
        if norm > 0:
            ratios[name or "(model)"] = float(np.linalg.norm(np.asarray(w.array) - old) / norm)
    if not ratios:
        return []
    values = np.array(list(ratios.values()))
    lr = optimizer.param_groups[0].get("lr")
    evidence = {"ratios": ratios, "optimizer": type(optimizer).__name__, "lr": lr}
    high, low = float(values.max()), float(values[values > 0].min()) if (values > 0).any() else 0.0
    if high > UPDATE_WARN[1] or low < UPDATE_WARN[0]:
        severity = "warning"
    elif high > UPDATE_INFO[1] or low < UPDATE_INFO[0]:
        severity = "info"
    else:
        return []
    text = ", ".join(
        f"{subject.describe(n if n != '(model)' else '')}: {r:.2g}" for n, r in ratios.items()
    )
    if high > UPDATE_INFO[1]:
        what = "large: each step rewrites a sizeable part of the weights"
        fix = f"Lower the learning rate (now {lr}) about tenfold, or use Adam with lr around 1e-3."
    else:
        what = "tiny: the weights hardly move per step"
        fix = f"Raise the learning rate (now {lr}) about tenfold, or use Adam with lr around 1e-3."
    return [
        Finding(
            "update-ratio",
            severity,
            f"One optimizer step changes the weights by a fraction ({text}) far from the usual "
            f"~1e-3; the updates are {what}.",
            fix,
            evidence,
        )
    ]
