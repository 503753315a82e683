"""Activations over the data, read with forward hooks on a copy of the model.

`dead-relu`: ReLU units that output 0 for every sample; they pass no gradient and never recover.
`saturated-activation`: Sigmoid/Tanh units whose input is so large most of the time that their
derivative is under 7% of its peak (|z| > 4 for a sigmoid, |z| > 2 for tanh). The output
activation is left out of the saturation check: a confident, well-fitted output is saturated.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from retrograd.autograd.grad_mode import no_grad
from retrograd.diagnostics.checks.subject import Subject
from retrograd.diagnostics.report import Finding
from retrograd.nn import ReLU, Sigmoid, Tanh
from retrograd.nn.module import Module
from retrograd.tensor import Tensor

__all__ = ["check_dead_relu", "check_saturation"]

SAMPLES = 1024
DEAD_WARN_FRACTION = 0.25  # a few dead units are normal in a trained network
SATURATION_LIMIT = {Sigmoid: 4.0, Tanh: 2.0}
SATURATED_TIME = 0.9  # a unit saturated on this fraction of the samples
SATURATED_WARN_FRACTION = 0.5


def _record(
    subject: Subject, kinds: tuple[type, ...], salt: int
) -> list[tuple[str, Module, np.ndarray, np.ndarray]]:
    """(name, module, input, output) of every leaf module of `kinds`, over the data, per unit:
    arrays of shape (samples, units), units being every dimension after the first."""
    model = subject.copy_model()
    seen: dict[str, tuple[Module, list[np.ndarray], list[np.ndarray]]] = {}
    handles = []
    for name, module in model.named_modules():
        if not isinstance(module, kinds):
            continue

        def hook(mod: Module, args: Any, out: Any, name: str = name) -> None:
            if not (args and isinstance(args[0], Tensor) and isinstance(out, Tensor)):
                return
            entry = seen.setdefault(name, (mod, [], []))
            entry[1].append(_per_unit(args[0].array))
            entry[2].append(_per_unit(out.array))

        handles.append(module.register_forward_hook(hook))
    subject.reseed(salt)
    try:
        with no_grad():
            model(subject.inputs(subject.rows(SAMPLES, salt=salt)))
    finally:
        for handle in handles:
            handle.remove()
    return [
        (name, mod, np.concatenate(ins), np.concatenate(outs))
        for name, (mod, ins, outs) in seen.items()
        if all(a.shape[1:] == ins[0].shape[1:] for a in ins)
    ]


def _per_unit(a: np.ndarray) -> np.ndarray:
    a = np.asarray(a, dtype=np.float64)
    if a.ndim == 0:
        return a.reshape(1, 1)
    if a.ndim == 1:
        return a.reshape(1, -1)
    return a.reshape(a.shape[0], -1)


def check_dead_relu(subject: Subject) -> list[Finding]:
    layers = {}
    warn = False
    for name, _, _, out in _record(subject, (ReLU,), salt=6):
        if out.shape[1] < 2:
            continue
        dead = ~np.any(out > 0, axis=0)
        if dead.any():
            fraction = float(dead.mean())
            layers[name or "(model)"] = {
                "dead": int(dead.sum()),
                "units": int(dead.size),
                "fraction": fraction,
                "dead_units": np.nonzero(dead)[0][:20].tolist(),
            }
            warn = warn or fraction >= DEAD_WARN_FRACTION
    if not layers:
        return []
    text = "; ".join(
        f"{subject.describe(name)}: {v['dead']} of {v['units']} units ({v['fraction']:.0%})"
        for name, v in layers.items()
    )
    return [
        Finding(
            "dead-relu",
            "warning" if warn else "info",
            f"Some ReLU units output 0 for every sample, so they pass no gradient and never "
            f"recover: {text}.",
            "Initialise the layers before the ReLUs with kaiming_normal_ (nonlinearity='relu') and "
            "a small positive bias (e.g. 0.01-0.1), lower the learning rate if units died during "
            "training, or use LeakyReLU.",
            {"layers": layers},
        )
    ]


def check_saturation(subject: Subject) -> list[Finding]:
    output = subject.layers[-1].name if subject.layers else None
    layers = {}
    warn = False
    for name, module, pre, _ in _record(subject, (Sigmoid, Tanh), salt=7):
        if name == output and subject.output_kind in ("sigmoid", "tanh"):
            continue
        limit = SATURATION_LIMIT[type(module)]
        time_saturated = np.mean(np.abs(pre) > limit, axis=0)
        saturated = time_saturated >= SATURATED_TIME
        if saturated.any():
            fraction = float(saturated.mean())
            layers[name or "(model)"] = {
                "saturated": int(saturated.sum()),
                "units": int(saturated.size),
                "fraction": fraction,
                "limit": limit,
                "mean_abs_preactivation": float(np.mean(np.abs(pre))),
            }
            warn = warn or fraction >= SATURATED_WARN_FRACTION
    if not layers:
        return []
    text = "; ".join(
        f"{subject.describe(name)}: {v['saturated']} of {v['units']} units, "
        f"mean |input| {v['mean_abs_preactivation']:.3g}"
        for name, v in layers.items()
    )
    return [
        Finding(
            "saturated-activation",
            "warning" if warn else "info",
            "Sigmoid/tanh units are saturated (|input| beyond the flat part of the curve on at "
            f"least {SATURATED_TIME:.0%} of the samples), so their gradient is nearly zero: "
            f"{text}.",
            "Standardise the inputs and initialise the layer before with xavier_normal_ (smaller "
            "weights); consider ReLU hidden layers, or lower the learning rate if the weights grew "
            "during training.",
            {"layers": layers},
        )
    ]
