"""`grad-not-zeroed`: a training step that never clears the gradients.

`backward()` adds into `.grad`, so a step without `optimizer.zero_grad()` follows the sum of
every gradient so far. The caller's `train_step(model, optimizer, loss_fn, X, y)` is run a few
times on copies; before each call the fresh gradient at the current weights is computed on a
separate copy. When the gradient the step leaves behind equals the previous one plus the fresh
one, the step accumulates.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from retrograd.autograd.grad_mode import enable_grad
from retrograd.diagnostics.checks.subject import Subject
from retrograd.diagnostics.report import Finding
from retrograd.nn.module import Module
from retrograd.optim import SGD

__all__ = ["check_grad_not_zeroed"]

CALLS = 4
SAMPLES = 64
MATCH = 1e-3  # relative distance for "equal" gradients


def _grads(model: Module) -> np.ndarray:
    parts = [
        np.zeros(p.numel()) if p.grad is None else np.asarray(p.grad.array, np.float64).reshape(-1)
        for p in model.parameters()
    ]
    return np.concatenate(parts) if parts else np.zeros(0)


def _close(a: np.ndarray, b: np.ndarray) -> bool:
    scale = max(float(np.linalg.norm(a)), float(np.linalg.norm(b)), 1e-30)
    return float(np.linalg.norm(a - b)) <= MATCH * scale


def check_grad_not_zeroed(subject: Subject) -> list[Finding]:
    if subject.train_step is None:
        return []
    model, optimizer = subject.copy_pair()
    if optimizer is None:
        optimizer = SGD(list(model.parameters()), lr=1e-3)
    loss_fn: Any = copy.deepcopy(subject.loss_fn)
    rows = subject.rows(SAMPLES, salt=14)
    X, y = subject.inputs(rows), subject.targets(rows)
    previous: np.ndarray | None = None
    norms, fresh_norms, accumulated = [], [], 0
    for call in range(CALLS):
        probe = copy.deepcopy(model)
        probe.zero_grad()
        subject.reseed(100 + call)
        with enable_grad():
            loss_fn(probe(X), y).backward()
        fresh = _grads(probe)
        subject.reseed(100 + call)
        with enable_grad():
            subject.train_step(model, optimizer, loss_fn, X, y)
        seen = _grads(model)
        norms.append(float(np.linalg.norm(seen)))
        fresh_norms.append(float(np.linalg.norm(fresh)))
        if (
            previous is not None
            and np.linalg.norm(previous) > 1e-2 * np.linalg.norm(fresh)
            and _close(seen, previous + fresh)
            and not _close(seen, fresh)
        ):
            accumulated += 1
        previous = seen
    evidence = {"grad_norm_after_step": norms, "fresh_grad_norm": fresh_norms, "calls": CALLS}
    if accumulated < CALLS - 2:
        return []
    return [
        Finding(
            "grad-not-zeroed",
            "error",
            f"The training step never clears the gradients: after each of {CALLS} calls the "
            "gradient equals the previous one plus the new one (norms "
            f"{', '.join(f'{n:.3g}' for n in norms)} against {fresh_norms[-1]:.3g} for one "
            "step), so every update follows the sum of all past gradients and overshoots.",
            "Call optimizer.zero_grad() (or model.zero_grad()) at the start of each step, before "
            "loss.backward().",
            evidence,
        )
    ]
