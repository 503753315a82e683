"""Checks of how the model and the optimizer were put together, before anything runs.

`params-not-optimized`: parameters the model trains (requires_grad) that the optimizer does not
hold, so they never change; the usual cause is a model rebuilt (or re-created by a function)
after the optimizer was made, which leaves the optimizer stepping the old instance's tensors.
`optimizer-extra-params`: the reverse, tensors the optimizer steps that are not the model's.
`unusual-setting`: an optimizer or layer setting outside the range it is normally used in,
named as itself (the setting, its value, the usual range).
`symmetric-init`: hidden units that start identical (the same incoming weights and bias, and
the same outgoing weights): they receive identical gradients and stay identical, so the layer
works as one unit. All-zero or constant initialisation does this to every unit.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from retrograd.diagnostics.checks.subject import Subject
from retrograd.diagnostics.report import Finding
from retrograd.nn import BatchNorm1d, BatchNorm2d, Dropout, LeakyReLU
from retrograd.nn.module import Module

__all__ = [
    "USUAL_LAYER_SETTINGS",
    "USUAL_OPTIMIZER_SETTINGS",
    "check_optimizer_params",
    "check_settings",
    "check_symmetric_init",
]

# optimizer class name -> setting -> (low, high): the range where it is normally used
_ADAPTIVE_LR = (1e-6, 0.1)
USUAL_OPTIMIZER_SETTINGS: dict[str, dict[str, tuple[float, float]]] = {
    "SGD": {"lr": (1e-5, 1.0), "momentum": (0.0, 0.99), "weight_decay": (0.0, 0.1)},
    "Adam": {"lr": _ADAPTIVE_LR, "weight_decay": (0.0, 0.1), "eps": (1e-12, 1e-3)},
    "AdamW": {"lr": _ADAPTIVE_LR, "weight_decay": (0.0, 0.5), "eps": (1e-12, 1e-3)},
    "NAdam": {"lr": _ADAPTIVE_LR, "weight_decay": (0.0, 0.1)},
    "RAdam": {"lr": _ADAPTIVE_LR, "weight_decay": (0.0, 0.1)},
    "Adamax": {"lr": (1e-6, 0.2), "weight_decay": (0.0, 0.1)},
    "RMSprop": {"lr": _ADAPTIVE_LR, "momentum": (0.0, 0.99), "alpha": (0.8, 0.9999)},
    "Adagrad": {"lr": (1e-5, 1.0), "weight_decay": (0.0, 0.1)},
}
BETAS = ((0.5, 0.99), (0.9, 0.99999))  # Adam-family beta1, beta2
USUAL_LAYER_SETTINGS: dict[str, tuple[float, float]] = {
    "Dropout.p": (0.0, 0.8),
    "BatchNorm.momentum": (1e-3, 0.5),
    "BatchNorm.eps": (1e-8, 1e-2),
    "LeakyReLU.negative_slope": (0.0, 0.5),
}
SYMMETRIC_TOLERANCE = 0.0  # identical means equal: random init never repeats a row


# ---------------------------------------------------------------------------- optimizer params
def check_optimizer_params(subject: Subject) -> list[Finding]:
    optimizer = subject.optimizer
    if optimizer is None:
        return []
    model_params = {id(p): name for name, p in subject.model.named_parameters() if p.requires_grad}
    held = [p for group in optimizer.param_groups for p in group["params"]]
    held_ids = {id(p) for p in held}
    missing = [name for pid, name in model_params.items() if pid not in held_ids]
    extra = [p for p in held if id(p) not in model_params]
    if not missing and not extra:
        return []
    found: list[Finding] = []
    shapes = sorted(tuple(p.shape) for _, p in subject.model.named_parameters() if p.requires_grad)
    twin = bool(extra) and sorted(tuple(p.shape) for p in extra) == shapes
    evidence: dict[str, Any] = {
        "model_parameters": len(model_params),
        "held_by_optimizer": len(held),
        "not_in_optimizer": missing[:20],
        "foreign_in_optimizer": len(extra),
        "same_shapes_as_model": twin,
    }
    if missing:
        every = len(missing) == len(model_params)
        if twin:
            why = (
                "the optimizer holds tensors of the same shapes that belong to another instance "
                "of the model: the model was built again after the optimizer was created"
            )
        elif every:
            why = "the optimizer was given other tensors"
        else:
            why = "they were left out when the optimizer was created or added later"
        names = ", ".join(missing[:6]) + (", ..." if len(missing) > 6 else "")
        effect = "the model does not learn at all" if every else "those layers stay as they were"
        found.append(
            Finding(
                "params-not-optimized",
                "error" if every else "warning",
                f"{len(missing)} of {len(model_params)} parameters the model trains are not held "
                f"by the optimizer ({names}): {why}. optimizer.step() never changes them, so "
                f"{effect}.",
                "Create the optimizer after the model, from this model's parameters: "
                "optimizer = optim.Adam(model.parameters(), lr=...), and build it again whenever "
                "the model is rebuilt; freeze a layer with requires_grad_(False) instead of "
                "leaving it out.",
                evidence,
            )
        )
    if extra and not (missing and twin):
        found.append(
            Finding(
                "optimizer-extra-params",
                "warning",
                f"The optimizer holds {len(extra)} tensors that are not parameters of the model: "
                "it steps tensors the model never uses (another model's, or copies).",
                "Build the optimizer from model.parameters() of the model you train.",
                evidence,
            )
        )
    return found


# ---------------------------------------------------------------------------- settings
def check_settings(subject: Subject) -> list[Finding]:
    unusual: list[dict[str, Any]] = []
    optimizer = subject.optimizer
    if optimizer is not None:
        name = type(optimizer).__name__
        ranges = USUAL_OPTIMIZER_SETTINGS.get(name, {})
        for index, group in enumerate(optimizer.param_groups):
            where = f"{name}" + (
                f" (param group {index})" if len(optimizer.param_groups) > 1 else ""
            )
            for key, (low, high) in ranges.items():
                value = group.get(key)
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    _outside(unusual, where, key, float(value), low, high)
            betas = group.get("betas")
            if isinstance(betas, (tuple, list)) and len(betas) == 2:
                for i, (low, high) in enumerate(BETAS):
                    _outside(unusual, where, f"betas[{i}]", float(betas[i]), low, high)
    for layer_name, module in subject.model.named_modules():
        where = f"layer '{layer_name}' ({type(module).__name__})" if layer_name else "the model"
        for key, value in _layer_settings(module):
            low, high = USUAL_LAYER_SETTINGS[key]
            _outside(unusual, where, key.split(".")[1], value, low, high)
    if not unusual:
        return []
    text = "; ".join(
        f"{u['where']} {u['name']}={u['value']:g} (usual range {u['low']:g} to {u['high']:g})"
        for u in unusual
    )
    first = unusual[0]
    return [
        Finding(
            "unusual-setting",
            "warning",
            f"{'A setting is' if len(unusual) == 1 else 'Settings are'} outside the range "
            f"{'it is' if len(unusual) == 1 else 'they are'} normally used in: {text}.",
            f"Set {first['name']} of {first['where']} inside {first['low']:g} to "
            f"{first['high']:g} (start from the library default) unless you have measured that "
            "this value works.",
            {"settings": unusual},
        )
    ]


def _layer_settings(module: Module) -> list[tuple[str, float]]:
    if isinstance(module, Dropout):
        return [("Dropout.p", float(module.p))]
    if isinstance(module, (BatchNorm1d, BatchNorm2d)):
        found = [("BatchNorm.eps", float(module.eps))]
        if module.momentum is not None:
            found.append(("BatchNorm.momentum", float(module.momentum)))
        return found
    if isinstance(module, LeakyReLU):
        return [("LeakyReLU.negative_slope", float(module.negative_slope))]
    return []


def _outside(
    found: list[dict[str, Any]], where: str, name: str, value: float, low: float, high: float
) -> None:
    if low <= value <= high:
        return
    direction = "high" if value > high else "low"
    found.append(
        {"where": where, "name": name, "value": value, "low": low, "high": high}
        | {"direction": direction}
    )


# ---------------------------------------------------------------------------- symmetry
def _units(module: Module) -> np.ndarray | None:
    """Each output unit's incoming weights and bias as one row: (units, fan_in + 1)."""
    weight = module._parameters.get("weight")
    if weight is None or weight.ndim < 2 or not weight.requires_grad:
        return None
    rows = np.asarray(weight.array, dtype=np.float64).reshape(weight.shape[0], -1)
    bias = module._parameters.get("bias")
    if bias is not None and bias.shape == (weight.shape[0],):
        rows = np.concatenate([rows, np.asarray(bias.array, np.float64).reshape(-1, 1)], axis=1)
    return rows


def _outgoing(module: Module, units: int) -> np.ndarray | None:
    """The weights leaving each of `units` inputs of `module`: (units, fan_out)."""
    weight = module._parameters.get("weight")
    if weight is None or weight.ndim < 2 or weight.shape[1] != units:
        return None
    w = np.asarray(weight.array, dtype=np.float64)
    return np.moveaxis(w, 1, 0).reshape(units, -1)


def check_symmetric_init(subject: Subject) -> list[Finding]:
    layers = {layer.name: layer.module for layer in subject.layers}  # once each, in call order
    weighted: list[tuple[str, Module, np.ndarray]] = []
    for name, module in layers.items():
        rows = _units(module)
        if rows is not None:
            weighted.append((name, module, rows))
    report: dict[str, dict[str, Any]] = {}
    collapsed = False
    for index, (name, _, units) in enumerate(weighted[:-1]):  # the output layer may repeat
        if units.shape[0] < 2:
            continue
        outgoing = _outgoing(weighted[index + 1][1], units.shape[0])
        signature = units if outgoing is None else np.concatenate([units, outgoing], axis=1)
        _, counts = np.unique(signature, axis=0, return_counts=True)
        repeated = counts[counts > 1]
        if repeated.size == 0:
            continue
        identical = int(repeated.sum())
        largest = int(counts.max())
        collapsed = collapsed or largest == units.shape[0]
        report[name or "(model)"] = {
            "units": int(units.shape[0]),
            "identical": identical,
            "groups": int(repeated.size),
            "largest_group": largest,
            "constant": bool(np.all(units == units.flat[0])),
        }
    if not report:
        return []
    parts = []
    for name, v in report.items():
        where = subject.describe(name if name != "(model)" else "")
        if v["largest_group"] == v["units"]:
            parts.append(f"all {v['units']} units of {where} are identical")
        else:
            parts.append(f"{v['identical']} of {v['units']} units of {where} repeat another unit")
    return [
        Finding(
            "symmetric-init",
            "error" if collapsed else "warning",
            f"The initialisation does not break symmetry: {'; '.join(parts)} (the same incoming "
            "weights and bias and the same outgoing weights). Identical units get identical "
            "gradients and stay identical, so such a layer works as a single unit whatever its "
            "width.",
            "Initialise weights randomly: call reset_parameters() on the layers (or build them "
            "again), or use nn.init.kaiming_uniform_/xavier_uniform_; zeros or a constant "
            "(nn.init.zeros_, constant_) are safe only for biases and the output layer.",
            {"layers": report},
        )
    ]
