"""Checks of the model's own numbers before anything is run through it: weights that are NaN or
infinite make every output, loss and gradient meaningless, so they are the root cause to report
(not the loss or a backward that then disagrees with finite differences)."""

from __future__ import annotations

import numpy as np

from retrograd.diagnostics.checks.subject import Subject
from retrograd.diagnostics.report import Finding

__all__ = ["check_finite_weights"]


def check_finite_weights(subject: Subject) -> list[Finding]:
    """`weights-nonfinite`: NaN or infinite values in the model's parameters or buffers."""
    state = subject.model.state_dict()
    total = 0
    bad_total = 0
    bad_tensors: list[tuple[str, int, int]] = []
    for name, tensor in state.items():
        array = tensor.array
        total += int(array.size)
        if array.dtype.kind not in "fc":
            continue
        bad = int(array.size - np.count_nonzero(np.isfinite(array)))
        if bad:
            bad_total += bad
            bad_tensors.append((name, bad, int(array.size)))
    if not bad_tensors:
        return []
    first, count, size = bad_tensors[0]
    layer = first.rpartition(".")[0] or "the model itself"
    module = dict(subject.model.named_modules()).get(first.rpartition(".")[0])
    where = f"layer {layer} ({type(module).__name__})" if module is not None else layer
    tensors = ", ".join(f"{name} ({bad} of {size})" for name, bad, size in bad_tensors[:5])
    return [
        Finding(
            "weights-nonfinite",
            "error",
            f"The model's weights are not finite ({bad_total} of {total} values, first in "
            f"{where}: {first} has {count} of {size}); every output, loss and gradient is then "
            "NaN or infinite, so the other checks of the model were skipped. Non-finite tensors: "
            f"{tensors}.",
            "Training diverged or the weights were damaged: train again from a fresh "
            "initialisation (a lower learning rate, gradient clipping, scaled inputs), or load a "
            "checkpoint saved before the weights went bad.",
            {
                "nonfinite_values": bad_total,
                "values": total,
                "tensors": [name for name, _, _ in bad_tensors[:10]],
            },
        )
    ]
