"""How the loss is wired to the parameters and to the targets.

`graph-cut`: a parameter that changes the loss (finite differences on a float64 copy say so)
but gets no gradient from `backward()`: the graph is cut between the loss and its layer, by
`detach()`, `no_grad`, `.data` or a round trip through NumPy.
`loss-broadcast`: a loss whose gradient for one sample's prediction depends on another sample's
target, with predictions and targets of different shapes: (N, 1) against (N,) broadcasts into
an (N, N) matrix that pairs every prediction with every target.
"""

from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np

from retrograd.autograd.grad_mode import enable_grad, no_grad
from retrograd.diagnostics.checks.subject import Subject
from retrograd.diagnostics.report import Finding
from retrograd.nn.module import Module
from retrograd.tensor import Tensor

__all__ = ["check_graph_cut", "check_loss_broadcast", "float64_copy"]

SAMPLES = 32
BROADCAST_SAMPLES = 6
STEP = 1e-4  # relative size of the finite-difference step along a random direction


def float64_copy(subject: Subject) -> tuple[Module, Any]:
    """A float64 copy of the model and of the loss (when the loss is a module)."""
    model = subject.copy_model().double()
    loss_fn = copy.deepcopy(subject.loss_fn)
    if isinstance(loss_fn, Module):
        loss_fn = loss_fn.double()
    return model, loss_fn


def _float64(array: np.ndarray) -> Tensor:
    return Tensor(array.astype(np.float64) if array.dtype.kind == "f" else array)


# ---------------------------------------------------------------------------- graph cut
def check_graph_cut(subject: Subject) -> list[Finding]:
    model, loss_fn = float64_copy(subject)
    rows = subject.rows(SAMPLES, salt=20)
    x, y = _float64(subject.X[rows]), _float64(subject.y[rows])

    def loss_value() -> float:
        subject.reseed(20)
        with no_grad():
            return float(loss_fn(model(x), y).item())

    model.zero_grad()
    subject.reseed(20)
    with enable_grad():
        value = loss_fn(model(x), y)
        if value.requires_grad:
            value.backward()
    base = float(value.item())
    if not math.isfinite(base):
        return []
    rng = subject.rng(20)
    cut: list[str] = []
    changes: dict[str, float] = {}
    for name, param in model.named_parameters():
        if not param.requires_grad or param.grad is not None:
            continue
        data = param.array
        original = data.copy()
        scale = max(float(np.sqrt(np.mean(original**2))) if original.size else 0.0, 1e-2)
        direction = rng.standard_normal(original.shape)
        direction /= max(float(np.linalg.norm(direction)), 1e-30)
        step = STEP * scale * math.sqrt(max(original.size, 1))
        try:
            data[...] = original + step * direction
            up = loss_value()
            data[...] = original - step * direction
            down = loss_value()
        finally:
            data[...] = original
        slope = (up - down) / (2 * step)
        noise = 1e-9 * max(abs(base), 1.0) / step
        if math.isfinite(slope) and abs(slope) > max(noise, 1e-10):
            cut.append(name)
            changes[name] = slope
    if not cut:
        return []
    layers = list(dict.fromkeys(name.rpartition(".")[0] for name in cut))
    where = ", ".join(subject.describe(layer) for layer in layers[:4])
    names = ", ".join(f"`{n}`" for n in cut[:6]) + (", ..." if len(cut) > 6 else "")
    every = len(cut) == sum(1 for p in model.parameters() if p.requires_grad)
    return [
        Finding(
            "graph-cut",
            "error",
            f"No gradient reaches {names}: the graph is cut between the loss and "
            f"{where} (detach, no_grad, .data, a NumPy round trip). These parameters change the "
            "loss (finite differences on a float64 copy), but backward() leaves their .grad "
            f"empty, so {'nothing' if every else 'they'} ever learn{'s' if every else ''}.",
            "Keep the forward pass in the graph between the loss and that layer: remove "
            ".detach(), .data and .numpy()/np.asarray round trips, and do not run that part under "
            "no_grad(); build new tensors with retrograd ops, not from NumPy arrays of "
            "activations.",
            {"parameters": cut[:20], "directional_derivative": changes, "samples": len(rows)},
        )
    ]


# ---------------------------------------------------------------------------- broadcast
def check_loss_broadcast(subject: Subject) -> list[Finding]:
    rows = subject.rows(BROADCAST_SAMPLES, salt=21)
    if rows.size < 2:
        return []
    model = subject.copy_model()
    subject.reseed(21)
    with no_grad():
        out = model(subject.inputs(rows))
    if not isinstance(out, Tensor) or out.dtype.kind != "f":
        return []
    pred = np.asarray(out.array, dtype=np.float64)
    y = subject.y[rows]
    if pred.shape == y.shape or pred.ndim == 0 or pred.shape[0] != y.shape[0]:
        return []
    try:
        shape = np.broadcast_shapes(pred.shape, y.shape)
    except ValueError:
        return []
    loss_fn = copy.deepcopy(subject.loss_fn)
    if isinstance(loss_fn, Module):
        loss_fn = loss_fn.double()
    changed = y.copy()
    if y.dtype.kind in "iu":
        top = int(subject.y.max()) + 1 if subject.y.size else 2
        changed[-1] = (changed[-1] + 1) % max(top, 2)
    elif y.dtype.kind in "bf":
        changed[-1] = changed[-1] + (1.0 if y.dtype.kind == "f" else True)
    else:
        return []
    grads = []
    for targets in (y, changed):
        leaf = Tensor(pred.copy(), requires_grad=True)
        try:
            with enable_grad():
                loss = loss_fn(leaf, _float64(targets))
                loss.backward()
        except Exception:  # a loss that cannot take these: another check reports it
            return []
        if leaf.grad is None:
            return []
        grads.append(np.asarray(leaf.grad.array, dtype=np.float64))
    others = np.abs(grads[0][:-1] - grads[1][:-1])
    if not (others > 1e-12 * max(float(np.abs(grads[0]).max()), 1e-30)).any():
        return []
    n = int(y.shape[0])
    grown = int(np.prod(shape)) > max(pred.size, y.size)
    what = (
        f"the model outputs {tuple(pred.shape)} and the targets are {tuple(y.shape)}, which "
        f"broadcast into {tuple(shape)}"
        + (f": every prediction is compared with all {n} targets" if grown else "")
    )
    return [
        Finding(
            "loss-broadcast",
            "error",
            f"The loss pairs samples with the wrong targets: {what}. Changing one sample's "
            "target changes the gradient of the other samples' predictions, so the network "
            "learns towards the mean target instead of each sample's own.",
            f"Give predictions and targets the same shape before the loss: "
            f"pred.reshape({tuple(y.shape)}) or y.reshape({tuple(pred.shape)}) (e.g. "
            "pred.squeeze(1) for (N, 1) outputs and (N,) targets); the built-in losses "
            "(nn.MSELoss, ...) refuse mismatched shapes.",
            {
                "prediction_shape": list(pred.shape),
                "target_shape": list(y.shape),
                "broadcast_shape": list(shape),
            },
        )
    ]
